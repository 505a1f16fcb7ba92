//! Compiling ConnectWise's OpenAPI document into the catalog.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Catalog, Endpoint, Field, FieldType, Kind, Schema};

/// Compiles an OpenAPI document of GET paths; an error names what is missing.
pub(crate) fn compile(document: &str) -> Result<Catalog, String> {
    let document: Value = serde_json::from_str(document).map_err(|e| format!("not JSON: {e}"))?;
    let version = document["info"]["version"]
        .as_str()
        .ok_or("no info.version")?
        .to_owned();
    let schemas = document["components"]["schemas"]
        .as_object()
        .ok_or("no components.schemas")?
        .iter()
        .map(|(name, schema)| (name.clone(), compile_schema(name, schema)))
        .collect::<BTreeMap<_, _>>();
    let endpoints = document["paths"]
        .as_object()
        .ok_or("no paths")?
        .iter()
        .filter_map(|(path, item)| item.get("get").map(|get| compile_endpoint(path, get)))
        .collect();
    Ok(Catalog {
        endpoints,
        schemas,
        version,
    })
}

fn compile_endpoint(path: &str, get: &Value) -> Endpoint {
    let answer = get["responses"]["200"]["content"]
        .as_object()
        .and_then(|content| content.values().next())
        .map(|media| &media["schema"]);
    let (kind, schema) = match answer {
        _ if path.ends_with("/count") => (Kind::Count, None),
        Some(schema) if schema["type"] == "array" => {
            (Kind::Collection, reference_name(&schema["items"]))
        }
        Some(schema) if path.ends_with('}') && reference_name(schema).is_some() => {
            (Kind::Record, reference_name(schema))
        }
        Some(schema) => (Kind::Other, reference_name(schema)),
        None => (Kind::Other, None),
    };
    let query = get["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    Endpoint {
        path: path.to_owned(),
        kind,
        module: path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
        summary: clean_summary(get["summary"].as_str().unwrap_or_default()),
        schema,
        query,
    }
}

/// `Get List of ConnectWise.Apis.v3_0.v2015_3.Service.Ticket.Ticket ...` → `Get List of Ticket ...`.
fn clean_summary(summary: &str) -> String {
    summary
        .split_whitespace()
        .map(|word| {
            if word.starts_with("ConnectWise.") {
                word.rsplit('.').next().unwrap_or(word)
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn reference_name(schema: &Value) -> Option<String> {
    schema["$ref"]
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_owned)
}

fn compile_schema(name: &str, schema: &Value) -> Schema {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let fields = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(field, property)| Field {
            name: field.clone(),
            kind: field_type(property),
            values: property["enum"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            description: property["description"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            required: required.contains(&field.as_str()),
        })
        .collect();
    Schema {
        name: name.to_owned(),
        fields,
    }
}

fn field_type(property: &Value) -> FieldType {
    if let Some(name) = reference_name(property) {
        return FieldType::Reference(name);
    }
    match (property["type"].as_str(), property["format"].as_str()) {
        (Some("string"), Some("date-time")) => FieldType::DateTime,
        (Some("string"), _) => FieldType::String,
        (Some("integer"), _) => FieldType::Integer,
        (Some("number"), _) => FieldType::Number,
        (Some("boolean"), _) => FieldType::Boolean,
        (Some("array"), _) => FieldType::Array(Box::new(field_type(&property["items"]))),
        _ => FieldType::Object,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_lose_dotnet_type_names() {
        assert_eq!(
            clean_summary(
                "Get List of ConnectWise.Apis.v3_0.v2015_3.Service.Ticket.Ticket\r\n  To obtain"
            ),
            "Get List of Ticket To obtain"
        );
    }

    #[test]
    fn a_broken_document_is_an_error_not_a_panic() {
        assert!(compile("{").is_err());
        assert!(compile("{}").unwrap_err().contains("info.version"));
    }
}
