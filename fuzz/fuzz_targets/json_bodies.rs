//! The jobs API's request bodies and list query.
//!
//! Input: a selector byte, then a JSON body (create or update) or a query string (list).
//! Properties: decoding and validation never panic; an accepted create passes the spec's rules
//! (name of 1–20 `[A-Za-z0-9_-]`, description of at most 256 characters) and survives a JSON
//! round trip unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vizjobs_api::{CreateJobRequest, ListQuery, UpdateJobRequest};

fuzz_target!(|input: &[u8]| {
    let Some((&selector, rest)) = input.split_first() else {
        return;
    };
    match selector % 3 {
        0 => {
            if let Ok(request) = serde_json::from_slice::<CreateJobRequest>(rest) {
                let encoded = serde_json::to_vec(&request).expect("a decoded body encodes");
                let again: CreateJobRequest =
                    serde_json::from_slice(&encoded).expect("an encoded body decodes");
                assert_eq!(request, again);
                if let Ok(valid) = request.validate() {
                    let n = valid.job_name.chars().count();
                    assert!((1..=20).contains(&n), "{:?}", valid.job_name);
                    assert!(
                        valid
                            .job_name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                        "{:?}",
                        valid.job_name
                    );
                    assert!(valid.job_desc.chars().count() <= 256);
                }
            }
        }
        1 => {
            if let Ok(request) = serde_json::from_slice::<UpdateJobRequest>(rest) {
                let _ = request.validate();
            }
        }
        _ => {
            let Ok(query) = std::str::from_utf8(rest) else {
                return;
            };
            let pairs = query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| p.split_once('=').unwrap_or((p, "")));
            let _ = ListQuery::from_pairs(pairs);
        }
    }
});
