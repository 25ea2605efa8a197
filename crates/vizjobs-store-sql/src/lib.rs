//! The SQL backends of the vizjobs store: SQLite, one file on the server's disk (the embedded
//! default), and PostgreSQL, for deployments where several server replicas share one database.
//!
//! # Layout
//!
//! - `db/sqlite.rs`, `db/postgres.rs`: what is particular to each database: opening it
//!   (connection and pool settings), which of its errors mean "try later", its migrations
//!   (`migrations/{sqlite,postgres}/`, applied when the store opens), and its [`Dialect`];
//! - `dialect.rs`: the [`Dialect`] trait, the few real differences between the two dialects:
//!   `LIKE`/`ILIKE`, `MAX`/`GREATEST`, the bytewise collation, how a read-then-write
//!   transaction begins (`BEGIN IMMEDIATE` in SQLite) and how a snapshot read begins, the row lock
//!   of the quota check, and the three steps of the login throttle that each database does its
//!   own way (purge, attempt ids, per-key locks);
//! - `jobs.rs`, `auth.rs`: the [`JobStore`](vizjobs_store::JobStore) and
//!   [`AuthStore`](vizjobs_store::AuthStore) implementations, written once for both, with the
//!   query text both dialects accept (`$1` placeholders, which SQLite takes too);
//! - `rows.rs`: rows decoded once with `sqlx::FromRow` and turned into the model types;
//! - `statement.rs`: SQL text built with its arguments, for statements of varying shape;
//! - `error.rs`: driver errors as [`StoreError`](vizjobs_store::StoreError).
//!
//! # Why generic over the sqlx driver
//!
//! [`SqlStore<DB>`] is generic over the sqlx driver (`DB` is [`sqlx::Sqlite`] or
//! [`sqlx::Postgres`]), and its trait implementations are ordinary generic code, checked and
//! formatted like any other. The alternatives were worse: a macro stamping the shared code out
//! once per backend hides ~600 lines from rustfmt and gives errors in expanded code; sqlx's `Any`
//! driver has no arrays (the PostgreSQL advisory locks bind one), connects from a URL only (the
//! SQLite pragmas and the pool hook that drops a poisoned connection are per-driver options), and
//! leaves which backend it is to a run-time check. The price of generics is a list of bounds (the driver can execute, encode and decode the types
//! used) that Rust makes every generic `impl` restate; it is declarations, not logic.
//!
//! Invariants (see `vizjobs-store`): a write that returns `Ok` is durable (SQLite:
//! `synchronous=FULL`; PostgreSQL: `synchronous_commit=on`); job ids are never reused
//! (`AUTOINCREMENT`, an identity column); status changes and deletes are compare-and-set
//! statements; a job creation checks the quota in the transaction that inserts, serialized per
//! project (SQLite's single writer, a row lock in PostgreSQL); a login reservation counts and
//! records in one serialized step.

mod auth;
mod db;
mod dialect;
mod error;
mod jobs;
mod rows;
mod statement;

use sqlx::Pool;

pub use dialect::Dialect;

/// A store in a SQL database, through a pool of connections of the driver `DB`.
#[derive(Debug)]
pub struct SqlStore<DB: Dialect> {
    pool: Pool<DB>,
}

impl<DB: Dialect> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
        }
    }
}

impl<DB: Dialect> SqlStore<DB> {
    /// Waits for running statements and closes every connection (SQLite also checkpoints its
    /// WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A store kept in one SQLite database file: [`SqliteStore::open`].
pub type SqliteStore = SqlStore<sqlx::Sqlite>;

/// A store in a PostgreSQL database: [`PostgresStore::connect`],
/// [`PostgresStore::connect_with_schema`].
pub type PostgresStore = SqlStore<sqlx::Postgres>;
