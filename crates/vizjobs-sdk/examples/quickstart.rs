//! Creates a visualization job over a logs folder, waits until its dashboard runs, prints the
//! dashboard's URL, then stops and deletes the job.
//!
//! `cargo run -p vizjobs-sdk --example quickstart -- /path/to/logs`
//! (default: `./logs`). Credentials come from `$VIZJOBS_CREDENTIALS`, else
//! `./vizjobs-data/credentials.json`.

use std::time::Duration;

use vizjobs_sdk::{JobStatus, Session, VisualizationJob, VisualizationJobSpec};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Session::from_default_credentials()?;
    let train_url = match std::env::args().nth(1) {
        Some(path) => path,
        None => std::env::current_dir()?.join("logs").display().to_string(),
    };

    let spec = VisualizationJobSpec::new("quickstart", train_url)
        .job_desc("created by the quickstart example")
        .schedule_hours(1);
    let created = VisualizationJob::create_visualization_job(&session, &spec).await?;
    println!("create: is_success={} {}", created.is_success, created.json);
    let Some(mut job) = created.data else {
        println!(
            "error_code={:?} error_msg={:?}",
            created.error_code, created.error_msg
        );
        return Ok(());
    };
    println!(
        "job {} ({}) created at {} ms, status {:?}",
        job.job_id(),
        job.job_name().unwrap_or_default(),
        job.create_time().unwrap_or_default(),
        job.status()
    );

    let info = job
        .wait_for_status(
            JobStatus::Running,
            Duration::from_secs(60),
            Duration::from_millis(500),
        )
        .await?;
    println!("details: is_success={} {}", info.is_success, info.json);
    match job.status() {
        Some(JobStatus::Running) => {
            println!("dashboard: {}", job.service_url().unwrap_or("(none)"));
        }
        other => println!("the job did not reach RUNNING (status {other:?})"),
    }

    let stopped = job.stop_visualization_job().await?;
    println!("stop: is_success={} {}", stopped.is_success, stopped.json);
    let info = job
        .wait_for_status(
            JobStatus::Killed,
            Duration::from_secs(30),
            Duration::from_millis(300),
        )
        .await?;
    println!("after stop: {}", info.json);

    let deleted = job.delete_visualization_job().await?;
    println!("delete: is_success={} {}", deleted.is_success, deleted.json);
    Ok(())
}
