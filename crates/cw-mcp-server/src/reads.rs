//! The one way every tool reads ConnectWise: a path, resolved against the
//! catalog (with the nearest real paths when it is mistyped), a query checked
//! against the endpoint's schema, and an answer shaped by the endpoint's kind:
//! a page envelope, a record, or a count.

use std::borrow::Cow;

use cw_catalog::{Endpoint, Kind, catalog, nearest};
use cw_client::{ApiPath, Client, Error, Page, Query};
use serde_json::{Map, Value, Value as Json, json};

use crate::args::{Arg, Args};
use crate::checks::check_query;
use crate::errors::{ToolFailure, conditions_message};
use crate::hints;
use crate::{shape, shorthand};

/// Where a read goes.
#[derive(Debug, Clone)]
pub struct Target {
    /// The path sent.
    pub path: ApiPath,
    /// The catalog's endpoint, when the path is in ConnectWise's document.
    pub endpoint: Option<&'static Endpoint>,
    /// What the path answers.
    pub kind: Kind,
    /// True for a path a caller wrote that ConnectWise's document does not describe: the
    /// answer says that nothing about it was checked.
    pub unchecked: bool,
    /// The path as the caller wrote it, when it was one typo from one of the document's or
    /// named a collection by its words alone, and that path was read instead (the answer
    /// says so).
    pub written: Option<String>,
}

/// How a tool reads when the caller does not say.
#[derive(Debug, Clone, Copy)]
pub struct Defaults<'a> {
    /// `pageSize` when none is given.
    pub page_size: u32,
    /// The fields asked for when the caller names none; `None` asks for whole records.
    pub fields: Option<&'a str>,
}

impl Defaults<'_> {
    /// 25 whole records a page.
    pub const WHOLE: Defaults<'static> = Defaults {
        page_size: 25,
        fields: None,
    };
}

impl Target {
    /// A target for a path built by a curated tool, found in the catalog when it is there.
    pub fn of(path: ApiPath, kind: Kind) -> Self {
        let endpoint = catalog().route(path.as_str()).map(|(e, _)| e);
        Self {
            path,
            endpoint,
            kind,
            unchecked: false,
            written: None,
        }
    }

    /// Resolves a path a caller wrote (`/service/tickets/20001/notes`). A path that is not
    /// in the document but close to one is refused with the nearest; one unlike any is read
    /// unchecked, since ConnectWise has more GET paths than the document holds.
    pub fn resolve(text: &str) -> Result<Self, ToolFailure> {
        let text = text.trim();
        let text = text.split_once("/apis/3.0").map_or(text, |(_, rest)| rest);
        if text.contains('?') {
            return Err(ToolFailure::invalid(
                "`path` must not carry a query: give conditions, fields, orderBy, page and pageSize as their own arguments",
            ));
        }
        let path = ApiPath::checked(text).map_err(ToolFailure::invalid)?;
        if let Some((endpoint, parameters)) = catalog().route(path.as_str()) {
            for (name, value) in parameters {
                let numeric = name == "id" || name.ends_with("Id");
                if numeric && !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ToolFailure::invalid(format!(
                        "`{value}` is not a numeric id for {{{name}}} in {}: use the record's id, found with a search",
                        endpoint.path
                    )));
                }
            }
            if let Some(media) = &endpoint.file {
                let record = path.as_str().rsplit_once('/').map_or("", |(head, _)| head);
                return Err(ToolFailure::invalid(format!(
                    "{} answers a file ({media}), not records a chat can show: open it in ConnectWise. Read {record} for its record's details.",
                    path.as_str()
                )));
            }
            return Ok(Self {
                path,
                endpoint: Some(endpoint),
                kind: endpoint.kind,
                unchecked: !endpoint.documented,
                written: None,
            });
        }
        let shape = generalize(path.as_str());
        let templates: Vec<String> = catalog()
            .endpoints
            .iter()
            .map(|e| generalize(&e.path))
            .collect();
        // A typo is a few edits away; a path unlike any is one the document lacks.
        let typo = (shape.len() / 10).max(2);
        let close = nearest::within(&shape, templates.iter().map(String::as_str), typo, 5);
        let nearest_templates: Vec<&str> = close
            .iter()
            .filter_map(|c| templates.iter().position(|t| t == c))
            .map(|i| catalog().endpoints[i].path.as_str())
            .collect();
        let same_shape =
            |t: &str| !t.contains('{') || t.split('/').count() == path.as_str().split('/').count();
        if let [template] = nearest_templates[..]
            && same_shape(template)
        {
            // One path a typo away: read it, with the ids as written.
            let meant: Vec<&str> = match template.contains('{') {
                true => template
                    .split('/')
                    .zip(path.as_str().split('/'))
                    .map(|(t, written)| if t.starts_with('{') { written } else { t })
                    .collect(),
                false => vec![template],
            };
            let mut target = Self::resolve(&meant.join("/"))?;
            target.written = Some(path.as_str().to_owned());
            return Ok(target);
        }
        if !nearest_templates.is_empty() {
            return Err(ToolFailure::not_found(format!(
                "ConnectWise has no path {}. Nearest: {}. connectwise_find_endpoints finds paths by keyword.",
                path.as_str(),
                nearest_templates.join(", ")
            )));
        }
        if let Some(meant) = collection_meant(path.as_str()) {
            let mut target = Self::resolve(&meant)?;
            target.written = Some(path.as_str().to_owned());
            return Ok(target);
        }
        let last = path.as_str().rsplit('/').next().unwrap_or_default();
        let kind = if last.eq_ignore_ascii_case("count") {
            Kind::Count
        } else if last.bytes().all(|b| b.is_ascii_digit()) {
            Kind::Record
        } else {
            Kind::Collection
        };
        Ok(Self {
            path,
            endpoint: None,
            kind,
            unchecked: true,
            written: None,
        })
    }
}

/// The one collection of the document that a path names by its words alone, whatever their
/// case, separators or module (`/service/schedule_entries` and `/scheduleEntries` for
/// `/schedule/entries`), with a `/count` kept; `None` when none or several do.
fn collection_meant(path: &str) -> Option<String> {
    let (base, count) = match path.strip_suffix("/count") {
        Some(base) => (base, "/count"),
        None => (path, ""),
    };
    let plain = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let last = plain(base.rsplit('/').next()?);
    let whole = plain(base);
    if last.is_empty() || last.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut meant = catalog().endpoints.iter().filter(|e| {
        let (own, own_last) = (
            plain(&e.path),
            plain(e.path.rsplit('/').next().unwrap_or("")),
        );
        e.kind == Kind::Collection
            && !e.path.contains('{')
            && (own == whole || own == last || own_last == last)
    });
    match (meant.next(), meant.next()) {
        (Some(only), None) => Some(format!("{}{count}", only.path)),
        _ => None,
    }
}

/// The arguments a `path` written with a query means
/// (`/schedule/entries?member/name=Marcus Patel&pageSize=5`): the path alone, the query's own
/// parameters (`conditions`, `orderBy`, `fields`, `page`, `pageSize`, ...) as those arguments
/// where they are not given already, and each other `field=value` as a comparison joined to the
/// conditions with AND (text quoted, `today`/`yesterday`/`tomorrow` as relative dates).
pub fn query_in_path(
    arguments: &Map<String, Json>,
) -> Result<Cow<'_, Map<String, Json>>, ToolFailure> {
    let Some((path, query)) = arguments
        .get(Arg::Path.name())
        .and_then(Json::as_str)
        .and_then(|p| p.split_once('?'))
    else {
        return Ok(Cow::Borrowed(arguments));
    };
    let mut lifted = arguments.clone();
    lifted.insert(Arg::Path.name().into(), json!(path));
    let parameters = [
        Arg::Conditions,
        Arg::ChildConditions,
        Arg::CustomFieldConditions,
        Arg::OrderBy,
        Arg::Fields,
        Arg::Page,
        Arg::PageSize,
    ];
    let mut comparisons = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let key = key.trim();
        if let Some(arg) = parameters
            .iter()
            .find(|a| a.name().eq_ignore_ascii_case(key) || a.twin() == Some(key))
        {
            let given = arg.spellings().any(|name| {
                arguments.get(name).is_some_and(|v| {
                    !v.is_null() && v.as_str().is_none_or(|t| !t.trim().is_empty())
                })
            });
            if !given {
                lifted.insert(arg.name().into(), json!(value.trim()));
            }
            continue;
        }
        cw_client::conditions::field(key).map_err(|_| {
            ToolFailure::invalid(format!(
                "`path` carries a query with `{key}`, which is neither a field nor a parameter: give conditions, fields, orderBy, page and pageSize as their own arguments"
            ))
        })?;
        comparisons.push(format!("{key} = {}", literal(value.trim())));
    }
    if !comparisons.is_empty() {
        let written = lifted
            .get(Arg::Conditions.name())
            .and_then(Json::as_str)
            .filter(|c| !c.trim().is_empty())
            .map(|c| format!("({c}) AND "))
            .unwrap_or_default();
        lifted.insert(
            Arg::Conditions.name().into(),
            json!(format!("{written}{}", comparisons.join(" AND "))),
        );
    }
    Ok(Cow::Owned(lifted))
}

/// A query value as a conditions literal: numbers, booleans, null and bracketed dates as
/// written, the days by name as relative dates, anything else as quoted text.
fn literal(value: &str) -> String {
    let number = !value.is_empty() && value.parse::<f64>().is_ok();
    let word = ["true", "false", "null"].contains(&value);
    let day = ["today", "yesterday", "tomorrow"]
        .iter()
        .any(|d| d.eq_ignore_ascii_case(value));
    if number || word || (value.starts_with('[') && value.ends_with(']')) {
        value.to_owned()
    } else if day {
        format!("[{}]", value.to_ascii_lowercase())
    } else if value.contains('"') {
        format!("'{value}'")
    } else {
        format!("\"{value}\"")
    }
}

/// `/service/tickets/20001/notes` and `/service/tickets/{parentId}/notes` alike become
/// `/service/tickets/{}/notes`, for comparing a path with the templates.
fn generalize(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.starts_with('{') || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())) {
                "{}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A query's conditions and orderBy as the endpoint takes them: shorthand written out,
/// fields a record lacks mended to the ones plainly meant, and all of it checked against the
/// record's schema, with what was mended for the answer to say.
pub struct Written<'a> {
    /// The record schema the query was checked against, when the document has one.
    pub schema: Option<&'static str>,
    /// The conditions to send.
    pub conditions: Option<Cow<'a, str>>,
    /// The orderBy to send.
    pub order_by: Option<Cow<'a, str>>,
    /// The fields read as others, as (written, read as) pairs.
    pub mended: Vec<(String, String)>,
}

impl<'a> Written<'a> {
    /// The conditions and orderBy in `args` as `target` takes them (see [`Written`]).
    pub fn of(target: &Target, args: &Args<'a>) -> Result<Self, ToolFailure> {
        // A count's conditions are about the records of the collection it counts.
        let schema = match target.kind {
            Kind::Count => catalog()
                .route(target.path.as_str().trim_end_matches("/count"))
                .and_then(|(endpoint, _)| endpoint.schema.as_deref()),
            _ => target.endpoint.and_then(|e| e.schema.as_deref()),
        };
        let conditions = args
            .string(Arg::Conditions)?
            .filter(|text| !shorthand::matches_everything(text));
        let order_by = args.string(Arg::OrderBy)?;
        let Some(schema) = schema else {
            return Ok(Self {
                schema,
                conditions: conditions.map(Cow::Borrowed),
                order_by: order_by.map(Cow::Borrowed),
                mended: Vec::new(),
            });
        };
        let read = Self {
            schema: Some(schema),
            conditions: conditions.map(|text| shorthand::expand(catalog(), schema, text)),
            order_by: order_by.map(|text| shorthand::order_by(catalog(), schema, text)),
            mended: shorthand::mended(catalog(), schema, conditions, order_by),
        };
        check_query(
            catalog(),
            schema,
            args.string(Arg::Fields)?,
            read.order_by.as_deref(),
            read.conditions.as_deref(),
        )
        .map_err(ToolFailure::invalid)?;
        Ok(read)
    }

    /// What the answer says of how the query was read: a path read instead of the one
    /// written, a path the document lacks, fields read as others.
    pub fn note(&self, target: &Target) -> Option<String> {
        let mut notes: Vec<String> = Vec::new();
        if let Some(written) = &target.written {
            notes.push(format!(
                "ConnectWise has no path {written}: read {} instead.",
                target.path.as_str()
            ));
        }
        if target.unchecked {
            notes.push(
                "this path is not in ConnectWise's document (2026.4), so its fields were not checked"
                    .into(),
            );
        }
        if let (false, Some(schema)) = (self.mended.is_empty(), self.schema) {
            let read_as: Vec<String> = self
                .mended
                .iter()
                .map(|(written, meant)| format!("`{written}` as `{meant}`"))
                .collect();
            let article = crate::checks::article(schema);
            notes.push(format!(
                "{}{} {schema} has no field by the name written: read {}.",
                article[..1].to_ascii_uppercase(),
                &article[1..],
                read_as.join(", ")
            ));
        }
        (!notes.is_empty()).then(|| notes.join(" "))
    }
}

/// A client error as the caller's failure: conditions ConnectWise refused are shown with
/// where they went wrong; `missing` phrases a 404.
pub fn failure(args: &Args<'_>, error: Error, missing: impl FnOnce() -> String) -> ToolFailure {
    if let Error::Conditions { parameter, source } = &error
        && let Some(arg) = Arg::conditions(parameter)
        && let Ok(Some(text)) = args.string(arg)
    {
        return ToolFailure::invalid(conditions_message(parameter, text, source));
    }
    ToolFailure::from_client(error, missing)
}

/// Reads `target` with the query in `args`; `missing` phrases a 404.
pub async fn read(
    client: &Client,
    target: &Target,
    args: &Args<'_>,
    defaults: Defaults<'_>,
    missing: impl FnOnce() -> String,
) -> Result<Value, ToolFailure> {
    let fields = args.string(Arg::Fields)?;
    let written = Written::of(target, args)?;
    let (conditions_text, order_by) = (written.conditions.as_deref(), written.order_by.as_deref());
    let mut answer = match target.kind {
        Kind::Collection => {
            let first = query(args, conditions_text, order_by, defaults)?;
            let mut answer = page(client, target, args, first, conditions_text)
                .await
                .map_err(|e| failure(args, e, missing))?;
            if is_empty(&answer)
                && let Some(conditions) = conditions_text
                && let Some(hint) = hints::empty_answer(client, target, conditions).await
            {
                // One more read, of what was plainly meant, when the hint knows it.
                let retry = hint.instead.as_deref().and_then(|instead| {
                    Some((
                        instead,
                        query(args, Some(instead), order_by, defaults).ok()?,
                    ))
                });
                let retried = match retry {
                    Some((instead, query)) => page(client, target, args, query, Some(instead))
                        .await
                        .ok()
                        .filter(|answer| !is_empty(answer)),
                    None => None,
                };
                match (retried, hint.instead) {
                    (Some(retried), Some(instead)) => {
                        answer = retried;
                        answer["hint"] = json!(format!(
                            "{} Shown instead: the records where {instead}.",
                            hint.brief
                        ));
                    }
                    _ => answer["hint"] = json!(hint.text),
                }
            }
            answer
        }
        Kind::Count => {
            let collection = target.path.as_str().trim_end_matches("/count");
            let collection = ApiPath::checked(collection).map_err(ToolFailure::invalid)?;
            let query = with_conditions(args, conditions_text, Query::new())?;
            let count = client
                .count_at(&collection, &query)
                .await
                .map_err(|e| failure(args, e, missing))?;
            json!({"count": count})
        }
        Kind::Record | Kind::Other => {
            let mut query = Query::new();
            if let Some(fields) = fields.filter(|f| f.trim() != "*") {
                query = query.fields(fields);
            }
            client
                .get_value_with(&target.path, &query)
                .await
                .map(shape::record)
                .map_err(|e| failure(args, e, missing))?
        }
    };
    if let (Some(note), Value::Object(map)) = (written.note(target), &mut answer) {
        map.insert("note".into(), json!(note));
    }
    Ok(answer)
}

/// One page of the target read with `query` (whose conditions are `conditions`), in its
/// envelope, with how many match in all when more pages follow.
async fn page(
    client: &Client,
    target: &Target,
    args: &Args<'_>,
    query: Query,
    conditions: Option<&str>,
) -> Result<Value, Error> {
    let page = client.list_values(&target.path, &query).await?;
    let total = match page.has_more {
        true => total(client, target, args, conditions).await,
        false => None,
    };
    let mut answer = envelope(page);
    if let Some(total) = total {
        answer["total"] = json!(total);
    }
    Ok(answer)
}

fn is_empty(answer: &Value) -> bool {
    answer["items"].as_array().is_none_or(Vec::is_empty)
}

/// How many records match in all, for a page that has more after it: one `/count` request
/// where ConnectWise's document has one for the collection. `None` when it has none or the
/// count fails (the page is answered all the same).
pub async fn total(
    client: &Client,
    target: &Target,
    args: &Args<'_>,
    conditions: Option<&str>,
) -> Option<u64> {
    let count = target.path.count();
    let countable = catalog()
        .route(count.as_str())
        .is_some_and(|(endpoint, _)| endpoint.kind == Kind::Count);
    if !countable {
        return None;
    }
    let query = with_conditions(args, conditions, Query::new()).ok()?;
    client.count_at(&target.path, &query).await.ok()
}

/// The query of a page: paging, conditions, `order_by` and `fields` (the tool's key fields
/// when none are named; `"*"` asks for whole records).
fn query(
    args: &Args<'_>,
    conditions: Option<&str>,
    order_by: Option<&str>,
    defaults: Defaults<'_>,
) -> Result<Query, ToolFailure> {
    let page = args.integer(Arg::Page, 1, i32::MAX as u64)?.unwrap_or(1) as u32;
    let page_size = args
        .integer(Arg::PageSize, 1, cw_client::MAX_PAGE_SIZE as u64)?
        .unwrap_or(defaults.page_size.into()) as u32;
    let mut query = with_conditions(
        args,
        conditions,
        Query::new().page(page).page_size(page_size),
    )?;
    if let Some(order_by) = order_by {
        query = query.order_by(order_by);
    }
    match args.string(Arg::Fields)?.or(defaults.fields) {
        Some(all) if all.trim() == "*" => {}
        Some(fields) => query = query.fields(fields),
        None => {}
    }
    Ok(query)
}

/// Adds `conditions` (as read, shorthand written out), and `childConditions` and
/// `customFieldConditions` when given.
pub fn with_conditions(
    args: &Args<'_>,
    conditions: Option<&str>,
    mut query: Query,
) -> Result<Query, ToolFailure> {
    if let Some(c) = conditions {
        query = query.conditions(c);
    }
    if let Some(c) = args.string(Arg::ChildConditions)? {
        query = query.child_conditions(c);
    }
    if let Some(c) = args.string(Arg::CustomFieldConditions)? {
        query = query.custom_field_conditions(c);
    }
    Ok(query)
}

/// `{"items", "page", "pageSize", "hasMore", "nextPage"}`; `total` is added by the caller.
fn envelope(page: Page<Value>) -> Value {
    let mut answer = json!({
        "items": page.items.into_iter().map(shape::record).collect::<Vec<_>>(),
        "page": page.page,
        "pageSize": page.page_size,
        "hasMore": page.has_more,
    });
    if let Some(next) = page.next_page.filter(|_| page.has_more) {
        answer["nextPage"] = json!(next);
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_the_catalog_or_say_what_is_near() {
        let notes = Target::resolve("/service/tickets/20001/notes").unwrap();
        assert_eq!(notes.kind, Kind::Collection);
        assert_eq!(
            notes.endpoint.unwrap().path,
            "/service/tickets/{parentId}/notes"
        );
        let count = Target::resolve("service/tickets/count").unwrap();
        assert_eq!(count.kind, Kind::Count);
        // One path a typo away is read instead; two are named.
        let typo = Target::resolve("/service/ticket/20001/notes").unwrap();
        assert_eq!(typo.path.as_str(), "/service/tickets/20001/notes");
        assert_eq!(typo.written.as_deref(), Some("/service/ticket/20001/notes"));
        let near = Target::resolve("/company/companies/2/nites").unwrap_err();
        assert_eq!(near.kind, cw_boundary::FailureKind::NotFound);
        assert_eq!(
            near.message,
            "ConnectWise has no path /company/companies/2/nites. Nearest: /company/companies/{parentId}/notes, /company/companies/{parentId}/sites. connectwise_find_endpoints finds paths by keyword."
        );
        // A collection named by its words alone.
        let words = Target::resolve("/service/scheduleEntries/count").unwrap();
        assert_eq!(words.path.as_str(), "/schedule/entries/count");
        assert_eq!(words.kind, Kind::Count);
        let known = Target::resolve("/procurement/purchaseorders").unwrap();
        assert!(known.unchecked && !known.endpoint.unwrap().documented);
        assert_eq!(known.kind, Kind::Collection);
        let unknown = Target::resolve("/marketing/campaigns/7").unwrap();
        assert!(unknown.unchecked && unknown.endpoint.is_none());
        assert_eq!(unknown.kind, Kind::Record);
        assert!(!Target::resolve("/service/tickets").unwrap().unchecked);
        assert!(
            Target::resolve("/service/tickets/abc/notes")
                .unwrap_err()
                .message
                .contains("not a numeric id")
        );
        assert!(Target::resolve("/service/tickets?conditions=x").is_err());
        assert!(Target::resolve("/service/../system/members").is_err());
    }
}
