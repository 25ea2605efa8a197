//! SQLite: one file on the server's disk, the embedded default.
//!
//! Durability and concurrency settings, applied to every pooled connection:
//! - `journal_mode=WAL`: readers never block the writer nor each other;
//! - `synchronous=FULL`: a commit returns only after the WAL is synced, so an acknowledged write
//!   survives `kill -9` and power loss alike;
//! - `foreign_keys=ON`: jobs, keys and tokens reference their project/user and go with it;
//! - a busy timeout, so that writers queue for the single write lock instead of failing.
//!
//! Transactions that read before they write (the quota check of `create_job`, a login
//! reservation) start with `BEGIN IMMEDIATE`, taking the write lock up front: two of them cannot
//! interleave, and SQLite never has to abort one to break a lock upgrade deadlock.
//!
//! The schema lives in `migrations/sqlite/` and is applied when the store opens.

use std::path::Path;
use std::time::Duration;

use sqlx::error::DatabaseError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteError, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};
use sqlx::{Connection, Sqlite, SqliteConnection};
use vizjobs_store::{Result, StoreError};

use crate::{Dialect, SqlStore, error};

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a free pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// SQLite has one writer at a time; a few connections are enough for concurrent readers.
const MAX_CONNECTIONS: u32 = 4;

/// SQLite's primary result codes (the low byte of an extended code) that mean "try later".
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_IOERR: i64 = 10;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;

impl Dialect for Sqlite {
    // SQLite's LIKE folds ASCII case.
    const LIKE_IGNORING_ASCII_CASE: &'static str = "LIKE";
    const GREATEST: &'static str = "MAX";
    const BYTEWISE: &'static str = "BINARY";
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    // A read transaction keeps one snapshot of the WAL from its first read.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN";
    const LOCK_PROJECT_ROW: &'static str = "";
    const PURGE_LOGIN_ATTEMPTS: &'static str = "DELETE FROM login_attempts WHERE rowid IN \
         (SELECT rowid FROM login_attempts WHERE at_ms <= $1 LIMIT $2)";
    // A counter rather than MAX(attempt_id) + 1 (migration 0003): ids of purged attempts never
    // come back.
    const NEXT_LOGIN_ATTEMPT_ID: &'static str =
        "UPDATE login_attempt_ids SET last_id = last_id + 1 RETURNING last_id";

    fn rows_affected(done: &SqliteQueryResult) -> u64 {
        done.rows_affected()
    }

    async fn lock_login_keys(_conn: &mut SqliteConnection, _keys: &[&[u8]]) -> Result<()> {
        // `BEGIN IMMEDIATE` holds the database's one write lock already.
        Ok(())
    }
}

/// Whether a SQLite error means "try later" (busy or locked once the busy timeout has run out,
/// I/O errors, a full disk, a file that cannot be opened).
pub(crate) fn is_transient(err: &dyn DatabaseError) -> bool {
    let Some(err) = err.try_downcast_ref::<SqliteError>() else {
        return false;
    };
    let primary = err
        .code()
        .and_then(|c| c.parse::<i64>().ok())
        .map(|c| c & 0xff);
    matches!(
        primary,
        Some(SQLITE_BUSY | SQLITE_LOCKED | SQLITE_IOERR | SQLITE_FULL | SQLITE_CANTOPEN)
    )
}

impl SqlStore<Sqlite> {
    /// Opens the database at `path`, creating the file (and its parent directory) if missing, and
    /// brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // On SQLITE_FULL or an I/O error SQLite may roll a transaction back by itself; the
            // ROLLBACK sqlx then sends fails, sqlx keeps counting the transaction as open, and
            // every later BEGIN on that connection fails. Such a connection is closed instead of
            // going back to the pool (the ping orders after the queued rollback). This runs in
            // the background task that returns a connection, not on the request path.
            .after_release(|conn, _meta| {
                Box::pin(async move {
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| match error::plain(e) {
                StoreError::Other(msg) => {
                    StoreError::Unavailable(format!("cannot open {}: {msg}", path.display()))
                }
                other => other,
            })?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrating {}: {e}", path.display())))?;
        tracing::debug!(path = %path.display(), "opened the SQLite store");
        Ok(Self { pool })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;

    /// The durability settings are per connection: every pooled connection must carry them.
    #[tokio::test]
    async fn every_connection_is_durable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("a/b/store.db"))
            .await
            .expect("open");
        let mut held = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            let mut conn = store.pool.acquire().await.expect("connection");
            let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut *conn)
                .await
                .expect("journal_mode");
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut *conn)
                .await
                .expect("synchronous");
            let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&mut *conn)
                .await
                .expect("foreign_keys");
            let busy_ms: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
                .fetch_one(&mut *conn)
                .await
                .expect("busy_timeout");
            assert_eq!(journal.to_lowercase(), "wal");
            assert_eq!(synchronous, 2, "FULL");
            assert_eq!(foreign_keys, 1);
            assert_eq!(busy_ms, BUSY_TIMEOUT.as_millis() as i64);
            held.push(conn);
        }
        drop(held);
        store.close().await;
    }

    #[tokio::test]
    async fn reopening_keeps_data_and_schema() {
        use vizjobs_store::{AuthStore, JobStore};
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.db");
        let store = SqliteStore::open(&path).await.expect("open");
        store
            .put_setting_if_absent("check", "v1")
            .await
            .expect("put");
        store.close().await;
        let again = SqliteStore::open(&path).await.expect("reopen");
        assert_eq!(
            again.get_setting("check").await.unwrap().as_deref(),
            Some("v1")
        );
        again.ping().await.expect("ping");
    }

    #[tokio::test]
    async fn an_unusable_path_is_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"not a directory").expect("write");
        let outcome = SqliteStore::open(&file.join("store.db")).await;
        assert!(
            matches!(outcome, Err(StoreError::Unavailable(_))),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn a_closed_store_is_unavailable() {
        use vizjobs_store::JobStore;
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("store.db"))
            .await
            .expect("open");
        store.ping().await.expect("ping while open");
        store.close().await;
        let outcome = store.ping().await;
        assert!(
            matches!(outcome, Err(StoreError::Unavailable(_))),
            "{outcome:?}"
        );
    }

    /// A job type this version does not know (written by something else) is an error, not a
    /// panic; a known one written as text by an older version reads back.
    #[tokio::test]
    async fn stored_job_types_are_checked() {
        use vizjobs_api::JobType;
        use vizjobs_store::{AuthStore, JobStore, Project};
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("store.db"))
            .await
            .expect("open");
        let project = Project {
            id: "p".into(),
            name: "p".into(),
            account: "a".into(),
            job_quota: None,
            created_ms: 0,
        };
        store.create_project(&project).await.expect("project");
        for (id, job_type) in [(1, "mindinsight"), (2, "pytorch")] {
            sqlx::query(
                "INSERT INTO jobs (id, project_id, name, description, train_url, job_type, \
                 schedule_hours, status, create_time_ms, run_ms_before, status_message) \
                 VALUES ($1, 'p', 'j', '', '/logs/', $2, 0, 0, 0, 0, '')",
            )
            .bind(id)
            .bind(job_type)
            .execute(&store.pool)
            .await
            .expect("insert");
        }
        let known = store.get_job("p", 1).await.expect("known type");
        assert_eq!(known.map(|j| j.job_type), Some(JobType::Mindinsight));
        let unknown = store.get_job("p", 2).await;
        assert!(matches!(unknown, Err(StoreError::Other(_))), "{unknown:?}");
        store.close().await;
    }
}
