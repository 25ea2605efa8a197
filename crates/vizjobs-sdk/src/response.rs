//! Answers as the Python SDK hands them out: `is_success`, and on failure `error_code` and
//! `error_msg`, with the decoded body alongside.
//!
//! Decoding rules:
//! - a 2xx answer is a success unless its body says `"is_success": false` (details may omit
//!   the flag, so absence means true); its body must decode as the operation's type;
//! - any other status must carry an error code, read from `error_code` (ModelArts, APIG) or
//!   from an IAM-style `{"error": {"code", "message"}}`; the message from `error_msg`, else
//!   `error_message`;
//! - anything else (HTML from a proxy, JSON of the wrong shape) is not an answer of this API
//!   and becomes [`SdkError::UnreadableAnswer`].

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::SdkError;

/// The outcome of one API call.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse<T> {
    pub http_status: u16,
    pub is_success: bool,
    /// `ModelArts.XXXX` on failure.
    pub error_code: Option<String>,
    pub error_msg: Option<String>,
    /// The decoded success body.
    pub data: Option<T>,
    /// The JSON body exactly as the server sent it.
    pub json: Value,
}

/// A failed API answer, as an error value for `?`-style code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_code}: {error_msg} (HTTP {http_status})")]
pub struct ApiFailure {
    pub http_status: u16,
    pub error_code: String,
    pub error_msg: String,
}

impl<T> ApiResponse<T> {
    /// The success body, or the failure as an error.
    pub fn into_result(self) -> Result<T, ApiFailure> {
        match self.data {
            Some(data) if self.is_success => Ok(data),
            _ => Err(ApiFailure {
                http_status: self.http_status,
                error_code: self.error_code.unwrap_or_default(),
                error_msg: self.error_msg.unwrap_or_default(),
            }),
        }
    }

    /// The same answer with its body turned into something else.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            http_status: self.http_status,
            is_success: self.is_success,
            error_code: self.error_code,
            error_msg: self.error_msg,
            data: self.data.map(f),
            json: self.json,
        }
    }
}

/// Decodes the answer of `url`.
pub(crate) fn decode<T: DeserializeOwned>(
    url: &str,
    status: u16,
    body: &[u8],
) -> Result<ApiResponse<T>, SdkError> {
    let unreadable = |reason: String| SdkError::UnreadableAnswer {
        url: url.to_owned(),
        status,
        reason,
    };
    let json: Value = serde_json::from_slice(body)
        .map_err(|e| unreadable(format!("not JSON ({e}): {}", snippet(body))))?;
    if !json.is_object() {
        return Err(unreadable(format!("not a JSON object: {}", snippet(body))));
    }
    let flagged_success = json.get("is_success").and_then(Value::as_bool);
    if (200..300).contains(&status) && flagged_success != Some(false) {
        let data =
            T::deserialize(&json).map_err(|e| unreadable(format!("unexpected shape: {e}")))?;
        return Ok(ApiResponse {
            http_status: status,
            is_success: true,
            error_code: None,
            error_msg: None,
            data: Some(data),
            json,
        });
    }
    let (code, message) = failure_fields(&json);
    if code.is_none() && !(200..300).contains(&status) {
        return Err(unreadable(format!(
            "a failure without error_code: {}",
            snippet(body)
        )));
    }
    Ok(ApiResponse {
        http_status: status,
        is_success: false,
        error_code: code,
        error_msg: message,
        data: None,
        json,
    })
}

/// `(error_code, message)` of a failure body in ModelArts or IAM form.
pub(crate) fn failure_fields(json: &Value) -> (Option<String>, Option<String>) {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(code) = text(json, "error_code") {
        let message = text(json, "error_msg").or_else(|| text(json, "error_message"));
        return (Some(code), message);
    }
    if let Some(inner) = json.get("error").filter(|v| v.is_object()) {
        let code = match inner.get("code") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        return (code, text(inner, "message"));
    }
    (None, None)
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vizjobs_api::{Job, JobStatus, SuccessBody};

    #[test]
    fn success_bodies_decode() {
        let r: ApiResponse<SuccessBody> = decode("u", 200, br#"{"is_success":true}"#).unwrap();
        assert!(r.is_success);
        assert_eq!(r.data, Some(SuccessBody::OK));
        // Details may omit is_success.
        let body = br#"{"job_id":3,"job_name":"a","status":8,"create_time":1}"#;
        let r: ApiResponse<Job> = decode("u", 200, body).unwrap();
        assert!(r.is_success);
        assert_eq!(r.data.unwrap().status, JobStatus::Running);
    }

    #[test]
    fn failures_are_answers_not_errors() {
        let body = br#"{"is_success":false,"error_code":"ModelArts.0105","error_msg":"This job can't be stop. job status: 10","error_message":"x"}"#;
        let r: ApiResponse<SuccessBody> = decode("u", 400, body).unwrap();
        assert!(!r.is_success);
        assert_eq!(r.error_code.as_deref(), Some("ModelArts.0105"));
        assert_eq!(
            r.error_msg.as_deref(),
            Some("This job can't be stop. job status: 10")
        );
        let failure = r.into_result().unwrap_err();
        assert_eq!(failure.http_status, 400);

        let only_message = br#"{"error_code":"APIG.0301","error_message":"bad"}"#;
        let r: ApiResponse<SuccessBody> = decode("u", 401, only_message).unwrap();
        assert_eq!(r.error_msg.as_deref(), Some("bad"));

        let iam = br#"{"error":{"code":401,"message":"The username or password is wrong."}}"#;
        let r: ApiResponse<SuccessBody> = decode("u", 401, iam).unwrap();
        assert_eq!(r.error_code.as_deref(), Some("401"));
    }

    #[test]
    fn foreign_answers_are_unreadable() {
        for (status, body) in [
            (502, &b"<html>Bad Gateway</html>"[..]),
            (200, b"[1,2]"),
            (200, br#"{"job_id":"not a number"}"#),
            (404, br#"{"detail":"not found"}"#),
            (200, b""),
        ] {
            let r = decode::<Job>("u", status, body);
            assert!(
                matches!(r, Err(SdkError::UnreadableAnswer { .. })),
                "{status} {}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
