-- How many jobs each project holds, kept by triggers, so that the quota check of a create reads
-- one row instead of counting the project's jobs (which grows with every job kept).
ALTER TABLE projects ADD COLUMN job_count INTEGER NOT NULL DEFAULT 0;

UPDATE projects SET job_count = (SELECT COUNT(*) FROM jobs WHERE jobs.project_id = projects.id);

CREATE TRIGGER jobs_counted_on_insert AFTER INSERT ON jobs
BEGIN
    UPDATE projects SET job_count = job_count + 1 WHERE id = NEW.project_id;
END;

-- Also fires for the jobs a project removal cascades to.
CREATE TRIGGER jobs_counted_on_delete AFTER DELETE ON jobs
BEGIN
    UPDATE projects SET job_count = job_count - 1 WHERE id = OLD.project_id;
END;
