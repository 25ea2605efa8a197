//! `vizjobs job …` against a real `vizjobs serve`.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{Server, train_url};

fn vizjobs(credentials: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vizjobs"))
        .arg("job")
        .arg("--credentials")
        .arg(credentials)
        .args(args)
        .env_remove("VIZJOBS_ENDPOINT")
        .env_remove("VIZJOBS_PROJECT_ID")
        .output()
        .expect("vizjobs runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

fn json(out: Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).expect("--output json prints JSON")
}

/// Polls `show` until the table shows `status`.
fn wait_for(creds: &Path, id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let shown = ok(vizjobs(creds, &["show", id]));
        if shown.contains(status) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} never reached {status}:\n{shown}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_job_through_its_life() {
    let server = Server::start();
    let creds = server.credentials_path();
    let created = json(vizjobs(
        &creds,
        &[
            "create",
            "--name",
            "cli-job",
            "--train-url",
            &train_url(),
            "--desc",
            "via the CLI",
            "--schedule-hours",
            "2",
            "--output",
            "json",
        ],
    ));
    assert_eq!(created["is_success"], true);
    assert_eq!(created["job_name"], "cli-job");
    let id = created["job_id"]
        .as_i64()
        .expect("an integer id")
        .to_string();

    wait_for(&creds, &id, "RUNNING (8)");
    let listed = ok(vizjobs(
        &creds,
        &["list", "--status", "RUNNING", "--search", "cli"],
    ));
    let header = listed.lines().next().unwrap();
    assert!(
        header.starts_with("ID") && header.contains("STATUS"),
        "{listed}"
    );
    assert!(
        listed.contains("cli-job") && listed.contains("RUNNING (8)"),
        "{listed}"
    );
    assert!(listed.contains("1 of 1 jobs shown"), "{listed}");
    let none = ok(vizjobs(&creds, &["list", "--status", "12"]));
    assert!(!none.contains("cli-job"), "{none}");

    ok(vizjobs(&creds, &["update", &id, "--desc", "changed"]));
    let shown = json(vizjobs(&creds, &["show", &id, "--output", "json"]));
    assert_eq!(shown["job_desc"], "changed");
    assert_eq!(shown["status"], 8);

    assert!(ok(vizjobs(&creds, &["stop", &id])).contains("stopping"));
    wait_for(&creds, &id, "KILLED (12)");
    ok(vizjobs(&creds, &["restart", &id]));
    wait_for(&creds, &id, "RUNNING (8)");
    let deleted = json(vizjobs(&creds, &["delete", &id, "--output", "json"]));
    assert_eq!(deleted["is_success"], true);

    let gone = vizjobs(&creds, &["show", &id]);
    assert_eq!(gone.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert!(stderr.contains("ModelArts.0103"), "{stderr}");
}

#[test]
fn api_errors_print_their_code_and_exit_non_zero() {
    let server = Server::start();
    let creds = server.credentials_path();
    let bad = vizjobs(
        &creds,
        &["create", "--name", "bad name", "--train-url", &train_url()],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ModelArts.0104"));

    let as_json = vizjobs(&creds, &["list", "--per-page", "0", "--output", "json"]);
    assert_eq!(as_json.status.code(), Some(1));
    let body: serde_json::Value = serde_json::from_str(&stdout(&as_json)).unwrap();
    assert_eq!(body["is_success"], false);
    assert_eq!(body["error_code"], "ModelArts.0104");

    let wrong_project = vizjobs(&creds, &["list", "--project-id", "someone-else"]);
    assert_eq!(wrong_project.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong_project.stderr).contains("ModelArts.0210"));

    let unknown_status = vizjobs(&creds, &["list", "--status", "SLEEPING"]);
    assert!(!unknown_status.status.success());
}

#[test]
fn credentials_are_found_by_variable_and_in_the_working_directory() {
    let server = Server::start();
    let by_variable = Command::new(env!("CARGO_BIN_EXE_vizjobs"))
        .args(["job", "list"])
        .env("VIZJOBS_CREDENTIALS", server.credentials_path())
        .output()
        .unwrap();
    assert!(ok(by_variable).contains("0 of 0 jobs shown"));

    // `vizjobs serve --data-dir D` writes D/credentials.json: from D's parent with the
    // default data dir name, the default path finds it.
    let workdir = server.data_dir.join("work");
    std::fs::create_dir_all(workdir.join("vizjobs-data")).unwrap();
    std::fs::copy(
        server.credentials_path(),
        workdir.join("vizjobs-data/credentials.json"),
    )
    .unwrap();
    let by_default = Command::new(env!("CARGO_BIN_EXE_vizjobs"))
        .args(["job", "list", "--output", "json"])
        .env_remove("VIZJOBS_CREDENTIALS")
        .current_dir(&workdir)
        .output()
        .unwrap();
    assert_eq!(json(by_default)["job_total_count"], 0);
}
