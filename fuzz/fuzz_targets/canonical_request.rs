//! The canonical request and the signature built on it, over arbitrary paths, queries,
//! headers and bodies.
//!
//! Input layout: `method \n path \n query \n (name:value \n)* \0 body`; lines that are not
//! valid HTTP header names or values are dropped, as an HTTP stack would refuse them.
//! Properties: it never panics, and a request signed by [`Signer`] (with the `Host` and
//! `X-Sdk-Date` it adds) verifies on the same bytes.

#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use vizjobs_signer::{SecretKey, SignableRequest, Signer, canonical_request, verify};

fuzz_target!(|input: &[u8]| {
    let (head, body) = match input.iter().position(|&b| b == 0) {
        Some(at) => (&input[..at], &input[at + 1..]),
        None => (input, &[][..]),
    };
    let Ok(head) = std::str::from_utf8(head) else {
        return;
    };
    let mut lines = head.split('\n');
    let method = lines.next().unwrap_or("GET");
    let raw_path = lines.next().unwrap_or("/");
    let raw_query = lines.next().unwrap_or("");
    let mut headers = HeaderMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) {
                headers.append(name, value);
            }
        }
    }
    {
        let request = SignableRequest {
            method,
            raw_path,
            raw_query,
            headers: &headers,
            body,
        };
        let signed_headers = request.default_signed_headers();
        let _ = canonical_request(&request, &signed_headers);
    }

    // What `Signer::sign` adds before signing; `verify` insists on a signed `host`.
    headers.insert("x-sdk-date", HeaderValue::from_static("20240101T000000Z"));
    if !headers.contains_key("host") {
        headers.insert("host", HeaderValue::from_static("fuzz.example"));
    }
    let request = SignableRequest {
        method,
        raw_path,
        raw_query,
        headers: &headers,
        body,
    };
    let secret = SecretKey::new("fuzzing-secret-key");
    if let Ok(auth) = Signer::new("FUZZAK", secret.clone()).authorization_for(&request) {
        assert!(verify(&secret, &request, &auth), "own signature refused");
    }
});
