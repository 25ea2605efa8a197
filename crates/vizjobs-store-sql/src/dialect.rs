//! What differs between the two SQL dialects, and nothing else.
//!
//! Everything here is a piece of SQL text or one small step; the logic around them (what is
//! read, checked and written, in which transaction) is written once, in `jobs.rs` and `auth.rs`.

use std::future::Future;

use sqlx::Database;
use vizjobs_store::Result;

/// A sqlx driver the store runs on ([`sqlx::Sqlite`] or [`sqlx::Postgres`]), with its dialect.
///
/// Sealed: implemented in `db/sqlite.rs` and `db/postgres.rs`, nowhere else.
pub trait Dialect: Database + private::Sealed {
    /// `LIKE … ESCAPE '\'` ignoring ASCII case (every character a job name may hold):
    /// SQLite's `LIKE` does, PostgreSQL needs `ILIKE`.
    const LIKE_IGNORING_ASCII_CASE: &'static str;
    /// The two-argument maximum: `MAX` in SQLite, `GREATEST` in PostgreSQL.
    const GREATEST: &'static str;
    /// A collation that compares text bytewise (as Rust's `str` ordering does), whatever the
    /// database's locale: `BINARY` in SQLite, `"C"` in PostgreSQL.
    const BYTEWISE: &'static str;
    /// Starts a transaction that reads, then writes what it read decides (a quota check, a
    /// login reservation). SQLite takes its one write lock up front (`BEGIN IMMEDIATE`), so two of
    /// them never interleave nor deadlock on a lock upgrade; PostgreSQL locks rows instead.
    const BEGIN_WRITE: &'static str;
    /// Starts a read-only transaction that sees one snapshot for all its statements.
    const BEGIN_SNAPSHOT: &'static str;
    /// Appended to the read of a project's job count in `create_job`: PostgreSQL locks the row
    /// (`FOR NO KEY UPDATE`) so that creates for one project queue on it; SQLite's
    /// [`Dialect::BEGIN_WRITE`] already serializes them.
    const LOCK_PROJECT_ROW: &'static str;
    /// Deletes at most `$2` login attempts at or before `$1`.
    const PURGE_LOGIN_ATTEMPTS: &'static str;
    /// Draws a login attempt id that was never handed out (a one-row counter in SQLite, a
    /// sequence in PostgreSQL).
    const NEXT_LOGIN_ATTEMPT_ID: &'static str;

    /// How many rows a statement changed.
    fn rows_affected(done: &Self::QueryResult) -> u64;

    /// Makes the rest of the transaction on `conn` the only one touching these login-throttling
    /// keys (`keys` are distinct): SQLite's [`Dialect::BEGIN_WRITE`] already is, PostgreSQL
    /// takes an advisory lock per key.
    fn lock_login_keys(
        conn: &mut Self::Connection,
        keys: &[&[u8]],
    ) -> impl Future<Output = Result<()>> + Send;
}

pub(crate) mod private {
    pub trait Sealed {}
    impl Sealed for sqlx::Sqlite {}
    impl Sealed for sqlx::Postgres {}
}
