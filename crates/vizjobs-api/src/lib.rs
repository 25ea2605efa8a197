//! Wire types of the visualization-jobs API (`/v1/{project_id}/visualization-jobs`).
//!
//! These types are the contract of `shared/spec/visualization-jobs-api.md`, shared by the
//! server (which validates and answers with them) and the SDK (which sends and reads them), so
//! both sides agree on field names, integer types and validation rules by construction.
//!
//! Validation lives here too, as plain functions returning [`ApiError`], so that the SDK and the
//! web console can check a request before sending it and get the very same message.

mod error;
mod job;
mod project_id;
mod status;
mod validate;

pub use error::{ApiError, ErrorBody, ErrorCode, SuccessBody};
pub use job::{
    CreateJobRequest, CreateJobResponse, Flavor, Job, JobType, ListJobsResponse, ListQuery,
    Schedule, ScheduleField, SortKey, SortOrder, UpdateJobRequest, ValidCreate,
};
pub use project_id::ProjectId;
pub use status::JobStatus;
pub use validate::{
    MAX_DESC_CHARS, MAX_NAME_CHARS, MAX_PER_PAGE, MAX_SCHEDULE_HOURS, MAX_SEARCH_CHARS, refuse_nul,
    validate_job_desc, validate_job_name,
};
