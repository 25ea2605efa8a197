-- How many jobs each project holds, kept by a trigger, so that the quota check of a create reads
-- one row instead of counting the project's jobs (which grows with every job kept).
ALTER TABLE projects ADD COLUMN job_count BIGINT NOT NULL DEFAULT 0;

UPDATE projects SET job_count = (SELECT COUNT(*) FROM jobs WHERE jobs.project_id = projects.id);

CREATE FUNCTION jobs_count_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE projects SET job_count = job_count + 1 WHERE id = NEW.project_id;
    ELSE
        UPDATE projects SET job_count = job_count - 1 WHERE id = OLD.project_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_counted AFTER INSERT OR DELETE ON jobs
    FOR EACH ROW EXECUTE FUNCTION jobs_count_project();
