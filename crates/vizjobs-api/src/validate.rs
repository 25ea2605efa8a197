//! The field rules of the spec, as functions both sides call.

use crate::error::{ApiError, ErrorCode};

pub const MAX_NAME_CHARS: usize = 20;
pub const MAX_DESC_CHARS: usize = 256;
pub const MAX_SEARCH_CHARS: usize = 100;
pub const MAX_PER_PAGE: u32 = 1000;
pub const MAX_SCHEDULE_HOURS: u32 = 24;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `job_name`: 1–20 characters of `[A-Za-z0-9_-]`.
pub fn validate_job_name(name: &str) -> Result<(), ApiError> {
    if name.is_empty() || name.len() > MAX_NAME_CHARS || !name.chars().all(is_name_char) {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!(
                "job_name must be 1 to {MAX_NAME_CHARS} characters of letters, digits, '_' and '-'"
            ),
        ));
    }
    Ok(())
}

/// `job_desc`: at most 256 characters (counted as Unicode scalar values), no NUL.
pub fn validate_job_desc(desc: &str) -> Result<(), ApiError> {
    refuse_nul("job_desc", desc)?;
    if desc.chars().count() > MAX_DESC_CHARS {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("job_desc must be at most {MAX_DESC_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Refuses a NUL character in free text. PostgreSQL cannot store one in a `TEXT` column, and
/// no field of the API has a use for it, so both backends refuse it the same way, up front.
pub fn refuse_nul(field: &str, value: &str) -> Result<(), ApiError> {
    if value.contains('\0') {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("{field} must not contain a NUL character"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        assert!(validate_job_name("a").is_ok());
        assert!(validate_job_name(&"a".repeat(20)).is_ok());
        assert!(validate_job_name(&"a".repeat(21)).is_err());
        assert!(validate_job_name("").is_err());
        assert!(validate_job_name("has space").is_err());
        assert!(validate_job_name("ünï").is_err());
    }

    #[test]
    fn nul_is_refused_in_free_text() {
        assert!(validate_job_desc("a\0b").is_err());
        assert!(refuse_nul("x", "\0").is_err());
        assert!(refuse_nul("x", "plain text").is_ok());
    }

    #[test]
    fn desc_rules_count_characters() {
        assert!(validate_job_desc(&"é".repeat(256)).is_ok());
        assert!(validate_job_desc(&"a".repeat(257)).is_err());
    }
}
