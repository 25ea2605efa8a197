//! Jobs: creation under quota, the filtered and sorted list, and compare-and-set changes.

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};
use vizjobs_api::{JobStatus, ListQuery, SortKey, SortOrder};
use vizjobs_store::{JobChange, JobRecord, JobStore, NewJob, Result, StoreError};

use crate::error::{classify, plain};
use crate::rows::{JOB_COLUMNS, JobRow, job_status};
use crate::statement::Statement;
use crate::{Dialect, SqlStore};

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
fn push_filter<'q, DB>(qb: &mut Statement<'q, DB>, project_id: &'q str, query: &'q ListQuery)
where
    DB: Dialect,
    &'q str: Encode<'q, DB> + Type<DB>,
    i32: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
{
    qb.push(" WHERE project_id = ").push_bind(project_id);
    if !query.status.is_empty() {
        qb.push(" AND status IN ")
            .push_bind_list(query.status.iter().map(|s| s.code()));
    }
    if !query.search_content.is_empty() {
        qb.push(format!(" AND name {} ", DB::LIKE_IGNORING_ASCII_CASE))
            .push_bind(contains_pattern(&query.search_content))
            .push(" ESCAPE '\\'");
    }
}

/// Appends the ORDER BY expression of a sort key. Text compares bytewise, so the order is the
/// same on both backends and as Rust's `str` ordering.
fn push_sort_expression<'q, DB>(qb: &mut Statement<'q, DB>, key: SortKey, now_ms: i64)
where
    DB: Dialect,
    i64: Encode<'q, DB> + Type<DB>,
{
    match key {
        SortKey::JobId => qb.push("id"),
        SortKey::JobName => qb.push(format!("name COLLATE {}", DB::BYTEWISE)),
        SortKey::JobDesc => qb.push(format!("description COLLATE {}", DB::BYTEWISE)),
        SortKey::CreateTime => qb.push("create_time_ms"),
        SortKey::Status => qb.push("status"),
        // JobRecord::duration_ms, in SQL.
        SortKey::Duration => qb
            .push(format!(
                "(run_ms_before + CASE WHEN running_since_ms IS NULL THEN 0 ELSE {}(",
                DB::GREATEST
            ))
            .push_bind(now_ms)
            .push(" - running_since_ms, 0) END)"),
    };
}

/// Decodes rows of [`JOB_COLUMNS`].
fn jobs(rows: Vec<JobRow>) -> Result<Vec<JobRecord>> {
    rows.into_iter().map(JobRecord::try_from).collect()
}

#[async_trait]
impl<DB> JobStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q, 'r> i64: Encode<'q, DB> + Decode<'r, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'r> JobRow: sqlx::FromRow<'r, DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    async fn create_job(&self, job: NewJob, quota: i64) -> Result<JobRecord> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await.map_err(plain)?;
        // Kept by triggers (migration 0002). Creates for one project are serialized (see
        // `Dialect::LOCK_PROJECT_ROW`), so the count includes every job the one before committed.
        let held: i64 = sqlx::query_scalar(&format!(
            "SELECT job_count FROM projects WHERE id = $1{}",
            DB::LOCK_PROJECT_ROW
        ))
        .bind(job.project_id.as_str())
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
        .bind(job.project_id.as_str())
        .bind(job.name.as_str())
        .bind(job.desc.as_str())
        .bind(job.train_url.as_str())
        .bind(job.job_type.as_str())
        .bind(job.flavor.as_deref())
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
        sqlx::query_as::<_, JobRow>(&sql)
            .bind(id)
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(plain)?
            .map(JobRecord::try_from)
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

        let mut page = Statement::<DB>::new(format!("SELECT {JOB_COLUMNS} FROM jobs"));
        push_filter(&mut page, project_id, query);
        page.push(" ORDER BY ");
        push_sort_expression(&mut page, query.sort_by, now_ms);
        page.push(format!(" {direction}, id {direction} LIMIT "))
            .push_bind(per_page)
            .push(" OFFSET ")
            .push_bind(offset);
        let (page, page_args) = page.finish()?;

        let mut count = Statement::<DB>::new("SELECT COUNT(*) FROM jobs");
        push_filter(&mut count, project_id, query);
        let (count, count_args) = count.finish()?;

        // One snapshot for the page and the total.
        let mut tx = self
            .pool
            .begin_with(DB::BEGIN_SNAPSHOT)
            .await
            .map_err(plain)?;
        let rows: Vec<JobRow> = sqlx::query_as_with(&page, page_args)
            .fetch_all(&mut *tx)
            .await
            .map_err(plain)?;
        let total: i64 = sqlx::query_scalar_with(&count, count_args)
            .fetch_one(&mut *tx)
            .await
            .map_err(plain)?;
        tx.commit().await.map_err(plain)?;
        Ok((jobs(rows)?, total))
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
        Ok(DB::rows_affected(&done) > 0)
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
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await.map_err(plain)?;
        let mut outcomes = Vec::with_capacity(changes.len());
        for (id, change) in changes {
            let row = sqlx::query_as::<_, JobRow>(&sql)
                .bind(change.status.code())
                .bind(change.run_ms_before)
                .bind(change.running_since_ms)
                .bind(change.stop_deadline_ms)
                .bind(change.status_message.as_str())
                .bind(*id)
                .bind(change.expected.code())
                .fetch_optional(&mut *tx)
                .await
                .map_err(plain)?;
            outcomes.push(row.map(JobRecord::try_from).transpose()?);
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
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn jobs_in_status(&self, statuses: &[JobStatus]) -> Result<Vec<JobRecord>> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb =
            Statement::<DB>::new(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE status IN "));
        qb.push_bind_list(statuses.iter().map(|s| s.code()))
            .push(" ORDER BY id");
        let (sql, args) = qb.finish()?;
        let rows: Vec<JobRow> = sqlx::query_as_with(&sql, args)
            .fetch_all(&self.pool)
            .await
            .map_err(plain)?;
        jobs(rows)
    }

    async fn count_by_status(&self) -> Result<Vec<(JobStatus, i64)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT CAST(status AS BIGINT), COUNT(*) FROM jobs GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(plain)?;
        rows.into_iter()
            .map(|(code, n)| Ok((job_status(code)?, n)))
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
