//! Compiling ConnectWise's OpenAPI document into the catalog. The document is read
//! straight into the few parts the catalog keeps (typed, everything else skipped), so
//! compiling it costs a fraction of a full JSON tree's memory.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{Catalog, Endpoint, Field, FieldType, Kind, Schema};

#[derive(Deserialize)]
struct Document {
    info: Info,
    paths: BTreeMap<String, PathItem>,
    components: Components,
}

#[derive(Deserialize)]
struct Info {
    version: String,
}

#[derive(Deserialize)]
struct Components {
    schemas: Map<String, Value>,
}

#[derive(Deserialize)]
struct PathItem {
    get: Option<Operation>,
}

#[derive(Deserialize)]
struct Operation {
    #[serde(default)]
    summary: String,
    #[serde(default)]
    parameters: Vec<Parameter>,
    #[serde(default)]
    responses: Map<String, Value>,
}

#[derive(Deserialize)]
struct Parameter {
    name: String,
    #[serde(rename = "in")]
    location: String,
}

#[derive(Deserialize)]
struct Beyond {
    path: String,
    summary: String,
}

/// Compiles an OpenAPI document of GET paths, the list of paths beyond it and the data groups
/// over both; an error
/// names what is missing.
pub(crate) fn compile(document: &str, beyond: &str, groups: &str) -> Result<Catalog, String> {
    let document: Document =
        serde_json::from_str(document).map_err(|e| format!("not an OpenAPI document: {e}"))?;
    let schemas = document
        .components
        .schemas
        .iter()
        .map(|(name, schema)| (name.clone(), compile_schema(name, schema)))
        .collect::<BTreeMap<_, _>>();
    let mut endpoints: Vec<Endpoint> = document
        .paths
        .into_iter()
        .filter_map(|(path, item)| item.get.map(|get| compile_endpoint(&path, get)))
        .collect();
    let beyond: Vec<Beyond> =
        serde_json::from_str(beyond).map_err(|e| format!("the paths beyond the document: {e}"))?;
    endpoints.extend(beyond.into_iter().map(|b| Endpoint {
        kind: if b.path.ends_with("/count") {
            Kind::Count
        } else if b.path.ends_with('}') {
            Kind::Record
        } else {
            Kind::Collection
        },
        module: module_of(&b.path),
        summary: b.summary,
        schema: None,
        query: Vec::new(),
        documented: false,
        file: None,
        path: b.path,
    }));
    let groups = crate::groups::compile(groups, &endpoints, |name| schemas.contains_key(name))?;
    Ok(Catalog {
        endpoints,
        schemas,
        groups,
        version: document.info.version,
    })
}

fn compile_endpoint(path: &str, get: Operation) -> Endpoint {
    let ok = get.responses.get("200");
    let content = ok
        .and_then(|ok| ok["content"].as_object())
        .and_then(|content| content.iter().next());
    let answer = content
        .filter(|(media, _)| media.contains("json"))
        .map(|(_, media)| &media["schema"]);
    // A file: its media type is the content's, or, where the document gives none, named in
    // the description ("ContentType = application/octet-stream").
    let file = match content {
        Some((media, _)) if !media.contains("json") => Some(media.clone()),
        None => ok
            .and_then(|ok| ok["description"].as_str())
            .and_then(|text| text.strip_prefix("ContentType = "))
            .map(|media| media.trim().to_owned()),
        _ => None,
    };
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
    Endpoint {
        path: path.to_owned(),
        kind,
        module: module_of(path),
        summary: clean_summary(&get.summary),
        schema,
        query: get
            .parameters
            .into_iter()
            .filter(|p| p.location == "query")
            .map(|p| p.name)
            .collect(),
        documented: true,
        file,
    }
}

/// The first segment of a path: `service`, `company`, ...
fn module_of(path: &str) -> String {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
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
            format: property["format"].as_str().map(str::to_owned),
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
        assert!(compile("{", "[]", "{}").is_err());
        assert!(
            compile("{}", "[]", "{}")
                .unwrap_err()
                .contains("missing field `info`")
        );
    }
}
