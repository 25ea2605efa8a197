//! PostgreSQL, for deployments where several server replicas share one database.
//!
//! Tables live in the first schema of the connection's `search_path`. Two ways to choose it:
//! - [`PostgresStore::connect_with_schema`](crate::PostgresStore::connect_with_schema) creates
//!   the schema if missing and pins every pooled connection to it (the tests use one fresh schema
//!   each);
//! - with a plain URL, through libpq's `options` parameter, e.g.
//!   `postgres://vizjobs@db/vizjobs?options=-csearch_path%3Dvizjobs` (the schema must exist).
//!
//! Concurrency: a job creation locks its project's row (`FOR NO KEY UPDATE`) before reading the
//! project's job count, so the quota holds across replicas; status changes and deletes are
//! compare-and-set statements (`WHERE id = $1 AND status = $2`). A login reservation takes, in
//! its transaction, an advisory lock per key (`pg_advisory_xact_lock` on a 64-bit hash of the
//! key) before it counts the key's attempts; locks are taken in ascending order of their ids, so
//! two reservations never wait on each other crosswise, and a hash collision only makes two keys
//! share a lock. Advisory locks are per database, not per schema: deployments in two schemas of
//! one database merely wait on each other now and then. Nothing else waits while holding rows:
//! the purge of old attempts skips rows another transaction holds (`SKIP LOCKED`).
//!
//! A commit returns once the WAL is flushed (`synchronous_commit=on`, set on every connection),
//! so acknowledged writes are durable.
//!
//! The schema lives in `migrations/postgres/` and is applied at connect; sqlx's migrator
//! serializes replicas migrating together with an advisory lock.

use std::time::Duration;

use sqlx::error::DatabaseError;
use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgPoolOptions, PgQueryResult};
use sqlx::{Connection, PgConnection, Postgres};
use vizjobs_store::{Result, StoreError};

use crate::error::plain;
use crate::{Dialect, SqlStore};

/// How long a caller waits for a pooled connection (or for a new one to open).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CONNECTIONS: u32 = 16;
/// The longest schema name PostgreSQL keeps (NAMEDATALEN - 1 bytes).
const MAX_SCHEMA_LEN: usize = 63;

/// SQLSTATE prefixes meaning "try later": connection exceptions (08), insufficient resources
/// (53, e.g. too many connections) and operator intervention (57P, shutdown in progress).
const UNAVAILABLE_STATES: [&str; 3] = ["08", "53", "57P"];

/// The advisory lock id of a login-throttling key (BYTEA, hashed through its hex form).
const KEY_LOCK_ID: &str = "hashtextextended(encode(k, 'hex'), 0)";

impl Dialect for Postgres {
    const LIKE_IGNORING_ASCII_CASE: &'static str = "ILIKE";
    const GREATEST: &'static str = "GREATEST";
    const BYTEWISE: &'static str = "\"C\"";
    const BEGIN_WRITE: &'static str = "BEGIN";
    const BEGIN_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    // NO KEY UPDATE does not block the key-share locks that foreign key checks of other writers
    // take.
    const LOCK_PROJECT_ROW: &'static str = " FOR NO KEY UPDATE";
    const PURGE_LOGIN_ATTEMPTS: &'static str = "DELETE FROM login_attempts WHERE ctid = \
         ANY(ARRAY(SELECT ctid FROM login_attempts WHERE at_ms <= $1 LIMIT $2 \
         FOR UPDATE SKIP LOCKED))";
    const NEXT_LOGIN_ATTEMPT_ID: &'static str = "SELECT nextval('login_attempt_ids')";

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }

    async fn lock_login_keys(conn: &mut PgConnection, keys: &[&[u8]]) -> Result<()> {
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT {KEY_LOCK_ID} AS id FROM unnest($1::bytea[]) AS k ORDER BY id"
        ))
        .bind(keys)
        .fetch_all(&mut *conn)
        .await
        .map_err(plain)?;
        // One statement per lock: the order in which one statement would evaluate them is not
        // something PostgreSQL promises.
        for id in ids {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(plain)?;
        }
        Ok(())
    }
}

/// Whether a PostgreSQL error means "try later" (its SQLSTATE class).
pub(crate) fn is_transient(err: &dyn DatabaseError) -> bool {
    err.try_downcast_ref::<PgDatabaseError>()
        .is_some_and(|err| {
            let code = err.code();
            UNAVAILABLE_STATES.iter().any(|p| code.starts_with(p))
        })
}

impl SqlStore<Postgres> {
    /// Connects to `url` (`postgres://user:password@host:port/database?…`) and brings the schema
    /// of its `search_path` up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = parse_url(url)?;
        Self::open_pool(options).await
    }

    /// Connects to `url` with every table in `schema` (created if missing): `schema` is 1–63
    /// characters of `[A-Za-z0-9_]`, not starting with a digit.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self> {
        check_schema_name(schema)?;
        let options = parse_url(url)?;
        let mut conn = PgConnection::connect_with(&options).await.map_err(plain)?;
        let created = sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .execute(&mut conn)
            .await;
        match created {
            Ok(_) => {}
            // Two processes creating it at once: the loser sees a duplicate, which is fine.
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P06") => {}
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {}
            Err(e) => return Err(plain(e)),
        }
        conn.close().await.map_err(plain)?;
        Self::open_pool(options.options([("search_path", schema)])).await
    }

    async fn open_pool(options: PgConnectOptions) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(plain)?;
        let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(&pool)
            .await
            .map_err(plain)?;
        let Some(schema) = schema else {
            return Err(StoreError::Other(
                "the connection's search_path names no existing schema; create it first".into(),
            ));
        };
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrating schema {schema:?}: {e}")))?;
        tracing::debug!(%schema, "connected to the PostgreSQL store");
        Ok(Self { pool })
    }
}

/// Parses the URL, pinning `synchronous_commit=on` so that a commit is acknowledged only once
/// flushed, even on a server configured otherwise (acknowledged writes must be durable).
fn parse_url(url: &str) -> Result<PgConnectOptions> {
    url.parse::<PgConnectOptions>()
        .map(|options| options.options([("synchronous_commit", "on")]))
        .map_err(|e| StoreError::Other(format!("invalid database URL: {e}")))
}

fn check_schema_name(schema: &str) -> Result<()> {
    let mut chars = schema.chars();
    let well_formed = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && schema.len() <= MAX_SCHEMA_LEN;
    if well_formed {
        Ok(())
    } else {
        Err(StoreError::Other(format!(
            "invalid schema name {schema:?}: use 1-{MAX_SCHEMA_LEN} of [A-Za-z0-9_], not starting with a digit"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::check_schema_name;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for good in ["vizjobs", "vj_test_0a1b", "_x", "A1"] {
            assert!(check_schema_name(good).is_ok(), "{good}");
        }
        let too_long = "s".repeat(64);
        for bad in ["", "1abc", "a-b", "a\"b", "a b", "ä", too_long.as_str()] {
            assert!(check_schema_name(bad).is_err(), "{bad}");
        }
    }

    /// Every pooled connection carries the schema and the durability setting.
    #[tokio::test]
    async fn every_connection_is_pinned() {
        let url = std::env::var("VIZJOBS_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let schema = format!("vj_test_pin_{}", std::process::id());
        let store = crate::PostgresStore::connect_with_schema(&url, &schema)
            .await
            .expect("the test database is needed");
        let mut seen = Vec::new();
        let mut held = Vec::new();
        for _ in 0..4 {
            let mut conn = store.pool.acquire().await.expect("connection");
            let sync: String = sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(&mut *conn)
                .await
                .expect("show");
            let current: Option<String> = sqlx::query_scalar("SELECT current_schema()")
                .fetch_one(&mut *conn)
                .await
                .expect("schema");
            seen.push((sync, current));
            held.push(conn);
        }
        drop(held);
        sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .execute(&store.pool)
            .await
            .expect("drop");
        store.close().await;
        for (sync, current) in seen {
            assert_eq!(sync, "on");
            assert_eq!(current.as_deref(), Some(schema.as_str()));
        }
    }
}
