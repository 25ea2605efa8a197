//! The storage contract of vizjobs.
//!
//! One trait, [`Store`], implemented for SQLite and PostgreSQL by `vizjobs-store-sql`. Backends are deliberately dumb: they persist rows, filter and sort,
//! and offer compare-and-set updates. Every rule about *what* may change (the job lifecycle,
//! quotas, who may see what) lives in the server, written once, so both backends behave alike.
//!
//! Invariants every backend keeps:
//! - a write that returns `Ok` is durable (it survives `kill -9` of the process);
//! - job ids are unique within a database and never reused, even after a delete;
//! - compare-and-set methods change a row only if it is still in the expected status, so several
//!   replicas sharing one database never apply the same transition twice.
//! - a login attempt is reserved (counted against its throttling keys) in the same atomic step
//!   that checks the limit, so concurrent guesses, even on several replicas, never get more
//!   grants than the limit.

mod auth;
#[cfg(feature = "conformance")]
pub mod conformance;
mod job;

pub use auth::{AccessKey, AuthStore, LoginReservation, Project, TokenKind, TokenRecord, User};
pub use job::{JobChange, JobRecord, JobStore, NewJob};

/// Everything the server needs from a database.
pub trait Store: JobStore + AuthStore + Send + Sync + 'static {}
impl<T: JobStore + AuthStore + Send + Sync + 'static> Store for T {}

/// What can go wrong in a backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The project already holds its quota of jobs.
    #[error("the project's job quota ({limit}) is used up")]
    QuotaExceeded { limit: i64 },
    /// A unique key (user name, project id or name, access key) is taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// A referenced row (project, user) does not exist.
    #[error("{0} does not exist")]
    Missing(String),
    /// The database cannot be reached or refused the operation.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else the driver reported.
    #[error("database error: {0}")]
    Other(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
