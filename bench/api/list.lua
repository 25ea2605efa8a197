-- GET a page of 100 jobs with an IAM token.
-- Env: VJ_TOKEN (X-Auth-Token), VJ_PATH (/v1/{project_id}/visualization-jobs?per_page=100).
wrk.method = "GET"
wrk.path = os.getenv("VJ_PATH")
wrk.headers["X-Auth-Token"] = os.getenv("VJ_TOKEN")
