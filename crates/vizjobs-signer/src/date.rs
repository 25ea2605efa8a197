//! `X-Sdk-Date`: the signing time, `YYYYMMDDTHHMMSSZ` in UTC (e.g. `20240115T083000Z`).
//!
//! It is part of the string to sign, so it cannot be altered without breaking the signature;
//! the verifier's only extra duty is refusing dates too far from its own clock, which bounds
//! how long a captured request can be replayed.

use http::HeaderMap;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::error::SignError;
use crate::headers::X_SDK_DATE;

const SDK_DATE_FORMAT: &[FormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// How far from the verifier's clock a request date may be, either way.
pub const DATE_WINDOW: Duration = Duration::minutes(15);

/// `20240115T083000Z` for that instant (converted to UTC, sub-seconds dropped).
pub fn format_sdk_date(instant: OffsetDateTime) -> String {
    let utc = instant.to_offset(time::UtcOffset::UTC);
    // The format holds only numeric fields of a valid date, which always format.
    utc.format(SDK_DATE_FORMAT)
        .unwrap_or_else(|_| String::from("19700101T000000Z"))
}

/// Reads an `X-Sdk-Date` value.
pub fn parse_sdk_date(text: &str) -> Result<OffsetDateTime, SignError> {
    PrimitiveDateTime::parse(text, SDK_DATE_FORMAT)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| SignError::MalformedDate(text.to_owned()))
}

/// Reads the `X-Sdk-Date` header of a request.
pub fn parse_sdk_date_header(headers: &HeaderMap) -> Result<OffsetDateTime, SignError> {
    let value = headers.get(X_SDK_DATE).ok_or(SignError::MissingDate)?;
    let text = value
        .to_str()
        .map_err(|_| SignError::MalformedDate(String::from_utf8_lossy(value.as_bytes()).into()))?;
    parse_sdk_date(text.trim())
}

/// Accepts `date` when it is within `window` of `now`, before or after.
pub fn check_date_window(
    date: OffsetDateTime,
    now: OffsetDateTime,
    window: Duration,
) -> Result<(), SignError> {
    let skew = date - now;
    if skew.abs() > window {
        return Err(SignError::DateOutOfWindow {
            skew_seconds: skew.whole_seconds(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trips() {
        let t = datetime!(2024-01-15 08:30:00 UTC);
        assert_eq!(format_sdk_date(t), "20240115T083000Z");
        assert_eq!(parse_sdk_date("20240115T083000Z").unwrap(), t);
        let shifted = datetime!(2024-01-15 09:30:00.75 +01:00);
        assert_eq!(format_sdk_date(shifted), "20240115T083000Z");
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "2024-01-15T08:30:00Z",
            "20240115T083000",
            "20241315T083000Z",
        ] {
            assert!(parse_sdk_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn window_is_fifteen_minutes_each_way() {
        let now = datetime!(2024-01-15 08:30:00 UTC);
        for ok in [
            Duration::ZERO,
            Duration::minutes(15),
            -Duration::minutes(15),
        ] {
            assert!(check_date_window(now + ok, now, DATE_WINDOW).is_ok());
        }
        let late = check_date_window(now + Duration::seconds(901), now, DATE_WINDOW);
        assert_eq!(late, Err(SignError::DateOutOfWindow { skew_seconds: 901 }));
        assert!(check_date_window(now - Duration::seconds(901), now, DATE_WINDOW).is_err());
    }
}
