//! Saying why an answer is empty when the reason is a mistake: conditions that
//! compare a name or identifier (`status/name = "Open"`, `company/identifier =
//! "ACME Corp"`) with a value no record has. The values really in use are read
//! once, only for an empty answer, and the nearest are named, so that the
//! model's next call is right.

use cw_catalog::nearest::nearest;
use cw_client::conditions::{self, Operator, Value};
use cw_client::{Client, Query};
use serde_json::Value as Json;

use crate::reads::Target;

/// How many records are read to learn the values in use.
const SAMPLE: u32 = 1000;
/// How many values a hint names.
const SHOWN: usize = 12;

/// A hint for an empty page of `target` asked with `conditions`, when one of its name or
/// identifier comparisons matches no value in use.
pub async fn empty_answer(client: &Client, target: &Target, conditions: &str) -> Option<String> {
    let expr = conditions::parse(conditions).ok()?;
    let mut hints = Vec::new();
    for comparison in expr.comparisons() {
        let field = comparison.field.dotted();
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
        let in_use = values_in_use(client, target, &field).await?;
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
                hints.push(format!(
                    "No status is named \"{value}\": for {} records compare closedFlag = {} instead.",
                    value.to_ascii_lowercase(),
                    value.eq_ignore_ascii_case("closed")
                ));
                continue;
            }
            let near = nearest(value, in_use.iter().map(String::as_str), 3);
            let listed: Vec<&str> = in_use.iter().map(String::as_str).take(SHOWN).collect();
            let near = if near.is_empty() {
                String::new()
            } else {
                format!(" Nearest: {}.", quote(&near))
            };
            hints.push(format!(
                "No record here has {field} = \"{value}\".{near} Values in use: {}{}.",
                quote(&listed),
                if in_use.len() > SHOWN { ", ..." } else { "" }
            ));
        }
    }
    (!hints.is_empty()).then(|| hints.join(" "))
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
        .filter_map(|record| field.split('/').try_fold(record, |v, k| v.get(k)))
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
