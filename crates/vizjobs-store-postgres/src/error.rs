//! Translation of driver errors into [`StoreError`].
//!
//! The server answers 503 for [`StoreError::Unavailable`], so that class holds exactly the
//! failures a retry may cure: no connection in time, I/O and TLS errors, and the SQLSTATE classes
//! of a server that is unreachable, overloaded or shutting down.

use sqlx::error::ErrorKind;
use vizjobs_store::StoreError;

/// SQLSTATE prefixes meaning "try later": connection exceptions (08), insufficient resources
/// (53, e.g. too many connections) and operator intervention (57P, shutdown in progress).
const UNAVAILABLE_STATES: [&str; 3] = ["08", "53", "57P"];

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
                let transient = db
                    .code()
                    .is_some_and(|code| UNAVAILABLE_STATES.iter().any(|p| code.starts_with(p)));
                if transient {
                    StoreError::Unavailable(db.to_string())
                } else {
                    StoreError::Other(db.to_string())
                }
            }
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
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
