//! The one percent-encoding the scheme uses: every byte but `A-Za-z0-9-_.~` becomes `%XX`
//! (upper-case hex), for path segments, query keys and query values alike.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

/// Bytes left bare: RFC 3986's unreserved characters.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes raw bytes (already decoded, possibly not UTF-8).
pub(crate) fn encode(bytes: &[u8]) -> String {
    percent_encode(bytes, ENCODED).to_string()
}

/// Decodes `%XX` escapes only: `+` stays a plus, as in a path. Malformed escapes are kept as
/// they are, which is what a lenient HTTP server does with them too.
pub(crate) fn decode(raw: &str) -> Cow<'_, [u8]> {
    percent_decode_str(raw).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_stay_bare() {
        assert_eq!(encode(b"aZ09-_.~"), "aZ09-_.~");
        assert_eq!(encode("vj job中".as_bytes()), "vj%20job%E4%B8%AD");
        assert_eq!(encode(b"a+b/c=d&e"), "a%2Bb%2Fc%3Dd%26e");
    }

    #[test]
    fn decode_keeps_plus_and_bad_escapes() {
        assert_eq!(&*decode("a+b%20c"), b"a+b c");
        assert_eq!(&*decode("100%"), b"100%");
        assert_eq!(&*decode("%zz"), b"%zz");
    }
}
