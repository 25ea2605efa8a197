//! Human-readable forms of the API's numbers, for programs that print jobs (such as the CLI).

use time::OffsetDateTime;
use time::macros::format_description;

/// `create_time` (ms since the Unix epoch) as `2024-01-15 08:30:00 UTC`; the raw number when
/// it is out of range.
pub fn format_epoch_ms(ms: i64) -> String {
    let instant = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000);
    instant
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// `duration` (ms) as `3h 02m 05s`, `2m 05s` or `5s`.
pub fn format_duration_ms(ms: i64) -> String {
    let total = ms.max(0) / 1000;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}h {m:02}m {s:02}s")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_and_durations() {
        assert_eq!(
            format_epoch_ms(1_705_307_400_000),
            "2024-01-15 08:30:00 UTC"
        );
        assert_eq!(format_epoch_ms(i64::MAX), i64::MAX.to_string());
        assert_eq!(format_duration_ms(0), "0s");
        assert_eq!(format_duration_ms(125_999), "2m 05s");
        assert_eq!(
            format_duration_ms(3 * 3_600_000 + 2 * 60_000 + 5_000),
            "3h 02m 05s"
        );
        assert_eq!(format_duration_ms(-5), "0s");
    }
}
