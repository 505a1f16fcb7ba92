//! Calendar arithmetic for generated dates (UTC, no time-zone database needed).

/// 2026-11-01T00:00:00Z: "now" in the demo data, fixed so every run is identical.
pub const DEMO_NOW: i64 = 1_793_491_200;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(DEMO_NOW), "2026-11-01T00:00:00Z");
        assert_eq!(iso(951_782_400 + 3_723), "2000-02-29T01:02:03Z");
    }
}
