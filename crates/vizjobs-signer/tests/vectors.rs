//! Every SDK-HMAC-SHA256 vector of `shared/fixtures/aksk-sign-vectors.json` (computed by
//! huaweicloudsdkcore 3.1.219), signed and verified, plus tampering that must break them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use url::Url;
use vizjobs_signer::{
    Authorization, SecretKey, SignableRequest, Signer, canonical_request, parse_sdk_date_header,
    string_to_sign, verify,
};

#[derive(Deserialize)]
struct Fixture {
    vectors: Vec<Vector>,
    extra_sha256_vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    method: String,
    url: String,
    headers: BTreeMap<String, String>,
    body: String,
    ak: String,
    sk: String,
    algorithm: String,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    canonical_request: String,
    string_to_sign: String,
    #[serde(rename = "Authorization")]
    authorization: String,
    signed_headers_sent: BTreeMap<String, String>,
    request_uri_sent: String,
}

fn sha256_vectors() -> Vec<Vector> {
    let path = PathBuf::from(env!("VIZJOBS_SHARED")).join("fixtures/aksk-sign-vectors.json");
    let text = std::fs::read_to_string(&path).expect("the shared signing vectors are readable");
    let fixture: Fixture = serde_json::from_str(&text).expect("the vectors decode");
    let all: Vec<Vector> = fixture
        .vectors
        .into_iter()
        .chain(fixture.extra_sha256_vectors)
        .collect();
    assert_eq!(
        all.len(),
        5,
        "the fixture holds five SDK-HMAC-SHA256 vectors"
    );
    assert!(all.iter().all(|v| v.algorithm == "SDK-HMAC-SHA256"));
    all
}

fn header_map(pairs: &BTreeMap<String, String>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("valid header name"),
            HeaderValue::from_str(value).expect("valid header value"),
        );
    }
    map
}

/// What the server sees: request line and headers exactly as the reference SDK sent them.
struct Received {
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
    method: String,
}

impl Received {
    fn of(v: &Vector) -> Self {
        let (path, query) = v
            .expected
            .request_uri_sent
            .split_once('?')
            .map(|(p, q)| (p.to_owned(), q.to_owned()))
            .unwrap_or_else(|| (v.expected.request_uri_sent.clone(), String::new()));
        Self {
            path,
            query,
            headers: header_map(&v.expected.signed_headers_sent),
            body: v.body.as_bytes().to_vec(),
            method: v.method.clone(),
        }
    }

    fn signable(&self) -> SignableRequest<'_> {
        SignableRequest {
            method: &self.method,
            raw_path: &self.path,
            raw_query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn authorization(&self) -> Authorization {
        let value = self.headers["authorization"].to_str().unwrap();
        Authorization::parse(value).expect("the reference Authorization parses")
    }
}

#[test]
fn signing_reproduces_every_vector() {
    for v in sha256_vectors() {
        let url = Url::parse(&v.url).unwrap();
        let mut headers = header_map(&v.headers);
        let signer = Signer::new(&v.ak, SecretKey::new(&v.sk));
        // The date header is preset, so `now` must not matter.
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let auth = signer
            .sign(&v.method, &url, &mut headers, v.body.as_bytes(), now)
            .unwrap();
        assert_eq!(auth.to_string(), v.expected.authorization, "{}", v.name);
        assert_eq!(
            headers["authorization"].to_str().unwrap(),
            v.expected.authorization
        );
        assert_eq!(
            headers,
            header_map(&v.expected.signed_headers_sent),
            "{}",
            v.name
        );

        let request = SignableRequest {
            method: &v.method,
            raw_path: url.path(),
            raw_query: url.query().unwrap_or(""),
            headers: &headers,
            body: v.body.as_bytes(),
        };
        let canonical = canonical_request(&request, &auth.signed_headers).unwrap();
        assert_eq!(canonical, v.expected.canonical_request, "{}", v.name);
        let date = v.headers["X-Sdk-Date"].as_str();
        assert_eq!(
            string_to_sign(date, &canonical),
            v.expected.string_to_sign,
            "{}",
            v.name
        );
    }
}

#[test]
fn verification_accepts_every_vector_as_sent() {
    for v in sha256_vectors() {
        let received = Received::of(&v);
        let auth = received.authorization();
        assert_eq!(auth.access_key, v.ak);
        let canonical = canonical_request(&received.signable(), &auth.signed_headers).unwrap();
        assert_eq!(canonical, v.expected.canonical_request, "{}", v.name);
        assert!(
            verify(&SecretKey::new(&v.sk), &received.signable(), &auth),
            "{}",
            v.name
        );
        assert!(
            !verify(&SecretKey::new("wrong"), &received.signable(), &auth),
            "{}",
            v.name
        );
        assert!(parse_sdk_date_header(&received.headers).is_ok());
    }
}

#[test]
fn tampering_breaks_verification() {
    type Tamper = fn(&mut Received);
    let tampers: [(&str, Tamper); 6] = [
        ("method", |r| r.method = "PATCH".into()),
        ("path", |r| r.path.push('0')),
        ("query", |r| r.query.push_str("&page=9")),
        ("signed header", |r| {
            r.headers
                .insert("x-project-id", HeaderValue::from_static("someone-else"));
        }),
        ("body", |r| r.body.extend_from_slice(b" ")),
        ("date", |r| {
            r.headers
                .insert("x-sdk-date", HeaderValue::from_static("20240115T083001Z"));
        }),
    ];
    for v in sha256_vectors() {
        for (what, tamper) in tampers {
            let mut received = Received::of(&v);
            let auth = received.authorization();
            tamper(&mut received);
            assert!(
                !verify(&SecretKey::new(&v.sk), &received.signable(), &auth),
                "{}: tampered {what} still verifies",
                v.name
            );
        }
    }
}

#[test]
fn unsigned_headers_may_change_and_host_must_be_signed() {
    let v = &sha256_vectors()[2];
    assert!(v.headers.contains_key("X_Trace_Id"));
    let mut received = Received::of(v);
    let auth = received.authorization();
    assert!(!auth.signs("x_trace_id"));
    received
        .headers
        .insert("x_trace_id", HeaderValue::from_static("changed"));
    received
        .headers
        .insert("accept", HeaderValue::from_static("*/*"));
    assert!(verify(&SecretKey::new(&v.sk), &received.signable(), &auth));

    // A signature over everything but Host proves nothing about where it was meant to go.
    let signer = Signer::new("AK", SecretKey::new("SK"));
    let mut headers = HeaderMap::new();
    headers.insert("x-sdk-date", HeaderValue::from_static("20240115T083000Z"));
    let without_host = SignableRequest {
        method: "GET",
        raw_path: "/",
        raw_query: "",
        headers: &headers,
        body: b"",
    };
    let auth = signer.authorization_for(&without_host).unwrap();
    assert!(!auth.signs("host"));
    assert!(!verify(&SecretKey::new("SK"), &without_host, &auth));
}
