//! Rows as the tables hold them, decoded once with `sqlx::FromRow` (for either backend), and
//! their conversion into the model of `vizjobs-store` (which knows nothing of sqlx).
//!
//! The integer columns are `BIGINT` except `jobs.status` (`INTEGER` in PostgreSQL), so the job
//! queries read it as `CAST(status AS BIGINT)`: every integer then decodes as an `i64` on both
//! backends, and an out-of-range value is reported, never truncated.

use vizjobs_api::{JobStatus, JobType};
use vizjobs_store::{AccessKey, JobRecord, Project, Result, TokenKind, TokenRecord, User};

use crate::error::corrupt;

pub(crate) const PROJECT_COLUMNS: &str = "id, name, account, job_quota, created_ms";
pub(crate) const USER_COLUMNS: &str =
    "id, account, name, password_hash, password_changed_ms, created_ms";
pub(crate) const KEY_COLUMNS: &str =
    "access_key, user_id, project_id, secret_ciphertext, created_ms";
pub(crate) const TOKEN_COLUMNS: &str =
    "token_hash, kind, user_id, project_id, label, issued_ms, expires_ms";
pub(crate) const JOB_COLUMNS: &str = "id, project_id, name, description, train_url, job_type, \
     flavor, schedule_hours, CAST(status AS BIGINT) AS status, create_time_ms, run_ms_before, \
     running_since_ms, stop_deadline_ms, status_message";

/// A stored status code as a [`JobStatus`].
pub(crate) fn job_status(code: i64) -> Result<JobStatus> {
    i32::try_from(code)
        .ok()
        .and_then(JobStatus::from_code)
        .ok_or_else(|| corrupt(format!("job status {code}")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProjectRow {
    id: String,
    name: String,
    account: String,
    job_quota: Option<i64>,
    created_ms: i64,
}

impl From<ProjectRow> for Project {
    fn from(row: ProjectRow) -> Self {
        Project {
            id: row.id,
            name: row.name,
            account: row.account,
            job_quota: row.job_quota,
            created_ms: row.created_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    account: String,
    name: String,
    password_hash: String,
    password_changed_ms: i64,
    created_ms: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: row.id,
            account: row.account,
            name: row.name,
            password_hash: row.password_hash,
            password_changed_ms: row.password_changed_ms,
            created_ms: row.created_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct KeyRow {
    access_key: String,
    user_id: String,
    project_id: String,
    secret_ciphertext: Vec<u8>,
    created_ms: i64,
}

impl From<KeyRow> for AccessKey {
    fn from(row: KeyRow) -> Self {
        AccessKey {
            access_key: row.access_key,
            user_id: row.user_id,
            project_id: row.project_id,
            secret_ciphertext: row.secret_ciphertext,
            created_ms: row.created_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    token_hash: String,
    kind: String,
    user_id: Option<String>,
    project_id: String,
    label: String,
    issued_ms: i64,
    expires_ms: Option<i64>,
}

impl TryFrom<TokenRow> for TokenRecord {
    type Error = vizjobs_store::StoreError;

    fn try_from(row: TokenRow) -> Result<Self> {
        let kind = TokenKind::parse(&row.kind)
            .ok_or_else(|| corrupt(format!("token kind {:?}", row.kind)))?;
        Ok(TokenRecord {
            token_hash: row.token_hash,
            kind,
            user_id: row.user_id,
            project_id: row.project_id,
            label: row.label,
            issued_ms: row.issued_ms,
            expires_ms: row.expires_ms,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: i64,
    project_id: String,
    name: String,
    description: String,
    train_url: String,
    job_type: String,
    flavor: Option<String>,
    schedule_hours: i64,
    status: i64,
    create_time_ms: i64,
    run_ms_before: i64,
    running_since_ms: Option<i64>,
    stop_deadline_ms: Option<i64>,
    status_message: String,
}

impl TryFrom<JobRow> for JobRecord {
    type Error = vizjobs_store::StoreError;

    fn try_from(row: JobRow) -> Result<Self> {
        let job_type = JobType::parse(&row.job_type)
            .ok_or_else(|| corrupt(format!("job type {:?}", row.job_type)))?;
        let schedule_hours = u32::try_from(row.schedule_hours)
            .map_err(|_| corrupt(format!("schedule of {} hours", row.schedule_hours)))?;
        Ok(JobRecord {
            id: row.id,
            project_id: row.project_id,
            name: row.name,
            desc: row.description,
            train_url: row.train_url,
            job_type,
            flavor: row.flavor,
            schedule_hours,
            status: job_status(row.status)?,
            create_time_ms: row.create_time_ms,
            run_ms_before: row.run_ms_before,
            running_since_ms: row.running_since_ms,
            stop_deadline_ms: row.stop_deadline_ms,
            status_message: row.status_message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vizjobs_store::StoreError;

    fn row() -> JobRow {
        JobRow {
            id: 7,
            project_id: "p".into(),
            name: "j".into(),
            description: String::new(),
            train_url: "/logs/".into(),
            job_type: "mindinsight".into(),
            flavor: None,
            schedule_hours: 2,
            status: JobStatus::Running.code().into(),
            create_time_ms: 1,
            run_ms_before: 0,
            running_since_ms: Some(5),
            stop_deadline_ms: None,
            status_message: String::new(),
        }
    }

    #[test]
    fn a_stored_job_type_reads_back_as_its_enum() {
        let job = JobRecord::try_from(row()).expect("decodes");
        assert_eq!(job.job_type, JobType::Mindinsight);
        assert_eq!(job.status, JobStatus::Running);
    }

    #[test]
    fn unexpected_values_are_errors_not_panics() {
        let unknown_type = JobRow {
            job_type: "pytorch".into(),
            ..row()
        };
        let wide_status = JobRow {
            status: i64::from(i32::MAX) + 1,
            ..row()
        };
        let negative_schedule = JobRow {
            schedule_hours: -1,
            ..row()
        };
        for bad in [unknown_type, wide_status, negative_schedule] {
            let outcome = JobRecord::try_from(bad);
            assert!(matches!(outcome, Err(StoreError::Other(_))), "{outcome:?}");
        }
    }
}
