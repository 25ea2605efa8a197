//! Jobs: creation under quota, the filtered and sorted list, and compare-and-set changes.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};
use vizjobs_api::{JobStatus, ListQuery, SortKey, SortOrder};
use vizjobs_store::{JobChange, JobRecord, JobStore, NewJob, Result, StoreError};

use crate::PostgresStore;
use crate::error::{classify, corrupt, plain};

const JOB_COLUMNS: &str = "id, project_id, name, description, train_url, job_type, flavor, \
     schedule_hours, status, create_time_ms, run_ms_before, running_since_ms, stop_deadline_ms, \
     status_message";

fn job_from_row(row: &PgRow) -> Result<JobRecord> {
    let status_code: i32 = row.try_get("status").map_err(plain)?;
    let status = JobStatus::from_code(status_code)
        .ok_or_else(|| corrupt(format!("job status {status_code}")))?;
    let schedule_hours: i64 = row.try_get("schedule_hours").map_err(plain)?;
    Ok(JobRecord {
        id: row.try_get("id").map_err(plain)?,
        project_id: row.try_get("project_id").map_err(plain)?,
        name: row.try_get("name").map_err(plain)?,
        desc: row.try_get("description").map_err(plain)?,
        train_url: row.try_get("train_url").map_err(plain)?,
        job_type: row.try_get("job_type").map_err(plain)?,
        flavor: row.try_get("flavor").map_err(plain)?,
        schedule_hours: u32::try_from(schedule_hours)
            .map_err(|_| corrupt(format!("schedule of {schedule_hours} hours")))?,
        status,
        create_time_ms: row.try_get("create_time_ms").map_err(plain)?,
        run_ms_before: row.try_get("run_ms_before").map_err(plain)?,
        running_since_ms: row.try_get("running_since_ms").map_err(plain)?,
        stop_deadline_ms: row.try_get("stop_deadline_ms").map_err(plain)?,
        status_message: row.try_get("status_message").map_err(plain)?,
    })
}

/// `%text%` for `LIKE … ESCAPE '\'`, with the wildcards inside `text` matching only themselves.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The WHERE clause shared by the page and the count of `list_jobs`.
fn push_filter<'q>(qb: &mut QueryBuilder<'q, Postgres>, project_id: &'q str, query: &'q ListQuery) {
    qb.push(" WHERE project_id = ").push_bind(project_id);
    if !query.status.is_empty() {
        qb.push(" AND status IN (");
        let mut list = qb.separated(", ");
        for status in &query.status {
            list.push_bind(status.code());
        }
        list.push_unseparated(")");
    }
    if !query.search_content.is_empty() {
        qb.push(" AND name ILIKE ")
            .push_bind(contains_pattern(&query.search_content))
            .push(" ESCAPE '\\'");
    }
}

/// Appends the ORDER BY expression of a sort key. Text compares bytewise (`COLLATE "C"`), whatever
/// the database's locale, so the order is the same as SQLite's and Rust's `str` ordering.
fn push_sort_expression(qb: &mut QueryBuilder<'_, Postgres>, key: SortKey, now_ms: i64) {
    match key {
        SortKey::JobId => qb.push("id"),
        SortKey::JobName => qb.push("name COLLATE \"C\""),
        SortKey::JobDesc => qb.push("description COLLATE \"C\""),
        SortKey::CreateTime => qb.push("create_time_ms"),
        SortKey::Status => qb.push("status"),
        // JobRecord::duration_ms, in SQL.
        SortKey::Duration => qb
            .push("(run_ms_before + CASE WHEN running_since_ms IS NULL THEN 0 ELSE GREATEST(")
            .push_bind(now_ms)
            .push(" - running_since_ms, 0) END)"),
    };
}

#[async_trait]
impl JobStore for PostgresStore {
    async fn create_job(&self, job: NewJob, quota: i64) -> Result<JobRecord> {
        let mut tx = self.pool.begin().await.map_err(plain)?;
        // Creates for one project queue on its row; its job count (kept by a trigger, migration
        // 0002) then includes every job the previous holder of the lock committed. NO KEY UPDATE
        // does not block the key-share locks that foreign key checks of other writers take.
        let held: i64 =
            sqlx::query_scalar("SELECT job_count FROM projects WHERE id = $1 FOR NO KEY UPDATE")
                .bind(&job.project_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(plain)?
                .ok_or_else(|| StoreError::Missing(format!("project {:?}", job.project_id)))?;
        if held >= quota {
            return Err(StoreError::QuotaExceeded { limit: quota });
        }
        let status = JobStatus::Init;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO jobs (project_id, name, description, train_url, job_type, flavor, \
             schedule_hours, status, create_time_ms, run_ms_before, running_since_ms, \
             stop_deadline_ms, status_message) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, NULL, NULL, '') RETURNING id",
        )
        .bind(&job.project_id)
        .bind(&job.name)
        .bind(&job.desc)
        .bind(&job.train_url)
        .bind(&job.job_type)
        .bind(&job.flavor)
        .bind(i64::from(job.schedule_hours))
        .bind(status.code())
        .bind(job.create_time_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            classify(
                e,
                || "the job".to_owned(),
                || format!("project {:?}", job.project_id),
            )
        })?;
        tx.commit().await.map_err(plain)?;
        Ok(JobRecord {
            id,
            project_id: job.project_id,
            name: job.name,
            desc: job.desc,
            train_url: job.train_url,
            job_type: job.job_type,
            flavor: job.flavor,
            schedule_hours: job.schedule_hours,
            status,
            create_time_ms: job.create_time_ms,
            run_ms_before: 0,
            running_since_ms: None,
            stop_deadline_ms: None,
            status_message: String::new(),
        })
    }

    async fn get_job(&self, project_id: &str, id: i64) -> Result<Option<JobRecord>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND project_id = $2");
        sqlx::query(&sql)
            .bind(id)
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(plain)?
            .as_ref()
            .map(job_from_row)
            .transpose()
    }

    async fn list_jobs(
        &self,
        project_id: &str,
        query: &ListQuery,
        now_ms: i64,
    ) -> Result<(Vec<JobRecord>, i64)> {
        let per_page = i64::from(query.per_page);
        let offset = i64::from(query.page.saturating_sub(1)) * per_page;
        let direction = match query.order {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        };

        let mut page = QueryBuilder::<Postgres>::new("SELECT ");
        page.push(JOB_COLUMNS).push(" FROM jobs");
        push_filter(&mut page, project_id, query);
        page.push(" ORDER BY ");
        push_sort_expression(&mut page, query.sort_by, now_ms);
        page.push(format!(" {direction}, id {direction} LIMIT "))
            .push_bind(per_page)
            .push(" OFFSET ")
            .push_bind(offset);

        let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM jobs");
        push_filter(&mut count, project_id, query);

        // One snapshot for the page and the total.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(plain)?;
        let rows = page.build().fetch_all(&mut *tx).await.map_err(plain)?;
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&mut *tx)
            .await
            .map_err(plain)?;
        tx.commit().await.map_err(plain)?;
        let jobs = rows.iter().map(job_from_row).collect::<Result<Vec<_>>>()?;
        Ok((jobs, total))
    }

    async fn count_jobs(&self, project_id: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE project_id = $1")
            .bind(project_id)
            .fetch_one(&self.pool)
            .await
            .map_err(plain)
    }

    async fn update_job_desc(&self, project_id: &str, id: i64, desc: &str) -> Result<bool> {
        let done =
            sqlx::query("UPDATE jobs SET description = $1 WHERE id = $2 AND project_id = $3")
                .bind(desc)
                .bind(id)
                .bind(project_id)
                .execute(&self.pool)
                .await
                .map_err(plain)?;
        Ok(done.rows_affected() > 0)
    }

    async fn change_jobs(&self, changes: &[(i64, JobChange)]) -> Result<Vec<Option<JobRecord>>> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "UPDATE jobs SET status = $1, run_ms_before = $2, running_since_ms = $3, \
             stop_deadline_ms = $4, status_message = $5 \
             WHERE id = $6 AND status = $7 RETURNING {JOB_COLUMNS}"
        );
        let mut tx = self.pool.begin().await.map_err(plain)?;
        let mut outcomes = Vec::with_capacity(changes.len());
        for (id, change) in changes {
            let row = sqlx::query(&sql)
                .bind(change.status.code())
                .bind(change.run_ms_before)
                .bind(change.running_since_ms)
                .bind(change.stop_deadline_ms)
                .bind(&change.status_message)
                .bind(id)
                .bind(change.expected.code())
                .fetch_optional(&mut *tx)
                .await
                .map_err(plain)?;
            outcomes.push(row.as_ref().map(job_from_row).transpose()?);
        }
        tx.commit().await.map_err(plain)?;
        Ok(outcomes)
    }

    async fn delete_job(&self, project_id: &str, id: i64, expected: JobStatus) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM jobs WHERE id = $1 AND project_id = $2 AND status = $3")
                .bind(id)
                .bind(project_id)
                .bind(expected.code())
                .execute(&self.pool)
                .await
                .map_err(plain)?;
        Ok(done.rows_affected() > 0)
    }

    async fn jobs_in_status(&self, statuses: &[JobStatus]) -> Result<Vec<JobRecord>> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<Postgres>::new("SELECT ");
        qb.push(JOB_COLUMNS).push(" FROM jobs WHERE status IN (");
        let mut list = qb.separated(", ");
        for status in statuses {
            list.push_bind(status.code());
        }
        list.push_unseparated(") ORDER BY id");
        let rows = qb.build().fetch_all(&self.pool).await.map_err(plain)?;
        rows.iter().map(job_from_row).collect()
    }

    async fn get_job_any_project(&self, id: i64) -> Result<Option<JobRecord>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(plain)?
            .as_ref()
            .map(job_from_row)
            .transpose()
    }

    async fn count_by_status(&self) -> Result<Vec<(JobStatus, i64)>> {
        let rows: Vec<(i32, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await
                .map_err(plain)?;
        rows.into_iter()
            .map(|(code, n)| {
                JobStatus::from_code(code)
                    .map(|s| (s, n))
                    .ok_or_else(|| corrupt(format!("job status {code}")))
            })
            .collect()
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn wildcards_are_escaped() {
        assert_eq!(contains_pattern("a_b"), r"%a\_b%");
        assert_eq!(contains_pattern(r"50%\"), r"%50\%\\%");
        assert_eq!(contains_pattern("plain"), "%plain%");
    }
}
