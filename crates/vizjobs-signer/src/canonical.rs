//! The canonical request: one fixed spelling of what the signature covers.
//!
//! ```text
//! METHOD\n
//! /each/segment/re-encoded/\n          (always ends in '/')
//! k1=v1&k2=v2\n                        (pairs sorted, re-encoded; empty when no query)
//! name1:value1\nname2:value2\n         (signed headers, lower case, values trimmed)
//! \n
//! name1;name2\n
//! hex(sha256(body))                   (or the literal UNSIGNED-PAYLOAD)
//! ```
//!
//! Path and query are decoded before being encoded again, so the same request spelled with
//! different (but equivalent) escapes canonicalises the same on both sides of the wire.

use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::encode::{decode, encode};
use crate::error::SignError;
use crate::headers::X_SDK_CONTENT_SHA256;

/// The `X-Sdk-Content-Sha256` value that leaves the body out of the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// What the signature covers, borrowed from wherever the request lives: an outgoing request in
/// the SDK, or an incoming `http::Request` on the server (see [`SignableRequest::from_parts`]).
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// `GET`, `POST`, ... as sent (the scheme does not change its case).
    pub method: &'a str,
    /// The path as it appears on the request line, still percent-encoded.
    pub raw_path: &'a str,
    /// The query string without its `?`, still percent-encoded; `""` when there is none.
    pub raw_query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl<'a> SignableRequest<'a> {
    /// The request as the server received it: `parts` of an `http::Request` and its body bytes.
    pub fn from_parts(parts: &'a http::request::Parts, body: &'a [u8]) -> Self {
        Self {
            method: parts.method.as_str(),
            raw_path: parts.uri.path(),
            raw_query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body,
        }
    }

    /// The header names an outgoing request signs: every header it carries, lower case,
    /// sorted, except `Authorization` itself and names holding `_` (which proxies commonly
    /// drop, so Huawei's signer leaves them out).
    pub fn default_signed_headers(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .headers
            .keys()
            .map(|name| name.as_str().to_ascii_lowercase())
            .filter(|name| name != "authorization" && !name.contains('_'))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Builds the canonical request covering `signed_headers` (lower-case names, in the order they
/// will appear in `SignedHeaders`).
pub fn canonical_request(
    request: &SignableRequest<'_>,
    signed_headers: &[String],
) -> Result<String, SignError> {
    let mut out = String::with_capacity(256);
    out.push_str(request.method);
    out.push('\n');
    out.push_str(&canonical_uri(request.raw_path));
    out.push('\n');
    out.push_str(&canonical_query(request.raw_query));
    out.push('\n');
    for name in signed_headers {
        out.push_str(name);
        out.push(':');
        out.push_str(&canonical_header_value(request.headers, name)?);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(&payload_hash(request.headers, request.body));
    Ok(out)
}

/// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD` when the request asks for it.
pub fn payload_hash(headers: &HeaderMap, body: &[u8]) -> String {
    let unsigned = headers
        .get(X_SDK_CONTENT_SHA256)
        .is_some_and(|v| v.as_bytes() == UNSIGNED_PAYLOAD.as_bytes());
    if unsigned {
        UNSIGNED_PAYLOAD.to_owned()
    } else {
        hex::encode(Sha256::digest(body))
    }
}

fn canonical_uri(raw_path: &str) -> String {
    let decoded = decode(raw_path);
    let mut uri = decoded
        .split(|&b| b == b'/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw_query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode(key).into_owned(), decode(value).into_owned())
        })
        .collect();
    // Byte order of UTF-8 equals code-point order, which is how the reference signer sorts.
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A signed header's value, trimmed; repeated headers are joined with `,` as HTTP folds them.
fn canonical_header_value(headers: &HeaderMap, name: &str) -> Result<String, SignError> {
    let mut values = headers.get_all(name).iter().peekable();
    if values.peek().is_none() {
        return Err(SignError::MissingSignedHeader(name.to_owned()));
    }
    let mut parts = Vec::new();
    for value in values {
        let text = std::str::from_utf8(value.as_bytes())
            .map_err(|_| SignError::NonUtf8Header(name.to_owned()))?;
        parts.push(text.trim());
    }
    Ok(parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_is_re_encoded_per_segment_and_ends_in_slash() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/v1/p/jobs"), "/v1/p/jobs/");
        assert_eq!(canonical_uri("/v1/p/jobs/"), "/v1/p/jobs/");
        assert_eq!(canonical_uri("/a%20b/c d/%7e"), "/a%20b/c%20d/~/");
        assert_eq!(canonical_uri("/a+b"), "/a%2Bb/");
    }

    #[test]
    fn query_is_decoded_sorted_and_re_encoded() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("flag&x=%7e+"), "flag=&x=~%2B");
        assert_eq!(canonical_query("&&k=v&"), "k=v");
    }

    #[test]
    fn missing_signed_header_is_an_error() {
        let headers = HeaderMap::new();
        let req = SignableRequest {
            method: "GET",
            raw_path: "/",
            raw_query: "",
            headers: &headers,
            body: b"",
        };
        assert_eq!(
            canonical_request(&req, &["host".to_owned()]),
            Err(SignError::MissingSignedHeader("host".into()))
        );
    }

    #[test]
    fn unsigned_payload_replaces_the_body_hash() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            payload_hash(&headers, b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        headers.insert(X_SDK_CONTENT_SHA256, UNSIGNED_PAYLOAD.parse().unwrap());
        assert_eq!(payload_hash(&headers, b"anything"), UNSIGNED_PAYLOAD);
    }
}
