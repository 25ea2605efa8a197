//! Translation of driver errors into [`StoreError`], for both backends.
//!
//! The server answers 503 for [`StoreError::Unavailable`], so that class holds exactly the
//! failures a retry may cure: no connection in time, I/O and TLS errors, and the database
//! answers each backend counts as "try later" (`db::sqlite::is_transient`,
//! `db::postgres::is_transient`: the error itself tells which driver it came from).

use sqlx::error::{DatabaseError, ErrorKind};
use vizjobs_store::StoreError;

use crate::db;

/// Maps a driver error of a write: `taken` names the row whose unique key was already there,
/// `missing` the referenced rows (e.g. `project "p1"`), for the messages.
pub(crate) fn classify(
    err: sqlx::Error,
    taken: impl FnOnce() -> String,
    missing: impl FnOnce() -> String,
) -> StoreError {
    match err {
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation => StoreError::Conflict(taken()),
            ErrorKind::ForeignKeyViolation => StoreError::Missing(missing()),
            _ if is_transient(&*db) => StoreError::Unavailable(db.to_string()),
            _ => StoreError::Other(db.to_string()),
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.to_string()),
        other => StoreError::Other(other.to_string()),
    }
}

fn is_transient(err: &dyn DatabaseError) -> bool {
    db::sqlite::is_transient(err) || db::postgres::is_transient(err)
}

/// Maps a driver error where no unique or foreign key can be violated.
pub(crate) fn plain(err: sqlx::Error) -> StoreError {
    classify(
        err,
        || "the row".to_owned(),
        || "a referenced row".to_owned(),
    )
}

/// A row that does not decode into the model (a value written by something else).
pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("unexpected value in the database: {what}"))
}
