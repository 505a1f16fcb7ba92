//! Records for every path of ConnectWise's document that the curated demo data
//! does not cover, synthesized from the document's schemas: each field gets a
//! value of its type (enums from their values, dates before the demo's "now"),
//! and each reference points at a record that exists, a curated one where the
//! simulator has that kind of record, else one synthesized here. Tables are made
//! on first use, the same for the same data every time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cw_catalog::{Catalog, Endpoint, Field, FieldType, Kind, Schema, catalog};
use serde_json::{Map, Value, json};

use crate::data::Dataset;
use crate::data::time::{DAY, iso};

/// Records of a top-level synthesized collection.
const TOP_LEVEL: u64 = 8;
/// Records under each parent of a synthesized child collection.
const PER_PARENT: u64 = 3;
/// Parents that get children, the first of their collection.
const PARENTS: usize = 20;

/// One synthesized collection: each record with its parent's id (0 at the top level).
#[derive(Debug, Default)]
pub struct SynthTable {
    rows: Vec<(u64, Value)>,
}

impl SynthTable {
    /// The records under `parent` (0 for a top-level collection).
    pub fn under(&self, parent: u64) -> Vec<&Value> {
        self.rows
            .iter()
            .filter(|(p, _)| *p == parent)
            .map(|(_, r)| r)
            .collect()
    }
}

/// The synthesized tables, made on first use.
#[derive(Debug, Default)]
pub struct Synthesized {
    tables: Mutex<HashMap<String, Arc<SynthTable>>>,
}

/// What a request path names among the synthesized data.
#[derive(Debug)]
pub enum SynthTarget {
    /// A page of a collection under a parent (0 at the top level).
    List(Arc<SynthTable>, u64),
    /// `/count` of a collection under a parent.
    Count(Arc<SynthTable>, u64),
    /// One record of a collection, or `None` when none has the id; with its entity and id.
    Record(Option<Value>, &'static str, u64),
    /// Another answer (a default, an info form, a report).
    Other(Value),
    /// A file of this media type (an invoice's PDF, a contact's image).
    File(&'static str),
}

impl Synthesized {
    /// Resolves a path below `/apis/3.0` against the document; `None` when the document does
    /// not have it, `Some(Err((entity, id)))` when its parent record does not exist.
    pub fn route(&self, data: &Dataset, path: &str) -> Option<Result<SynthTarget, (String, u64)>> {
        let (endpoint, parameters) = catalog().route(path)?;
        let numbers: Vec<u64> = parameters
            .iter()
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        Some(match endpoint.kind {
            Kind::Collection => self
                .collection(data, endpoint, &numbers)
                .map(|(table, parent)| SynthTarget::List(table, parent)),
            Kind::Count => {
                let Some(list) = catalog().endpoint(endpoint.path.trim_end_matches("/count"))
                else {
                    return Some(Ok(SynthTarget::Other(json!({"count": 0}))));
                };
                self.collection(data, list, &numbers)
                    .map(|(table, parent)| SynthTarget::Count(table, parent))
            }
            Kind::Record => {
                let (head, _) = endpoint.path.rsplit_once('/').unwrap_or_default();
                let id = numbers.last().copied().unwrap_or(0);
                let entity = endpoint.schema.as_deref().map_or("Record", leak);
                match catalog()
                    .endpoint(head)
                    .filter(|e| e.kind == Kind::Collection)
                {
                    Some(list) => self
                        .collection(data, list, &numbers[..numbers.len().saturating_sub(1)])
                        .map(|(table, parent)| {
                            let found = table.under(parent).into_iter().find(|r| r["id"] == id);
                            // The document answers some records with another schema than its list's.
                            let record = match found {
                                Some(_) if list.schema != endpoint.schema => {
                                    Some(record(data, endpoint.schema.as_deref(), id, parent))
                                }
                                found => found.cloned(),
                            };
                            SynthTarget::Record(record, entity, id)
                        }),
                    None => Ok(SynthTarget::Other(record(
                        data,
                        endpoint.schema.as_deref(),
                        id.max(1),
                        0,
                    ))),
                }
            }
            Kind::Other if endpoint.file.is_some() => Ok(SynthTarget::File(
                endpoint.file.as_deref().unwrap_or_default(),
            )),
            Kind::Other => Ok(SynthTarget::Other(match endpoint.schema.as_deref() {
                Some(schema) => record(data, Some(schema), 1, 0),
                None => json!({}),
            })),
        })
    }

    /// The table of a collection endpoint and the parent its path names, made on first use.
    fn collection(
        &self,
        data: &Dataset,
        endpoint: &Endpoint,
        numbers: &[u64],
    ) -> Result<(Arc<SynthTable>, u64), (String, u64)> {
        let table = self.table(data, endpoint);
        let parent = match parent_collection(&endpoint.path) {
            None => 0,
            Some(parent_path) => {
                let parent = numbers.first().copied().unwrap_or(0);
                if !ids_of(self, data, &parent_path).contains(&parent) {
                    let entity = catalog()
                        .endpoint(&parent_path)
                        .and_then(|e| e.schema.clone())
                        .unwrap_or_else(|| "Record".into());
                    return Err((entity, parent));
                }
                parent
            }
        };
        Ok((table, parent))
    }

    fn table(&self, data: &Dataset, endpoint: &Endpoint) -> Arc<SynthTable> {
        if let Some(table) = self.lock().get(&endpoint.path) {
            return table.clone();
        }
        let parents: Vec<u64> = match parent_collection(&endpoint.path) {
            None => vec![0],
            Some(parent) => ids_of(self, data, &parent)
                .into_iter()
                .take(PARENTS)
                .collect(),
        };
        let per_parent = if parents == [0] {
            TOP_LEVEL
        } else {
            PER_PARENT
        };
        let mut rows = Vec::new();
        let mut next = 1;
        for parent in parents {
            for _ in 0..per_parent {
                rows.push((
                    parent,
                    record(data, endpoint.schema.as_deref(), next, parent),
                ));
                next += 1;
            }
        }
        let table = Arc::new(SynthTable { rows });
        self.lock().insert(endpoint.path.clone(), table.clone());
        table
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<SynthTable>>> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// `/project/projects/{parentId}/phases` → `/project/projects`.
fn parent_collection(template: &str) -> Option<String> {
    template
        .split_once("/{")
        .filter(|(_, rest)| rest.contains("}/"))
        .map(|(head, _)| head.to_owned())
}

/// The ids of the records of a collection: curated when the demo data has it, else synthesized.
fn ids_of(synth: &Synthesized, data: &Dataset, collection: &str) -> Vec<u64> {
    if let Some(table) = data.table(collection) {
        return table
            .records()
            .iter()
            .filter_map(|r| r["id"].as_u64())
            .collect();
    }
    match catalog().endpoint(collection) {
        Some(endpoint)
            if endpoint.kind == Kind::Collection && parent_collection(collection).is_none() =>
        {
            synth
                .table(data, endpoint)
                .under(0)
                .iter()
                .filter_map(|r| r["id"].as_u64())
                .collect()
        }
        Some(_) => Vec::new(),
        // A parent the document names only inside longer paths (`/company/contact/types/{id}/...`).
        None => (1..=TOP_LEVEL).collect(),
    }
}

fn leak(name: &str) -> &'static str {
    catalog()
        .schemas
        .get_key_value(name)
        .map_or("Record", |(k, _)| k.as_str())
}

/// One record of `schema`: every field given a value of its type.
fn record(data: &Dataset, schema: Option<&str>, id: u64, parent: u64) -> Value {
    let Some(schema) = schema.and_then(|s| catalog().schema(s)) else {
        return json!({"id": id});
    };
    let mut out = Map::new();
    for (n, field) in schema.fields.iter().enumerate() {
        let salt = id * 31 + n as u64 + parent;
        let value = match (field.name.as_str(), &field.kind) {
            ("id", FieldType::String) => json!(id.to_string()),
            ("id", _) => json!(id),
            ("_info", _) => json!({
                "lastUpdated": iso(data.now() - (salt % 60) as i64 * DAY),
                "dateEntered": iso(data.now() - (200 + salt % 400) as i64 * DAY),
                "updatedBy": "jsmith", "enteredBy": "jsmith",
            }),
            (_, FieldType::Array(_)) | (_, FieldType::Object) => continue,
            _ => match value_of(data, schema, field, id, salt) {
                Some(value) => value,
                None => continue,
            },
        };
        out.insert(field.name.clone(), value);
    }
    Value::Object(out)
}

fn value_of(data: &Dataset, schema: &Schema, field: &Field, id: u64, salt: u64) -> Option<Value> {
    let noun = schema.name.as_str();
    let (name, values) = (field.name.as_str(), &field.values);
    let uuid = field.format.as_deref() == Some("uuid");
    Some(match &field.kind {
        _ if !values.is_empty() => json!(values[salt as usize % values.len()]),
        FieldType::String => {
            let lower = name.to_ascii_lowercase();
            if lower == "name" || lower == "description" || lower == "summary" {
                json!(format!("{} {id}", spaced(noun)))
            } else if lower == "identifier" {
                json!(format!(
                    "{}{id}",
                    noun.to_ascii_uppercase()
                        .chars()
                        .take(6)
                        .collect::<String>()
                ))
            } else if lower.contains("email") {
                json!(format!(
                    "{}{id}@demo-msp.example",
                    noun.to_ascii_lowercase()
                ))
            } else if lower.contains("phone") {
                json!(format!("813555{:04}", salt % 10_000))
            } else if uuid || lower.contains("guid") {
                json!(format!("5e1c0a7e-0000-4000-8000-{:012x}", salt))
            } else {
                json!(format!("{} {id}", spaced(name)))
            }
        }
        FieldType::DateTime => json!(iso(data.now() - (salt % 365) as i64 * DAY)),
        FieldType::Integer => json!(salt % 50),
        FieldType::Number => json!((salt % 400) as f64 / 4.0),
        FieldType::Boolean => json!(salt.is_multiple_of(3)),
        FieldType::Reference(reference) => reference_to(data, reference, salt)?,
        FieldType::Array(_) | FieldType::Object => return None,
    })
}

/// A reference object pointing at a record that exists.
fn reference_to(data: &Dataset, reference: &str, salt: u64) -> Option<Value> {
    let catalog: &Catalog = catalog();
    let shape = catalog.schema(reference)?;
    let base = reference.trim_end_matches("Reference");
    let collection = catalog.endpoints.iter().find(|e| {
        e.kind == Kind::Collection
            && e.schema.as_deref() == Some(base)
            && parent_collection(&e.path).is_none()
    });
    let curated = collection.and_then(|e| data.table(&e.path));
    let mut out = Map::new();
    let target = match curated {
        Some(table) if !table.is_empty() => {
            Some(table.records()[salt as usize % table.len()].clone())
        }
        _ => None,
    };
    let id = target
        .as_ref()
        .and_then(|t| t["id"].as_u64())
        .unwrap_or(1 + salt % TOP_LEVEL);
    for field in &shape.fields {
        let value = match field.name.as_str() {
            "id" if field.kind == FieldType::String => json!(id.to_string()),
            "id" => json!(id),
            "_info" => continue,
            name => match &target {
                Some(t) if t.get(name).is_some_and(|v| fits(&field.kind, v)) => t[name].clone(),
                Some(_) => continue,
                None => match (name, &field.kind) {
                    ("name" | "description", FieldType::String) => {
                        json!(format!("{} {id}", spaced(base)))
                    }
                    ("identifier", FieldType::String) => {
                        json!(format!(
                            "{}{id}",
                            base.to_ascii_uppercase()
                                .chars()
                                .take(6)
                                .collect::<String>()
                        ))
                    }
                    _ => continue,
                },
            },
        };
        out.insert(field.name.clone(), value);
    }
    Some(Value::Object(out))
}

/// True when `value` has the JSON type of `kind`.
fn fits(kind: &FieldType, value: &Value) -> bool {
    match kind {
        FieldType::String | FieldType::DateTime => value.is_string(),
        FieldType::Integer => value.is_i64() || value.is_u64(),
        FieldType::Number => value.is_number(),
        FieldType::Boolean => value.is_boolean(),
        FieldType::Array(_) => value.is_array(),
        FieldType::Reference(_) | FieldType::Object => value.is_object(),
    }
}

/// `ServiceTeam` → `Service Team`; `dateStart` → `Date Start`.
fn spaced(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(if i == 0 { c.to_ascii_uppercase() } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_names() {
        assert_eq!(
            parent_collection("/project/projects/{parentId}/phases").as_deref(),
            Some("/project/projects")
        );
        assert_eq!(parent_collection("/service/teams"), None);
        assert_eq!(parent_collection("/service/teams/{id}"), None);
        assert_eq!(spaced("ServiceTeam"), "Service Team");
    }
}
