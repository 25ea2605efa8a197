//! Deletes visualization jobs the three ways the ModelArts documentation shows:
//! by id, on the job `create_visualization_job` returned, and on an element of the object list.
//!
//! Reads the server address and credentials from `$VIZJOBS_CREDENTIALS`, else
//! `./vizjobs-data/credentials.json` (what `vizjobs serve` writes on its first start).
//! The job id of way 1 is the first argument; without one, a job is created for it.
//! The jobs of ways 2 and 3 are created first, over the logs folder given as the second
//! argument (default `./logs`).

use vizjobs_sdk::{ListFilters, Session, VisualizationJob, VisualizationJobSpec};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Session::from_default_credentials()?;
    let mut args = std::env::args().skip(1);
    let given_id = args.next().filter(|id| !id.is_empty());
    let train_url = match args.next() {
        Some(path) => path,
        None => std::env::current_dir()?.join("logs").display().to_string(),
    };

    // Way 1: by id, like VisualizationJob(modelarts_session=session, visualization_id='8992').
    let id = match given_id {
        Some(id) => id,
        None => {
            let spec = VisualizationJobSpec::new("delete-by-id", &train_url);
            let created = VisualizationJob::create_visualization_job(&session, &spec).await?;
            println!("create: is_success={} {}", created.is_success, created.json);
            match created.data {
                Some(job) => job.job_id().to_owned(),
                None => return Ok(()),
            }
        }
    };
    let job = VisualizationJob::new(&session, &id);
    let resp = job.delete_visualization_job().await?;
    println!(
        "way 1, delete job {id} by id: is_success={} {}",
        resp.is_success, resp.json
    );

    // Way 2: on the object create_visualization_job returned.
    let spec = VisualizationJobSpec::new("delete-created", &train_url).job_desc("way 2");
    let created = VisualizationJob::create_visualization_job(&session, &spec).await?;
    println!("create: is_success={} {}", created.is_success, created.json);
    if let Some(job_visualization_instance) = created.data {
        let resp = job_visualization_instance
            .delete_visualization_job()
            .await?;
        println!(
            "way 2, delete job {} returned by create: is_success={} {}",
            job_visualization_instance.job_id(),
            resp.is_success,
            resp.json
        );
    }

    // Way 3: on an element of get_visualization_job_object_list.
    let spec = VisualizationJobSpec::new("delete-listed", &train_url).job_desc("way 3");
    let created = VisualizationJob::create_visualization_job(&session, &spec).await?;
    println!("create: is_success={} {}", created.is_success, created.json);
    let filters = ListFilters::new().search_content("delete-listed");
    let listed = VisualizationJob::get_visualization_job_object_list(&session, &filters).await?;
    println!("object list: is_success={}", listed.is_success);
    let job_visualization_instance_list = listed.data.unwrap_or_default();
    if let Some(first) = job_visualization_instance_list.first() {
        let resp = first.delete_visualization_job().await?;
        println!(
            "way 3, delete listed job {}: is_success={} {}",
            first.job_id(),
            resp.is_success,
            resp.json
        );
    }

    // A job that does not exist: the API's refusal comes back as an answer, not an error.
    let resp = VisualizationJob::new(&session, "999999999")
        .delete_visualization_job()
        .await?;
    println!(
        "delete a missing job: is_success={} error_code={:?} error_msg={:?}",
        resp.is_success, resp.error_code, resp.error_msg
    );
    Ok(())
}
