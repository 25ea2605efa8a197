//! The shared conformance suite, each check on a fresh database file.

use tempfile::TempDir;
use vizjobs_store::Store;
use vizjobs_store::conformance::Fixture;
use vizjobs_store_sql::SqliteStore;

struct FreshFile {
    store: SqliteStore,
    _dir: TempDir,
}

impl Fixture for FreshFile {
    fn store(&self) -> &dyn Store {
        &self.store
    }

    async fn teardown(self) {
        self.store.close().await;
    }
}

async fn fresh_file() -> FreshFile {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("nested/dir/vizjobs.db"))
        .await
        .expect("open");
    FreshFile { store, _dir: dir }
}

vizjobs_store::conformance_tests!(fresh_file());
