//! The PostgreSQL backend of the vizjobs store, for deployments where several server replicas
//! share one database.
//!
//! Tables live in the first schema of the connection's `search_path`. Two ways to choose it:
//! - [`PostgresStore::connect_with_schema`] creates the schema if missing and pins every pooled
//!   connection to it (the tests use one fresh schema each);
//! - with a plain URL, through libpq's `options` parameter, e.g.
//!   `postgres://vizjobs@db/vizjobs?options=-csearch_path%3Dvizjobs` (the schema must exist).
//!
//! Concurrency: a job creation locks its project's row (`FOR NO KEY UPDATE`) before counting the
//! project's jobs, so the quota holds across replicas; status changes and deletes are
//! compare-and-set statements (`WHERE id = $1 AND status = $2`). A commit returns once the WAL
//! is flushed (`synchronous_commit=on`, set on every connection), so acknowledged writes are
//! durable.
//!
//! The schema lives in `migrations/` and is applied at connect; sqlx's migrator serializes
//! replicas migrating together with an advisory lock.

mod auth;
mod error;
mod jobs;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use vizjobs_store::StoreError;

/// How long a caller waits for a pooled connection (or for a new one to open).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CONNECTIONS: u32 = 16;
/// The longest schema name PostgreSQL keeps (NAMEDATALEN - 1 bytes).
const MAX_SCHEMA_LEN: usize = 63;

/// A store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?…`) and brings the schema
    /// of its `search_path` up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = parse_url(url)?;
        Self::open_pool(options).await
    }

    /// Connects to `url` with every table in `schema` (created if missing): `schema` is 1–63
    /// characters of `[A-Za-z0-9_]`, not starting with a digit.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        check_schema_name(schema)?;
        let options = parse_url(url)?;
        let mut conn = PgConnection::connect_with(&options)
            .await
            .map_err(error::plain)?;
        let created = sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .execute(&mut conn)
            .await;
        match created {
            Ok(_) => {}
            // Two processes creating it at once: the loser sees a duplicate, which is fine.
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P06") => {}
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {}
            Err(e) => return Err(error::plain(e)),
        }
        conn.close().await.map_err(error::plain)?;
        Self::open_pool(options.options([("search_path", schema)])).await
    }

    async fn open_pool(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(error::plain)?;
        let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(&pool)
            .await
            .map_err(error::plain)?;
        let Some(schema) = schema else {
            return Err(StoreError::Other(
                "the connection's search_path names no existing schema; create it first".into(),
            ));
        };
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrating schema {schema:?}: {e}")))?;
        tracing::debug!(%schema, "connected to the PostgreSQL store");
        Ok(Self { pool })
    }

    /// Waits for running statements and closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Parses the URL, pinning `synchronous_commit=on` so that a commit is acknowledged only once
/// flushed, even on a server configured otherwise (acknowledged writes must be durable).
fn parse_url(url: &str) -> Result<PgConnectOptions, StoreError> {
    url.parse::<PgConnectOptions>()
        .map(|options| options.options([("synchronous_commit", "on")]))
        .map_err(|e| StoreError::Other(format!("invalid database URL: {e}")))
}

fn check_schema_name(schema: &str) -> Result<(), StoreError> {
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
        let store = super::PostgresStore::connect_with_schema(&url, &schema)
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
