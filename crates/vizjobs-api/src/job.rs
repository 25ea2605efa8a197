//! Requests and answers of the seven operations.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::status::JobStatus;
use crate::validate::{
    MAX_PER_PAGE, MAX_SCHEDULE_HOURS, MAX_SEARCH_CHARS, refuse_nul, validate_job_desc,
    validate_job_name,
};

/// A job as list and details show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    /// Present (true) on the details answer only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_success: Option<bool>,
    pub job_id: i64,
    pub job_name: String,
    #[serde(default)]
    pub job_desc: String,
    pub status: JobStatus,
    /// Milliseconds since the Unix epoch.
    pub create_time: i64,
    /// Milliseconds the job has been running, summed over restarts.
    #[serde(default)]
    pub duration: i64,
    #[serde(default)]
    pub service_url: String,
    #[serde(default)]
    pub train_url: String,
    #[serde(default)]
    pub resource_id: String,
    /// `tensorboard` or `mindinsight`; not in the published list answer, which clients ignore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_type: Option<String>,
}

/// The dashboard flavour a job runs; accepted and echoed, it has no effect on a single host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flavor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// `{"type": "stop", "time_unit": "HOURS", "duration": N}`: stop the job after N hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Schedule {
    #[serde(rename = "type")]
    pub kind: String,
    pub time_unit: String,
    pub duration: i64,
}

impl Schedule {
    /// Auto-stop after `hours` hours (0: never).
    pub fn stop_after_hours(hours: u32) -> Self {
        Self {
            kind: "stop".into(),
            time_unit: "HOURS".into(),
            duration: i64::from(hours),
        }
    }
}

/// The published sample sends the schedule as a one-element array; both forms are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ScheduleField {
    One(Schedule),
    List(Vec<Schedule>),
}

/// The kind of dashboard a job serves: `tensorboard` or `mindinsight` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobType {
    #[default]
    Tensorboard,
    Mindinsight,
}

impl JobType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tensorboard => "tensorboard",
            Self::Mindinsight => "mindinsight",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tensorboard" => Some(Self::Tensorboard),
            "mindinsight" => Some(Self::Mindinsight),
            _ => None,
        }
    }
}

/// The create body as sent. Every field is optional at this level so that a missing field is a
/// rule violation (0104) while a wrong JSON type is a decoding error (0101).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateJobRequest {
    /// 1–20 characters of `[A-Za-z0-9_-]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    /// 0–256 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_desc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_url: Option<String>,
    /// `tensorboard` (default) or `mindinsight`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavor: Option<Flavor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleField>,
}

/// A create request that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCreate {
    pub job_name: String,
    pub job_desc: String,
    pub train_url: String,
    pub job_type: JobType,
    pub flavor: Option<String>,
    /// Auto-stop after this many hours; 0 means never.
    pub schedule_hours: u32,
}

impl CreateJobRequest {
    /// Checks the rules of the spec (not `train_url`'s storage roots, which only the server knows).
    pub fn validate(&self) -> Result<ValidCreate, ApiError> {
        let job_name = self.job_name.clone().unwrap_or_default();
        validate_job_name(&job_name)?;
        let job_desc = self.job_desc.clone().unwrap_or_default();
        validate_job_desc(&job_desc)?;
        let train_url = match self.train_url.as_deref() {
            Some(u) if !u.trim().is_empty() => u.to_owned(),
            _ => {
                return Err(ApiError::new(
                    ErrorCode::BadTrainUrl,
                    "train_url is required",
                ));
            }
        };
        let job_type = match self.job_type.as_deref() {
            None | Some("") => JobType::default(),
            Some(t) => JobType::parse(t).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidField,
                    format!("job_type must be tensorboard or mindinsight, got {t:?}"),
                )
            })?,
        };
        let schedule_hours = match &self.schedule {
            None => 0,
            Some(ScheduleField::One(s)) => validate_schedule(s)?,
            Some(ScheduleField::List(list)) => match list.as_slice() {
                [] => 0,
                [s] => validate_schedule(s)?,
                _ => {
                    return Err(ApiError::new(
                        ErrorCode::InvalidField,
                        "schedule holds at most one entry",
                    ));
                }
            },
        };
        Ok(ValidCreate {
            job_name,
            job_desc,
            train_url,
            job_type,
            flavor: self.flavor.as_ref().and_then(|f| f.code.clone()),
            schedule_hours,
        })
    }
}

fn validate_schedule(s: &Schedule) -> Result<u32, ApiError> {
    if s.kind != "stop" {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("schedule.type must be \"stop\", got {:?}", s.kind),
        ));
    }
    if s.time_unit != "HOURS" {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!(
                "schedule.time_unit must be \"HOURS\", got {:?}",
                s.time_unit
            ),
        ));
    }
    if !(0..=i64::from(MAX_SCHEDULE_HOURS)).contains(&s.duration) {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!(
                "schedule.duration must be 0 to {MAX_SCHEDULE_HOURS} hours, got {}",
                s.duration
            ),
        ));
    }
    Ok(s.duration as u32)
}

/// The answer of create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateJobResponse {
    pub is_success: bool,
    pub job_id: i64,
    pub job_name: String,
    pub status: JobStatus,
    pub create_time: i64,
    pub service_url: String,
}

/// The update body: only the description can change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateJobRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_desc: Option<String>,
}

impl UpdateJobRequest {
    pub fn validate(&self) -> Result<String, ApiError> {
        let desc = self
            .job_desc
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidField, "job_desc is required"))?;
        validate_job_desc(desc)?;
        Ok(desc.clone())
    }
}

/// The answer of list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListJobsResponse {
    pub is_success: bool,
    pub job_total_count: i64,
    pub job_count_limit: i64,
    pub quotas: i64,
    pub jobs: Vec<Job>,
}

/// The column list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    #[default]
    JobId,
    JobName,
    JobDesc,
    CreateTime,
    Status,
    Duration,
}

impl SortKey {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JobId => "job_id",
            Self::JobName => "job_name",
            Self::JobDesc => "job_desc",
            Self::CreateTime => "create_time",
            Self::Status => "status",
            Self::Duration => "duration",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "job_id" => Self::JobId,
            "job_name" => Self::JobName,
            "job_desc" => Self::JobDesc,
            "create_time" => Self::CreateTime,
            "status" => Self::Status,
            "duration" => Self::Duration,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

impl SortOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }
}

/// The list query, checked. Built from the raw query pairs so that every rule gives the spec's
/// code rather than a generic decoding failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Empty: every status.
    pub status: Vec<JobStatus>,
    pub per_page: u32,
    pub page: u32,
    pub sort_by: SortKey,
    pub order: SortOrder,
    pub search_content: String,
    pub workspace_id: String,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            status: Vec::new(),
            per_page: 10,
            page: 1,
            sort_by: SortKey::JobId,
            order: SortOrder::Asc,
            search_content: String::new(),
            workspace_id: "0".into(),
        }
    }
}

impl ListQuery {
    /// The query keys the list reads (`sortBy` is another spelling of `sort_by`).
    const KEYS: [&'static str; 7] = [
        "status",
        "per_page",
        "page",
        "sort_by",
        "order",
        "search_content",
        "workspace_id",
    ];

    /// Parses decoded query pairs. Unknown keys are ignored, as unknown JSON fields are; a key
    /// this query reads that comes twice is refused: an AK/SK signature sorts the pairs, so
    /// which of two values won would otherwise depend on an order the signature does not fix.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ApiError> {
        let mut q = ListQuery::default();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in pairs {
            let canonical = if key == "sortBy" { "sort_by" } else { key };
            if Self::KEYS.contains(&canonical) {
                if seen.contains(&canonical) {
                    return Err(ApiError::new(
                        ErrorCode::InvalidField,
                        format!("the query parameter {key} is given more than once"),
                    ));
                }
                seen.push(canonical);
            }
            match key {
                "status" => {
                    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        let status = part
                            .parse::<i32>()
                            .ok()
                            .and_then(JobStatus::from_code)
                            .or_else(|| {
                                JobStatus::ALL
                                    .into_iter()
                                    .find(|s| s.name().eq_ignore_ascii_case(part))
                            })
                            .ok_or_else(|| {
                                ApiError::new(
                                    ErrorCode::InvalidField,
                                    format!("status must be a job status 0-21, got {part:?}"),
                                )
                            })?;
                        if !q.status.contains(&status) {
                            q.status.push(status);
                        }
                    }
                }
                "per_page" => {
                    q.per_page = parse_int(key, value)?;
                    if !(1..=MAX_PER_PAGE).contains(&q.per_page) {
                        return Err(ApiError::new(
                            ErrorCode::InvalidField,
                            format!("per_page must be 1 to {MAX_PER_PAGE}, got {value}"),
                        ));
                    }
                }
                "page" => {
                    q.page = parse_int(key, value)?;
                    if q.page < 1 {
                        return Err(ApiError::new(
                            ErrorCode::InvalidField,
                            format!("page must be at least 1, got {value}"),
                        ));
                    }
                }
                "sortBy" | "sort_by" => {
                    q.sort_by = SortKey::parse(value).ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::InvalidField,
                            format!(
                                "{key} must be one of job_id, job_name, job_desc, create_time, status, duration; got {value:?}"
                            ),
                        )
                    })?;
                }
                "order" => {
                    q.order = match value {
                        "asc" | "ASC" => SortOrder::Asc,
                        "desc" | "DESC" => SortOrder::Desc,
                        _ => {
                            return Err(ApiError::new(
                                ErrorCode::InvalidField,
                                format!("order must be asc or desc, got {value:?}"),
                            ));
                        }
                    }
                }
                "search_content" => {
                    refuse_nul(key, value)?;
                    if value.chars().count() > MAX_SEARCH_CHARS {
                        return Err(ApiError::new(
                            ErrorCode::InvalidField,
                            format!("search_content must be at most {MAX_SEARCH_CHARS} characters"),
                        ));
                    }
                    q.search_content = value.to_owned();
                }
                "workspace_id" => q.workspace_id = value.to_owned(),
                _ => {}
            }
        }
        Ok(q)
    }

    /// The query pairs a client sends for this query (defaults left out).
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let d = ListQuery::default();
        let mut pairs = Vec::new();
        if !self.status.is_empty() {
            let codes: Vec<String> = self.status.iter().map(|s| s.code().to_string()).collect();
            pairs.push(("status", codes.join(",")));
        }
        if self.per_page != d.per_page {
            pairs.push(("per_page", self.per_page.to_string()));
        }
        if self.page != d.page {
            pairs.push(("page", self.page.to_string()));
        }
        if self.sort_by != d.sort_by {
            pairs.push(("sortBy", self.sort_by.as_str().to_owned()));
        }
        if self.order != d.order {
            pairs.push(("order", self.order.as_str().to_owned()));
        }
        if !self.search_content.is_empty() {
            pairs.push(("search_content", self.search_content.clone()));
        }
        if self.workspace_id != d.workspace_id {
            pairs.push(("workspace_id", self.workspace_id.clone()));
        }
        pairs
    }
}

fn parse_int(key: &str, value: &str) -> Result<u32, ApiError> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| {
            ApiError::new(
                ErrorCode::Malformed,
                format!("{key} must be an integer, got {value:?}"),
            )
        })
        .and_then(|n| {
            u32::try_from(n).map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidField,
                    format!("{key} is out of range: {value}"),
                )
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(json: &str) -> Result<ValidCreate, ApiError> {
        let req: CreateJobRequest = serde_json::from_str(json).expect("decodes");
        req.validate()
    }

    #[test]
    fn schedule_accepts_object_and_one_element_array() {
        let a = create(r#"{"job_name":"a","train_url":"/b/p/","schedule":{"type":"stop","time_unit":"HOURS","duration":4}}"#).unwrap();
        let b = create(r#"{"job_name":"a","train_url":"/b/p/","schedule":[{"type":"stop","time_unit":"HOURS","duration":4}]}"#).unwrap();
        assert_eq!(a.schedule_hours, 4);
        assert_eq!(b.schedule_hours, 4);
        let err = create(r#"{"job_name":"a","train_url":"/b/p/","schedule":{"type":"stop","time_unit":"HOURS","duration":25}}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidField);
    }

    #[test]
    fn wrong_types_fail_to_decode() {
        assert!(serde_json::from_str::<CreateJobRequest>(r#"{"job_name":5}"#).is_err());
        assert!(
            serde_json::from_str::<CreateJobRequest>(
                r#"{"job_name":"a","schedule":{"type":"stop","time_unit":"HOURS","duration":"4"}}"#
            )
            .is_err()
        );
    }

    #[test]
    fn defaults_and_rules() {
        let v = create(r#"{"job_name":"ok-name_1","train_url":"/b/p/","extra":1}"#).unwrap();
        assert_eq!(v.job_type, JobType::Tensorboard);
        assert_eq!(v.job_desc, "");
        assert_eq!(v.schedule_hours, 0);
        let err = create(r#"{"job_name":"a","train_url":"/b/","job_type":"pytorch"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidField);
        let err = create(r#"{"job_name":"a"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadTrainUrl);
        let err = create(r#"{"train_url":"/b/"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidField);
    }

    #[test]
    fn list_query_rules() {
        let q = ListQuery::from_pairs([
            ("status", "8,12"),
            ("per_page", "1000"),
            ("sort_by", "create_time"),
            ("order", "desc"),
        ])
        .unwrap();
        assert_eq!(q.status, vec![JobStatus::Running, JobStatus::Killed]);
        assert_eq!(q.per_page, 1000);
        assert_eq!(q.sort_by, SortKey::CreateTime);
        assert_eq!(q.order, SortOrder::Desc);
        let q2 = ListQuery::from_pairs([("sortBy", "job_name")]).unwrap();
        for twice in [
            [("page", "1"), ("page", "2")],
            [("sortBy", "job_name"), ("sort_by", "status")],
        ] {
            let err = ListQuery::from_pairs(twice).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidField, "{twice:?}");
        }
        assert!(ListQuery::from_pairs([("other", "1"), ("other", "2")]).is_ok());
        assert!(ListQuery::from_pairs([("search_content", "a\0")]).is_err());
        assert_eq!(q2.sort_by, SortKey::JobName);
        for bad in [
            ("per_page", "0"),
            ("per_page", "1001"),
            ("page", "0"),
            ("sortBy", "nope"),
            ("order", "up"),
            ("status", "99"),
        ] {
            let err = ListQuery::from_pairs([bad]).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidField, "{bad:?}");
        }
        let long = "x".repeat(101);
        assert_eq!(
            ListQuery::from_pairs([("search_content", long.as_str())])
                .unwrap_err()
                .code,
            ErrorCode::InvalidField
        );
        assert_eq!(
            ListQuery::from_pairs([("per_page", "ten")])
                .unwrap_err()
                .code,
            ErrorCode::Malformed
        );
    }

    #[test]
    fn list_query_round_trips_through_pairs() {
        let q = ListQuery {
            status: vec![JobStatus::Running],
            per_page: 50,
            page: 3,
            sort_by: SortKey::Duration,
            order: SortOrder::Desc,
            search_content: "abc".into(),
            workspace_id: "0".into(),
        };
        let pairs = q.to_pairs();
        let back = ListQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
        assert_eq!(back, q);
    }
}
