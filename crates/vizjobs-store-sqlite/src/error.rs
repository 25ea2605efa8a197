//! Translation of driver errors into [`StoreError`].
//!
//! The server answers 503 for [`StoreError::Unavailable`], so that class holds exactly the
//! failures a retry may cure: no connection in time, I/O errors, and SQLite's "busy"/"locked"
//! answers once the busy timeout has run out.

use sqlx::error::ErrorKind;
use vizjobs_store::StoreError;

/// SQLite's primary result codes (the low byte of an extended code) that mean "try later".
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_IOERR: i64 = 10;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;

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
            _ => {
                let primary = db
                    .code()
                    .and_then(|c| c.parse::<i64>().ok())
                    .map(|c| c & 0xff);
                match primary {
                    Some(
                        SQLITE_BUSY | SQLITE_LOCKED | SQLITE_IOERR | SQLITE_FULL | SQLITE_CANTOPEN,
                    ) => StoreError::Unavailable(db.to_string()),
                    _ => StoreError::Other(db.to_string()),
                }
            }
        },
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.to_string()),
        other => StoreError::Other(other.to_string()),
    }
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
