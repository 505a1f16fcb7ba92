//! Relative dates in conditions: a model does not know what day it is, so it may write
//! `timeStart >= [this week]` or `_info/dateEntered > [7 days ago]`, and the server puts
//! the day in before ConnectWise sees the conditions (which take only real dates). Days
//! are UTC midnights; weeks start on Monday.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use serde_json::{Map, Value};

use crate::args::Arg;

/// What "now" is: the system's clock, or, in demo mode, the demo's day.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    /// Seconds added to the system's time.
    offset_secs: i64,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `now` (Unix seconds) at this moment and runs on from there.
    pub fn starting_at(now: i64) -> Self {
        Self {
            offset_secs: now - Utc::now().timestamp(),
        }
    }

    /// Now, to the second.
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(Utc::now().timestamp() + self.offset_secs, 0).unwrap_or_default()
    }

    /// Today's UTC day.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// `conditions` with every bracketed relative date (`[today]`, `[this week]`, `[3 days ago]`)
/// written as the day it means, `[2026-11-30]`. Quoted text is left alone; a bracket that is
/// neither a date nor a relative one is left for the grammar to refuse.
pub fn resolve(conditions: &str, today: NaiveDate) -> Cow<'_, str> {
    bracketed(conditions, |inside| {
        relative(inside, today).map(|day| format!("[{}]", day.format("%Y-%m-%d")))
    })
}

/// True when `key` names a conditions argument (under either of its names).
pub fn is_conditions(key: &str) -> bool {
    [
        Arg::Conditions,
        Arg::ChildConditions,
        Arg::CustomFieldConditions,
    ]
    .iter()
    .any(|arg| arg.name() == key || arg.twin() == Some(key))
}

/// `conditions` with each bracket outside quoted text (`[today]`, `[me]`) replaced by what
/// `meaning` makes of its inside; brackets it returns `None` for stay as written.
pub fn bracketed(conditions: &str, meaning: impl Fn(&str) -> Option<String>) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut quote = None;
    for (at, ch) in conditions.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '[') if at >= copied => {
                let Some(close) = conditions[at..].find(']').map(|c| at + c) else {
                    break;
                };
                if let Some(written) = meaning(&conditions[at + 1..close]) {
                    out.push_str(&conditions[copied..at]);
                    out.push_str(&written);
                    copied = close + 1;
                }
            }
            _ => {}
        }
    }
    if copied == 0 {
        return Cow::Borrowed(conditions);
    }
    out.push_str(&conditions[copied..]);
    Cow::Owned(out)
}

/// A call's arguments with relative dates resolved in each conditions argument (under
/// either of its names); borrowed when there are none.
pub fn resolve_arguments(
    arguments: &Map<String, Value>,
    today: NaiveDate,
) -> Cow<'_, Map<String, Value>> {
    let mut resolved = Cow::Borrowed(arguments);
    for (key, value) in arguments {
        if let (true, Value::String(text)) = (is_conditions(key), value)
            && let Cow::Owned(text) = resolve(text, today)
        {
            resolved.to_mut().insert(key.clone(), Value::String(text));
        }
    }
    resolved
}

/// The days a period names, from its first to the day after its last: a day (`today`,
/// `yesterday`, `2026-12-01`), a week or month (`this week`, `last month`: whole weeks from
/// Monday, whole months), a count of days (`last 7 days`: the six before today and today;
/// `next 30 days`: today and the 29 after), or two days written `2026-12-01..2026-12-07` or
/// `2026-12-01 to 2026-12-07` (both included). `None` for anything else.
pub fn period(text: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let text = text
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim();
    let day = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
    let next = |d: NaiveDate| d.checked_add_days(Days::new(1));
    if let Some((from, to)) = text.split_once("..").or_else(|| text.split_once(" to ")) {
        let (from, to) = (day(from)?, day(to)?);
        return (from <= to).then_some((from, next(to)?));
    }
    if let Some(one) = day(text) {
        return Some((one, next(one)?));
    }
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        [_, "week"] | ["week"] => {
            let monday = relative(text, today).or_else(|| relative("this week", today))?;
            Some((monday, monday.checked_add_days(Days::new(7))?))
        }
        [_, "month"] | ["month"] => {
            let first = relative(text, today).or_else(|| relative("this month", today))?;
            Some((first, first.checked_add_months(Months::new(1))?))
        }
        [_, "year"] => {
            let first = relative(text, today)?;
            Some((first, first.checked_add_months(Months::new(12))?))
        }
        ["last" | "past", n, "days" | "day"] => {
            let n: u64 = n.parse().ok().filter(|n| (1..=3_660).contains(n))?;
            Some((today.checked_sub_days(Days::new(n - 1))?, next(today)?))
        }
        ["next", n, "days" | "day"] => {
            let n: u64 = n.parse().ok().filter(|n| (1..=3_660).contains(n))?;
            Some((today, today.checked_add_days(Days::new(n))?))
        }
        _ => {
            let one = relative(text, today)?;
            Some((one, next(one)?))
        }
    }
}

/// The day a phrase means: `today`, `this week` (its Monday), `last month` (its first
/// day), `3 days ago`, `in 2 weeks`, `last 7 days` (7 days ago), `next 30 days` (in 30 days).
fn relative(phrase: &str, today: NaiveDate) -> Option<NaiveDate> {
    let words: Vec<String> = phrase
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let monday = today - Days::new(today.weekday().num_days_from_monday().into());
    let month = today.with_day(1)?;
    match words.as_slice() {
        ["today" | "now"] => Some(today),
        ["yesterday"] => today.checked_sub_days(Days::new(1)),
        ["tomorrow"] => today.checked_add_days(Days::new(1)),
        ["this" | "current", "week"] | ["week", "start"] | ["start", "of", "week"] => Some(monday),
        ["last" | "previous", "week"] => monday.checked_sub_days(Days::new(7)),
        ["next", "week"] => monday.checked_add_days(Days::new(7)),
        ["this" | "current", "month"] | ["month", "start"] | ["start", "of", "month"] => {
            Some(month)
        }
        ["last" | "previous", "month"] => month.checked_sub_months(Months::new(1)),
        ["next", "month"] => month.checked_add_months(Months::new(1)),
        ["this" | "current", "year"] | ["year", "start"] | ["start", "of", "year"] => {
            today.with_ordinal(1)
        }
        ["last" | "previous", "year"] => NaiveDate::from_ymd_opt(today.year() - 1, 1, 1),
        ["next", "year"] => NaiveDate::from_ymd_opt(today.year() + 1, 1, 1),
        [n, unit, "ago"] | ["last" | "past", n, unit] => shift(today, n, unit, false),
        ["in", n, unit] | [n, unit, "from", "now"] | ["next", n, unit] => {
            shift(today, n, unit, true)
        }
        _ => None,
    }
}

/// `today` moved by `n` days, weeks, months or years, forward or back.
fn shift(today: NaiveDate, n: &str, unit: &str, forward: bool) -> Option<NaiveDate> {
    let n: u32 = n.parse().ok().filter(|n| *n <= 10_000)?;
    let unit = unit.strip_suffix('s').unwrap_or(unit);
    let (days, months) = match unit {
        "day" => (n, 0),
        "week" => (n.checked_mul(7)?, 0),
        "month" => (0, n),
        "year" => (0, n.checked_mul(12)?),
        _ => return None,
    };
    if forward {
        today
            .checked_add_days(Days::new(days.into()))?
            .checked_add_months(Months::new(months))
    } else {
        today
            .checked_sub_days(Days::new(days.into()))?
            .checked_sub_months(Months::new(months))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn relative_days_become_dates() {
        // A Tuesday.
        let today = day("2026-12-01");
        let cases = [
            ("timeStart >= [today]", "timeStart >= [2026-12-01]"),
            (
                "x > [Yesterday] AND y < [tomorrow]",
                "x > [2026-11-30] AND y < [2026-12-02]",
            ),
            (
                "x >= [this week] AND x < [next week]",
                "x >= [2026-11-30] AND x < [2026-12-07]",
            ),
            ("x >= [last_week]", "x >= [2026-11-23]"),
            (
                "x >= [this month] AND x < [next month]",
                "x >= [2026-12-01] AND x < [2027-01-01]",
            ),
            ("x >= [last month]", "x >= [2026-11-01]"),
            ("x >= [7 days ago]", "x >= [2026-11-24]"),
            ("x >= [last 30 days]", "x >= [2026-11-01]"),
            ("x <= [in 2 weeks]", "x <= [2026-12-15]"),
            ("x >= [this year]", "x >= [2026-01-01]"),
            ("x >= [1 month ago]", "x >= [2026-11-01]"),
        ];
        for (given, expected) in cases {
            assert_eq!(resolve(given, today), expected, "{given}");
        }
    }

    #[test]
    fn everything_else_is_left_as_it_is() {
        let today = day("2026-12-01");
        for text in [
            "summary contains \"[today]\" AND x > [2026-01-01]",
            "x > [2024-01-31T18:00:00Z]",
            "x > [someday]",
            "x > [today",
            "name = 'it''s [today]'",
            "x > [99999999 days ago]",
        ] {
            assert_eq!(resolve(text, today), text);
        }
        assert!(matches!(resolve("x = 1", today), Cow::Borrowed(_)));
    }

    #[test]
    fn periods_are_days_weeks_months_or_spans() {
        let today = day("2026-12-01");
        for (text, from, to) in [
            ("today", "2026-12-01", "2026-12-02"),
            ("[yesterday]", "2026-11-30", "2026-12-01"),
            ("this week", "2026-11-30", "2026-12-07"),
            ("last week", "2026-11-23", "2026-11-30"),
            ("next month", "2027-01-01", "2027-02-01"),
            ("last 7 days", "2026-11-25", "2026-12-02"),
            ("next 30 days", "2026-12-01", "2026-12-31"),
            ("2026-11-03", "2026-11-03", "2026-11-04"),
            ("2026-11-03..2026-11-09", "2026-11-03", "2026-11-10"),
            ("2026-11-03 to 2026-11-09", "2026-11-03", "2026-11-10"),
        ] {
            assert_eq!(period(text, today), Some((day(from), day(to))), "{text}");
        }
        for text in [
            "someday",
            "2026-11-09..2026-11-03",
            "last 0 days",
            "next 99999 days",
            "",
        ] {
            assert_eq!(period(text, today), None, "{text}");
        }
    }

    #[test]
    fn the_clock_can_start_at_the_demo_day() {
        let noon = day("2026-11-24")
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        assert_eq!(Clock::starting_at(noon).today(), day("2026-11-24"));
        assert_eq!(Clock::system().today(), Utc::now().date_naive());
    }
}
