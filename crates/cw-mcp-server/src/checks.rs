//! Checking a query against the endpoint's schema before it is sent, so that a
//! model's mistake comes back as a fix rather than as an empty answer:
//! unknown fields (in `fields`, `orderBy`, `conditions`) with the nearest real
//! names, and values of the wrong type for their field.

use cw_catalog::nearest::{nearest, within};
use cw_catalog::{Catalog, FieldType};
use cw_client::conditions::{self, Comparison, Value};

/// How many nearest names an error lists.
const SUGGESTIONS: usize = 5;

/// Checks `fields`, `orderBy` and `conditions` against the schema named `schema`.
pub fn check_query(
    catalog: &Catalog,
    schema: &str,
    fields: Option<&str>,
    order_by: Option<&str>,
    conditions: Option<&str>,
) -> Result<(), String> {
    if let Some(fields) = fields.filter(|f| f.trim() != "*") {
        for field in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            known_field(catalog, schema, "fields", field)?;
        }
    }
    if let Some(order_by) = order_by {
        for item in order_by.split(',') {
            if let Some(field) = item.split_whitespace().next() {
                known_field(catalog, schema, "orderBy", field)?;
            }
        }
    }
    if let Some(text) = conditions
        && let Ok(expr) = conditions::parse(text)
    {
        for comparison in expr.comparisons() {
            check_comparison(catalog, schema, comparison)
                .map_err(|problem| with_fix(catalog, schema, text, comparison, problem))?;
        }
    }
    Ok(())
}

/// `a` or `an`, for a record named in a message (`an Agreement`).
pub fn article(schema: &str) -> &'static str {
    if schema.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// Whether a record of `schema` has the field at `path` (anything under a free-form object
/// counts).
pub fn knows(catalog: &Catalog, schema: &str, path: &str) -> bool {
    known_field(catalog, schema, "", path).is_ok()
}

/// The field's type, or an error naming the nearest fields. Fields under a free-form
/// object (`_info/dateEntered`, `customFields/...`) pass unchecked.
fn known_field(
    catalog: &Catalog,
    schema: &str,
    argument: &str,
    path: &str,
) -> Result<Option<FieldType>, String> {
    if let Some(field) = catalog.field(schema, path) {
        return Ok(Some(field.kind.clone()));
    }
    let mut prefix = String::new();
    for segment in path.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(segment);
        if let Some(field) = catalog.field(schema, &prefix)
            && matches!(field.kind, FieldType::Object)
        {
            return Ok(None);
        }
    }
    let known = catalog.field_paths(schema);
    let suggestions = nearest(path, known.iter().map(String::as_str), SUGGESTIONS);
    let hint = if suggestions.is_empty() {
        String::new()
    } else {
        format!(" Nearest fields: {}.", suggestions.join(", "))
    };
    let article = article(schema);
    Err(format!(
        "`{argument}` names `{path}`, which {article} {schema} does not have.{hint} connectwise_describe_endpoint lists every field."
    ))
}

/// `problem` with the conditions written again with the nearest real field, when the
/// comparison names a field the record does not have: a small model copies a call it is
/// given more surely than it mends one.
fn with_fix(
    catalog: &Catalog,
    schema: &str,
    text: &str,
    comparison: &Comparison,
    problem: String,
) -> String {
    let path = comparison.field.dotted();
    if catalog.field(schema, &path).is_some() {
        return problem;
    }
    // The closest by edits alone: containment ranks `company/id` first for `company/identifer`.
    // A date compared on a record without that field: most often, when it was entered.
    let known = catalog.field_paths(schema);
    let edits = (path.len() / 3).max(2);
    let entered = (matches!(comparison.value, Value::DateTime(_))
        && catalog.field(schema, "_info").is_some())
    .then_some("_info/dateEntered");
    let Some(nearest) = within(&path, known.iter().map(String::as_str), edits, 1)
        .first()
        .copied()
        .or(entered)
    else {
        return problem;
    };
    let span = comparison.field.span;
    match (text.get(..span.start), text.get(span.end..)) {
        (Some(before), Some(after)) => {
            format!("{problem} Perhaps: conditions = {before}{nearest}{after}")
        }
        _ => problem,
    }
}

fn check_comparison(
    catalog: &Catalog,
    schema: &str,
    comparison: &Comparison,
) -> Result<(), String> {
    let path = comparison.field.dotted();
    let Some(kind) = known_field(catalog, schema, "conditions", &path)? else {
        return Ok(());
    };
    let values: Vec<&Value> = match &comparison.value {
        Value::List(items) => items.iter().collect(),
        value => vec![value],
    };
    for value in values {
        if let Some(problem) = mismatch(&path, &kind, value) {
            return Err(format!("In `conditions`, {problem}"));
        }
    }
    Ok(())
}

/// Why `value` cannot be compared with a field of type `kind`, and how to write it.
fn mismatch(path: &str, kind: &FieldType, value: &Value) -> Option<String> {
    if matches!(value, Value::Null) {
        return None;
    }
    let text = match value {
        Value::Text(text) => Some(text.as_str()),
        _ => None,
    };
    match kind {
        FieldType::Boolean if !matches!(value, Value::Bool(_)) => Some(format!(
            "`{path}` is a boolean: compare it with true or false without quotes, e.g. {path} = {}.",
            if text.is_some_and(|t| t.eq_ignore_ascii_case("true")) {
                "true"
            } else {
                "false"
            }
        )),
        FieldType::Integer | FieldType::Number if !matches!(value, Value::Number(_)) => {
            Some(format!(
                "`{path}` is a number: compare it with a number without quotes, e.g. {path} = {}.",
                text.filter(|t| t.trim().parse::<f64>().is_ok())
                    .unwrap_or("42")
            ))
        }
        FieldType::DateTime if !matches!(value, Value::DateTime(_)) => Some(format!(
            "`{path}` is a date: write it in square brackets, e.g. {path} > [{}].",
            text.filter(|t| t.len() >= 10)
                .map_or("2024-01-31", |t| &t[..10])
        )),
        FieldType::String
            if matches!(
                value,
                Value::Bool(_) | Value::Number(_) | Value::DateTime(_)
            ) =>
        {
            Some(format!(
                "`{path}` is text: put the value in double quotes, e.g. {path} = \"...\"."
            ))
        }
        FieldType::Reference(schema) => Some(format!(
            "`{path}` is a reference to a {}: compare one of its fields instead, e.g. {path}/id = 12 or {path}/name = \"...\".",
            schema.trim_end_matches("Reference")
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        fields: Option<&str>,
        order_by: Option<&str>,
        conditions: Option<&str>,
    ) -> Result<(), String> {
        check_query(
            cw_catalog::catalog(),
            "Ticket",
            fields,
            order_by,
            conditions,
        )
    }

    #[test]
    fn real_fields_and_well_typed_values_pass() {
        assert_eq!(
            check(
                Some("id,summary,status/name,_info/dateEntered"),
                Some("_info/dateEntered desc, id"),
                Some(
                    "company/identifier = \"ACME\" AND closedFlag = false AND id in (1, 2) AND _info/lastUpdated > [2024-01-01] AND contact = null"
                )
            ),
            Ok(())
        );
        assert_eq!(check(Some("*"), None, None), Ok(()));
    }

    #[test]
    fn mistakes_come_back_with_the_fix() {
        assert_eq!(
            check(None, None, Some("closedFlag = \"false\"")).unwrap_err(),
            "In `conditions`, `closedFlag` is a boolean: compare it with true or false without quotes, e.g. closedFlag = false."
        );
        assert_eq!(
            check(None, None, Some("id = \"12345\"")).unwrap_err(),
            "In `conditions`, `id` is a number: compare it with a number without quotes, e.g. id = 12345."
        );
        assert_eq!(
            check(None, None, Some("requiredDate > \"2024-05-01\"")).unwrap_err(),
            "In `conditions`, `requiredDate` is a date: write it in square brackets, e.g. requiredDate > [2024-05-01]."
        );
        assert_eq!(
            check(None, None, Some("company = \"ACME\"")).unwrap_err(),
            "In `conditions`, `company` is a reference to a Company: compare one of its fields instead, e.g. company/id = 12 or company/name = \"...\"."
        );
        let unknown = check(Some("id,sumary"), None, None).unwrap_err();
        assert!(
            unknown.starts_with(
                "`fields` names `sumary`, which a Ticket does not have. Nearest fields: summary"
            ),
            "{unknown}"
        );
        assert!(
            check(None, Some("closed desc"), None)
                .unwrap_err()
                .contains("closedFlag")
        );
        let mistyped = check(
            None,
            None,
            Some("company/identifer = \"ACME\" AND closedFlag = false"),
        )
        .unwrap_err();
        assert!(
            mistyped.ends_with(
                "Perhaps: conditions = company/identifier = \"ACME\" AND closedFlag = false"
            ),
            "{mistyped}"
        );
        // A date the record lacks, unlike any of its fields: when it was entered, most often.
        let dated = check(None, None, Some("timeStart >= [2026-11-24]")).unwrap_err();
        assert!(
            dated.ends_with("Perhaps: conditions = _info/dateEntered >= [2026-11-24]"),
            "{dated}"
        );
    }
}
