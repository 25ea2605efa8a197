//! The SDK against a real `vizjobs serve`: every operation, every documented error it can
//! provoke, AK/SK, password and token sessions, token renewal.

mod common;

use std::time::Duration;

use common::{Server, train_url};
use vizjobs_sdk::{
    AuthKind, CredentialsFile, JobStatus, ListFilters, SdkError, Session, SortKey, SortOrder,
    VisualizationJob, VisualizationJobSpec, blocking,
};

const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(100);

fn aksk(server: &Server) -> Session {
    let s = Session::from_credentials_file(server.credentials_path()).expect("AK/SK session");
    assert_eq!(s.auth_kind(), AuthKind::AccessKey);
    s
}

fn password(server: &Server) -> Session {
    CredentialsFile::load(server.credentials_path())
        .and_then(|f| f.password_session())
        .and_then(|b| b.build())
        .expect("password session")
}

async fn create(session: &Session, name: &str) -> VisualizationJob {
    let spec = VisualizationJobSpec::new(name, train_url()).job_desc("from the SDK tests");
    let answer = VisualizationJob::create_visualization_job(session, &spec)
        .await
        .expect("an answer");
    assert!(answer.is_success, "create: {:?}", answer.json);
    answer.data.expect("the created job")
}

fn assert_refused<T: std::fmt::Debug>(
    answer: &vizjobs_sdk::ApiResponse<T>,
    code: &str,
    http_status: u16,
) {
    assert!(!answer.is_success, "expected {code}, got {:?}", answer.json);
    assert_eq!(
        answer.error_code.as_deref(),
        Some(code),
        "{:?}",
        answer.json
    );
    assert_eq!(answer.http_status, http_status);
    assert!(answer.error_msg.as_deref().is_some_and(|m| !m.is_empty()));
    assert!(answer.data.is_none());
}

async fn every_operation(session: &Session) {
    let mut job = create(session, "sdk-ops").await;
    assert!(job.job_id().parse::<i64>().is_ok());
    assert_eq!(job.job_name(), Some("sdk-ops"));
    assert!(job.create_time().is_some_and(|t| t > 1_600_000_000_000));
    assert!(job.status().is_some());

    let list = VisualizationJob::get_visualization_job_list(session, &ListFilters::new())
        .await
        .unwrap();
    assert!(list.is_success);
    let list = list.data.unwrap();
    assert_eq!(list.job_total_count, 1);
    assert_eq!(list.jobs[0].job_id.to_string(), job.job_id());

    let objects = VisualizationJob::get_visualization_job_object_list(
        session,
        &ListFilters::new().search_content("ops"),
    )
    .await
    .unwrap()
    .data
    .unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].job_name(), Some("sdk-ops"));

    let running = job
        .wait_for_status(JobStatus::Running, WAIT, POLL)
        .await
        .unwrap();
    assert_eq!(running.data.unwrap().status, JobStatus::Running);
    assert!(job.service_url().is_some_and(|u| u.starts_with("http")));

    let updated = job
        .update_visualization_job("new description")
        .await
        .unwrap();
    assert!(updated.is_success);
    let info = job.get_visualization_job_info().await.unwrap();
    assert!(info.is_success);
    assert_eq!(info.data.unwrap().job_desc, "new description");

    assert!(job.stop_visualization_job().await.unwrap().is_success);
    job.wait_for_status(JobStatus::Killed, WAIT, POLL)
        .await
        .unwrap();
    assert_eq!(job.status(), Some(JobStatus::Killed));

    assert!(job.restart_visualization_job().await.unwrap().is_success);
    job.wait_for_status(JobStatus::Running, WAIT, POLL)
        .await
        .unwrap();
    assert_eq!(job.status(), Some(JobStatus::Running));

    assert!(job.delete_visualization_job().await.unwrap().is_success);
    let gone = job.get_visualization_job_info().await.unwrap();
    assert_refused(&gone, "ModelArts.0103", 404);
}

#[tokio::test]
async fn every_operation_with_an_access_key() {
    let server = Server::start();
    every_operation(&aksk(&server)).await;
}

#[tokio::test]
async fn every_operation_with_a_password() {
    let server = Server::start();
    let session = password(&server);
    session.authenticate().await.unwrap();
    every_operation(&session).await;
    assert_eq!(session.iam_token_requests(), 1, "the token is cached");
}

#[tokio::test]
async fn list_filters_reach_the_server() {
    let server = Server::start();
    let session = aksk(&server);
    for name in ["alpha", "beta", "gamma-a"] {
        create(&session, name).await;
    }
    let names = |list: vizjobs_sdk::ListJobsResponse| {
        list.jobs
            .into_iter()
            .map(|j| j.job_name)
            .collect::<Vec<_>>()
    };
    let by_name_desc = ListFilters::new()
        .sort_by(SortKey::JobName)
        .order(SortOrder::Desc);
    let list = VisualizationJob::get_visualization_job_list(&session, &by_name_desc)
        .await
        .unwrap();
    assert_eq!(names(list.data.unwrap()), ["gamma-a", "beta", "alpha"]);
    let paged = by_name_desc.clone().per_page(1).page(2);
    let list = VisualizationJob::get_visualization_job_list(&session, &paged)
        .await
        .unwrap()
        .data
        .unwrap();
    assert_eq!(list.job_total_count, 3);
    assert_eq!(names(list), ["beta"]);
    let search = ListFilters::new().search_content("a");
    let list = VisualizationJob::get_visualization_job_list(&session, &search)
        .await
        .unwrap();
    assert_eq!(list.data.unwrap().jobs.len(), 3);
    let none = ListFilters::new().status(JobStatus::Completed);
    let list = VisualizationJob::get_visualization_job_list(&session, &none)
        .await
        .unwrap();
    assert!(list.data.unwrap().jobs.is_empty());
}

#[tokio::test]
async fn documented_errors_come_back_as_answers() {
    let server = Server::start_with(&["--job-quota", "2"]);
    let session = aksk(&server);

    // 0104: a field out of its rules.
    let bad_name = VisualizationJobSpec::new("has space", train_url());
    let answer = VisualizationJob::create_visualization_job(&session, &bad_name)
        .await
        .unwrap();
    assert_refused(&answer, "ModelArts.0104", 400);
    let answer =
        VisualizationJob::get_visualization_job_list(&session, &ListFilters::new().per_page(0))
            .await
            .unwrap();
    assert_refused(&answer, "ModelArts.0104", 400);
    let long_search = ListFilters::new().search_content("x".repeat(101));
    let answer = VisualizationJob::get_visualization_job_list(&session, &long_search)
        .await
        .unwrap();
    assert_refused(&answer, "ModelArts.0104", 400);

    // 2791: train_url not usable.
    for url in [
        "ftp://bucket/logs/",
        "/etc/../etc/",
        "/nowhere/outside/the/roots/",
    ] {
        let spec = VisualizationJobSpec::new("bad-url", url);
        let answer = VisualizationJob::create_visualization_job(&session, &spec)
            .await
            .unwrap();
        assert_refused(&answer, "ModelArts.2791", 400);
    }

    // 0103: no such job, for every per-job operation.
    let missing = VisualizationJob::new(&session, 987_654_321);
    assert_refused(
        &missing.get_visualization_job_info().await.unwrap(),
        "ModelArts.0103",
        404,
    );
    assert_refused(
        &missing.update_visualization_job("x").await.unwrap(),
        "ModelArts.0103",
        404,
    );
    assert_refused(
        &missing.stop_visualization_job().await.unwrap(),
        "ModelArts.0103",
        404,
    );
    assert_refused(
        &missing.restart_visualization_job().await.unwrap(),
        "ModelArts.0103",
        404,
    );
    assert_refused(
        &missing.delete_visualization_job().await.unwrap(),
        "ModelArts.0103",
        404,
    );

    // 0105: not allowed in this status.
    let mut job = create(&session, "status-rules").await;
    job.wait_for_status(JobStatus::Running, WAIT, POLL)
        .await
        .unwrap();
    let answer = job.restart_visualization_job().await.unwrap();
    assert_refused(&answer, "ModelArts.0105", 400);
    job.stop_visualization_job().await.unwrap();
    job.wait_for_status(JobStatus::Killed, WAIT, POLL)
        .await
        .unwrap();
    let answer = job.stop_visualization_job().await.unwrap();
    assert_refused(&answer, "ModelArts.0105", 400);
    assert!(answer.error_msg.unwrap().contains("job status: 12"));

    // 0104 on update: description too long.
    let answer = job.update_visualization_job("d".repeat(257)).await.unwrap();
    assert_refused(&answer, "ModelArts.0104", 400);

    // 0118: the quota (2 here) is used up.
    create(&session, "second").await;
    let third = VisualizationJobSpec::new("third", train_url());
    let answer = VisualizationJob::create_visualization_job(&session, &third)
        .await
        .unwrap();
    assert_refused(&answer, "ModelArts.0118", 400);

    let file = CredentialsFile::load(server.credentials_path()).unwrap();
    let base = || Session::builder().endpoint(&server.endpoint);
    let project = file.project_id.clone().unwrap();
    let ak = file.access_key.clone().unwrap();
    let sk = file.secret_key.clone().unwrap();

    // 0206: bad signature, unknown access key.
    for (ak, sk) in [
        (ak.as_str(), "not-the-secret"),
        ("UNKNOWNACCESSKEY0000", sk.as_str()),
    ] {
        let session = base()
            .project_id(&project)
            .access_key(ak, sk)
            .build()
            .unwrap();
        let answer = VisualizationJob::get_visualization_job_list(&session, &ListFilters::new())
            .await
            .unwrap();
        assert_refused(&answer, "ModelArts.0206", 403);
    }

    // 0210: a project the credential does not belong to.
    let other = base()
        .project_id("another-project")
        .access_key(&ak, &sk)
        .build()
        .unwrap();
    let answer = VisualizationJob::get_visualization_job_list(&other, &ListFilters::new())
        .await
        .unwrap();
    assert_refused(&answer, "ModelArts.0210", 403);

    // 0203: a token the server never issued.
    let forged = base()
        .project_id(&project)
        .token("forged-token")
        .build()
        .unwrap();
    let answer = VisualizationJob::get_visualization_job_list(&forged, &ListFilters::new())
        .await
        .unwrap();
    assert_refused(&answer, "ModelArts.0203", 401);
}

#[tokio::test]
async fn tokens_are_renewed_before_they_expire() {
    // 0.005 h = 18 s; the SDK renews a fifth of the lifetime early, at about 14.4 s. Times are
    // measured from when the first token arrived, so a slow machine cannot shift them.
    let server = Server::start_with(&["--token-ttl-hours", "0.005"]);
    let session = password(&server);
    let filters = ListFilters::new();
    assert!(
        VisualizationJob::get_visualization_job_list(&session, &filters)
            .await
            .unwrap()
            .is_success
    );
    let issued = std::time::Instant::now();
    let first_token = session.token().await.unwrap().unwrap();

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        VisualizationJob::get_visualization_job_list(&session, &filters)
            .await
            .unwrap()
            .is_success
    );
    let elapsed = issued.elapsed();
    assert!(
        elapsed >= Duration::from_millis(13_000) || session.iam_token_requests() == 1,
        "a fresh token was not reused ({elapsed:?} after issue)"
    );

    tokio::time::sleep(Duration::from_millis(15_500).saturating_sub(issued.elapsed())).await;
    let answer = VisualizationJob::get_visualization_job_list(&session, &filters)
        .await
        .unwrap();
    assert!(answer.is_success, "{:?}", answer.json);
    assert_eq!(session.iam_token_requests(), 2, "renewed ahead of expiry");

    // The first token has expired by now: used as a ready token, it is refused with 0202.
    tokio::time::sleep(Duration::from_millis(19_000).saturating_sub(issued.elapsed())).await;
    let stale = Session::builder()
        .endpoint(&server.endpoint)
        .project_id(session.project_id())
        .token(first_token)
        .build()
        .unwrap();
    let answer = VisualizationJob::get_visualization_job_list(&stale, &filters)
        .await
        .unwrap();
    assert_refused(&answer, "ModelArts.0202", 401);
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_error() {
    let server = Server::start();
    let file = CredentialsFile::load(server.credentials_path()).unwrap();
    let session = Session::builder()
        .endpoint(&server.endpoint)
        .project_id(file.project_id.unwrap())
        .password(
            file.account.unwrap(),
            file.username.unwrap(),
            "wrong-password",
        )
        .build()
        .unwrap();
    let err = session.authenticate().await.unwrap_err();
    assert!(
        matches!(err, SdkError::Authentication { status: 401, .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("wrong-password"));
}

#[test]
fn the_blocking_facade_drives_a_job() {
    let server = Server::start();
    let session = blocking::Session::from_credentials_file(server.credentials_path()).unwrap();
    let spec = VisualizationJobSpec::new("blocking", train_url());
    let created = blocking::VisualizationJob::create_visualization_job(&session, &spec).unwrap();
    assert!(created.is_success);
    let job = created.data.unwrap();
    let listed = blocking::VisualizationJob::get_visualization_job_object_list(
        &session,
        &ListFilters::new(),
    )
    .unwrap()
    .data
    .unwrap();
    assert_eq!(listed[0].job_id(), job.job_id());
    assert!(listed[0].delete_visualization_job().unwrap().is_success);
    let again = blocking::VisualizationJob::new(&session, job.job_id())
        .delete_visualization_job()
        .unwrap();
    assert_eq!(again.error_code.as_deref(), Some("ModelArts.0103"));
}

#[tokio::test]
async fn a_server_that_is_down_is_a_transport_error() {
    let server = Server::start();
    let session = aksk(&server);
    drop(server);
    let err = VisualizationJob::get_visualization_job_list(&session, &ListFilters::new())
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::Transport { .. }), "{err:?}");
}
