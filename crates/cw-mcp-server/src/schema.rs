//! Input and output JSON Schemas for each tool, written out in full (no
//! `$ref`) so that every client, OpenWebUI included, can read them.

use serde_json::{Map, Value, json};

use cw_client::MAX_PAGE_SIZE;

use crate::args::{Arg, arguments, required};
use crate::catalog::{ToolKind, ToolSpec, Total, countable};
use crate::summary::MAX_TOP;

const CONDITIONS: &str = "ConnectWise conditions, e.g. company/name like \"ACME%\" AND closedFlag = false. Text in double quotes; dates in brackets: [2026-01-31], [today], [this week], [this month], [7 days ago]; operators = != < <= > >= contains like in; nested fields with /.";
const ORDER_BY: &str =
    "Sort order: a field and asc or desc, comma-separated, e.g. \"_info/dateEntered desc\".";
const FIELDS: &str = "Only return these fields, comma-separated, e.g. \"id,summary,status/name\"; \"*\" or nothing returns complete records.";
const CHILD_CONDITIONS: &str =
    "Conditions on child collections, e.g. communicationItems/value like \"%@acme.com\".";
const CUSTOM_FIELD_CONDITIONS: &str =
    "Conditions on custom fields, e.g. caption = \"Support Tier\" AND value = \"Gold\".";

fn property(arg: Arg, spec: &ToolSpec) -> Value {
    let default_page_size = spec.kind.default_page_size();
    match arg {
        Arg::Conditions => json!({"type": "string", "description": CONDITIONS}),
        Arg::OrderBy => json!({"type": "string", "description": ORDER_BY}),
        Arg::Fields => match spec.kind {
            ToolKind::Search {
                summary: Some(summary),
                ..
            } => json!({"type": "string", "description": format!(
                "Fields to return, comma-separated (nested with /). Without it you get the key fields: {summary}. \"*\" returns complete records."
            )}),
            _ => json!({"type": "string", "description": FIELDS}),
        },
        Arg::ChildConditions => json!({"type": "string", "description": CHILD_CONDITIONS}),
        Arg::CustomFieldConditions => {
            json!({"type": "string", "description": CUSTOM_FIELD_CONDITIONS})
        }
        Arg::Page => {
            json!({"type": "integer", "minimum": 1, "default": 1, "description": "Page number, starting at 1."})
        }
        Arg::PageSize => {
            json!({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": default_page_size,
            "description": format!("Records per page, 1 to {MAX_PAGE_SIZE} (default {default_page_size}).")})
        }
        Arg::Query => {
            json!({"type": "string", "description": "One or a few words, e.g. \"schedule entries\"."})
        }
        Arg::Path => json!({"type": "string", "description": match spec.kind {
            ToolKind::DescribeEndpoint => "A path from connectwise_find_endpoints, e.g. /service/tickets.",
            _ => "The path below /apis/3.0 with real ids, e.g. /service/tickets/20001/notes.",
        }}),
        Arg::Entity if spec.kind == ToolKind::Summarize => {
            json!({"type": "string", "description": "Which records: a search tool's name without connectwise_get_ (tickets, time_entries, companies, ...), or a list path, e.g. /schedule/entries."})
        }
        Arg::Entity => {
            json!({"type": "string", "enum": countable().map(|(n, _)| n).collect::<Vec<_>>(),
            "description": "Which records to count."})
        }
        Arg::GroupBy => {
            json!({"type": "string", "description": "Up to two fields, comma-separated, e.g. company/name,status/name; a date by day, or :week or :month (timeStart:week)."})
        }
        Arg::Sum => {
            json!({"type": "string", "description": "Number fields to total, e.g. actualHours (with average, min and max)."})
        }
        Arg::Top => {
            json!({"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": 10, "description": format!("How many groups to show, the largest first (1 to {MAX_TOP}).")})
        }
        Arg::Member => {
            json!({"type": "string", "description": "The member's identifier (mpatel) or full name (Marcus Patel)."})
        }
        Arg::Board => {
            json!({"type": "string", "description": "The board's name (Service Desk) or numeric id."})
        }
        Arg::Period => {
            json!({"type": "string", "description": "today, yesterday, tomorrow, this week, last week, this month, next month, last 7 days, a day (2026-12-01) or a span (2026-12-01..2026-12-07)."})
        }
        Arg::Since => {
            json!({"type": "string", "description": "A day: yesterday (the default), today, this week, 7 days ago or 2026-11-30."})
        }
        Arg::By => {
            json!({"type": "string", "enum": ["member", "company"], "description": "Group by member (the default) or company."})
        }
        Arg::Within => {
            json!({"type": "integer", "minimum": 1, "maximum": 720, "default": 24, "description": "How many hours ahead count as near (1 to 720, default 24)."})
        }
        Arg::Id(name) => {
            let noun = spec
                .kind
                .noun()
                .unwrap_or_else(|| name.strip_suffix("_id").unwrap_or("record"));
            json!({"type": "integer", "minimum": 1, "description": format!("The {noun}'s numeric id (its identifier or exact name also works).")})
        }
    }
}

/// The short form a lean list gives an argument: the same type and bounds, with the
/// description only where the tool's own description does not already say it.
fn lean_property(arg: Arg, spec: &ToolSpec) -> Value {
    match arg {
        Arg::Conditions => json!({"type": "string", "description": LEAN_CONDITIONS}),
        Arg::OrderBy => {
            json!({"type": "string", "description": "e.g. \"id desc\" for the newest first"})
        }
        Arg::Page => json!({"type": "integer", "minimum": 1}),
        Arg::PageSize => {
            let mut full = property(arg, spec);
            if let Some(map) = full.as_object_mut() {
                map.remove("description");
            }
            full
        }
        Arg::Id(_) => json!({"type": "integer", "minimum": 1}),
        Arg::Entity if spec.kind == ToolKind::Summarize => {
            json!({"type": "string", "description": "e.g. tickets, time_entries, companies, schedule_entries"})
        }
        Arg::GroupBy => {
            json!({"type": "string", "description": "Up to two fields; a date by :day, :week or :month"})
        }
        Arg::Sum => json!({"type": "string", "description": "Number fields to total"}),
        other => property(other, spec),
    }
}

const LEAN_CONDITIONS: &str = "Conditions as in the examples. Dates: [2026-01-31], [today], [this week], [this month], [7 days ago].";

/// The tool's input schema, every argument named.
pub fn input_schema(spec: &ToolSpec) -> Map<String, Value> {
    schema_of(spec, arguments(spec), property)
}

/// The arguments a small model is shown of a list: what it needs to find records and page
/// through them, and a summary's groups and totals. The rest (fields, childConditions,
/// customFieldConditions, top) are still taken.
const LEAN: &[Arg] = &[
    Arg::Conditions,
    Arg::OrderBy,
    Arg::Page,
    Arg::PageSize,
    Arg::GroupBy,
    Arg::Sum,
];

/// The input schema a lean profile lists: the arguments in [`LEAN`] beside what a tool
/// cannot do without (an id, an entity, a path, a query), in their short form, so that the
/// tool list stays small and a small model does not ask for whole records.
pub fn lean_input_schema(spec: &ToolSpec) -> Map<String, Value> {
    // A report's few arguments each say what it is about (the member, the board, the period).
    let report = matches!(spec.kind, ToolKind::Report(_));
    let kept = |arg: &Arg| {
        report
            || matches!(arg, Arg::Id(_) | Arg::Entity | Arg::Path | Arg::Query)
            || LEAN.contains(arg)
    };
    schema_of(spec, arguments(spec).filter(kept), lean_property)
}

fn schema_of(
    spec: &ToolSpec,
    arguments: impl Iterator<Item = Arg>,
    property: fn(Arg, &ToolSpec) -> Value,
) -> Map<String, Value> {
    let properties: Map<String, Value> = arguments
        .map(|arg| (arg.name().to_owned(), property(arg, spec)))
        .collect();
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if let Some(arg) = required(spec) {
        schema.insert("required".into(), json!([arg.name()]));
    }
    schema
}

/// The tool's output schema.
pub fn output_schema(spec: &ToolSpec) -> Map<String, Value> {
    let mut schema = match spec.kind {
        ToolKind::Search { .. } | ToolKind::Children { .. } => json!({
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"type": "object"}, "description": "The records on this page."},
                "page": {"type": "integer"},
                "pageSize": {"type": "integer"},
                "hasMore": {"type": "boolean", "description": "True when another page follows."},
                "nextPage": {"type": "integer", "description": "The page to ask for next, when hasMore."},
                "total": {"type": "integer", "description": "How many records match in all, when more pages follow."},
                "truncated": {"type": "string", "description": "What was left out to fit the answer budget, and how to get it."},
                "hint": {"type": "string", "description": "Why nothing matched, when a compared name or identifier is in no record."},
            },
            "required": ["items", "page", "pageSize", "hasMore"],
        }),
        // The whole record, whose fields differ by ConnectWise version and site: named
        // here without `properties`, which proxies such as mcpo turn into a model that
        // keeps only the named fields and drops the rest of the record.
        ToolKind::Get { noun, .. } => json!({
            "type": "object",
            "description": format!("The whole {noun} record as ConnectWise returns it (every field it has, nested references included), without link fields. Every record has a numeric id."),
            "required": ["id"],
            "additionalProperties": true,
        }),
        ToolKind::Count => json!({
            "type": "object",
            "properties": {"entity": {"type": "string"}, "count": {"type": "integer"}, "conditions": {"type": "string"}},
            "required": ["entity", "count"],
        }),
        // Named without `properties`, as a record is: each summed field is a key of its own, and
        // proxies such as mcpo keep only the named keys.
        ToolKind::Summarize => json!({
            "type": "object",
            "description": "entity, path, conditions (as sent, relative dates resolved), matching (how many match in all, where ConnectWise counts them), read (how many were summarized), partial (why not all were read, when not), count, sums (the fields totalled) and each of them as {sum, average, min, max, values}, groupBy, groupCount, groups (the largest first: each group's values, count and totals), records (the first five by their key fields, when at most ten match; up to 25 with the fields sum named that are not numbers), note (what was read as meant, left out, or counted instead).",
            "required": ["entity", "path", "read", "count"],
        }),
        // A report's sections differ by report: named without `properties` so proxies keep them.
        ToolKind::Report(_) => json!({
            "type": "object",
            "description": "The report's name, its inputs as read (ids, the period's first and last day), then its sections.",
            "required": ["report", "inputs"],
        }),
        ToolKind::FindEndpoints => json!({
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "endpoints": {"type": "array", "items": {"type": "object"}, "description": "Each endpoint's path, kind (list, record, count, other) and summary."},
            },
            "required": ["endpoints"],
        }),
        // Whole answers of any shape, named without `properties` so that proxies keep them whole.
        ToolKind::DescribeEndpoint => json!({
            "type": "object",
            "description": "The endpoint's path, kind, summary, record schema and fields, children, example conditions and an example call.",
            "required": ["path"],
        }),
        ToolKind::Read => json!({
            "type": "object",
            "description": "A list page {items, page, pageSize, hasMore, nextPage}, a whole record, or {count}.",
        }),
        ToolKind::SystemInfo => json!({
            "type": "object",
            "properties": {"connected": {"type": "boolean"}, "apiUrl": {"type": "string"}, "version": {"type": "string"}, "isCloud": {"type": "boolean"}},
            "required": ["connected", "version"],
        }),
    };
    if let ToolKind::Search {
        total: Some(Total { field, by }),
        ..
    } = spec.kind
    {
        schema["properties"]["inAll"] = json!({"type": "object", "description": format!("How many match in all (count), their {field} added up, and by {by} (groupBy, groupCount, groups: the largest first, each with its count and {field}).")});
    }
    match schema {
        Value::Object(map) => map,
        _ => unreachable!("schemas are objects"),
    }
}
