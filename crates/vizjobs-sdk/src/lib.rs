//! Rust SDK of the visualization-jobs API, shaped like the ModelArts Python SDK.
//!
//! The same code talks to a vizjobs server and to a ModelArts endpoint: a [`Session`] holds the
//! endpoints, the project and one credential (AK/SK request signing, an IAM token obtained
//! from account/username/password, or a ready token); a [`VisualizationJob`] is one job of that
//! project with the Python SDK's operations.
//!
//! # From the Python SDK
//!
//! | Python (`modelarts`) | Rust (`vizjobs_sdk`) |
//! |---|---|
//! | `Session(access_key=AK, secret_key=SK, project_id=P)` | `Session::builder().access_key(AK, SK).project_id(P)…build()?` |
//! | `Session(account=A, username=U, password=PW, project_id=P)` | `Session::builder().password(A, U, PW).project_id(P)…build()?` |
//! | `Session.set_endpoint(iam_endpoint=I, modelarts_endpoint=M, region_name=R)` | `SessionBuilder::set_endpoint(I, M, R)` (or `.endpoint(url)` for both) |
//! | — (credentials from the environment / a file) | `Session::from_env()?`, `Session::from_credentials_file(path)?`, `Session::from_default_credentials()?` |
//! | `VisualizationJob(modelarts_session=session, visualization_id='8992')` | `VisualizationJob::new(&session, "8992")` |
//! | `VisualizationJob(session).create_visualization_job(train_url=…, job_name=…, job_desc=…, job_type=…, schedule=…, flavor=…)` | `VisualizationJob::create_visualization_job(&session, &VisualizationJobSpec::new(name, train_url).job_desc(…).job_type(…).schedule_hours(…).flavor(…)).await?` |
//! | `VisualizationJob(session).get_visualization_job_list(filters)` | `VisualizationJob::get_visualization_job_list(&session, &ListFilters::new().status(…).per_page(…)).await?` |
//! | `VisualizationJob(session).get_visualization_job_object_list(filters)` | `VisualizationJob::get_visualization_job_object_list(&session, &filters).await?` |
//! | `job.get_visualization_job_info()` | `job.get_visualization_job_info().await?` |
//! | `job.update_visualization_job(job_desc)` | `job.update_visualization_job(desc).await?` |
//! | `job.stop_visualization_job()` | `job.stop_visualization_job().await?` |
//! | `job.restart_visualization_job()` | `job.restart_visualization_job().await?` |
//! | `job.delete_visualization_job()` | `job.delete_visualization_job().await?` |
//! | `resp['is_success']`, `resp['error_code']`, `resp['error_msg']` | `resp.is_success`, `resp.error_code`, `resp.error_msg` ([`ApiResponse`]) |
//! | (scripts without asyncio) | the same names in [`blocking`], without `.await` |
//!
//! # Answers and errors
//!
//! Every operation returns `Result<ApiResponse<T>, SdkError>`:
//! - the API answered — successfully or not — gives `Ok(ApiResponse)`; a refusal has
//!   `is_success == false` with `error_code` (`ModelArts.XXXX`) and `error_msg`, exactly what
//!   the Python SDK returns;
//! - the SDK could not get an answer it understands — connection refused, timeout, an HTML
//!   error page from a proxy, wrong credentials at IAM — gives `Err(`[`SdkError`]`)`.
//!
//! # Retries and timeouts
//!
//! Reads are retried with exponential backoff on connection errors, timeouts and 5xx answers;
//! calls that change state are retried only when no connection could be made at all (see
//! [`RetryPolicy`]). Connect and request timeouts are set on the [`SessionBuilder`].
//!
//! # Example: deleting a job, the three ways of the ModelArts documentation
//!
//! This is `examples/delete_visualization_job.rs`
//! (`cargo run -p vizjobs-sdk --example delete_visualization_job`):
//!
//! ```no_run
#![doc = include_str!("../examples/delete_visualization_job.rs")]
//! ```
//!
//! # Example: quick start
//!
//! `examples/quickstart.rs` creates a job, waits for it to run, prints its dashboard URL, then
//! stops and deletes it:
//!
//! ```no_run
#![doc = include_str!("../examples/quickstart.rs")]
//! ```

pub mod blocking;
mod credentials;
pub mod display;
mod error;
mod filters;
mod job;
mod response;
mod retry;
mod session;
mod token;
mod transport;
mod urls;

pub use credentials::{CREDENTIALS_ENV, CredentialsFile, DEFAULT_CREDENTIALS_PATH};
pub use error::SdkError;
pub use filters::ListFilters;
pub use job::{VisualizationJob, VisualizationJobSpec};
pub use response::{ApiFailure, ApiResponse};
pub use retry::RetryPolicy;
pub use session::{AuthKind, Endpoints, Session, SessionBuilder};
pub use token::DEFAULT_RENEW_BEFORE;

/// The wire types this SDK sends and returns.
pub use vizjobs_api::{
    CreateJobResponse, Job, JobStatus, JobType, ListJobsResponse, Schedule, SortKey, SortOrder,
    SuccessBody,
};
