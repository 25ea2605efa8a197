//! The SQLite backend of the vizjobs store: one file on the server's disk, the embedded default.
//!
//! Durability and concurrency settings, applied to every pooled connection:
//! - `journal_mode=WAL`: readers never block the writer nor each other;
//! - `synchronous=FULL`: a commit returns only after the WAL is synced, so an acknowledged write
//!   survives `kill -9` and power loss alike;
//! - `foreign_keys=ON`: jobs, keys and tokens reference their project/user and go with it;
//! - a busy timeout, so that writers queue for the single write lock instead of failing.
//!
//! Transactions that read before they write (the quota check of `create_job`) start with
//! `BEGIN IMMEDIATE`, taking the write lock up front: two of them cannot interleave, and SQLite
//! never has to abort one to break a lock upgrade deadlock.
//!
//! The schema lives in `migrations/` and is applied when the store opens.

mod auth;
mod error;
mod jobs;

use std::path::Path;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use vizjobs_store::StoreError;

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a free pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// SQLite has one writer at a time; a few connections are enough for concurrent readers.
const MAX_CONNECTIONS: u32 = 4;

/// A store kept in one SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the database at `path`, creating the file (and its parent directory) if missing, and
    /// brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
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
            .connect_with(options)
            .await
            .map_err(|e| match error::plain(e) {
                StoreError::Other(msg) => {
                    StoreError::Unavailable(format!("cannot open {}: {msg}", path.display()))
                }
                other => other,
            })?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrating {}: {e}", path.display())))?;
        tracing::debug!(path = %path.display(), "opened the SQLite store");
        Ok(Self { pool })
    }

    /// Waits for running statements and closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
