//! The `Authorization` header of a signed request:
//! `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;c, Signature=HEX`.

use std::fmt;

use crate::error::SignError;

/// The algorithm name, first word of the header and first line of the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// A parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key: String,
    /// Lower-case header names, in the order the client listed them (which is the order the
    /// canonical request used).
    pub signed_headers: Vec<String>,
    /// Lower-case hex.
    pub signature: String,
}

impl Authorization {
    /// Reads the header value. Parameter order is free, whitespace after commas optional.
    pub fn parse(header: &str) -> Result<Self, SignError> {
        let rest = header
            .trim()
            .strip_prefix(ALGORITHM)
            .ok_or(SignError::UnsupportedAlgorithm)?;
        if !rest.starts_with(' ') {
            return Err(SignError::UnsupportedAlgorithm);
        }
        let (mut access_key, mut signed_headers, mut signature) = (None, None, None);
        for param in rest.split(',') {
            let (name, value) = param
                .trim()
                .split_once('=')
                .ok_or(SignError::MalformedAuthorization("a parameter lacks '='"))?;
            let slot = match name {
                "Access" => &mut access_key,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return Err(SignError::MalformedAuthorization("unknown parameter")),
            };
            if slot.replace(value.trim()).is_some() {
                return Err(SignError::MalformedAuthorization("repeated parameter"));
            }
        }
        let access_key = access_key
            .filter(|v| !v.is_empty())
            .ok_or(SignError::MalformedAuthorization("no Access"))?;
        let signed_headers: Vec<String> = signed_headers
            .ok_or(SignError::MalformedAuthorization("no SignedHeaders"))?
            .split(';')
            .map(str::to_owned)
            .collect();
        if signed_headers
            .iter()
            .any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase()))
        {
            return Err(SignError::MalformedAuthorization(
                "SignedHeaders must be lower-case names",
            ));
        }
        let signature = signature.ok_or(SignError::MalformedAuthorization("no Signature"))?;
        if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SignError::MalformedAuthorization(
                "Signature must be 64 hex digits",
            ));
        }
        Ok(Self {
            access_key: access_key.to_owned(),
            signed_headers,
            signature: signature.to_ascii_lowercase(),
        })
    }

    /// Whether `name` (lower case) is among the signed headers.
    pub fn signs(&self, name: &str) -> bool {
        self.signed_headers.iter().any(|h| h == name)
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Access={}, SignedHeaders={}, Signature={}",
            self.access_key,
            self.signed_headers.join(";"),
            self.signature
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "193314cf49aaa88c04062867742a6b0ed51d4e2e674da9da9f79a56ab82102b4";

    #[test]
    fn parses_and_prints_back() {
        let text =
            format!("SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature={SIG}");
        let auth = Authorization::parse(&text).unwrap();
        assert_eq!(auth.access_key, "AK1");
        assert_eq!(auth.signed_headers, ["host", "x-sdk-date"]);
        assert!(auth.signs("host"));
        assert!(!auth.signs("content-type"));
        assert_eq!(auth.to_string(), text);
        let compact = format!("SDK-HMAC-SHA256 Signature={SIG},Access=AK1,SignedHeaders=host");
        assert_eq!(Authorization::parse(&compact).unwrap().access_key, "AK1");
    }

    #[test]
    fn rejects_malformed_headers() {
        let cases = [
            format!("V11-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={SIG}"),
            format!("SDK-HMAC-SHA256Access=AK, SignedHeaders=host, Signature={SIG}"),
            format!("SDK-HMAC-SHA256 SignedHeaders=host, Signature={SIG}"),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=abc".to_owned(),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host, Signature={SIG}"),
            format!("SDK-HMAC-SHA256 Access=AK, Access=B, SignedHeaders=host, Signature={SIG}"),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x, Signature={SIG}"),
            "Bearer abc".to_owned(),
            String::new(),
        ];
        for case in cases {
            assert!(Authorization::parse(&case).is_err(), "{case}");
        }
    }
}
