-- GET one job's details with an IAM token.
-- Env: VJ_TOKEN (X-Auth-Token), VJ_PATH (/v1/{project_id}/visualization-jobs/{job_id}).
wrk.method = "GET"
wrk.path = os.getenv("VJ_PATH")
wrk.headers["X-Auth-Token"] = os.getenv("VJ_TOKEN")
