//! The `Authorization: SDK-HMAC-SHA256 …` header parser.
//!
//! Properties: it never panics, and whatever it accepts prints back to a header that parses to
//! the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vizjobs_signer::Authorization;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    if let Ok(parsed) = Authorization::parse(text) {
        assert_eq!(parsed.signature.len(), 64);
        let printed = parsed.to_string();
        let again = Authorization::parse(&printed).expect("a printed header parses");
        assert_eq!(parsed, again, "{printed}");
    }
});
