//! What can go wrong while signing or reading a signature.

/// A request that cannot be signed, or an `Authorization` header / date that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the Authorization header is not an SDK-HMAC-SHA256 signature")]
    UnsupportedAlgorithm,
    #[error("malformed Authorization header: {0}")]
    MalformedAuthorization(&'static str),
    #[error("signed header {0:?} is missing from the request")]
    MissingSignedHeader(String),
    #[error("header {0:?} is not valid UTF-8")]
    NonUtf8Header(String),
    #[error("the request has no X-Sdk-Date header")]
    MissingDate,
    #[error("X-Sdk-Date {0:?} is not of the form YYYYMMDDTHHMMSSZ")]
    MalformedDate(String),
    #[error("X-Sdk-Date is {skew_seconds} s away from the server clock (the limit is 900 s)")]
    DateOutOfWindow { skew_seconds: i64 },
    #[error("the URL has no host to sign")]
    MissingHost,
    #[error("header value cannot be sent: {0}")]
    InvalidHeaderValue(String),
}
