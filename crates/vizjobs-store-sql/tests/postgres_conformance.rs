//! The shared conformance suite, each check in a fresh schema of the test database.
//!
//! The database is `postgres://postgres@127.0.0.1:5432/test` unless `VIZJOBS_TEST_DATABASE_URL`
//! says otherwise. An unreachable database fails the tests: they never skip.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, PgConnection};
use vizjobs_store::Store;
use vizjobs_store::conformance::Fixture;
use vizjobs_store_sql::PostgresStore;

fn database_url() -> String {
    std::env::var("VIZJOBS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A schema name no other test (of this run or a concurrent one) uses.
fn fresh_schema_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "vj_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

struct FreshSchema {
    store: PostgresStore,
    schema: String,
}

impl Fixture for FreshSchema {
    fn store(&self) -> &dyn Store {
        &self.store
    }

    async fn teardown(self) {
        self.store.close().await;
        let mut conn = PgConnection::connect(&database_url())
            .await
            .expect("connect to drop the test schema");
        sqlx::query(&format!("DROP SCHEMA \"{}\" CASCADE", self.schema))
            .execute(&mut conn)
            .await
            .expect("drop the test schema");
    }
}

async fn fresh_schema() -> FreshSchema {
    let schema = fresh_schema_name();
    let store = PostgresStore::connect_with_schema(&database_url(), &schema)
        .await
        .unwrap_or_else(|e| panic!("the test database at {} is needed: {e}", database_url()));
    FreshSchema { store, schema }
}

vizjobs_store::conformance_tests!(fresh_schema());
