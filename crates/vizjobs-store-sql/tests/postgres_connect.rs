//! Connecting: schema selection, and how connection failures are reported.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, PgConnection};
use vizjobs_store::{AuthStore, JobStore, StoreError};
use vizjobs_store_sql::PostgresStore;

fn database_url() -> String {
    std::env::var("VIZJOBS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn unique_schema(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("vj_test_{tag}_{}_{nanos}", std::process::id())
}

async fn drop_schema(schema: &str) {
    let mut conn = PgConnection::connect(&database_url())
        .await
        .expect("connect");
    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(&mut conn)
        .await
        .expect("drop schema");
}

/// A plain URL can pick the schema through libpq's `options`, as the server's
/// `--database-url` does; it then sees what `connect_with_schema` wrote there.
#[tokio::test]
async fn a_url_can_choose_the_schema() {
    let schema = unique_schema("url");
    let first = PostgresStore::connect_with_schema(&database_url(), &schema)
        .await
        .expect("connect with schema");
    first
        .put_setting_if_absent("where", "here")
        .await
        .expect("put");
    first.close().await;

    let separator = if database_url().contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!(
        "{}{separator}options=-csearch_path%3D{schema}",
        database_url()
    );
    let outcome = async {
        let second = PostgresStore::connect(&url).await?;
        let value = second.get_setting("where").await?;
        second.close().await;
        Ok::<_, StoreError>(value)
    }
    .await;
    drop_schema(&schema).await;
    assert_eq!(outcome.expect("connect by URL").as_deref(), Some("here"));
}

#[tokio::test]
async fn a_missing_schema_in_the_url_is_explained() {
    let url = format!(
        "{}?options=-csearch_path%3D{}",
        database_url(),
        unique_schema("absent")
    );
    match PostgresStore::connect(&url).await {
        Err(StoreError::Other(msg)) => assert!(msg.contains("search_path"), "{msg}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn connecting_twice_to_one_schema_is_fine() {
    let schema = unique_schema("twice");
    let a = PostgresStore::connect_with_schema(&database_url(), &schema).await;
    let b = PostgresStore::connect_with_schema(&database_url(), &schema).await;
    drop_schema(&schema).await;
    a.expect("first");
    b.expect("second: schema and migrations already there");
}

#[tokio::test]
async fn bad_schema_names_are_refused() {
    let outcome =
        PostgresStore::connect_with_schema(&database_url(), "x\"; DROP TABLE y; --").await;
    assert!(matches!(outcome, Err(StoreError::Other(_))), "{outcome:?}");
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    let outcome = PostgresStore::connect("postgres://postgres@127.0.0.1:1/test").await;
    assert!(
        matches!(outcome, Err(StoreError::Unavailable(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_closed_store_is_unavailable() {
    let schema = unique_schema("closed");
    let store = PostgresStore::connect_with_schema(&database_url(), &schema)
        .await
        .expect("connect");
    store.ping().await.expect("ping while open");
    store.close().await;
    let outcome = store.ping().await;
    drop_schema(&schema).await;
    assert!(
        matches!(outcome, Err(StoreError::Unavailable(_))),
        "{outcome:?}"
    );
}

/// Two replicas (two stores, two pools) on one schema racing for the last slots of a quota.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_one_quota() {
    use vizjobs_store::{NewJob, Project};
    const QUOTA: i64 = 6;
    let schema = unique_schema("replicas");
    let outcome = async {
        let a = PostgresStore::connect_with_schema(&database_url(), &schema).await?;
        let b = PostgresStore::connect_with_schema(&database_url(), &schema).await?;
        let project = Project {
            id: "p".into(),
            name: "p".into(),
            account: "acct".into(),
            job_quota: Some(QUOTA),
            created_ms: 0,
        };
        a.create_project(&project).await?;
        let job = |i: usize| NewJob {
            project_id: "p".into(),
            name: format!("j{i}"),
            desc: String::new(),
            train_url: "/bucket/logs/".into(),
            job_type: vizjobs_api::JobType::Tensorboard,
            flavor: None,
            schedule_hours: 0,
            create_time_ms: 0,
        };
        let racers = (0..24).map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let job = job(i);
            tokio::spawn(async move { store.create_job(job, QUOTA).await })
        });
        let mut won = 0;
        for handle in join_spawned(racers).await {
            match handle.expect("task") {
                Ok(_) => won += 1,
                Err(StoreError::QuotaExceeded { limit: QUOTA }) => {}
                Err(other) => return Err(other),
            }
        }
        let held = b.count_jobs("p").await?;
        a.close().await;
        b.close().await;
        Ok::<_, StoreError>((won, held))
    }
    .await;
    drop_schema(&schema).await;
    assert_eq!(outcome.expect("race ran"), (QUOTA, QUOTA));
}

/// Awaits every task; they were all spawned (and so run concurrently) before the first await.
async fn join_spawned<T>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut results = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        results.push(handle.await);
    }
    results
}
