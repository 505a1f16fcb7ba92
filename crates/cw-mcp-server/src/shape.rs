//! Shaping answers for a language model: links and nested `_info` cost tokens
//! and tell nothing, so they go; the record's own `_info` dates stay.

use serde_json::{Map, Value};

/// A record as returned by a tool: `*_href` keys removed everywhere, nested
/// `_info` removed, the top-level `_info` kept without its links.
pub fn record(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, value) in map {
                if key.ends_with("_href") {
                    continue;
                }
                if key == "_info" {
                    if let Value::Object(info) = value {
                        let kept: Map<String, Value> = info
                            .into_iter()
                            .filter(|(k, _)| !k.ends_with("_href"))
                            .collect();
                        if !kept.is_empty() {
                            out.insert(key, Value::Object(kept));
                        }
                    }
                    continue;
                }
                out.insert(key, nested(value));
            }
            Value::Object(out)
        }
        other => nested(other),
    }
}

fn nested(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "_info" && !k.ends_with("_href"))
                .map(|(k, v)| (k, nested(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(nested).collect()),
        other => other,
    }
}

/// The value at a `/`-separated path through `record` (`company/name`), if it has one.
pub fn at<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/')
        .try_fold(record, |value, segment| value.get(segment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn links_go_and_dates_stay() {
        let raw = json!({
            "id": 1,
            "company": {"id": 2, "name": "ACME", "_info": {"company_href": "x"}},
            "types": [{"id": 3, "_info": {"type_href": "y"}}],
            "_info": {"dateEntered": "2024-01-01T00:00:00Z", "notes_href": "z", "updatedBy": "jsmith"},
        });
        assert_eq!(
            record(raw),
            json!({
                "id": 1,
                "company": {"id": 2, "name": "ACME"},
                "types": [{"id": 3}],
                "_info": {"dateEntered": "2024-01-01T00:00:00Z", "updatedBy": "jsmith"},
            })
        );
        assert_eq!(
            record(json!({"id": 1, "_info": {"a_href": "x"}})),
            json!({"id": 1})
        );
    }
}
