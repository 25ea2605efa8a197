//! Computing and checking signatures.

use std::fmt;

use hmac::{Hmac, Mac};
use http::header::{AUTHORIZATION, HOST};
use http::{HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use url::Url;

use crate::authorization::{ALGORITHM, Authorization};
use crate::canonical::{SignableRequest, canonical_request};
use crate::date::format_sdk_date;
use crate::error::SignError;
use crate::headers::X_SDK_DATE;

type HmacSha256 = Hmac<Sha256>;

/// A secret key. Its `Debug` form hides the value so it cannot leak through logs.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The key as given; only for storing it where secrets belong.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length; this constructor cannot fail for it.
        <HmacSha256 as Mac>::new_from_slice(self.0.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// `SDK-HMAC-SHA256\n{X-Sdk-Date}\n{hex(sha256(canonical request))}`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    let digest = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    format!("{ALGORITHM}\n{sdk_date}\n{digest}")
}

/// `hex(HMAC-SHA256(secret key, string to sign))`.
pub fn signature(secret: &SecretKey, string_to_sign: &str) -> String {
    let mut mac = secret.mac();
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a received request against its parsed `Authorization` header, comparing signatures
/// in constant time. `host` must be among the signed headers (auth.md), and the request must
/// carry `X-Sdk-Date`; the date's distance from the clock is the caller's separate check
/// ([`crate::check_date_window`]).
pub fn verify(secret: &SecretKey, request: &SignableRequest<'_>, auth: &Authorization) -> bool {
    if !auth.signs(HOST.as_str()) {
        return false;
    }
    let Some(date) = request
        .headers
        .get(X_SDK_DATE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Ok(canonical) = canonical_request(request, &auth.signed_headers) else {
        return false;
    };
    let Ok(claimed) = hex::decode(&auth.signature) else {
        return false;
    };
    let mut mac = secret.mac();
    mac.update(string_to_sign(date.trim(), &canonical).as_bytes());
    mac.verify_slice(&claimed).is_ok()
}

/// Signs outgoing requests with one AK/SK pair.
#[derive(Clone)]
pub struct Signer {
    access_key: String,
    secret_key: SecretKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .finish()
    }
}

impl Signer {
    pub fn new(access_key: impl Into<String>, secret_key: SecretKey) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key,
        }
    }

    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// Signs a request about to be sent to `url`: adds `Host` (from the URL) and `X-Sdk-Date`
    /// (from `now`) when absent, signs every header present (see
    /// [`SignableRequest::default_signed_headers`]), inserts `Authorization` and returns it.
    ///
    /// Headers added after this call are sent unsigned, which is harmless: `SignedHeaders`
    /// tells the verifier what to check.
    pub fn sign(
        &self,
        method: &str,
        url: &Url,
        headers: &mut HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Authorization, SignError> {
        if !headers.contains_key(HOST) {
            headers.insert(HOST, header_value(&host_of(url)?)?);
        }
        if !headers.contains_key(X_SDK_DATE) {
            headers.insert(X_SDK_DATE, header_value(&format_sdk_date(now))?);
        }
        headers.remove(AUTHORIZATION);
        let auth = {
            let request = SignableRequest {
                method,
                raw_path: url.path(),
                raw_query: url.query().unwrap_or(""),
                headers,
                body,
            };
            self.authorization_for(&request)?
        };
        headers.insert(AUTHORIZATION, header_value(&auth.to_string())?);
        Ok(auth)
    }

    /// The `Authorization` a request already carrying `Host` and `X-Sdk-Date` gets.
    pub fn authorization_for(
        &self,
        request: &SignableRequest<'_>,
    ) -> Result<Authorization, SignError> {
        let date = request
            .headers
            .get(X_SDK_DATE)
            .ok_or(SignError::MissingDate)?
            .to_str()
            .map_err(|_| SignError::NonUtf8Header(X_SDK_DATE.to_owned()))?
            .trim()
            .to_owned();
        let signed_headers = request.default_signed_headers();
        let canonical = canonical_request(request, &signed_headers)?;
        let signature = signature(&self.secret_key, &string_to_sign(&date, &canonical));
        Ok(Authorization {
            access_key: self.access_key.clone(),
            signed_headers,
            signature,
        })
    }
}

/// `host[:port]` as the `Host` header spells it (default ports left out, as HTTP clients do).
fn host_of(url: &Url) -> Result<String, SignError> {
    let host = url.host_str().ok_or(SignError::MissingHost)?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

fn header_value(text: &str) -> Result<HeaderValue, SignError> {
    HeaderValue::from_str(text).map_err(|_| SignError::InvalidHeaderValue(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn secret_key_debug_hides_the_value() {
        let signer = Signer::new("AK", SecretKey::new("very-secret"));
        let shown = format!("{signer:?}");
        assert!(shown.contains("AK"));
        assert!(!shown.contains("very-secret"));
    }

    #[test]
    fn sign_adds_host_and_date_then_verifies() {
        let signer = Signer::new("AK", SecretKey::new("SK"));
        let url = Url::parse("http://127.0.0.1:8080/v1/p/visualization-jobs?page=2").unwrap();
        let mut headers = HeaderMap::new();
        let now = datetime!(2024-01-15 08:30:00 UTC);
        let auth = signer.sign("GET", &url, &mut headers, b"", now).unwrap();
        assert_eq!(headers[HOST], "127.0.0.1:8080");
        assert_eq!(headers[X_SDK_DATE], "20240115T083000Z");
        assert_eq!(auth.signed_headers, ["host", "x-sdk-date"]);
        assert_eq!(headers[AUTHORIZATION], auth.to_string().as_str());
        let request = SignableRequest {
            method: "GET",
            raw_path: "/v1/p/visualization-jobs",
            raw_query: "page=2",
            headers: &headers,
            body: b"",
        };
        assert!(verify(&SecretKey::new("SK"), &request, &auth));
        assert!(!verify(&SecretKey::new("SK2"), &request, &auth));
    }

    #[test]
    fn default_port_is_left_out_of_host() {
        let url = Url::parse("https://example.com:443/x").unwrap();
        assert_eq!(host_of(&url).unwrap(), "example.com");
        let url = Url::parse("http://[::1]:9000/x").unwrap();
        assert_eq!(host_of(&url).unwrap(), "[::1]:9000");
    }
}
