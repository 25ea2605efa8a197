//! Project ids: the one place their rule is written and checked.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};

const MAX_CHARS: usize = 64;

/// A project id: 1–64 characters of `[A-Za-z0-9_-]`. It appears in every API path, so a value
/// of this type is safe to put in a URL path segment and to compare with a path's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ProjectId(String);

impl ProjectId {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let valid = !text.is_empty()
            && text.len() <= MAX_CHARS
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(ApiError::new(
                ErrorCode::InvalidField,
                format!(
                    "project_id must be 1 to {MAX_CHARS} characters of letters, digits, '_' and '-'"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for ProjectId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ProjectId {
    type Err = ApiError;

    fn from_str(text: &str) -> Result<Self, ApiError> {
        Self::parse(text)
    }
}

impl<'de> Deserialize<'de> for ProjectId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_path_safe_ids_parse() {
        for ok in ["a", "0123456789abcdef", "team_1-x", &"a".repeat(64)] {
            assert_eq!(ProjectId::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "a/b", "a b", "..", "ü", "a\0", &"a".repeat(65)] {
            let err = ProjectId::parse(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidField, "{bad:?}");
        }
        assert!(serde_json::from_str::<ProjectId>("\"a/b\"").is_err());
        let id: ProjectId = serde_json::from_str("\"p1\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"p1\"");
    }
}
