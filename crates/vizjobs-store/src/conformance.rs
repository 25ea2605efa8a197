//! A backend-independent test suite: every [`Store`] implementation runs it in its own tests.
//!
//! Each check is a `pub async fn(&dyn Store)` that panics (through `assert!`) when the backend
//! breaks a documented invariant. Checks create the projects and users they need under fresh
//! ids, so they never depend on one another; still, backends give each check a store of its own
//! (a new SQLite file, a new PostgreSQL schema) through [`conformance_tests!`], which generates
//! one `#[tokio::test]` per check.
//!
//! Concurrency checks race several futures on the one store with `join_all`: each future holds
//! its own pooled connection, so the races happen in the database, where they matter.

use std::collections::HashSet;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use futures::future::join_all;
use vizjobs_api::{JobStatus, JobType, ListQuery, SortKey, SortOrder};

use crate::{
    AccessKey, JobChange, JobRecord, LoginReservation, NewJob, Project, Store, StoreError,
    TokenKind, TokenRecord, User,
};

/// A store made for one check, and what must happen after it.
pub trait Fixture: Send {
    fn store(&self) -> &dyn Store;
    /// Releases what the fixture holds (drops a schema, deletes a file); runs even when the check
    /// failed.
    fn teardown(self) -> impl Future<Output = ()> + Send;
}

/// Runs `check` on a fixture's store, then tears the fixture down, then re-raises a failure.
pub async fn run_with<F, C>(fixture: F, check: C)
where
    F: Fixture,
    C: for<'a> FnOnce(&'a dyn Store) -> futures::future::BoxFuture<'a, ()>,
{
    let outcome = AssertUnwindSafe(check(fixture.store()))
        .catch_unwind()
        .await;
    fixture.teardown().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Generates one `#[tokio::test]` per conformance check. `$setup` is an expression giving a
/// future of a [`Fixture`]; the test crate needs `tokio` (with the `macros` and
/// `rt-multi-thread` features).
#[macro_export]
macro_rules! conformance_tests {
    ($setup:expr) => {
        $crate::conformance_tests!(@each $setup;
            projects_round_trip,
            users_round_trip,
            password_change_drops_the_users_tokens,
            access_keys_round_trip,
            tokens_round_trip_and_expire,
            deleting_a_project_cascades,
            deleting_a_user_cascades,
            settings_keep_the_first_value,
            login_attempts_count_per_key_in_a_window,
            login_reservations_hold_under_concurrency,
            settling_an_unknown_login_attempt_is_harmless,
            jobs_round_trip,
            jobs_need_an_existing_project,
            quota_is_enforced,
            quota_holds_under_concurrent_creates,
            job_ids_are_never_reused,
            change_job_is_compare_and_set,
            change_jobs_applies_each_change_once,
            delete_job_is_compare_and_set,
            list_filters_by_status_and_search,
            list_pages_cover_every_job_once,
            list_sorts_by_running_duration,
            list_sorts_text_bytewise,
            status_queries_span_projects,
        );
    };
    (@each $setup:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let fixture = $setup.await;
                $crate::conformance::run_with(fixture, |store| {
                    ::std::boxed::Box::pin($crate::conformance::$check(store))
                })
                .await;
            }
        )*
    };
}

/// A quota no check reaches unless it means to.
const PLENTY: i64 = 1_000_000;
const T0: i64 = 1_700_000_000_000;

fn project(id: &str) -> Project {
    Project {
        id: id.to_owned(),
        name: format!("{id}-name"),
        account: "acct".to_owned(),
        job_quota: None,
        created_ms: T0,
    }
}

fn user(id: &str, account: &str) -> User {
    User {
        id: id.to_owned(),
        account: account.to_owned(),
        name: format!("{id}-name"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        password_changed_ms: T0,
        created_ms: T0,
    }
}

fn access_key(key: &str, user_id: &str, project_id: &str) -> AccessKey {
    AccessKey {
        access_key: key.to_owned(),
        user_id: user_id.to_owned(),
        project_id: project_id.to_owned(),
        secret_ciphertext: vec![0, 1, 2, 255, 254, 0],
        created_ms: T0,
    }
}

fn token(hash: &str, kind: TokenKind, user_id: Option<&str>, project_id: &str) -> TokenRecord {
    TokenRecord {
        token_hash: hash.to_owned(),
        kind,
        user_id: user_id.map(str::to_owned),
        project_id: project_id.to_owned(),
        label: format!("label of {hash}"),
        issued_ms: T0,
        expires_ms: (kind != TokenKind::Static).then_some(T0 + 3_600_000),
    }
}

fn new_job(project_id: &str, name: &str) -> NewJob {
    NewJob {
        project_id: project_id.to_owned(),
        name: name.to_owned(),
        desc: String::new(),
        train_url: "/bucket/logs/".to_owned(),
        job_type: JobType::Tensorboard,
        flavor: None,
        schedule_hours: 0,
        create_time_ms: T0,
    }
}

async fn add_project(store: &dyn Store, id: &str) -> Project {
    let p = project(id);
    store.create_project(&p).await.expect("create project");
    p
}

async fn add_job(store: &dyn Store, project_id: &str, name: &str) -> JobRecord {
    store
        .create_job(new_job(project_id, name), PLENTY)
        .await
        .expect("create job")
}

/// Moves a fresh (INIT) job to `status` with the given timing fields.
async fn force(
    store: &dyn Store,
    job: &JobRecord,
    status: JobStatus,
    run_ms_before: i64,
    running_since_ms: Option<i64>,
) -> JobRecord {
    let change = JobChange {
        expected: job.status,
        status,
        run_ms_before,
        running_since_ms,
        stop_deadline_ms: None,
        status_message: String::new(),
    };
    store
        .change_job(job.id, &change)
        .await
        .expect("change job")
        .expect("job still in its status")
}

fn query(sort_by: SortKey, order: SortOrder, per_page: u32, page: u32) -> ListQuery {
    ListQuery {
        sort_by,
        order,
        per_page,
        page,
        ..ListQuery::default()
    }
}

async fn list_ids(store: &dyn Store, project_id: &str, q: &ListQuery, now_ms: i64) -> Vec<i64> {
    let (jobs, _) = store.list_jobs(project_id, q, now_ms).await.expect("list");
    jobs.iter().map(|j| j.id).collect()
}

pub async fn projects_round_trip(store: &dyn Store) {
    let mut p = project("proj-a");
    p.job_quota = Some(7);
    store.create_project(&p).await.expect("create");
    assert_eq!(store.get_project("proj-a").await.unwrap(), Some(p.clone()));
    assert_eq!(
        store
            .get_project_by_name("acct", "proj-a-name")
            .await
            .unwrap(),
        Some(p.clone())
    );
    assert_eq!(
        store
            .get_project_by_name("other", "proj-a-name")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_project("nope").await.unwrap(), None);

    let same_id = Project {
        name: "different".into(),
        ..p.clone()
    };
    assert!(matches!(
        store.create_project(&same_id).await,
        Err(StoreError::Conflict(_))
    ));
    let same_name = Project {
        id: "proj-b".into(),
        ..p.clone()
    };
    assert!(matches!(
        store.create_project(&same_name).await,
        Err(StoreError::Conflict(_))
    ));
    let other_account = Project {
        id: "proj-b".into(),
        account: "acct2".into(),
        ..p.clone()
    };
    store
        .create_project(&other_account)
        .await
        .expect("same name, other account");

    let ids: Vec<String> = store
        .list_projects()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["proj-a", "proj-b"]);

    assert!(store.set_project_quota("proj-a", Some(3)).await.unwrap());
    assert_eq!(
        store
            .get_project("proj-a")
            .await
            .unwrap()
            .unwrap()
            .job_quota,
        Some(3)
    );
    assert!(store.set_project_quota("proj-a", None).await.unwrap());
    assert_eq!(
        store
            .get_project("proj-a")
            .await
            .unwrap()
            .unwrap()
            .job_quota,
        None
    );
    assert!(!store.set_project_quota("nope", Some(1)).await.unwrap());

    assert!(store.delete_project("proj-a").await.unwrap());
    assert!(!store.delete_project("proj-a").await.unwrap());
    assert_eq!(store.get_project("proj-a").await.unwrap(), None);
    // The name is free again.
    store.create_project(&p).await.expect("re-create");
}

pub async fn users_round_trip(store: &dyn Store) {
    let u = user("u1", "acct");
    store.create_user(&u).await.expect("create");
    assert_eq!(store.get_user("u1").await.unwrap(), Some(u.clone()));
    assert_eq!(
        store.get_user_by_name("acct", "u1-name").await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(
        store.get_user_by_name("acct2", "u1-name").await.unwrap(),
        None
    );
    assert_eq!(store.get_user("nope").await.unwrap(), None);

    let same_id = User {
        name: "x".into(),
        ..u.clone()
    };
    assert!(matches!(
        store.create_user(&same_id).await,
        Err(StoreError::Conflict(_))
    ));
    let same_name = User {
        id: "u2".into(),
        ..u.clone()
    };
    assert!(matches!(
        store.create_user(&same_name).await,
        Err(StoreError::Conflict(_))
    ));
    let elsewhere = User {
        id: "u2".into(),
        account: "acct2".into(),
        ..u
    };
    store
        .create_user(&elsewhere)
        .await
        .expect("same name, other account");

    let ids: Vec<String> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(ids, ["u1", "u2"]);
    assert_eq!(store.get_user("u2").await.unwrap(), Some(elsewhere));

    assert!(store.delete_user("u1").await.unwrap());
    assert!(!store.delete_user("u1").await.unwrap());
    assert_eq!(store.get_user("u1").await.unwrap(), None);
}

pub async fn password_change_drops_the_users_tokens(store: &dyn Store) {
    add_project(store, "p").await;
    store.create_user(&user("alice", "acct")).await.unwrap();
    store.create_user(&user("bob", "acct")).await.unwrap();
    for (hash, owner) in [("ta1", "alice"), ("ta2", "alice"), ("tb1", "bob")] {
        store
            .insert_token(&token(hash, TokenKind::Iam, Some(owner), "p"))
            .await
            .unwrap();
    }
    store
        .insert_token(&token("ts", TokenKind::Static, None, "p"))
        .await
        .unwrap();

    assert!(
        store
            .set_password("alice", "$argon2id$new", T0 + 5)
            .await
            .unwrap()
    );
    let alice = store.get_user("alice").await.unwrap().unwrap();
    assert_eq!(alice.password_hash, "$argon2id$new");
    assert_eq!(alice.password_changed_ms, T0 + 5);
    assert_eq!(store.get_token("ta1").await.unwrap(), None);
    assert_eq!(store.get_token("ta2").await.unwrap(), None);
    assert!(store.get_token("tb1").await.unwrap().is_some());
    assert!(store.get_token("ts").await.unwrap().is_some());
    assert_eq!(
        store
            .get_user("bob")
            .await
            .unwrap()
            .unwrap()
            .password_changed_ms,
        T0
    );

    assert!(
        !store
            .set_password("nobody", "$argon2id$x", T0)
            .await
            .unwrap()
    );
}

pub async fn access_keys_round_trip(store: &dyn Store) {
    add_project(store, "p").await;
    store.create_user(&user("u", "acct")).await.unwrap();
    let k = access_key("AK1", "u", "p");
    store.create_access_key(&k).await.expect("create");
    assert_eq!(store.get_access_key("AK1").await.unwrap(), Some(k.clone()));
    assert_eq!(store.get_access_key("AK2").await.unwrap(), None);
    assert!(matches!(
        store.create_access_key(&k).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .create_access_key(&access_key("AK2", "ghost", "p"))
            .await,
        Err(StoreError::Missing(_))
    ));
    assert!(matches!(
        store
            .create_access_key(&access_key("AK2", "u", "ghost"))
            .await,
        Err(StoreError::Missing(_))
    ));
    store
        .create_access_key(&access_key("AK0", "u", "p"))
        .await
        .unwrap();
    let keys: Vec<String> = store
        .list_access_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.access_key)
        .collect();
    assert_eq!(keys, ["AK0", "AK1"]);

    let rotated = [9u8; 40];
    assert!(store.set_access_key_secret("AK1", &rotated).await.unwrap());
    assert_eq!(
        store
            .get_access_key("AK1")
            .await
            .unwrap()
            .unwrap()
            .secret_ciphertext,
        rotated.to_vec()
    );
    assert!(!store.set_access_key_secret("AK9", &rotated).await.unwrap());

    assert!(store.delete_access_key("AK1").await.unwrap());
    assert!(!store.delete_access_key("AK1").await.unwrap());
    assert_eq!(store.get_access_key("AK1").await.unwrap(), None);
}

pub async fn tokens_round_trip_and_expire(store: &dyn Store) {
    add_project(store, "p").await;
    store.create_user(&user("u", "acct")).await.unwrap();
    let now = T0 + 10_000;
    let mut expired = token("expired", TokenKind::Iam, Some("u"), "p");
    expired.expires_ms = Some(now - 1);
    let mut at_now = token("at-now", TokenKind::Session, Some("u"), "p");
    at_now.expires_ms = Some(now);
    let mut later = token("later", TokenKind::Iam, Some("u"), "p");
    later.issued_ms = T0 + 1;
    later.expires_ms = Some(now + 1);
    let forever = token("forever", TokenKind::Static, None, "p");
    for t in [&expired, &at_now, &later, &forever] {
        store.insert_token(t).await.expect("insert");
    }
    assert_eq!(store.get_token("later").await.unwrap(), Some(later.clone()));
    assert_eq!(
        store.get_token("forever").await.unwrap(),
        Some(forever.clone())
    );
    assert_eq!(store.get_token("nope").await.unwrap(), None);
    assert!(matches!(
        store.insert_token(&later).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .insert_token(&token("t-ghost", TokenKind::Iam, Some("ghost"), "p"))
            .await,
        Err(StoreError::Missing(_))
    ));

    let iam: Vec<String> = store
        .list_tokens(TokenKind::Iam)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.token_hash)
        .collect();
    assert_eq!(iam, ["expired", "later"]);
    assert_eq!(
        store.list_tokens(TokenKind::Static).await.unwrap(),
        vec![forever]
    );

    // Expiry is strictly before `now`; tokens without expiry never go.
    assert_eq!(store.delete_expired_tokens(now).await.unwrap(), 1);
    assert_eq!(store.get_token("expired").await.unwrap(), None);
    assert!(store.get_token("at-now").await.unwrap().is_some());
    assert_eq!(store.delete_expired_tokens(now + 2).await.unwrap(), 2);
    assert_eq!(store.delete_expired_tokens(i64::MAX).await.unwrap(), 0);
    assert!(store.get_token("forever").await.unwrap().is_some());

    assert!(store.delete_token("forever").await.unwrap());
    assert!(!store.delete_token("forever").await.unwrap());
}

pub async fn deleting_a_project_cascades(store: &dyn Store) {
    add_project(store, "doomed").await;
    add_project(store, "kept").await;
    store.create_user(&user("u", "acct")).await.unwrap();
    let gone = add_job(store, "doomed", "j").await;
    let stays = add_job(store, "kept", "j").await;
    store
        .create_access_key(&access_key("AK-d", "u", "doomed"))
        .await
        .unwrap();
    store
        .create_access_key(&access_key("AK-k", "u", "kept"))
        .await
        .unwrap();
    store
        .insert_token(&token("t-d", TokenKind::Iam, Some("u"), "doomed"))
        .await
        .unwrap();
    store
        .insert_token(&token("s-d", TokenKind::Static, None, "doomed"))
        .await
        .unwrap();
    store
        .insert_token(&token("t-k", TokenKind::Iam, Some("u"), "kept"))
        .await
        .unwrap();

    assert!(store.delete_project("doomed").await.unwrap());
    assert_eq!(store.get_job("doomed", gone.id).await.unwrap(), None);
    assert_eq!(store.count_jobs("doomed").await.unwrap(), 0);
    assert_eq!(store.get_access_key("AK-d").await.unwrap(), None);
    assert_eq!(store.get_token("t-d").await.unwrap(), None);
    assert_eq!(store.get_token("s-d").await.unwrap(), None);

    assert_eq!(store.get_job("kept", stays.id).await.unwrap(), Some(stays));
    assert!(store.get_access_key("AK-k").await.unwrap().is_some());
    assert!(store.get_token("t-k").await.unwrap().is_some());
    assert!(store.get_user("u").await.unwrap().is_some());
}

pub async fn deleting_a_user_cascades(store: &dyn Store) {
    add_project(store, "p").await;
    store.create_user(&user("doomed", "acct")).await.unwrap();
    store.create_user(&user("kept", "acct")).await.unwrap();
    let job = add_job(store, "p", "j").await;
    store
        .create_access_key(&access_key("AK-d", "doomed", "p"))
        .await
        .unwrap();
    store
        .create_access_key(&access_key("AK-k", "kept", "p"))
        .await
        .unwrap();
    store
        .insert_token(&token("t-d", TokenKind::Session, Some("doomed"), "p"))
        .await
        .unwrap();
    store
        .insert_token(&token("t-k", TokenKind::Session, Some("kept"), "p"))
        .await
        .unwrap();
    store
        .insert_token(&token("s", TokenKind::Static, None, "p"))
        .await
        .unwrap();

    assert!(store.delete_user("doomed").await.unwrap());
    assert_eq!(store.get_access_key("AK-d").await.unwrap(), None);
    assert_eq!(store.get_token("t-d").await.unwrap(), None);
    assert!(store.get_access_key("AK-k").await.unwrap().is_some());
    assert!(store.get_token("t-k").await.unwrap().is_some());
    assert!(store.get_token("s").await.unwrap().is_some());
    assert_eq!(store.get_job("p", job.id).await.unwrap(), Some(job));
    assert!(store.get_project("p").await.unwrap().is_some());
}

pub async fn settings_keep_the_first_value(store: &dyn Store) {
    assert_eq!(store.get_setting("k").await.unwrap(), None);
    assert_eq!(
        store.put_setting_if_absent("k", "first").await.unwrap(),
        "first"
    );
    assert_eq!(
        store.put_setting_if_absent("k", "second").await.unwrap(),
        "first"
    );
    assert_eq!(
        store.get_setting("k").await.unwrap().as_deref(),
        Some("first")
    );

    // Replicas starting together: every contender must come back with the same single winner.
    let values: Vec<String> = (0..12).map(|i| format!("candidate-{i}")).collect();
    let answers = join_all(
        values
            .iter()
            .map(|v| store.put_setting_if_absent("race", v)),
    )
    .await;
    let answers: Vec<String> = answers.into_iter().map(|a| a.expect("put")).collect();
    let winner = answers[0].clone();
    assert!(values.contains(&winner));
    assert!(answers.iter().all(|a| *a == winner), "{answers:?}");
    assert_eq!(store.get_setting("race").await.unwrap(), Some(winner));
}

/// The throttling window of the login checks.
const LOGIN_WINDOW: i64 = 60_000;

/// Reserves an attempt for `keys` at `now_ms`.
async fn reserve(store: &dyn Store, keys: &[&str], limit: u32, now_ms: i64) -> LoginReservation {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    store
        .reserve_login_attempt(&keys, limit, LOGIN_WINDOW, now_ms)
        .await
        .expect("reserve a login attempt")
}

/// The id of a granted attempt; fails the check on a refusal.
fn granted(outcome: LoginReservation, what: &str) -> i64 {
    match outcome {
        LoginReservation::Granted { attempt_id } => attempt_id,
        LoginReservation::Refused { retry_after_ms } => {
            panic!("{what}: refused (retry after {retry_after_ms} ms), expected a grant")
        }
    }
}

/// The wait of a refused attempt; fails the check on a grant.
fn refused(outcome: LoginReservation, what: &str) -> i64 {
    match outcome {
        LoginReservation::Refused { retry_after_ms } => retry_after_ms,
        LoginReservation::Granted { attempt_id } => {
            panic!("{what}: granted (attempt {attempt_id}), expected a refusal")
        }
    }
}

pub async fn login_attempts_count_per_key_in_a_window(store: &dyn Store) {
    const LIMIT: u32 = 3;
    // User keys hold a NUL; keys differing only after it must stay apart.
    let alice = "user:acct\0alice";
    let bob = "user:acct\0bob";
    let addr1 = "addr:10.0.0.1";
    let addr2 = "addr:10.0.0.2";
    let mut ids = HashSet::new();
    let mut grant = |outcome, what: &str| {
        let id = granted(outcome, what);
        assert!(ids.insert(id), "{what}: attempt id {id} handed out twice");
        id
    };

    for i in 0..3 {
        let outcome = reserve(store, &[alice, addr1], LIMIT, T0 + i * 100).await;
        grant(outcome, &format!("alice's attempt {i}"));
    }
    // Both keys are full; the wait runs until the oldest attempt (at T0) leaves the window.
    let wait = refused(
        reserve(store, &[alice, addr1], LIMIT, T0 + 300).await,
        "alice's 4th attempt",
    );
    assert_eq!(wait, LOGIN_WINDOW - 300);
    assert!(wait > 0 && wait <= LOGIN_WINDOW);
    // Another user from another address is not throttled by alice's attempts.
    let bob_first = reserve(store, &[bob, addr2], LIMIT, T0 + 300).await;
    grant(bob_first, "bob from addr2");
    // But any full key refuses, and a refusal records nothing for the other keys: bob (1 held)
    // still has two attempts left afterwards.
    refused(
        reserve(store, &[bob, addr1], LIMIT, T0 + 300).await,
        "bob from alice's address",
    );
    refused(
        reserve(store, &[alice, "addr:10.0.0.3"], LIMIT, T0 + 300).await,
        "alice from a new address",
    );
    for i in 0..2 {
        let outcome = reserve(store, &[bob, "addr:10.0.0.3"], LIMIT, T0 + 400).await;
        grant(outcome, &format!("bob's attempt {i} from a new address"));
    }
    refused(
        reserve(store, &[bob, "addr:10.0.0.4"], LIMIT, T0 + 400).await,
        "bob's 4th attempt",
    );
    // addr3 holds bob's two attempts only (not alice's refused one): room for one more.
    grant(
        reserve(
            store,
            &["user:acct\0erin", "addr:10.0.0.3"],
            LIMIT,
            T0 + 400,
        )
        .await,
        "erin from addr3",
    );

    // The wait is the longest over the refused keys: with a limit of 1, alice waits for her
    // newest attempt (T0 + 200) to leave, addr2 for its only one (T0 + 300).
    let wait = refused(
        reserve(store, &[alice, addr2], 1, T0 + 1_000).await,
        "alice from addr2 with a limit of 1",
    );
    assert_eq!(wait, LOGIN_WINDOW + 300 - 1_000);

    // An attempt leaves the window exactly `window` after it was made.
    let wait = refused(
        reserve(store, &[alice, addr1], LIMIT, T0 + LOGIN_WINDOW - 1).await,
        "one ms before the first attempt leaves",
    );
    assert_eq!(wait, 1);
    let t1 = T0 + LOGIN_WINDOW;
    let good = grant(
        reserve(store, &[alice, addr1], LIMIT, t1).await,
        "once the first attempt left the window",
    );
    // alice and addr1 now hold attempts at T0 + 100, T0 + 200 and t1: full again.
    refused(
        reserve(store, &[alice, addr1], LIMIT, t1).await,
        "full again",
    );

    // A good login clears the user's key, not the address's: addr1 keeps T0 + 100 and T0 + 200.
    store
        .settle_login_attempt(good, Some(alice))
        .await
        .expect("settle a success");
    grant(
        reserve(store, &[alice, "addr:10.0.0.5"], LIMIT, t1).await,
        "alice after a good login, elsewhere",
    );
    grant(
        reserve(store, &[alice, addr1], LIMIT, t1).await,
        "alice after a good login, from addr1",
    );
    let wait = refused(
        reserve(store, &[alice, addr1], LIMIT, t1).await,
        "addr1 still counts its failures",
    );
    assert_eq!(wait, 100, "addr1's attempt at T0 + 100 leaves first");

    // A failure keeps counting.
    let carol = "user:acct\0carol";
    let addr6 = "addr:10.0.0.6";
    for i in 0..3 {
        let id = grant(
            reserve(store, &[carol, addr6], LIMIT, t1 + i).await,
            &format!("carol's attempt {i}"),
        );
        store
            .settle_login_attempt(id, None)
            .await
            .expect("settle a failure");
    }
    let wait = refused(
        reserve(store, &[carol, addr6], LIMIT, t1 + 10).await,
        "carol after three failures",
    );
    assert_eq!(wait, LOGIN_WINDOW - 10);
    // Ids stay new even after the rows of settled and aged-out attempts are gone.
    grant(
        reserve(store, &[carol, addr6], LIMIT, t1 + 2 * LOGIN_WINDOW).await,
        "carol much later",
    );
}

pub async fn login_reservations_hold_under_concurrency(store: &dyn Store) {
    const LIMIT: u32 = 5;
    const RACERS: usize = 40;
    // A few rounds on fresh keys, so that a lost race is not missed by luck of the scheduling
    // (the first round also opens the pool's connections; the later ones race on warm ones).
    for round in 0..4 {
        let keys = vec![
            format!("user:acct\0mallory-{round}"),
            format!("addr:192.0.2.{round}"),
        ];
        // One instant for all: every refusal then waits exactly the window.
        let racers =
            (0..RACERS).map(|_| store.reserve_login_attempt(&keys, LIMIT, LOGIN_WINDOW, T0));
        let outcomes = join_all(racers).await;
        let mut ids = HashSet::new();
        for outcome in outcomes {
            match outcome {
                Ok(LoginReservation::Granted { attempt_id }) => {
                    assert!(
                        ids.insert(attempt_id),
                        "attempt id {attempt_id} handed out twice"
                    );
                }
                Ok(LoginReservation::Refused { retry_after_ms }) => {
                    assert_eq!(retry_after_ms, LOGIN_WINDOW)
                }
                Err(other) => panic!("unexpected failure in the race: {other}"),
            }
        }
        assert_eq!(
            ids.len(),
            LIMIT as usize,
            "round {round}: exactly the limit is granted"
        );
        // Either key alone is full too.
        for key in &keys {
            refused(reserve(store, &[key.as_str()], LIMIT, T0 + 1).await, key);
        }
    }
}

pub async fn settling_an_unknown_login_attempt_is_harmless(store: &dyn Store) {
    const LIMIT: u32 = 2;
    let dave = "user:acct\0dave";
    let erin = "user:acct\0erin";
    let addr = "addr:198.51.100.1";
    store
        .settle_login_attempt(987_654_321, None)
        .await
        .expect("settle an unknown failure");
    store
        .settle_login_attempt(987_654_321, Some(dave))
        .await
        .expect("settle an unknown success");
    let first = granted(reserve(store, &[dave, addr], LIMIT, T0).await, "first");
    granted(reserve(store, &[dave, addr], LIMIT, T0 + 1).await, "second");
    refused(reserve(store, &[dave, addr], LIMIT, T0 + 2).await, "third");
    for i in 0..2 {
        let outcome = reserve(store, &[erin, "addr:198.51.100.9"], LIMIT, T0 + i).await;
        granted(outcome, &format!("erin's attempt {i}"));
    }

    // An unknown id clears nothing.
    store
        .settle_login_attempt(first + 1_000_000, Some(dave))
        .await
        .expect("settle an unknown success");
    refused(
        reserve(store, &[dave, "addr:198.51.100.2"], LIMIT, T0 + 3).await,
        "dave's attempts still count",
    );
    // A success clears only a key of its own attempt: erin's attempts stay.
    store
        .settle_login_attempt(first, Some(erin))
        .await
        .expect("settle naming another attempt's key");
    refused(
        reserve(store, &[erin, "addr:198.51.100.3"], LIMIT, T0 + 3).await,
        "erin's attempts still count",
    );

    // Settling again, once the attempt's rows are gone, does nothing to newer attempts.
    let late = T0 + LOGIN_WINDOW + 10;
    let again = granted(reserve(store, &[dave, addr], LIMIT, late).await, "later");
    store
        .settle_login_attempt(again, Some(dave))
        .await
        .expect("settle");
    for i in 0..2 {
        let outcome = reserve(store, &[dave, "addr:198.51.100.4"], LIMIT, late + i).await;
        granted(outcome, &format!("dave's attempt {i} after a good login"));
    }
    store
        .settle_login_attempt(again, Some(dave))
        .await
        .expect("settle again");
    store
        .settle_login_attempt(again, None)
        .await
        .expect("settle again, as a failure");
    refused(
        reserve(store, &[dave, "addr:198.51.100.5"], LIMIT, late + 2).await,
        "a second settle does not clear the newer attempts",
    );
}

pub async fn jobs_round_trip(store: &dyn Store) {
    add_project(store, "p").await;
    add_project(store, "q").await;
    let job = NewJob {
        project_id: "p".into(),
        name: "my-job_1".into(),
        desc: "a description with ünïcode".into(),
        train_url: "obs://bucket/path/".into(),
        job_type: JobType::Mindinsight,
        flavor: Some("modelarts.vm.cpu.2u".into()),
        schedule_hours: 4,
        create_time_ms: T0 + 42,
    };
    let created = store.create_job(job.clone(), PLENTY).await.expect("create");
    let expected = JobRecord {
        id: created.id,
        project_id: job.project_id,
        name: job.name,
        desc: job.desc,
        train_url: job.train_url,
        job_type: job.job_type,
        flavor: job.flavor,
        schedule_hours: 4,
        status: JobStatus::Init,
        create_time_ms: T0 + 42,
        run_ms_before: 0,
        running_since_ms: None,
        stop_deadline_ms: None,
        status_message: String::new(),
    };
    assert_eq!(created, expected);
    assert_eq!(
        store.get_job("p", created.id).await.unwrap(),
        Some(expected.clone())
    );
    // Another project's job is not there for this project.
    assert_eq!(store.get_job("q", created.id).await.unwrap(), None);
    assert_eq!(store.get_job("p", created.id + 1000).await.unwrap(), None);

    assert!(
        store
            .update_job_desc("p", created.id, "new words")
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_job_desc("q", created.id, "hijack")
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_job_desc("p", created.id + 1000, "x")
            .await
            .unwrap()
    );
    assert_eq!(
        store.get_job("p", created.id).await.unwrap().unwrap().desc,
        "new words"
    );

    add_job(store, "p", "second").await;
    assert_eq!(store.count_jobs("p").await.unwrap(), 2);
    assert_eq!(store.count_jobs("q").await.unwrap(), 0);
    assert_eq!(store.count_jobs("ghost").await.unwrap(), 0);
    store.ping().await.expect("ping");
}

pub async fn jobs_need_an_existing_project(store: &dyn Store) {
    let outcome = store.create_job(new_job("ghost", "j"), PLENTY).await;
    assert!(
        matches!(outcome, Err(StoreError::Missing(_))),
        "{outcome:?}"
    );
    assert_eq!(store.count_jobs("ghost").await.unwrap(), 0);
}

pub async fn quota_is_enforced(store: &dyn Store) {
    add_project(store, "p").await;
    add_project(store, "q").await;
    let mut held = Vec::new();
    for i in 0..3 {
        held.push(
            store
                .create_job(new_job("p", &format!("j{i}")), 3)
                .await
                .expect("under quota"),
        );
    }
    let over = store.create_job(new_job("p", "j3"), 3).await;
    assert!(
        matches!(over, Err(StoreError::QuotaExceeded { limit: 3 })),
        "{over:?}"
    );
    // The quota is per project.
    store
        .create_job(new_job("q", "j"), 3)
        .await
        .expect("other project");
    // A smaller quota than the jobs held refuses too.
    assert!(matches!(
        store.create_job(new_job("p", "j3"), 1).await,
        Err(StoreError::QuotaExceeded { limit: 1 })
    ));
    // Deleting frees a slot.
    assert!(
        store
            .delete_job("p", held[0].id, JobStatus::Init)
            .await
            .unwrap()
    );
    store
        .create_job(new_job("p", "j4"), 3)
        .await
        .expect("slot freed");
    assert_eq!(store.count_jobs("p").await.unwrap(), 3);
    // A project removed (with its jobs) and made again starts with no job held.
    assert!(store.delete_project("q").await.unwrap());
    add_project(store, "q").await;
    store
        .create_job(new_job("q", "again"), 1)
        .await
        .expect("the removed project's jobs no longer count");
}

pub async fn quota_holds_under_concurrent_creates(store: &dyn Store) {
    const QUOTA: i64 = 25;
    add_project(store, "p").await;
    for i in 0..20 {
        store
            .create_job(new_job("p", &format!("pre{i}")), QUOTA)
            .await
            .expect("fill");
    }
    let racers = (0..20).map(|i| store.create_job(new_job("p", &format!("race{i}")), QUOTA));
    let outcomes = join_all(racers).await;
    let mut won = 0;
    for outcome in outcomes {
        match outcome {
            Ok(_) => won += 1,
            Err(StoreError::QuotaExceeded { limit: QUOTA }) => {}
            Err(other) => panic!("unexpected failure in the race: {other}"),
        }
    }
    assert_eq!(won, 5, "exactly the 5 free slots are taken");
    assert_eq!(store.count_jobs("p").await.unwrap(), QUOTA);
}

pub async fn job_ids_are_never_reused(store: &dyn Store) {
    add_project(store, "p").await;
    add_project(store, "q").await;
    let a = add_job(store, "p", "a").await;
    let b = add_job(store, "q", "b").await;
    assert!(b.id > a.id);
    assert!(store.delete_job("q", b.id, JobStatus::Init).await.unwrap());
    assert!(store.delete_job("p", a.id, JobStatus::Init).await.unwrap());
    let c = add_job(store, "p", "c").await;
    assert!(
        c.id > b.id,
        "id {} came back after delete (last was {})",
        c.id,
        b.id
    );
    let mut seen = HashSet::from([a.id, b.id, c.id]);
    for i in 0..20 {
        let j = add_job(store, "p", &format!("n{i}")).await;
        assert!(seen.insert(j.id), "duplicate id {}", j.id);
        assert!(store.delete_job("p", j.id, JobStatus::Init).await.unwrap());
    }
}

pub async fn change_job_is_compare_and_set(store: &dyn Store) {
    add_project(store, "p").await;
    let mut job = add_job(store, "p", "j").await;
    job.schedule_hours = 2;

    // Entering RUNNING opens a period; the store keeps exactly the fields given.
    let start = job.change_to(JobStatus::Running, T0 + 1_000, "");
    let running = store
        .change_job(job.id, &start)
        .await
        .unwrap()
        .expect("applied");
    assert_eq!(running.status, JobStatus::Running);
    assert_eq!(running.running_since_ms, Some(T0 + 1_000));
    assert_eq!(running.stop_deadline_ms, start.stop_deadline_ms);
    assert_eq!(running.run_ms_before, 0);
    assert_eq!(
        store.get_job("p", job.id).await.unwrap(),
        Some(running.clone())
    );

    // Applying the same change again finds the status moved on.
    assert_eq!(store.change_job(job.id, &start).await.unwrap(), None);
    assert_eq!(store.change_job(job.id + 1000, &start).await.unwrap(), None);

    let fail = running.change_to(JobStatus::Failed, T0 + 4_000, "dashboard exited");
    let failed = store
        .change_job(job.id, &fail)
        .await
        .unwrap()
        .expect("applied");
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.run_ms_before, 3_000);
    assert_eq!(failed.running_since_ms, None);
    assert_eq!(failed.stop_deadline_ms, None);
    assert_eq!(failed.status_message, "dashboard exited");
    assert_eq!(failed.name, "j");

    // Replicas racing to apply one transition: exactly one wins.
    let restart = failed.change_to(JobStatus::Init, T0 + 5_000, "");
    let outcomes = join_all((0..10).map(|_| store.change_job(job.id, &restart))).await;
    let applied = outcomes
        .into_iter()
        .map(|o| o.expect("change"))
        .filter(Option::is_some)
        .count();
    assert_eq!(applied, 1);
    assert_eq!(
        store.get_job("p", job.id).await.unwrap().unwrap().status,
        JobStatus::Init
    );
}

pub async fn change_jobs_applies_each_change_once(store: &dyn Store) {
    add_project(store, "p").await;
    let a = add_job(store, "p", "a").await;
    let b = add_job(store, "p", "b").await;
    let c = add_job(store, "p", "c").await;
    assert_eq!(store.change_jobs(&[]).await.unwrap(), Vec::new());

    // `b` has moved on already: its change is skipped, the others apply.
    let b_waiting = store
        .change_job(b.id, &b.change_to(JobStatus::Waiting, T0 + 500, ""))
        .await
        .unwrap()
        .expect("applied");
    let changes = [
        (a.id, a.change_to(JobStatus::Waiting, T0 + 1_000, "")),
        (b.id, b.change_to(JobStatus::Waiting, T0 + 1_000, "")),
        (c.id, c.change_to(JobStatus::Failed, T0 + 1_000, "no logs")),
        (c.id + 1000, c.change_to(JobStatus::Waiting, T0 + 1_000, "")),
    ];
    let outcomes = store.change_jobs(&changes).await.unwrap();
    assert_eq!(outcomes.len(), 4);
    let a_now = outcomes[0].clone().expect("a applied");
    assert_eq!(a_now.status, JobStatus::Waiting);
    assert_eq!(outcomes[1], None, "b had moved on");
    assert_eq!(
        outcomes[2].as_ref().map(|j| j.status),
        Some(JobStatus::Failed)
    );
    assert_eq!(
        outcomes[2].as_ref().map(|j| j.status_message.as_str()),
        Some("no logs")
    );
    assert_eq!(outcomes[3], None, "no such job");
    assert_eq!(store.get_job("p", a.id).await.unwrap(), Some(a_now));
    assert_eq!(store.get_job("p", b.id).await.unwrap(), Some(b_waiting));

    // Applying the same batch again changes nothing.
    let again = store.change_jobs(&changes).await.unwrap();
    assert!(again.iter().all(Option::is_none), "{again:?}");
}

pub async fn delete_job_is_compare_and_set(store: &dyn Store) {
    add_project(store, "p").await;
    add_project(store, "q").await;
    let job = add_job(store, "p", "j").await;
    assert!(
        !store
            .delete_job("p", job.id, JobStatus::Running)
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_job("q", job.id, JobStatus::Init)
            .await
            .unwrap()
    );
    assert!(store.get_job("p", job.id).await.unwrap().is_some());
    let outcomes = join_all((0..5).map(|_| store.delete_job("p", job.id, JobStatus::Init))).await;
    let deleted = outcomes
        .into_iter()
        .filter(|o| *o.as_ref().expect("delete"))
        .count();
    assert_eq!(deleted, 1);
    assert_eq!(store.get_job("p", job.id).await.unwrap(), None);
    assert!(
        !store
            .delete_job("p", job.id, JobStatus::Init)
            .await
            .unwrap()
    );
}

pub async fn list_filters_by_status_and_search(store: &dyn Store) {
    add_project(store, "p").await;
    add_project(store, "q").await;
    let mut by_name = std::collections::HashMap::new();
    for (name, status) in [
        ("Alpha_1", JobStatus::Running),
        ("alpha-2", JobStatus::Killed),
        ("ALPHAx1", JobStatus::Init),
        ("a_b", JobStatus::Running),
        ("axb", JobStatus::Running),
        ("50%off", JobStatus::Failed),
        ("50xoff", JobStatus::Failed),
        ("back\\slash", JobStatus::Completed),
        ("backxslash", JobStatus::Completed),
    ] {
        let job = add_job(store, "p", name).await;
        let job = if status == JobStatus::Init {
            job
        } else {
            force(store, &job, status, 0, None).await
        };
        by_name.insert(name, job.id);
    }
    add_job(store, "q", "alpha-other-project").await;

    let names =
        |jobs: Vec<JobRecord>| -> Vec<String> { jobs.into_iter().map(|j| j.name).collect() };
    let run = |status: Vec<JobStatus>, search: &str| {
        let q = ListQuery {
            status,
            search_content: search.to_owned(),
            per_page: 100,
            ..ListQuery::default()
        };
        async move { store.list_jobs("p", &q, T0).await.expect("list") }
    };

    let (all, total) = run(vec![], "").await;
    assert_eq!((all.len(), total), (9, 9));

    let (jobs, total) = run(vec![], "alpha").await;
    assert_eq!(names(jobs), ["Alpha_1", "alpha-2", "ALPHAx1"]);
    assert_eq!(total, 3);
    let (jobs, _) = run(vec![], "PHA_").await;
    assert_eq!(
        names(jobs),
        ["Alpha_1"],
        "`_` matches only itself, case folds"
    );
    let (jobs, _) = run(vec![], "a_b").await;
    assert_eq!(names(jobs), ["a_b"]);
    let (jobs, _) = run(vec![], "%").await;
    assert_eq!(names(jobs), ["50%off"]);
    let (jobs, _) = run(vec![], "\\").await;
    assert_eq!(names(jobs), ["back\\slash"]);
    let (jobs, total) = run(vec![], "no such").await;
    assert!(jobs.is_empty());
    assert_eq!(total, 0);

    let (jobs, total) = run(vec![JobStatus::Running], "").await;
    assert_eq!(names(jobs), ["Alpha_1", "a_b", "axb"]);
    assert_eq!(total, 3);
    let (jobs, _) = run(vec![JobStatus::Killed, JobStatus::Init], "").await;
    assert_eq!(names(jobs), ["alpha-2", "ALPHAx1"]);
    let (jobs, total) = run(vec![JobStatus::Running, JobStatus::Killed], "ALPHA").await;
    assert_eq!(names(jobs), ["Alpha_1", "alpha-2"]);
    assert_eq!(total, 2);
    let (jobs, _) = run(vec![JobStatus::Lost], "").await;
    assert!(jobs.is_empty());

    // The total counts every page; a page past the end is empty but still counts.
    let q = ListQuery {
        status: vec![JobStatus::Running],
        per_page: 2,
        page: 2,
        ..ListQuery::default()
    };
    let (jobs, total) = store.list_jobs("p", &q, T0).await.unwrap();
    assert_eq!((names(jobs), total), (vec!["axb".to_owned()], 3));
    let q = ListQuery { page: 3, ..q };
    let (jobs, total) = store.list_jobs("p", &q, T0).await.unwrap();
    assert_eq!((jobs.len(), total), (0, 3));
    assert_eq!(by_name.len(), 9);
}

/// The order `list_jobs` must produce, computed here from the records.
fn expected_order(jobs: &[JobRecord], key: SortKey, order: SortOrder, now_ms: i64) -> Vec<i64> {
    let mut sorted: Vec<&JobRecord> = jobs.iter().collect();
    sorted.sort_by(|a, b| {
        let by_key = match key {
            SortKey::JobId => a.id.cmp(&b.id),
            SortKey::JobName => a.name.as_bytes().cmp(b.name.as_bytes()),
            SortKey::JobDesc => a.desc.as_bytes().cmp(b.desc.as_bytes()),
            SortKey::CreateTime => a.create_time_ms.cmp(&b.create_time_ms),
            SortKey::Status => a.status.code().cmp(&b.status.code()),
            SortKey::Duration => a.duration_ms(now_ms).cmp(&b.duration_ms(now_ms)),
        };
        by_key.then(a.id.cmp(&b.id))
    });
    if order == SortOrder::Desc {
        sorted.reverse();
    }
    sorted.into_iter().map(|j| j.id).collect()
}

pub async fn list_pages_cover_every_job_once(store: &dyn Store) {
    const JOBS: usize = 250;
    const PER_PAGE: u32 = 7;
    let now = T0 + 1_000_000;
    add_project(store, "p").await;
    add_project(store, "noise").await;
    add_job(store, "noise", "a").await;

    // Few distinct values per key, so that ties (broken by id) are everywhere.
    let names = ["a", "B", "b", "Z", "_x", "-y", "a_1", "0"];
    let descs = ["", "zeta", "Zeta", "été", "Ω", "plain"];
    let statuses = [
        JobStatus::Init,
        JobStatus::Waiting,
        JobStatus::Running,
        JobStatus::Killed,
        JobStatus::Completed,
        JobStatus::Failed,
    ];
    let mut jobs = Vec::with_capacity(JOBS);
    for i in 0..JOBS {
        let job = NewJob {
            desc: descs[i % descs.len()].to_owned(),
            create_time_ms: T0 + (i % 17) as i64 * 1_000,
            ..new_job("p", names[i % names.len()])
        };
        let created = store.create_job(job, PLENTY).await.expect("create");
        let status = statuses[i % statuses.len()];
        let run_before = ((i * 37) % 11) as i64 * 500;
        let since = (status == JobStatus::Running).then(|| now - ((i % 5) as i64) * 700);
        let job = if status == JobStatus::Init {
            created
        } else {
            force(store, &created, status, run_before, since).await
        };
        jobs.push(job);
    }

    let keys = [
        SortKey::JobId,
        SortKey::JobName,
        SortKey::JobDesc,
        SortKey::CreateTime,
        SortKey::Status,
        SortKey::Duration,
    ];
    for key in keys {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            let mut seen = Vec::with_capacity(JOBS);
            let pages = JOBS.div_ceil(PER_PAGE as usize) as u32;
            for page in 1..=pages + 1 {
                let q = query(key, order, PER_PAGE, page);
                let (got, total) = store.list_jobs("p", &q, now).await.expect("list");
                assert_eq!(total, JOBS as i64);
                if page > pages {
                    assert!(got.is_empty(), "a page past the end is empty");
                }
                seen.extend(got.into_iter().map(|j| j.id));
            }
            let expected = expected_order(&jobs, key, order, now);
            assert_eq!(seen, expected, "{key:?} {order:?}");
        }
    }
}

pub async fn list_sorts_by_running_duration(store: &dyn Store) {
    add_project(store, "p").await;
    let now = T0 + 100_000;
    let stopped = force(
        store,
        &add_job(store, "p", "stopped").await,
        JobStatus::Killed,
        5_000,
        None,
    )
    .await;
    let long = force(
        store,
        &add_job(store, "p", "long").await,
        JobStatus::Running,
        1_000,
        Some(now - 10_000),
    )
    .await;
    let short = force(
        store,
        &add_job(store, "p", "short").await,
        JobStatus::Running,
        0,
        Some(now - 3_000),
    )
    .await;
    let never = add_job(store, "p", "never").await;
    // Started "in the future" (a clock step back): counts as no open time, not negative.
    let skewed = force(
        store,
        &add_job(store, "p", "skewed").await,
        JobStatus::Running,
        100,
        Some(now + 50_000),
    )
    .await;

    let asc = query(SortKey::Duration, SortOrder::Asc, 10, 1);
    assert_eq!(
        list_ids(store, "p", &asc, now).await,
        [never.id, skewed.id, short.id, stopped.id, long.id]
    );
    // Ten seconds later the running jobs have overtaken the stopped one.
    assert_eq!(
        list_ids(store, "p", &asc, now + 10_000).await,
        [never.id, skewed.id, stopped.id, short.id, long.id]
    );
    let desc = query(SortKey::Duration, SortOrder::Desc, 10, 1);
    assert_eq!(
        list_ids(store, "p", &desc, now).await,
        [long.id, stopped.id, short.id, skewed.id, never.id]
    );
}

pub async fn list_sorts_text_bytewise(store: &dyn Store) {
    add_project(store, "p").await;
    let mut ids = std::collections::HashMap::new();
    for name in ["alpha", "Zeta", "_x", "Alpha", "-y", "0", "zz"] {
        ids.insert(name, add_job(store, "p", name).await.id);
    }
    let q = query(SortKey::JobName, SortOrder::Asc, 10, 1);
    let expected: Vec<i64> = ["-y", "0", "Alpha", "Zeta", "_x", "alpha", "zz"]
        .iter()
        .map(|n| ids[n])
        .collect();
    assert_eq!(list_ids(store, "p", &q, T0).await, expected);

    for (name, desc) in [("zz", "éclair"), ("alpha", "zebra"), ("Zeta", "Zebra")] {
        assert!(store.update_job_desc("p", ids[name], desc).await.unwrap());
    }
    let q = query(SortKey::JobDesc, SortOrder::Desc, 3, 1);
    assert_eq!(
        list_ids(store, "p", &q, T0).await,
        [ids["zz"], ids["alpha"], ids["Zeta"]]
    );
}

pub async fn status_queries_span_projects(store: &dyn Store) {
    add_project(store, "p").await;
    add_project(store, "q").await;
    let p1 = add_job(store, "p", "p1").await;
    let q1 = add_job(store, "q", "q1").await;
    let p2 = force(
        store,
        &add_job(store, "p", "p2").await,
        JobStatus::Running,
        0,
        Some(T0),
    )
    .await;
    let q2 = force(
        store,
        &add_job(store, "q", "q2").await,
        JobStatus::Running,
        0,
        Some(T0),
    )
    .await;
    let q3 = force(
        store,
        &add_job(store, "q", "q3").await,
        JobStatus::Killing,
        0,
        None,
    )
    .await;

    let running = store.jobs_in_status(&[JobStatus::Running]).await.unwrap();
    assert_eq!(running, vec![p2.clone(), q2.clone()]);
    let ids: Vec<i64> = store
        .jobs_in_status(&[JobStatus::Init, JobStatus::Killing])
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(ids, [p1.id, q1.id, q3.id]);
    assert!(store.jobs_in_status(&[]).await.unwrap().is_empty());

    let mut counts = store.count_by_status().await.unwrap();
    counts.sort();
    assert_eq!(
        counts,
        [
            (JobStatus::Init, 2),
            (JobStatus::Running, 2),
            (JobStatus::Killing, 1)
        ]
    );
}
