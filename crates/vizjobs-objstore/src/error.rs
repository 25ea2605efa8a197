//! Errors of this crate, and how storage errors reach the engine.
//!
//! The engine speaks `std::io::Error`; [`to_io`] keeps the kind that matters to an operator
//! (not found, permission denied, unreachable) and a message naming the object.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum ObjStoreError {
    #[error("invalid object storage setting: {0}")]
    Config(String),
    #[error("reading the CA certificate file {path}: {source}")]
    CaCertificate { path: String, source: io::Error },
    #[error("starting the object storage I/O runtime: {0}")]
    Runtime(#[source] io::Error),
    #[error("object storage client for bucket {bucket}: {source}")]
    Client {
        bucket: String,
        #[source]
        source: object_store::Error,
    },
}

/// `error` as an `io::Error` about `url` (an `s3://bucket/key` for messages).
pub fn to_io(url: &str, error: object_store::Error) -> io::Error {
    use object_store::Error as E;
    let (kind, what) = match &error {
        E::NotFound { .. } => (io::ErrorKind::NotFound, "not found"),
        E::PermissionDenied { .. } => (io::ErrorKind::PermissionDenied, "access denied"),
        E::Unauthenticated { .. } => (io::ErrorKind::PermissionDenied, "not authenticated"),
        _ => (io::ErrorKind::Other, "object storage error"),
    };
    io::Error::new(kind, format!("{url}: {what}: {}", flatten(&error)))
}

/// The error and its sources on one line: the retry layer's reason (connection refused, a
/// 403 body) sits several sources deep.
fn flatten(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_kind_and_names_the_object() {
        let err = object_store::Error::NotFound {
            path: "logs/a".into(),
            source: "gone".into(),
        };
        let io = to_io("s3://b/logs/a", err);
        assert_eq!(io.kind(), io::ErrorKind::NotFound);
        assert!(io.to_string().starts_with("s3://b/logs/a: not found"));

        let err = object_store::Error::PermissionDenied {
            path: "logs/a".into(),
            source: "AccessDenied".into(),
        };
        let io = to_io("s3://b/logs/a", err);
        assert_eq!(io.kind(), io::ErrorKind::PermissionDenied);
        assert!(io.to_string().contains("AccessDenied"));
    }
}
