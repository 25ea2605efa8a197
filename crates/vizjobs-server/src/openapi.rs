//! `/openapi.json`, generated from the handlers' annotations.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::jobs;
use crate::health;
use crate::openapi_extra as extra;

#[derive(OpenApi)]
#[openapi(
    info(title = "vizjobs", description = "ModelArts-compatible visualization jobs"),
    paths(
        jobs::create, jobs::list, jobs::details, jobs::update, jobs::stop, jobs::restart,
        jobs::delete, health::healthz, health::readyz, extra::create_token,
        extra::console_login, extra::console_session, extra::console_logout, extra::metrics,
        extra::dashboard, extra::data_runs, extra::data_tags, extra::data_scalars,
        extra::data_histograms, extra::data_images, extra::data_blob, extra::data_text,
        extra::data_pr_curves, extra::data_hparams, extra::data_custom_scalars,
        extra::data_tensors, extra::data_config
    ),
    components(schemas(
        vizjobs_api::CreateJobRequest, vizjobs_api::CreateJobResponse, vizjobs_api::Job,
        vizjobs_api::ListJobsResponse, vizjobs_api::UpdateJobRequest, vizjobs_api::SuccessBody,
        vizjobs_api::ErrorBody, vizjobs_api::JobStatus, vizjobs_api::Flavor,
        vizjobs_api::Schedule, vizjobs_api::ScheduleField
    )),
    modifiers(&Security),
    security(("token" = []), ("aksk" = []))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Auth-Token",
                "An IAM token from POST /v3/auth/tokens, or a static API token",
            ))),
        );
        components.add_security_scheme(
            "aksk",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=... with X-Sdk-Date",
            ))),
        );
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
