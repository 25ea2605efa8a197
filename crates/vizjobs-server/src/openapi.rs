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
        extra::dashboard
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

/// Where each job's data API is served: below its `service_url`.
const DATA_API_BASE: &str = "/vj/{project_id}/{job_id}";

/// The whole document: the jobs API and the server's own routes, with the engine's data API
/// (`vizjobs_engine::api::DataApiDoc`) nested under each job's `service_url`.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let data = vizjobs_engine::api::DataApiDoc::openapi();
    let mut doc = ApiDoc::openapi().nest(DATA_API_BASE, data);
    let base = format!("{DATA_API_BASE}/data/");
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with(&base) {
            continue;
        }
        let params = [
            ("project_id", Type::String, "the job's project"),
            ("job_id", Type::Integer, "the job"),
        ];
        for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
            let list = operation.parameters.get_or_insert_with(Vec::new);
            for (i, (name, kind, description)) in params.iter().enumerate() {
                let param = ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Path)
                    .required(utoipa::openapi::Required::True)
                    .description(Some(*description))
                    .schema(Some(ObjectBuilder::new().schema_type(kind.clone())))
                    .build();
                list.insert(i, param);
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// `web/openapi.json` is this document, which the web front end's TypeScript types are
    /// generated from (`npm run gen:api`). `VIZJOBS_BLESS=1` writes it.
    #[test]
    fn web_openapi_json_is_current() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/openapi.json");
        let current = super::document()
            .to_pretty_json()
            .expect("document as JSON")
            + "\n";
        if std::env::var_os("VIZJOBS_BLESS").is_some() {
            std::fs::write(&file, &current).expect("write web/openapi.json");
            return;
        }
        let checked_in = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            checked_in == current,
            "web/openapi.json is not the current OpenAPI document: run \
             `VIZJOBS_BLESS=1 cargo test -p vizjobs-server --lib openapi` and then \
             `npm run gen:api` in web/"
        );
    }

    #[test]
    fn every_data_route_is_documented_under_the_service_url() {
        let doc = super::document();
        let data: Vec<&String> = doc
            .paths
            .paths
            .keys()
            .filter(|p| p.contains("/data/"))
            .collect();
        assert_eq!(data.len(), 19, "{data:?}");
        for path in data {
            assert!(
                path.starts_with("/vj/{project_id}/{job_id}/data/"),
                "{path}"
            );
            // Every data route is a GET but `data/scalars_multirun`, a POST that only reads.
            let item = &doc.paths.paths[path];
            let get = item
                .get
                .as_ref()
                .or(item.post.as_ref())
                .expect("a GET or a POST");
            let names: Vec<&str> = get
                .parameters
                .iter()
                .flatten()
                .map(|p| p.name.as_str())
                .collect();
            assert_eq!(names[..2], ["project_id", "job_id"], "{path}");
        }
    }
}
