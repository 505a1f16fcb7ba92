//! Answers as a language model reads them: plain lines instead of JSON. A list is a
//! line saying how many records match and which of them are shown, then one line per
//! record; a record is one `field: value` line per field. A reference to another record
//! reads as its name (`company: ACME Corporation (ACME)`), dates drop their seconds, and
//! nothing empty is written. The text has a budget of its own (`CW_TEXT_BUDGET`), since a
//! small model reads slowly: a list shows the records that fit and says how to ask for the
//! rest. The JSON stays the structured content, whole, for programs.

use serde_json::{Map, Value};

/// The longest text a list line shows of one field; a record shows its fields whole.
const LINE_FIELD_CHARS: usize = 160;

/// The default text budget, in characters: about 1,500 tokens of this text.
pub const DEFAULT_TEXT_BUDGET: usize = 4_000;

/// How a tool's answer is written: what its records are called, and which of a record's
/// fields come first.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    /// What the records of a list are (`tickets`).
    pub noun: &'a str,
    /// The key fields, comma-separated as in `fields` (`id,summary,status/name`): a record
    /// gives them first, so that a small model finds the owner before the billing flags.
    pub key_fields: &'a str,
}

/// The text of a tool's answer in at most about `budget` characters.
pub fn text(answer: &Value, shape: Shape<'_>, budget: usize) -> String {
    match answer {
        Value::Object(map) if map.get("items").is_some_and(Value::is_array) => {
            list(map, shape.noun, budget)
        }
        Value::Object(map) => {
            let mut out = String::new();
            record_lines(&key_fields_first(map, shape.key_fields), "", &mut out);
            if out.len() > budget {
                let at = (0..=budget)
                    .rev()
                    .find(|i| out.is_char_boundary(*i))
                    .unwrap_or(0);
                let left = out.len() - at;
                out.truncate(at);
                out.push_str(&format!(
                    "… ({left} more characters of this record were left out to keep the answer short)\n"
                ));
            }
            out
        }
        other => scalar(other, usize::MAX).unwrap_or_default(),
    }
}

/// `N <noun> match ...`, then a line per record while they fit `budget`, then the hint or
/// note, if any.
fn list(map: &Map<String, Value>, noun: &str, budget: usize) -> String {
    let items = map["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let page = map.get("page").and_then(Value::as_u64).unwrap_or(1);
    let size = map
        .get("pageSize")
        .and_then(Value::as_u64)
        .unwrap_or(items.len() as u64);
    let more = map.get("hasMore").and_then(Value::as_bool).unwrap_or(false);
    // The records that fit the budget, a line each.
    let mut lines = String::new();
    let mut shown = 0;
    for item in items {
        let line = match item {
            Value::Object(record) => one_line(record),
            other => scalar(other, LINE_FIELD_CHARS).unwrap_or_default(),
        };
        if shown > 0 && lines.len() + line.len() + 3 > budget {
            break;
        }
        lines.push_str(&format!("- {line}\n"));
        shown += 1;
    }
    let cut = shown < items.len();
    let first = (page - 1) * size + 1;
    let last = first + shown as u64 - 1;
    // The records lead and the count stays in their sentence: a small model that reads
    // "20 companies match" first tends to answer with the number alone. The next page is
    // not offered: a small model offered it reads every page before it answers (the
    // `page` argument and the JSON's `nextPage` are there for those that need it).
    let mut out = if items.is_empty() {
        if page > 1 {
            format!("No {noun} on page {page}: there are fewer pages.")
        } else {
            format!("No {noun} match.")
        }
    } else if let Some(total) = map
        .get("total")
        .and_then(Value::as_u64)
        .or((!more && cut).then(|| (page - 1) * size + items.len() as u64))
    {
        format!("Here are {noun} {first} to {last} of the {total} that match:")
    } else if more {
        format!("Here are {noun} {first} to {last}; more match:")
    } else if page > 1 {
        format!("Here are {noun} {first} to {last}, the last that match:")
    } else if shown == 1 {
        "Here is the only match:".to_owned()
    } else {
        format!("Here are all {shown} {noun} that match:")
    };
    out.push('\n');
    out.push_str(&lines);
    if cut {
        out.push_str(&format!(
            "The rest of this page was left out to keep the answer short; for the next ones: {}.\n",
            crate::budget::resume(page as usize, size as usize, shown)
        ));
    }
    for key in ["truncated", "hint", "note"] {
        if let Some(Value::String(text)) = map.get(key) {
            out.push_str(text);
            out.push('\n');
        }
    }
    out
}

/// A record on one line: `id: 20001; summary: ...; status: New; company: ACME Corporation (ACME)`.
fn one_line(record: &Map<String, Value>) -> String {
    let mut parts = Vec::new();
    flatten(record, "", &mut parts);
    parts
        .into_iter()
        .map(|(key, value)| format!("{key}: {value}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The record's fields as (name, short value) pairs; nested records that are not
/// references give their own fields, named after the record's (`_info` gives its dates
/// by their own names).
fn flatten(record: &Map<String, Value>, prefix: &str, out: &mut Vec<(String, String)>) {
    for (key, value) in record {
        let name = field_name(prefix, key);
        match value {
            Value::Object(inner) if reference(inner).is_none() => flatten(inner, &name, out),
            _ => {
                if let Some(text) = scalar(value, LINE_FIELD_CHARS) {
                    out.push((name, text));
                }
            }
        }
    }
}

/// The record with its key fields' top-level keys first, in their order, then the rest.
fn key_fields_first(record: &Map<String, Value>, key_fields: &str) -> Map<String, Value> {
    let mut ordered = Map::with_capacity(record.len());
    for key in key_fields
        .split(',')
        .filter_map(|f| f.trim().split('/').next())
    {
        if let Some(value) = record.get(key) {
            ordered.entry(key).or_insert_with(|| value.clone());
        }
    }
    for (key, value) in record {
        ordered.entry(key.as_str()).or_insert_with(|| value.clone());
    }
    ordered
}

/// A nested field's name: `address/city`; the record's `_info` dates by their own names.
fn field_name(prefix: &str, key: &str) -> String {
    if prefix.is_empty() || prefix == "_info" {
        key.to_owned()
    } else {
        format!("{prefix}/{key}")
    }
}

/// A record over several lines, `field: value` each; lists of records are indented lines.
fn record_lines(record: &Map<String, Value>, prefix: &str, out: &mut String) {
    for (key, value) in record {
        let name = field_name(prefix, key);
        match value {
            Value::Object(inner) if reference(inner).is_none() => record_lines(inner, &name, out),
            Value::Array(items) if items.iter().any(Value::is_object) => {
                out.push_str(&format!("{name}:\n"));
                for item in items {
                    let line = match item {
                        Value::Object(inner) => reference(inner).unwrap_or_else(|| one_line(inner)),
                        other => scalar(other, usize::MAX).unwrap_or_default(),
                    };
                    out.push_str(&format!("  - {line}\n"));
                }
            }
            _ => {
                if let Some(text) = scalar(value, usize::MAX) {
                    out.push_str(&format!("{name}: {text}\n"));
                }
            }
        }
    }
}

/// A reference to another record, as its name: `ACME Corporation (ACME)`, `twilson`, or
/// `#20001 Email bouncing` for a record known by id and summary. `None` for anything else,
/// such as an address (no name) or a record holding records.
fn reference(map: &Map<String, Value>) -> Option<String> {
    let text = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let label = text("name").or_else(|| text("summary"));
    let short = text("identifier");
    // A reference holds a few plain values (id, name, sort, ...), never records of its own.
    let known = map
        .iter()
        .all(|(k, v)| k == "_info" || !(v.is_object() || v.is_array()));
    match (label, short) {
        (Some(label), Some(short)) if known && label != short => Some(format!("{label} ({short})")),
        (Some(label), _) if known => Some(match map.get("id").and_then(Value::as_u64) {
            Some(id) if text("summary").is_some() => format!("#{id} {label}"),
            _ => label.to_owned(),
        }),
        (None, Some(short)) if known => Some(short.to_owned()),
        _ => None,
    }
}

/// A value as short text; `None` for what is empty (null, "", [], {}).
fn scalar(value: &Value, max_chars: usize) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => date(s).unwrap_or_else(|| s.trim().to_owned()),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|item| match item {
                    Value::Object(inner) => reference(inner).or_else(|| {
                        inner
                            .get("value")
                            .and_then(|v| scalar(v, max_chars))
                            .or_else(|| Some(one_line(inner)))
                    }),
                    other => scalar(other, max_chars),
                })
                .collect();
            if parts.is_empty() {
                return None;
            }
            parts.join(", ")
        }
        Value::Object(inner) => {
            if inner.is_empty() {
                return None;
            }
            reference(inner).unwrap_or_else(|| one_line(inner))
        }
    };
    Some(cut(text, max_chars))
}

/// `2026-11-29T15:30:00Z` as `2026-11-29 15:30`, and midnight as the day alone.
fn date(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let shaped = text.len() == 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[19] == b'Z';
    if !shaped {
        return None;
    }
    let (day, time) = (&text[..10], &text[11..16]);
    Some(if &text[11..19] == "00:00:00" {
        day.to_owned()
    } else {
        format!("{day} {time}")
    })
}

fn cut(text: String, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape(noun: &str) -> Shape<'_> {
        Shape {
            noun,
            key_fields: "",
        }
    }

    #[test]
    fn a_list_says_how_many_match_and_gives_a_line_per_record() {
        let answer = json!({
            "items": [
                {"id": 20001, "summary": "Email bouncing", "status": {"name": "New"},
                 "company": {"id": 2, "identifier": "ACME", "name": "ACME Corporation"},
                 "owner": {"identifier": "twilson"}, "contactEmailAddress": null, "closedFlag": false,
                 "_info": {"dateEntered": "2026-11-29T15:30:00Z"}},
                {"id": 20002, "summary": "Monitor flickering", "status": {"name": "In Progress"}}
            ],
            "page": 1, "pageSize": 2, "hasMore": true, "nextPage": 2, "total": 22
        });
        assert_eq!(
            text(&answer, shape("tickets"), DEFAULT_TEXT_BUDGET),
            "Here are tickets 1 to 2 of the 22 that match:\n\
             - id: 20001; summary: Email bouncing; status: New; company: ACME Corporation (ACME); owner: twilson; closedFlag: false; dateEntered: 2026-11-29 15:30\n\
             - id: 20002; summary: Monitor flickering; status: In Progress\n"
        );
        let empty = json!({"items": [], "page": 1, "pageSize": 25, "hasMore": false,
                           "hint": "No record here has status/name = \"Open\"."});
        assert_eq!(
            text(&empty, shape("tickets"), DEFAULT_TEXT_BUDGET),
            "No tickets match.\nNo record here has status/name = \"Open\".\n"
        );
        let all = json!({"items": [{"id": 1, "name": "Service Desk"}], "page": 1, "pageSize": 25, "hasMore": false});
        assert_eq!(
            text(&all, shape("records"), DEFAULT_TEXT_BUDGET),
            "Here is the only match:\n- id: 1; name: Service Desk\n"
        );
    }

    #[test]
    fn a_record_is_a_line_per_field() {
        let record = json!({
            "id": 252, "firstName": "David", "company": {"id": 2, "identifier": "ACME", "name": "ACME Corporation"},
            "communicationItems": [{"type": {"name": "Email"}, "value": "david.clark@acme.example"}],
            "ticket": {"id": 20990, "summary": "VPN disconnects"},
            "status": {"id": 45, "name": "Closed", "sort": 5},
            "address": {"line1": "1 Main St", "city": "Springfield"},
            "_info": {"lastUpdated": "2026-12-01T00:00:00Z"}, "title": ""
        });
        assert_eq!(
            text(&record, shape("records"), DEFAULT_TEXT_BUDGET),
            "id: 252\nfirstName: David\ncompany: ACME Corporation (ACME)\ncommunicationItems:\n  - type: Email; value: david.clark@acme.example\n\
             ticket: #20990 VPN disconnects\nstatus: Closed\naddress/line1: 1 Main St\naddress/city: Springfield\nlastUpdated: 2026-12-01\n"
        );
    }

    #[test]
    fn long_text_is_cut_in_a_list_line_only() {
        let long = "x".repeat(300);
        let answer = json!({"items": [{"id": 1, "text": long}], "page": 1, "pageSize": 25, "hasMore": false});
        assert!(
            text(&answer, shape("notes"), DEFAULT_TEXT_BUDGET)
                .contains(&format!("{}…", "x".repeat(160)))
        );
        assert!(text(&json!({"text": long}), shape("notes"), DEFAULT_TEXT_BUDGET).contains(&long));
    }

    #[test]
    fn a_page_over_the_budget_shows_what_fits_and_says_how_to_get_the_rest() {
        let items: Vec<Value> = (11..=20)
            .map(|id| json!({"id": id, "summary": "x".repeat(50)}))
            .collect();
        let answer = json!({"items": items, "page": 2, "pageSize": 10, "hasMore": true, "nextPage": 3, "total": 40});
        let shown = text(&answer, shape("tickets"), 300);
        let x = "x".repeat(50);
        assert_eq!(
            shown,
            format!(
                "Here are tickets 11 to 14 of the 40 that match:\n\
                 - id: 11; summary: {x}\n- id: 12; summary: {x}\n- id: 13; summary: {x}\n- id: 14; summary: {x}\n\
                 The rest of this page was left out to keep the answer short; for the next ones: ask with pageSize 4.\n"
            )
        );
        let five =
            json!({"items": items[..5], "page": 1, "pageSize": 5, "hasMore": true, "nextPage": 2});
        assert!(
            text(&five, shape("tickets"), 300).contains(
                "for the next ones: page 2 with pageSize 4 continues where this one ends."
            )
        );
        let record = json!({"id": 1, "text": "y".repeat(1000)});
        let cut = text(&record, shape("records"), 100);
        assert!(
            cut.len() < 200 && cut.contains("more characters of this record were left out"),
            "{cut}"
        );
    }

    #[test]
    fn a_record_gives_its_key_fields_first() {
        let ticket = json!({"id": 7, "billTime": "Billable", "summary": "VPN", "owner": {"identifier": "ann", "name": "Ann"}});
        let first = Shape {
            noun: "tickets",
            key_fields: "id,summary,owner/identifier",
        };
        assert_eq!(
            text(&ticket, first, DEFAULT_TEXT_BUDGET),
            "id: 7\nsummary: VPN\nowner: Ann (ann)\nbillTime: Billable\n"
        );
    }
}
