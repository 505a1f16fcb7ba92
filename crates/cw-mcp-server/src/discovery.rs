//! The answers of the discovery tools: endpoints found by keyword, and one
//! endpoint described (its fields with types and values, its children, the
//! conditions worth writing, an example call), all from the catalog.

use cw_boundary::FailureKind;
use cw_catalog::{Endpoint, FieldType, Kind, catalog};
use cw_client::PathPolicy;
use serde_json::{Value, json};

use crate::errors::ToolFailure;
use crate::reads::Target;

/// How many endpoints a search answers with.
const FOUND: usize = 12;
/// What is said of a path ConnectWise serves but its document omits.
const OUTSIDE: &str =
    "not in ConnectWise's document: its fields are unknown here, and reads of it are not checked";

/// `connectwise_find_endpoints`: the endpoints for a keyword query, lists first, leaving out
/// those the operator's `policy` denies.
pub fn find(query: &str, policy: &PathPolicy) -> Result<Value, ToolFailure> {
    let matched = catalog().find(query, FOUND * 4);
    if matched.is_empty() {
        return Err(ToolFailure::not_found(format!(
            "no endpoint matches {query:?}: try one plain word such as tickets, schedule, agreement, invoice, member, board, project, opportunity, configuration"
        )));
    }
    let found: Vec<&Endpoint> = matched
        .iter()
        .copied()
        .filter(|e| policy.check(&e.path).is_ok())
        .take(FOUND)
        .collect();
    if found.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::Denied,
            format!("every endpoint matching {query:?} is denied by the operator's access policy"),
        ));
    }
    let endpoints: Vec<Value> = found
        .iter()
        .map(|e| {
            let mut found = json!({"path": e.path, "kind": e.kind.name(), "summary": e.summary});
            if !e.documented {
                found["note"] = json!(OUTSIDE);
            }
            found
        })
        .collect();
    Ok(json!({"query": query, "endpoints": endpoints}))
}

/// `connectwise_describe_endpoint`: one endpoint, by template or by a concrete path.
pub fn describe(path: &str) -> Result<Value, ToolFailure> {
    let endpoint = match catalog().endpoint(path.trim()) {
        Some(endpoint) => endpoint,
        None => Target::resolve(path)?.endpoint.ok_or_else(|| {
            ToolFailure::not_found(format!(
                "{path} is not in ConnectWise's document, so there is nothing to describe; connectwise_read can still read it"
            ))
        })?,
    };
    let mut answer = json!({
        "path": endpoint.path,
        "kind": endpoint.kind.name(),
        "summary": endpoint.summary,
    });
    if !endpoint.documented {
        answer["note"] = json!(OUTSIDE);
    }
    if let Some(schema) = endpoint.schema.as_deref().and_then(|s| catalog().schema(s)) {
        answer["record"] = json!(schema.name);
        answer["fields"] = schema
            .fields
            .iter()
            .map(|field| {
                let mut described = json!({"name": field.name, "type": field.kind.describe()});
                if !field.values.is_empty() {
                    described["values"] = json!(field.values);
                }
                if let FieldType::Reference(name) = &field.kind
                    && let Some(referenced) = catalog().schema(name)
                {
                    let inner: Vec<&str> = referenced
                        .fields
                        .iter()
                        .map(|f| f.name.as_str())
                        .filter(|n| *n != "_info")
                        .collect();
                    described["fields"] = json!(inner);
                }
                described
            })
            .collect();
        if endpoint.kind == Kind::Collection || endpoint.kind == Kind::Count {
            answer["conditions"] = json!(condition_examples(endpoint));
        }
    }
    let children = children(endpoint);
    if !children.is_empty() {
        answer["children"] = json!(children);
    }
    answer["example"] = json!({"tool": "connectwise_read", "arguments": example(endpoint)});
    Ok(answer)
}

/// The collections under one record of this endpoint (`/service/tickets` → its notes, tasks, ...).
fn children(endpoint: &Endpoint) -> Vec<&str> {
    let base = match endpoint.kind {
        Kind::Collection => endpoint.path.clone(),
        Kind::Record => endpoint
            .path
            .rsplit_once('/')
            .map_or(endpoint.path.clone(), |(head, _)| head.to_owned()),
        _ => return Vec::new(),
    };
    catalog()
        .endpoints
        .iter()
        .filter(|e| e.kind == Kind::Collection)
        .filter(|e| {
            e.path
                .strip_prefix(base.as_str())
                .and_then(|rest| rest.strip_prefix("/{"))
                .and_then(|rest| rest.split_once("}/"))
                .is_some_and(|(_, tail)| !tail.contains('/'))
        })
        .map(|e| e.path.as_str())
        .collect()
}

/// A few conditions that fit the endpoint's fields: text, boolean, date and a reference's name.
fn condition_examples(endpoint: &Endpoint) -> Vec<String> {
    let Some(schema) = endpoint.schema.as_deref().and_then(|s| catalog().schema(s)) else {
        return Vec::new();
    };
    let mut examples = Vec::new();
    let first = |wanted: fn(&FieldType) -> bool| {
        schema
            .fields
            .iter()
            .find(|f| wanted(&f.kind) && f.name != "id")
    };
    if let Some(f) = first(|k| matches!(k, FieldType::Reference(r) if r.starts_with("Company"))) {
        examples.push(format!("{}/identifier = \"ACME\"", f.name));
    } else if let Some(f) = first(|k| matches!(k, FieldType::Reference(_))) {
        examples.push(format!("{}/name = \"...\"", f.name));
    }
    if let Some(f) = schema
        .fields
        .iter()
        .find(|f| f.kind == FieldType::String && f.values.is_empty())
    {
        examples.push(format!("{} contains \"...\"", f.name));
    }
    if let Some(f) = first(|k| *k == FieldType::Boolean) {
        examples.push(format!("{} = false", f.name));
    }
    if let Some(f) = first(|k| *k == FieldType::DateTime) {
        examples.push(format!("{} > [2024-01-31]", f.name));
    }
    examples.push("id in (1, 2, 3)".into());
    examples
}

/// Arguments that read this endpoint, with `1` for each path id.
fn example(endpoint: &Endpoint) -> Value {
    let path: String = endpoint
        .path
        .split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/");
    match endpoint.kind {
        Kind::Collection => json!({"path": path, "pageSize": 5}),
        _ => json!({"path": path}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_the_policy_denies_are_not_offered() {
        let no_schedule = PathPolicy::new(vec![], vec!["schedule".into()], vec![], vec![]);
        let found = find("schedule entries", &no_schedule).unwrap();
        let paths: Vec<&str> = found["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["path"].as_str())
            .collect();
        assert!(
            !paths.is_empty() && paths.iter().all(|p| !p.starts_with("/schedule")),
            "{paths:?}"
        );
        let only_finance = PathPolicy::new(vec!["finance".into()], vec![], vec![], vec![]);
        let refused = find("schedule entries", &only_finance).unwrap_err();
        assert_eq!(refused.kind, FailureKind::Denied, "{}", refused.message);
    }

    #[test]
    fn keywords_find_endpoints_and_describe_gives_fields_children_and_examples() {
        let open = PathPolicy::open();
        let found = find("schedule entries", &open).unwrap();
        assert_eq!(found["endpoints"][0]["path"], "/schedule/entries");
        assert!(
            find("zzqx", &open)
                .unwrap_err()
                .message
                .starts_with("no endpoint matches")
        );
        let tickets = describe("/service/tickets").unwrap();
        assert_eq!(tickets["record"], "Ticket");
        let fields = tickets["fields"].as_array().unwrap();
        let company = fields.iter().find(|f| f["name"] == "company").unwrap();
        assert_eq!(company["type"], "reference (CompanyReference)");
        assert!(
            company["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "identifier")
        );
        let children = tickets["children"].as_array().unwrap();
        assert!(
            children
                .iter()
                .any(|c| c == "/service/tickets/{parentId}/notes")
        );
        assert!(
            tickets["conditions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "company/identifier = \"ACME\"")
        );
        assert_eq!(tickets["example"]["arguments"]["path"], "/service/tickets");
        let one = describe("/service/tickets/20001").unwrap();
        assert_eq!(one["path"], "/service/tickets/{id}");
        let outside = describe("/procurement/purchaseorders").unwrap();
        assert_eq!(outside["note"], OUTSIDE);
        assert!(outside.get("fields").is_none());
        assert!(
            describe("/marketing/campaigns")
                .unwrap_err()
                .message
                .contains("connectwise_read can still read it")
        );
    }
}
