-- wrk script for scripts/soak.sh: alternates GET details and GET list with the token, and paces
-- each connection with delay() so the total rate is steady (connections * 1000 / VJ_DELAY_MS).
local token = os.getenv("VJ_TOKEN")
local details = os.getenv("VJ_DETAILS")
local list = os.getenv("VJ_LIST")
local pause = tonumber(os.getenv("VJ_DELAY_MS") or "20")
local n = 0

request = function()
  n = n + 1
  local path = (n % 2 == 0) and details or list
  return wrk.format("GET", path, { ["X-Auth-Token"] = token })
end

delay = function()
  return pause
end

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
  end
end
