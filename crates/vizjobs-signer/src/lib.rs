//! `SDK-HMAC-SHA256` request signing, as Huawei Cloud's SDK core sends it and as the vizjobs
//! server verifies it (`shared/spec/auth.md`, section 2).
//!
//! The crate is synchronous and knows no HTTP client: the SDK signs the request it is about to
//! send ([`Signer::sign`]), the server rebuilds a [`SignableRequest`] from what it received and
//! checks it ([`verify`]).
//!
//! The scheme, in short:
//! 1. a *canonical request* ([`canonical_request`]) pins down method, path, query, the signed
//!    headers and a digest of the body, each in one normalised spelling;
//! 2. the *string to sign* ([`string_to_sign`]) binds it to the `X-Sdk-Date` timestamp;
//! 3. the signature is `hex(HMAC-SHA256(secret key, string to sign))`, sent as
//!    `Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=HEX`
//!    ([`Authorization`]).
//!
//! A signature says nothing about freshness by itself: verifiers must also check the date
//! against their clock ([`parse_sdk_date`], [`check_date_window`]).

mod authorization;
mod canonical;
mod date;
mod encode;
mod error;
mod sign;

pub use authorization::{ALGORITHM, Authorization};
pub use canonical::{SignableRequest, UNSIGNED_PAYLOAD, canonical_request, payload_hash};
pub use date::{
    DATE_WINDOW, check_date_window, format_sdk_date, parse_sdk_date, parse_sdk_date_header,
};
pub use error::SignError;
pub use sign::{SecretKey, Signer, signature, string_to_sign, verify};

/// Header names the scheme reads, in the lower case `http` uses.
pub mod headers {
    /// The signing time, `YYYYMMDDTHHMMSSZ`.
    pub const X_SDK_DATE: &str = "x-sdk-date";
    /// `UNSIGNED-PAYLOAD` here leaves the body out of the signature.
    pub const X_SDK_CONTENT_SHA256: &str = "x-sdk-content-sha256";
    /// The project the request acts on; must match the URL's project when sent.
    pub const X_PROJECT_ID: &str = "x-project-id";
}
