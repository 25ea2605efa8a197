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
        extra::data_tensors, extra::data_config, extra::data_logdir
    ),
    components(schemas(
        vizjobs_api::CreateJobRequest, vizjobs_api::CreateJobResponse, vizjobs_api::Job,
        vizjobs_api::ListJobsResponse, vizjobs_api::UpdateJobRequest, vizjobs_api::SuccessBody,
        vizjobs_api::ErrorBody, vizjobs_api::JobStatus, vizjobs_api::Flavor,
        vizjobs_api::Schedule, vizjobs_api::ScheduleField
    )),
    modifiers(&Security, &CommonAnswers, &StatusAsInteger),
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

/// Answers any jobs API operation can give besides its own: the auth middleware's 401 and 403,
/// 400 for a malformed `project_id`, 413 for an oversized body, and 503 while the database is
/// unreachable. Added once here rather than on every handler; an operation's own entry wins.
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
        let answer = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") {
                continue;
            }
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let mut common = vec![
                    ("400", "malformed request (ModelArts.0101, 0104)"),
                    ("401", "no valid credential"),
                    (
                        "403",
                        "the credential is not for this project, or a signature is refused",
                    ),
                    (
                        "503",
                        "the database is unavailable (ModelArts.0011, with Retry-After)",
                    ),
                ];
                if operation.request_body.is_some() {
                    common.push(("413", "body over 1 MiB (ModelArts.0101)"));
                }
                for (status, description) in common {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| answer(description));
                }
            }
        }
    }
}

/// `JobStatus` goes on the wire as its ModelArts integer (`serde_repr`), but the derived schema
/// lists variant names; the documented schema is replaced by the integer codes.
struct StatusAsInteger;

impl Modify for StatusAsInteger {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let codes: Vec<i32> = vizjobs_api::JobStatus::ALL
            .iter()
            .map(|s| s.code())
            .collect();
        let schema = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some(codes))
            .description(Some(
                "A visualization job's status as a ModelArts code: 1 INIT, 7 WAITING, 8 RUNNING, \
                 9 KILLING, 10 COMPLETED, 11 FAILED, 12 KILLED, ...",
            ))
            .build();
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert("JobStatus".to_owned(), schema.into());
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
