//! Evaluating conditions, `orderBy` and `fields` over JSON records, with the
//! semantics of ConnectWise's SQL Server back end: text compares
//! case-insensitively, a missing field is NULL (only `= null` and `!= null`
//! match it), and a path through an array matches when any element does.

use std::cmp::Ordering;

use cw_client::conditions::{Comparison, Expr, Operator, Value as Literal};
use serde_json::{Map, Value};

/// True when `record` satisfies `expr`.
pub fn matches(expr: &Expr, record: &Value) -> bool {
    match expr {
        Expr::Compare(comparison) => compare(comparison, record),
        Expr::And(operands) => operands.iter().all(|e| matches(e, record)),
        Expr::Or(operands) => operands.iter().any(|e| matches(e, record)),
    }
}

/// True when any element of the record's `customFields` satisfies `expr`
/// (`caption = "Support Tier" AND value = "Gold"`).
pub fn matches_custom_fields(expr: &Expr, record: &Value) -> bool {
    record
        .get("customFields")
        .and_then(Value::as_array)
        .is_some_and(|fields| fields.iter().any(|field| matches(expr, field)))
}

/// True when `test` holds for any value at `segments`, descending through
/// arrays; NULLs and missing fields are never tested. A single-segment path
/// missing at the top level is also looked up in `_info` (`dateEntered`).
/// Nothing is allocated: this runs for every record of every search.
fn any_value<'a>(
    record: &'a Value,
    segments: &[String],
    mut test: impl FnMut(&'a Value) -> bool,
) -> bool {
    let mut found = false;
    let hit = walk(record, segments, &mut |value| {
        found = true;
        test(value)
    });
    if hit || found || segments.len() != 1 {
        return hit;
    }
    record
        .get("_info")
        .is_some_and(|info| walk(info, segments, &mut test))
}

fn walk<'a>(
    value: &'a Value,
    segments: &[String],
    visit: &mut dyn FnMut(&'a Value) -> bool,
) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|item| walk(item, segments, visit)),
        Value::Object(map) => match segments.split_first() {
            None => visit(value),
            Some((head, rest)) => field(map, head).is_some_and(|child| walk(child, rest, visit)),
        },
        Value::Null => false,
        _ if segments.is_empty() => visit(value),
        _ => false,
    }
}

/// The first value at `segments`, for sorting.
fn first_value<'a>(record: &'a Value, segments: &[String]) -> Option<&'a Value> {
    let mut first = None;
    any_value(record, segments, |value| {
        first = Some(value);
        true
    });
    first
}

/// Case-insensitive ordering of two strings, without allocating.
fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// A key, exact or case-insensitive (ConnectWise field names are not case-sensitive).
fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn compare(comparison: &Comparison, record: &Value) -> bool {
    let segments = &comparison.field.segments;
    match (&comparison.value, comparison.op) {
        (Literal::Null, Operator::Eq) => !any_value(record, segments, |_| true),
        (Literal::Null, Operator::NotEq) => any_value(record, segments, |_| true),
        (Literal::Null, _) => false,
        _ => any_value(record, segments, |v| {
            test(v, comparison.op, &comparison.value)
        }),
    }
}

fn test(value: &Value, op: Operator, literal: &Literal) -> bool {
    match op {
        Operator::In => list(literal)
            .iter()
            .any(|item| order(value, item) == Some(Ordering::Equal)),
        Operator::NotIn => list(literal)
            .iter()
            .all(|item| order(value, item) != Some(Ordering::Equal)),
        Operator::Contains | Operator::NotContains => {
            let found = text(value)
                .to_lowercase()
                .contains(&text_of(literal).to_lowercase());
            found == (op == Operator::Contains)
        }
        Operator::Like | Operator::NotLike => {
            let found = like(
                &text(value).to_lowercase(),
                &text_of(literal).to_lowercase(),
            );
            found == (op == Operator::Like)
        }
        Operator::Eq => order(value, literal) == Some(Ordering::Equal),
        Operator::NotEq => order(value, literal).is_some_and(|o| o != Ordering::Equal),
        Operator::Lt => order(value, literal) == Some(Ordering::Less),
        Operator::LtEq => matches!(
            order(value, literal),
            Some(Ordering::Less | Ordering::Equal)
        ),
        Operator::Gt => order(value, literal) == Some(Ordering::Greater),
        Operator::GtEq => matches!(
            order(value, literal),
            Some(Ordering::Greater | Ordering::Equal)
        ),
    }
}

fn list(literal: &Literal) -> &[Literal] {
    match literal {
        Literal::List(items) => items,
        other => std::slice::from_ref(other),
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn text_of(literal: &Literal) -> String {
    match literal {
        Literal::Text(t) => t.as_str().to_owned(),
        other => other.to_string(),
    }
}

/// How a record value orders against a literal; `None` when they cannot be compared.
fn order(value: &Value, literal: &Literal) -> Option<Ordering> {
    match (value, literal) {
        (Value::Number(n), Literal::Number(m)) => n.as_f64()?.partial_cmp(&m.to_f64()),
        (Value::String(s), Literal::Number(m)) => {
            s.trim().parse::<f64>().ok()?.partial_cmp(&m.to_f64())
        }
        (Value::Number(n), Literal::Text(t)) => n
            .as_f64()?
            .partial_cmp(&t.as_str().trim().parse::<f64>().ok()?),
        (Value::Bool(b), Literal::Bool(c)) => Some(b.cmp(c)),
        (Value::String(s), Literal::Text(t)) => Some(cmp_ci(s, t.as_str())),
        (Value::String(s), Literal::DateTime(d)) => {
            Some(normalize_datetime(s).cmp(&normalize_datetime(d)))
        }
        _ => None,
    }
}

/// `YYYY-MM-DDTHH:MM:SS` (UTC), so dates and datetimes compare as text.
fn normalize_datetime(s: &str) -> String {
    let s = s.trim().trim_end_matches(['Z', 'z']);
    let (date, time) = s.split_once(['T', 't', ' ']).unwrap_or((s, ""));
    let time = time.split('.').next().unwrap_or_default();
    let time = time.split(['+', '-']).next().unwrap_or_default();
    let padded = match time.len() {
        0 => "00:00:00".to_owned(),
        5 => format!("{time}:00"),
        _ => time.to_owned(),
    };
    format!("{date}T{padded}")
}

/// SQL `LIKE` with `%` and `*` for any run and `_` for one character.
fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let (mut t, mut p) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '_' || pattern[p] == text[t]) {
            t += 1;
            p += 1;
        } else if p < pattern.len() && matches!(pattern[p], '%' | '*') {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| matches!(c, '%' | '*'))
}

/// One `orderBy` key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    segments: Vec<String>,
    descending: bool,
}

/// Reads `orderBy` (`company/name desc, id`); `Err` names the bad item.
pub fn parse_order_by(order_by: &str) -> Result<Vec<SortKey>, String> {
    order_by
        .split(',')
        .map(|item| {
            let mut words = item.split_whitespace();
            let field = words
                .next()
                .filter(|f| cw_client::conditions::field(f).is_ok());
            let direction = words.next().map(str::to_ascii_lowercase);
            match (field, direction.as_deref(), words.next()) {
                (Some(f), None | Some("asc"), None) => Ok(SortKey {
                    segments: split(f),
                    descending: false,
                }),
                (Some(f), Some("desc"), None) => Ok(SortKey {
                    segments: split(f),
                    descending: true,
                }),
                _ => Err(item.trim().to_owned()),
            }
        })
        .collect()
}

fn split(path: &str) -> Vec<String> {
    path.split('/').map(str::to_owned).collect()
}

/// Sorts records by the keys; NULLs first (as SQL Server does), ties by id.
pub fn sort(records: &mut [&Value], keys: &[SortKey]) {
    records.sort_by(|a, b| {
        for key in keys {
            let left = first_value(a, &key.segments);
            let right = first_value(b, &key.segments);
            let ordering = sort_order(left, right);
            let ordering = if key.descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        crate::data::record_id(a).cmp(&crate::data::record_id(b))
    });
}

fn sort_order(left: Option<&Value>, right: Option<&Value>) -> Ordering {
    match (
        left.filter(|v| !v.is_null()),
        right.filter(|v| !v.is_null()),
    ) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(Value::Number(a)), Some(Value::Number(b))) => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::Bool(a)), Some(Value::Bool(b))) => a.cmp(b),
        (Some(Value::String(a)), Some(Value::String(b))) => cmp_ci(a, b),
        (Some(a), Some(b)) => cmp_ci(&text(a), &text(b)),
    }
}

/// Keeps only the listed (possibly nested) fields of a record.
pub fn project(record: &Value, fields: &[Vec<String>]) -> Value {
    let mut out = Map::new();
    for path in fields {
        copy_path(record, path, &mut out);
    }
    Value::Object(out)
}

fn copy_path(source: &Value, path: &[String], out: &mut Map<String, Value>) {
    let Some((head, rest)) = path.split_first() else {
        return;
    };
    let Some(Value::Object(map)) = Some(source) else {
        return;
    };
    let Some((key, value)) = map
        .get_key_value(head.as_str())
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(head)))
    else {
        return;
    };
    if rest.is_empty() {
        out.insert(key.clone(), value.clone());
        return;
    }
    match value {
        Value::Object(_) => {
            let entry = out
                .entry(key.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(nested) = entry {
                copy_path(value, rest, nested);
            }
        }
        Value::Array(items) => {
            let projected: Vec<Value> = items
                .iter()
                .map(|item| {
                    let mut nested = Map::new();
                    copy_path(item, rest, &mut nested);
                    Value::Object(nested)
                })
                .collect();
            out.insert(key.clone(), Value::Array(projected));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cw_client::conditions::parse;
    use serde_json::json;

    fn ticket() -> Value {
        json!({
            "id": 7, "summary": "Printer offline on 2nd floor", "closedFlag": false, "budgetHours": 1.5,
            "company": {"id": 2, "identifier": "ACME", "name": "ACME Corporation"},
            "status": {"name": "In Progress"},
            "types": [{"name": "Client"}, {"name": "Partner"}],
            "_info": {"dateEntered": "2026-03-05T14:30:00Z"},
        })
    }

    fn check(condition: &str) -> bool {
        matches(&parse(condition).unwrap(), &ticket())
    }

    #[test]
    fn each_operator_behaves_like_connectwise() {
        let truths = [
            r#"company/identifier = "acme""#,
            "id = 7",
            "id != 8",
            "id < 8",
            "id <= 7",
            "id > 6",
            "id >= 7",
            "budgetHours > 1.25",
            r#"summary contains "PRINTER""#,
            r#"summary like "printer%""#,
            r#"summary like "*2nd*""#,
            r#"summary like "Printer_offline%""#,
            r#"summary not like "%scanner%""#,
            r#"summary not contains "scanner""#,
            "id in (1, 7, 9)",
            "id not in (1, 2)",
            r#"status/name in ("New", "In Progress")"#,
            "closedFlag = false",
            "closedFlag != true",
            "parentTicketId = null",
            "summary != null",
            r#"types/name = "Partner""#,
            "dateEntered > [2026-03-01]",
            "_info/dateEntered < [2026-03-05T15:00:00Z]",
            "dateEntered >= [2026-03-05T14:30:00Z]",
            r#"ID = 7 AND Company/Identifier = "ACME""#,
            "id = 1 or (id = 7 and closedFlag = false)",
        ];
        for condition in truths {
            assert!(check(condition), "{condition} should match");
        }
        let falsehoods = [
            r#"company/identifier = "ACM""#,
            "id > 7",
            r#"summary like "printer""#,
            "id in (1, 2)",
            "closedFlag = true",
            r#"parentTicketId != null"#,
            r#"missing = "x""#,
            r#"missing != "x""#,
            r#"missing not like "%x%""#,
            "dateEntered < [2026-01-01]",
            "id = 1 and id = 7",
        ];
        for condition in falsehoods {
            assert!(!check(condition), "{condition} should not match");
        }
    }

    #[test]
    fn like_handles_wildcards() {
        assert!(like("acme corporation", "acme%"));
        assert!(like("acme corporation", "%corp%"));
        assert!(like("acme", "a*e"));
        assert!(!like("acme", "a*x"));
        assert!(like("", "%"));
        assert!(!like("abc", "ab"));
    }

    #[test]
    fn order_by_sorts_nested_keys_with_nulls_first() {
        let a = json!({"id": 1, "company": {"name": "beta"}});
        let b = json!({"id": 2, "company": {"name": "Alpha"}});
        let c = json!({"id": 3});
        let mut records = vec![&a, &b, &c];
        sort(&mut records, &parse_order_by("company/name asc").unwrap());
        assert_eq!(
            records
                .iter()
                .map(|r| r["id"].as_u64().unwrap())
                .collect::<Vec<_>>(),
            [3, 2, 1]
        );
        sort(
            &mut records,
            &parse_order_by("company/name desc, id").unwrap(),
        );
        assert_eq!(
            records
                .iter()
                .map(|r| r["id"].as_u64().unwrap())
                .collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(parse_order_by("id sideways").unwrap_err(), "id sideways");
    }

    #[test]
    fn fields_keep_only_what_was_asked() {
        let fields = vec![
            split("id"),
            split("company/name"),
            split("types/name"),
            split("nothing"),
        ];
        assert_eq!(
            project(&ticket(), &fields),
            json!({"id": 7, "company": {"name": "ACME Corporation"}, "types": [{"name": "Client"}, {"name": "Partner"}]})
        );
    }
}
