//! Saying why an answer is empty when the reason is a mistake: a `like` without a leading
//! wildcard (`name like "Tech%"` for "Tech in the name", read again as `"%Tech%"`), and
//! conditions that compare a name or identifier (`status/name = "Open"`, `company/identifier =
//! "ACME Corp"`) with a value no record has. The values really in use are read
//! once, only for an empty answer, and the nearest are named, so that the
//! model's next call is right. Where the mistake has one plain fix (the one value
//! in use that the text plainly means, `closedFlag` for an "Open" status, the record's own
//! name where a reference's was compared with it), the hint
//! also gives the conditions to read instead, and the read takes them itself.

use cw_catalog::nearest::nearest;
use cw_client::conditions::{self, Operator, Value, field as field_ref};
use cw_client::{Client, Query};
use serde_json::Value as Json;

use crate::reads::Target;

/// How many records are read to learn the values in use.
const SAMPLE: u32 = 1000;
/// Most requests one empty answer's hint sends: a call comparing many names spends no more.
const MAX_READS: usize = 2;
/// How many values a hint names.
const SHOWN: usize = 12;

/// Why an answer is empty, and the conditions that mean what was asked, when they are plain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// What no record has, and the values in use.
    pub text: String,
    /// What no record has, without the values in use: said beside the records read instead.
    pub brief: String,
    /// The conditions with every mistaken comparison fixed, when each has one plain fix.
    pub instead: Option<String>,
}

/// Says `text` in the hint and in its brief alike.
fn said(hints: &mut Vec<String>, briefs: &mut Vec<String>, text: String) {
    briefs.push(text.clone());
    hints.push(text);
}

/// A hint for an empty page of `target` asked with `conditions`, when one of its name or
/// identifier comparisons matches no value in use.
pub async fn empty_answer(client: &Client, target: &Target, conditions: &str) -> Option<Hint> {
    let expr = conditions::parse(conditions).ok()?;
    let mut hints = Vec::new();
    let mut briefs = Vec::new();
    // Each mistaken comparison's fix, as (what was written, what to write), or None once
    // one of them has no plain fix.
    let mut fixes = Some(Vec::new());
    // The requests left for this hint, and the values in use already read, one read a field.
    let mut reads = MAX_READS;
    let mut read_fields: Vec<(String, Vec<String>)> = Vec::new();
    for comparison in expr.comparisons() {
        let field = comparison.field.dotted();
        // `like "Tech%"` matching nothing, for "with Tech in the name": the text anywhere.
        // Only when that comparison alone matches nothing: with others, they may be why.
        if let (Operator::Like, Value::Text(text)) = (comparison.op, &comparison.value)
            && !text.as_str().starts_with(['%', '*'])
            && spend(&mut reads)
            && !matches_any(client, target, &comparison.to_string()).await
        {
            let anywhere = format!("%{}%", text.as_str().trim_end_matches(['%', '*']));
            said(
                &mut hints,
                &mut briefs,
                format!(
                    "No record here has {field} like \"{}\" (which asks for what starts so).",
                    text.as_str()
                ),
            );
            let fixed = field_ref(&field).ok().and_then(|f| f.like(&anywhere).ok());
            match (&mut fixes, fixed) {
                (Some(fixes), Some(fixed)) => {
                    fixes.push((comparison.to_string(), fixed.to_string()))
                }
                _ => fixes = None,
            }
            continue;
        }
        let named =
            field.ends_with("name") || field.ends_with("identifier") || field.ends_with("Name");
        if !named || !matches!(comparison.op, Operator::Eq | Operator::In) {
            continue;
        }
        let wanted: Vec<&str> = match &comparison.value {
            Value::Text(text) => vec![text.as_str()],
            Value::List(items) => items
                .iter()
                .filter_map(|v| match v {
                    Value::Text(text) => Some(text.as_str()),
                    _ => None,
                })
                .collect(),
            _ => continue,
        };
        let in_use = match read_fields.iter().find(|(read, _)| *read == field) {
            Some((_, in_use)) => in_use.clone(),
            None if spend(&mut reads) => {
                let in_use = values_in_use(client, target, &field).await?;
                read_fields.push((field.clone(), in_use.clone()));
                in_use
            }
            // Past the hint's requests the rest of the conditions go unexplained.
            None => break,
        };
        let missing: Vec<&str> = wanted
            .into_iter()
            .filter(|w| !in_use.iter().any(|v| v.eq_ignore_ascii_case(w)))
            .collect();
        for value in missing {
            if field == "status/name"
                && ["open", "closed"]
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(value))
                && has_closed_flag(target)
            {
                let closed = value.eq_ignore_ascii_case("closed");
                said(
                    &mut hints,
                    &mut briefs,
                    format!(
                        "No status is named \"{value}\": for {} records compare closedFlag = {closed} instead.",
                        value.to_ascii_lowercase(),
                    ),
                );
                if let (Some(fixes), Operator::Eq) = (&mut fixes, comparison.op) {
                    fixes.push((comparison.to_string(), format!("closedFlag = {closed}")));
                } else {
                    fixes = None;
                }
                continue;
            }
            if let Some(own) = own_field_holding(client, target, &field, value, &mut reads).await {
                said(
                    &mut hints,
                    &mut briefs,
                    format!(
                        "No record here has {field} = \"{value}\", but one has {own} = \"{value}\"."
                    ),
                );
                let fixed = field_ref(own).ok().and_then(|f| f.eq(value).ok());
                match (&mut fixes, comparison.op, fixed) {
                    (Some(fixes), Operator::Eq, Some(fixed)) => {
                        fixes.push((comparison.to_string(), fixed.to_string()))
                    }
                    _ => fixes = None,
                }
                continue;
            }
            match (&mut fixes, meant(value, &in_use), comparison.op) {
                (Some(fixes), Some(only), Operator::Eq) => {
                    let mut fixed = comparison.clone();
                    fixed.value = Value::Text(conditions::Text::new(only.as_str()).ok()?);
                    fixes.push((comparison.to_string(), fixed.to_string()));
                }
                _ => fixes = None,
            }
            let near = nearest(value, in_use.iter().map(String::as_str), 3);
            let listed: Vec<&str> = in_use.iter().map(String::as_str).take(SHOWN).collect();
            let near = if near.is_empty() {
                String::new()
            } else {
                format!(" Nearest: {}.", quote(&near))
            };
            briefs.push(format!("No record here has {field} = \"{value}\"."));
            hints.push(format!(
                "No record here has {field} = \"{value}\".{near} Values in use: {}{}.",
                quote(&listed),
                if in_use.len() > SHOWN { ", ..." } else { "" }
            ));
        }
    }
    if hints.is_empty() {
        return None;
    }
    let instead = fixes.filter(|f| !f.is_empty()).and_then(|fixes| {
        let mut text = expr.to_string();
        for (written, fixed) in fixes {
            text = text.replacen(&written, &fixed, 1);
        }
        (text != expr.to_string()).then_some(text)
    });
    Some(Hint {
        text: hints.join(" "),
        brief: briefs.join(" "),
        instead,
    })
}

/// The one value in use that `text` plainly means, compared by letters and digits alone:
/// the same ("Cedar Dental" for "CedarDental"), else the one it starts ("ACME" for "ACME
/// Corporation"), else the one it is part of ("Critical" for "Priority 1 - Critical").
fn meant<'a>(text: &str, in_use: &'a [String]) -> Option<&'a String> {
    let plain = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = plain(text);
    if wanted.is_empty() {
        return None;
    }
    let tests: [&dyn Fn(&str) -> bool; 3] = [&|v| v == wanted, &|v| v.starts_with(&wanted), &|v| {
        v.contains(&wanted)
    }];
    tests.iter().find_map(|test| {
        let mut found = in_use.iter().filter(|v| test(&plain(v)));
        match (found.next(), found.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    })
}

/// The record's own name or identifier, when a reference's field (`company/identifier`)
/// was compared with a value that is a record's own (`ACME-SW-000`, a device's name).
async fn own_field_holding(
    client: &Client,
    target: &Target,
    field: &str,
    value: &str,
    reads: &mut usize,
) -> Option<&'static str> {
    // A path beyond ConnectWise's document has no schema here: its records are asked.
    let schema = target.endpoint.and_then(|e| e.schema.as_deref());
    if !field.contains('/') {
        return None;
    }
    for own in ["name", "identifier"] {
        if schema.is_some_and(|schema| cw_catalog::catalog().field(schema, own).is_none()) {
            continue;
        }
        let holds = field_ref(own).ok()?.eq(value).ok()?.to_string();
        if spend(reads) && matches_any(client, target, &holds).await {
            return Some(own);
        }
    }
    None
}

/// Takes one of the hint's requests; false when none is left.
fn spend(reads: &mut usize) -> bool {
    let left = *reads > 0;
    *reads = reads.saturating_sub(1);
    left
}

/// Whether any record at the target's path matches `conditions` (a failed read counts as no).
async fn matches_any(client: &Client, target: &Target, conditions: &str) -> bool {
    let query = Query::new()
        .conditions(conditions)
        .fields("id")
        .page_size(1);
    let found = client.list_values(&target.path, &query).await;
    found.is_ok_and(|page| !page.items.is_empty())
}

/// True when the target's records have a `closedFlag` (tickets, projects, ...).
fn has_closed_flag(target: &Target) -> bool {
    target
        .endpoint
        .and_then(|e| e.schema.as_deref())
        .is_some_and(|schema| cw_catalog::catalog().field(schema, "closedFlag").is_some())
}

/// The distinct values of `field` among the records at the target's path.
async fn values_in_use(client: &Client, target: &Target, field: &str) -> Option<Vec<String>> {
    let query = Query::new().fields(field).page_size(SAMPLE);
    let page = client.list_values(&target.path, &query).await.ok()?;
    let mut values: Vec<String> = page
        .items
        .iter()
        .filter_map(|record| crate::shape::at(record, field))
        .filter_map(Json::as_str)
        .map(str::to_owned)
        .collect();
    values.sort();
    values.dedup();
    Some(values)
}

fn quote(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_plainly_meant_is_found_only_when_there_is_one() {
        let in_use: Vec<String> = [
            "ACME Corporation",
            "CedarDental",
            "Cedar Veterinary",
            "Priority 1 - Critical",
            "Priority 2 - High",
        ]
        .map(String::from)
        .to_vec();
        let meant = |text| meant(text, &in_use).map(String::as_str);
        assert_eq!(meant("Cedar Dental"), Some("CedarDental"));
        assert_eq!(meant("acme"), Some("ACME Corporation"));
        assert_eq!(meant("Critical"), Some("Priority 1 - Critical"));
        assert_eq!(meant("Cedar"), None, "two values start with it");
        assert_eq!(meant("Priority"), None);
        assert_eq!(meant("Nobody"), None);
        assert_eq!(meant("--"), None);
    }
}
