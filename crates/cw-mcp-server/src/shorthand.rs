//! What models write in conditions, read as they mean it. A reference compared as a whole
//! (`company = "ACME"`, `owner = "twilson"`, `board = 1`) is not valid ConnectWise, and small
//! models write it more often than not; each is read as a comparison of the field that says
//! the same: the reference's id for a number, its identifier or name for text. A bare
//! `status = "open"` (or `"closed"`) on a record with a `closedFlag` means that flag; an
//! identifier compared with words (`manager/identifier = "Carlos Nguyen"`) means the name,
//! since identifiers hold no spaces. A field the record lacks is mended where one is plainly
//! meant: `dateEntered` is `_info/dateEntered`, and a name a few edits from exactly one field
//! is that field (`dateStart` on a time entry is `timeStart`); the answer says so. What is
//! valid already is never changed.

use std::borrow::Cow;

use cw_catalog::nearest::plainly;
use cw_catalog::{Catalog, FieldType};
use cw_client::conditions::{self, Comparison, Expr, Operator, Value, field};

use crate::checks::knows;

/// The record-keeping fields ConnectWise keeps under a record's `_info`.
const INFO_FIELDS: [&str; 4] = ["dateEntered", "enteredBy", "lastUpdated", "updatedBy"];

/// The field a record lacks, mended to the one plainly meant (see the module's doc).
pub fn meant_field(catalog: &Catalog, schema: &str, path: &str) -> Option<String> {
    if knows(catalog, schema, path) {
        return None;
    }
    if INFO_FIELDS.contains(&path) && catalog.field(schema, "_info").is_some() {
        return Some(format!("_info/{path}"));
    }
    let known = catalog.field_paths(schema);
    let edits = (path.len() / 3).max(2);
    plainly(path, known.iter().map(String::as_str), edits).map(str::to_owned)
}

/// The field a comparison names that the record lacks, mended to the one plainly meant: as
/// [`meant_field`], and a date compared on a field the record does not have (`timeStart` on a
/// ticket) as when the record was entered, `_info/dateEntered`.
fn meant_for(catalog: &Catalog, schema: &str, comparison: &Comparison) -> Option<String> {
    let path = comparison.field.dotted();
    meant_field(catalog, schema, &path).or_else(|| {
        let dated = matches!(comparison.value, Value::DateTime(_))
            && !path.contains('/')
            && !knows(catalog, schema, &path)
            && catalog.field(schema, "_info").is_some();
        dated.then(|| "_info/dateEntered".to_owned())
    })
}

/// The fields of `conditions` and `orderBy` that a record of `schema` lacks and that were
/// read as another, as (written, read as) pairs, for the answer to say.
pub fn mended(
    catalog: &Catalog,
    schema: &str,
    conditions: Option<&str>,
    order_by: Option<&str>,
) -> Vec<(String, String)> {
    let mut written: Vec<(String, Option<String>)> = conditions
        .and_then(|text| conditions::parse(text).ok())
        .map(|expr| {
            expr.comparisons()
                .iter()
                .map(|c| (c.field.dotted(), meant_for(catalog, schema, c)))
                .collect()
        })
        .unwrap_or_default();
    for item in order_by.unwrap_or_default().split(',') {
        written.extend(
            item.split_whitespace()
                .next()
                .map(|path| (path.to_owned(), meant_field(catalog, schema, path))),
        );
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (path, meant) in written {
        if let Some(meant) = meant
            && !pairs.iter().any(|(p, _)| *p == path)
        {
            pairs.push((path, meant));
        }
    }
    pairs
}

/// `field = [2026-12-02]` on a date and time: any time that day, as
/// `field >= [2026-12-02] AND field < [2026-12-03]` (equal to midnight, it matches nothing).
fn on_the_day(
    catalog: &Catalog,
    schema: &str,
    path: &str,
    comparison: &Comparison,
) -> Option<Expr> {
    let (Operator::Eq, Value::DateTime(day)) = (comparison.op, &comparison.value) else {
        return None;
    };
    let timed = path.starts_with("_info/")
        || matches!(
            catalog.field(schema, path).map(|f| &f.kind),
            Some(FieldType::DateTime)
        );
    let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .filter(|_| timed)?;
    let next = day.succ_opt()?;
    let bracket = |d: chrono::NaiveDate| Value::DateTime(d.format("%Y-%m-%d").to_string());
    let from = field(path)
        .ok()?
        .compare(Operator::GtEq, bracket(day))
        .ok()?;
    let to = field(path)
        .ok()?
        .compare(Operator::Lt, bracket(next))
        .ok()?;
    Some(from.and(to))
}

/// Whether `conditions` asks for no condition at all (`true`, `*`, `all`, `1=1`): a small
/// model writes these for "every record".
pub fn matches_everything(conditions: &str) -> bool {
    let plain: String = conditions.chars().filter(|c| !c.is_whitespace()).collect();
    ["", "true", "*", "all", "1=1", "none"]
        .iter()
        .any(|s| plain.eq_ignore_ascii_case(s))
}

/// `orderBy` with each field the record lacks mended, when one is plainly meant.
pub fn order_by<'a>(catalog: &Catalog, schema: &str, text: &'a str) -> Cow<'a, str> {
    let mut changed = false;
    let items: Vec<String> = text
        .split(',')
        .map(|item| {
            let item = item.trim();
            let (name, direction) = item.split_once(' ').unwrap_or((item, ""));
            match meant_field(catalog, schema, name) {
                Some(meant) => {
                    changed = true;
                    format!("{meant} {direction}").trim_end().to_owned()
                }
                None => item.to_owned(),
            }
        })
        .collect();
    if changed {
        Cow::Owned(items.join(", "))
    } else {
        Cow::Borrowed(text)
    }
}

/// `conditions` with every shorthand written out for records of `schema`; borrowed when
/// there is none (or the text does not parse: the grammar then says what is wrong).
pub fn expand<'a>(catalog: &Catalog, schema: &str, conditions: &'a str) -> Cow<'a, str> {
    let Ok(expr) = conditions::parse(conditions) else {
        return Cow::Borrowed(conditions);
    };
    let mut changed = false;
    let expr = rewrite(expr, &mut |comparison| {
        let written = written_out(catalog, schema, comparison);
        changed |= written.is_some();
        written
    });
    if changed {
        Cow::Owned(expr.to_string())
    } else {
        Cow::Borrowed(conditions)
    }
}

fn rewrite(expr: Expr, each: &mut impl FnMut(&Comparison) -> Option<Expr>) -> Expr {
    match expr {
        Expr::Compare(comparison) => each(&comparison).unwrap_or(Expr::Compare(comparison)),
        // Joined again, so that a written-out operand of the same kind is flattened.
        Expr::And(operands) => join(operands, each, Expr::and),
        Expr::Or(operands) => join(operands, each, Expr::or),
    }
}

fn join(
    operands: Vec<Expr>,
    each: &mut impl FnMut(&Comparison) -> Option<Expr>,
    with: fn(Expr, Expr) -> Expr,
) -> Expr {
    let mut operands = operands.into_iter().map(|e| rewrite(e, each));
    let first = operands
        .next()
        .expect("the parser gives And and Or two or more operands");
    operands.fold(first, with)
}

/// The comparison written out, when it compares a reference as a whole, an identifier with
/// words, or a field the record lacks where one is plainly meant.
fn written_out(catalog: &Catalog, schema: &str, comparison: &Comparison) -> Option<Expr> {
    let path = comparison.field.dotted();
    let again = |path: &str| {
        field(path)
            .ok()?
            .compare(comparison.op, comparison.value.clone())
            .ok()
    };
    let meant = meant_for(catalog, schema, comparison);
    let read = meant.as_deref().unwrap_or(&path);
    if let Some(whole_day) = on_the_day(catalog, schema, read, comparison) {
        return Some(whole_day);
    }
    if let Some(meant) = &meant {
        return again(meant);
    }
    // `closedFlag` on a record without one that has a closing date (an opportunity): open
    // ones have none.
    if let (true, Value::Bool(flag), Operator::Eq | Operator::NotEq) =
        (path == "closedFlag", &comparison.value, comparison.op)
        && catalog.field(schema, "closedFlag").is_none()
        && catalog.field(schema, "closedDate").is_some()
    {
        let closed = *flag == (comparison.op == Operator::Eq);
        let op = if closed {
            Operator::NotEq
        } else {
            Operator::Eq
        };
        return field("closedDate").ok()?.compare(op, Value::Null).ok();
    }
    if let (Some(reference), Value::Text(text)) =
        (path.strip_suffix("/identifier"), &comparison.value)
        && text.as_str().trim().contains(' ')
        && catalog
            .field(schema, &format!("{reference}/name"))
            .is_some()
    {
        return again(&format!("{reference}/name"));
    }
    let FieldType::Reference(target) = &catalog.field(schema, &path)?.kind else {
        return None;
    };
    let sub = |name: &str| {
        catalog
            .field(target, name)
            .and_then(|_| field(&format!("{path}/{name}")).ok())
    };
    let op = comparison.op;
    match &comparison.value {
        Value::Number(_) => sub("id")?.compare(op, comparison.value.clone()).ok(),
        Value::List(items) if items.iter().all(|v| matches!(v, Value::Number(_))) => {
            sub("id")?.compare(op, comparison.value.clone()).ok()
        }
        Value::Text(text) => {
            let text = text.as_str();
            let flag = catalog.field(schema, "closedFlag").is_some()
                && path == "status"
                && matches!(op, Operator::Eq | Operator::NotEq);
            if flag
                && ["open", "closed"]
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(text))
            {
                let closed = text.eq_ignore_ascii_case("closed") == (op == Operator::Eq);
                return field("closedFlag").ok()?.eq(closed).ok();
            }
            let name = sub("name");
            let identifier = sub("identifier");
            match op {
                // The identifier exactly, or a name that starts with the text.
                Operator::Eq => {
                    let prefix = format!("{}%", text.trim_end_matches(['%', '*']));
                    let by_name = name.and_then(|n| n.like(&prefix).ok());
                    let by_identifier = identifier.and_then(|i| i.eq(text).ok());
                    match (by_identifier, by_name) {
                        (Some(i), Some(n)) => Some(i.or(n)),
                        (one, other) => one.or(other),
                    }
                }
                Operator::NotEq => {
                    let not_name = name.and_then(|n| n.ne(text).ok());
                    let not_identifier = identifier.and_then(|i| i.ne(text).ok());
                    match (not_identifier, not_name) {
                        (Some(i), Some(n)) => Some(i.and(n)),
                        (one, other) => one.or(other),
                    }
                }
                _ => name
                    .or(identifier)?
                    .compare(op, comparison.value.clone())
                    .ok(),
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(schema: &str, text: &str) -> String {
        expand(cw_catalog::catalog(), schema, text).into_owned()
    }

    #[test]
    fn references_compared_whole_are_written_out() {
        let cases = [
            (
                "company = \"ACME\" AND closedFlag = false",
                "(company/identifier = \"ACME\" OR company/name like \"ACME%\") AND closedFlag = false",
            ),
            ("board = 1", "board/id = 1"),
            (
                "board = \"Service Desk\"",
                "board/name like \"Service Desk%\"",
            ),
            (
                "priority contains \"High\"",
                "priority/name contains \"High\"",
            ),
            (
                "owner != 'twilson'",
                "owner/identifier != \"twilson\" AND owner/name != \"twilson\"",
            ),
            ("status = \"open\"", "closedFlag = false"),
            (
                "status = \"Closed\" OR id = 5",
                "closedFlag = true OR id = 5",
            ),
            ("status != \"open\"", "closedFlag = true"),
            ("status = \"New\"", "status/name like \"New%\""),
        ];
        for (given, expected) in cases {
            assert_eq!(expanded("Ticket", given), expected, "{given}");
        }
        // Projects have a closedFlag too; time entries have no status reference.
        assert_eq!(
            expanded("Project", "status = \"open\""),
            "closedFlag = false"
        );
    }

    #[test]
    fn what_is_valid_is_left_as_it_is() {
        for text in [
            "company/identifier = \"ACME\" AND closedFlag = false",
            "status/name = \"Open\"",
            "summary contains \"printer\"",
            "company = null",
            "nosuchfield = 1",
            "not ( valid",
        ] {
            assert!(
                matches!(
                    expand(cw_catalog::catalog(), "Ticket", text),
                    Cow::Borrowed(_)
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn a_field_the_record_lacks_is_read_as_the_one_plainly_meant() {
        let cases = [
            (
                "TimeEntry",
                "dateStart >= [2026-11-30]",
                "timeStart >= [2026-11-30]",
            ),
            (
                "Ticket",
                "dateEntered > [2026-11-25]",
                "_info/dateEntered > [2026-11-25]",
            ),
            (
                "Ticket",
                "company/identifer = \"ACME\"",
                "company/identifier = \"ACME\"",
            ),
            (
                "Project",
                "manager/identifier = \"Carlos Nguyen\"",
                "manager/name = \"Carlos Nguyen\"",
            ),
            (
                "Opportunity",
                "company/name like \"ACME%\" AND closedFlag = false",
                "company/name like \"ACME%\" AND closedDate = null",
            ),
            ("Opportunity", "closedFlag != false", "closedDate != null"),
            (
                "Ticket",
                "timeStart >= [2026-11-26]",
                "_info/dateEntered >= [2026-11-26]",
            ),
        ];
        for (schema, given, expected) in cases {
            assert_eq!(expanded(schema, given), expected, "{given}");
        }
        let catalog = cw_catalog::catalog();
        assert_eq!(
            order_by(catalog, "TimeEntry", "dateStart desc, id"),
            "timeStart desc, id"
        );
        assert_eq!(
            mended(
                catalog,
                "TimeEntry",
                Some("dateStart >= [2026-11-30] AND member/identifier = \"x\""),
                Some("dateStart")
            ),
            [("dateStart".to_owned(), "timeStart".to_owned())]
        );
        // A whole day on a date and time.
        assert_eq!(
            expanded(
                "ScheduleEntry",
                "dateStart = [2026-12-02] AND member/name = \"Marcus Patel\""
            ),
            "dateStart >= [2026-12-02] AND dateStart < [2026-12-03] AND member/name = \"Marcus Patel\""
        );
        assert_eq!(
            expanded("Ticket", "dateEntered = [2026-12-31]"),
            "_info/dateEntered >= [2026-12-31] AND _info/dateEntered < [2027-01-01]"
        );
        assert!(
            matches_everything(" TRUE ")
                && matches_everything("1 = 1")
                && !matches_everything("id = 1")
        );
        // Nothing near, or more than one field near: left for the check to explain.
        assert_eq!(expanded("Ticket", "balanceDue > 0"), "balanceDue > 0");
        assert_eq!(meant_field(catalog, "Ticket", "summary"), None);
        assert_eq!(
            expanded("Company", "identifier = \"ACME\""),
            "identifier = \"ACME\""
        );
    }
}
