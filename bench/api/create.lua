-- POST a create with a name unique across threads and runs.
-- Env: VJ_TOKEN (X-Auth-Token), VJ_PATH (/v1/{project_id}/visualization-jobs),
--      VJ_TRAIN_URL (a logs folder under the server's log root), VJ_RUN (a short run tag).
-- Names are "<run>t<thread>_<n>": at most 20 characters of [A-Za-z0-9_] for any realistic n.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

function init(args)
  run = os.getenv("VJ_RUN") or "r"
  token = os.getenv("VJ_TOKEN")
  path = os.getenv("VJ_PATH")
  train_url = os.getenv("VJ_TRAIN_URL")
  headers = { ["X-Auth-Token"] = token, ["Content-Type"] = "application/json" }
end

function request()
  counter = counter + 1
  local name = string.format("%st%d_%d", run, thread_no, counter)
  local body = string.format('{"job_name":"%s","train_url":"%s"}', name, train_url)
  return wrk.format("POST", path, headers, body)
end
