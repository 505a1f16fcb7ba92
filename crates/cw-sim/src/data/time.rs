//! Calendar arithmetic for generated dates (UTC, no time-zone database needed).
//! The demo data is dated relative to a "now": today when the demo starts, or a
//! pinned day ([`parse_day`]) so that tests stay reproducible.

/// 2026-11-01T12:00:00Z: the "now" of [`crate::Dataset::shared`] and of tests.
pub const FIXED_NOW: i64 = 1_793_491_200 + 12 * 3600;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// How far into a week (from Monday midnight UTC) the demo's first time of that week is logged:
/// before then "this week" has no time entries yet, as at a real MSP early on a Monday.
pub const WEEK_OPENS: i64 = 6 * 3600;

/// The current time, in Unix seconds.
pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(FIXED_NOW, |d| d.as_secs() as i64)
}

/// Noon UTC of a day written `YYYY-MM-DD`, or `None` when it is not a real date.
pub fn parse_day(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let days = days_from_civil(year, month, day);
    (civil_from_days(days) == (year, month, day) && (1970..=9999).contains(&year))
        .then_some(days * DAY + 12 * 3600)
}

/// Midnight UTC of the Monday of the week holding `secs`.
pub fn week_start(secs: i64) -> i64 {
    let days = secs.div_euclid(DAY);
    // 1970-01-01 was a Thursday: (days + 3) mod 7 counts from Monday.
    (days - (days + 3).rem_euclid(7)) * DAY
}

/// Midnight UTC of the last day of the month holding `secs`.
pub fn month_last_day(secs: i64) -> i64 {
    let (y, m, _) = civil_from_days(secs.div_euclid(DAY));
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (days_from_civil(ny, nm, 1) - 1) * DAY
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso(secs: i64) -> String {
    let days = secs.div_euclid(DAY);
    let rem = secs.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil conversion.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Howard Hinnant's civil-to-days conversion.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(FIXED_NOW), "2026-11-01T12:00:00Z");
        assert_eq!(iso(951_782_400 + 3_723), "2000-02-29T01:02:03Z");
    }

    #[test]
    fn days_weeks_and_months() {
        assert_eq!(parse_day("2026-11-01"), Some(FIXED_NOW));
        assert_eq!(
            iso(parse_day("2024-02-29").unwrap()),
            "2024-02-29T12:00:00Z"
        );
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-11",
            "tomorrow",
            "2026-11-01x",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        // 2026-11-01 is a Sunday; 2026-11-23 a Monday.
        assert_eq!(iso(week_start(FIXED_NOW)), "2026-10-26T00:00:00Z");
        let monday = parse_day("2026-11-23").unwrap();
        assert_eq!(iso(week_start(monday)), "2026-11-23T00:00:00Z");
        assert_eq!(iso(month_last_day(FIXED_NOW)), "2026-11-30T00:00:00Z");
        assert_eq!(
            iso(month_last_day(parse_day("2026-12-31").unwrap())),
            "2026-12-31T00:00:00Z"
        );
        assert_eq!(
            iso(month_last_day(parse_day("2028-02-03").unwrap())),
            "2028-02-29T00:00:00Z"
        );
    }
}
