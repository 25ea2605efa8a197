//! Error codes and the failure body every client reads.

use serde::{Deserialize, Serialize};

/// The `ModelArts.XXXX` codes this API answers with, each tied to its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 400 malformed JSON or a wrong type; also 413 for an oversized body.
    Malformed,
    /// 400 a field outside its rules.
    InvalidField,
    /// 400 the operation is not allowed in the job's status.
    BadStatus,
    /// 400 `train_url` is not usable.
    BadTrainUrl,
    /// 400 the project's job quota is used up.
    QuotaExceeded,
    /// 404 no such job in this project.
    NoSuchJob,
    /// 401 no credential.
    NoCredential,
    /// 401 the token has expired.
    ExpiredToken,
    /// 401 the token is not valid.
    InvalidToken,
    /// 403 the AK/SK signature does not verify, or the AK is unknown.
    BadSignature,
    /// 403 the project id does not match the credential.
    ProjectMismatch,
    /// 403 a browser request sent by a page of another origin (login CSRF and the like).
    CrossOrigin,
    /// 413 the body is over the limit.
    TooLarge,
    /// 429 too many failed attempts.
    Throttled,
    /// 500 internal error.
    Internal,
    /// 503 the database is unavailable.
    Unavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed | Self::TooLarge => "ModelArts.0101",
            Self::InvalidField => "ModelArts.0104",
            Self::BadStatus => "ModelArts.0105",
            Self::BadTrainUrl => "ModelArts.2791",
            Self::QuotaExceeded => "ModelArts.0118",
            Self::NoSuchJob => "ModelArts.0103",
            Self::NoCredential => "ModelArts.0201",
            Self::ExpiredToken => "ModelArts.0202",
            Self::InvalidToken => "ModelArts.0203",
            Self::BadSignature => "ModelArts.0206",
            Self::ProjectMismatch => "ModelArts.0210",
            Self::CrossOrigin => "ModelArts.0212",
            Self::Throttled => "ModelArts.0209",
            Self::Internal => "ModelArts.0010",
            Self::Unavailable => "ModelArts.0011",
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            Self::Malformed
            | Self::InvalidField
            | Self::BadStatus
            | Self::BadTrainUrl
            | Self::QuotaExceeded => 400,
            Self::NoSuchJob => 404,
            Self::NoCredential | Self::ExpiredToken | Self::InvalidToken => 401,
            Self::BadSignature | Self::ProjectMismatch | Self::CrossOrigin => 403,
            Self::TooLarge => 413,
            Self::Throttled => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }
}

/// An API failure: a code and a message meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {message}", code.as_str())]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody::new(self.code.as_str(), &self.message)
    }
}

/// The failure body: `error_msg` is what the ModelArts SDK reads, `error_message` what the REST
/// docs and the Open Telekom Cloud client read, so both carry the same text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub is_success: bool,
    pub error_code: String,
    pub error_msg: String,
    pub error_message: String,
}

impl ErrorBody {
    pub fn new(code: &str, message: &str) -> Self {
        Self {
            is_success: false,
            error_code: code.to_owned(),
            error_msg: message.to_owned(),
            error_message: message.to_owned(),
        }
    }
}

/// The answer of update, stop, restart and delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuccessBody {
    pub is_success: bool,
}

impl SuccessBody {
    pub const OK: SuccessBody = SuccessBody { is_success: true };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_body_carries_both_message_keys() {
        let err = ApiError::new(
            ErrorCode::BadStatus,
            "This job can't be stop. job status: 10",
        );
        let json = serde_json::to_value(err.body()).unwrap();
        assert_eq!(json["is_success"], false);
        assert_eq!(json["error_code"], "ModelArts.0105");
        assert_eq!(json["error_msg"], json["error_message"]);
        assert_eq!(json["error_msg"], "This job can't be stop. job status: 10");
        assert_eq!(err.code.http_status(), 400);
    }
}
