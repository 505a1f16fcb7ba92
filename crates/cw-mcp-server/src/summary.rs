//! Exact summaries of a list (`connectwise_summarize`): the server reads every matching
//! record, a page of 1,000 at a time, within a row limit and the request budget, and
//! counts, totals and groups them itself, so that a model is given the figures rather than
//! records to add up. A summary that could not read every record says so, and why.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use cw_catalog::{FieldType, Kind, catalog};
use cw_client::{ApiPath, Client, MAX_PAGE_SIZE, Query};
use serde_json::{Map, Value, json};

use crate::args::{Arg, Args};
use crate::catalog::{Total, countable, entity_path, search_key_fields};
use crate::checks::{check_query, knows};
use crate::errors::ToolFailure;
use crate::reads::{self, Target, Written};
use crate::shorthand::meant_field;
use crate::{hints, shape};

/// Records one summary reads at most when the operator does not say (`CW_SUMMARY_ROW_LIMIT`):
/// ten requests of 1,000.
pub const DEFAULT_ROW_LIMIT: usize = 10_000;
/// Groups an answer shows when the caller does not say (`top`).
const DEFAULT_TOP: u64 = 10;
/// Most groups one answer shows.
pub const MAX_TOP: u64 = 100;
/// How many of its groups a search's figure in all gives (the members with the most hours).
const IN_ALL_GROUPS: u64 = 5;
/// Most fields a summary groups by.
const MAX_GROUP_BY: usize = 2;
/// At most this many matching records are listed beside the figures.
const LISTED: usize = 5;
/// Records are listed beside the figures when at most this many match.
const FEW: u64 = 10;
/// Where `sum` names a field that is not a number (`serialNumber`), the records are listed
/// with it, this many at most, when at most this many match.
const SHOWN: usize = 25;
/// Distinct groups kept while reading; records of further groups are counted as `(other)`.
const MAX_GROUPS: usize = 10_000;
/// A group's value where a record has none.
const NONE: &str = "(none)";
/// The group of the records past [`MAX_GROUPS`].
const OTHER: &str = "(other)";

/// How a date is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Day,
    Week,
    Month,
}

/// One field a summary groups by: its path, and for a date, by what.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Grouping {
    field: String,
    bucket: Option<Bucket>,
}

impl Grouping {
    /// How the answer names it: `member/name`, `timeStart:week`.
    fn label(&self) -> String {
        match self.bucket {
            Some(Bucket::Day) => format!("{}:day", self.field),
            Some(Bucket::Week) => format!("{}:week", self.field),
            Some(Bucket::Month) => format!("{}:month", self.field),
            None => self.field.clone(),
        }
    }

    /// The record's group: its value at the field, a date as its day, week or month.
    fn key(&self, record: &Value) -> String {
        let text = match shape::at(record, &self.field) {
            None | Some(Value::Null) => return NONE.to_owned(),
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
        };
        let Some(bucket) = self.bucket else {
            return text;
        };
        let Some(day) = text
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            return text;
        };
        match bucket {
            Bucket::Day => day.format("%Y-%m-%d").to_string(),
            Bucket::Week => {
                let monday = day - Days::new(day.weekday().num_days_from_monday().into());
                format!("week of {}", monday.format("%Y-%m-%d"))
            }
            Bucket::Month => day.format("%Y-%m").to_string(),
        }
    }
}

/// What a numeric field adds up to over some records.
#[derive(Debug, Clone, Copy, Default)]
struct Stat {
    values: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Stat {
    fn add(&mut self, value: f64) {
        if self.values == 0 {
            (self.min, self.max) = (value, value);
        }
        self.values += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    fn json(&self) -> Value {
        if self.values == 0 {
            return json!({"sum": 0, "values": 0});
        }
        json!({
            "sum": exact(self.sum),
            "average": exact(self.sum / self.values as f64),
            "min": exact(self.min),
            "max": exact(self.max),
            "values": self.values,
        })
    }
}

/// A count and the totals of some records.
#[derive(Debug, Clone, Default)]
struct Tally {
    count: u64,
    stats: Vec<Stat>,
}

impl Tally {
    fn add(&mut self, record: &Value, sums: &[String]) {
        self.count += 1;
        self.stats.resize(sums.len(), Stat::default());
        for (stat, field) in self.stats.iter_mut().zip(sums) {
            if let Some(number) = shape::at(record, field).and_then(Value::as_f64) {
                stat.add(number);
            }
        }
    }

    fn into_json(self, sums: &[String], mut into: Map<String, Value>) -> Value {
        into.insert("count".into(), json!(self.count));
        for (index, field) in sums.iter().enumerate() {
            let stat = self.stats.get(index).copied().unwrap_or_default();
            into.insert(field.clone(), stat.json());
        }
        Value::Object(into)
    }
}

/// A float without the noise of binary fractions (`0.1 + 0.2` is `0.3`), to 6 decimals, and
/// a whole number as one.
pub fn exact(value: f64) -> Value {
    let rounded = (value * 1e6).round() / 1e6;
    if rounded.fract() == 0.0 && rounded.abs() < 9e15 {
        json!(rounded as i64)
    } else {
        json!(rounded)
    }
}

/// What one summary reads and how it adds it up.
struct Plan {
    target: Target,
    entity: String,
    groups: Vec<Grouping>,
    sums: Vec<String>,
    top: usize,
    /// Fields of `groupBy` and `sum` read as others, as (written, read as) pairs.
    mended: Vec<(String, String)>,
    /// What was wrong with the sums left out.
    skipped: Vec<String>,
    /// The fields a summary of a few records lists them by: the key fields of the entity's
    /// records, and the fields `sum` named that are not numbers.
    key_fields: Option<String>,
    /// True when `sum` named fields that are not numbers (a serial number, a date): what was
    /// asked is to see them, so more records are listed ([`SHOWN`]).
    showing: bool,
    /// The records' schema, when the document has one.
    schema: Option<&'static str>,
}

/// Counts, totals and groups every record of the list `entity` names that matches the
/// conditions, reading at most `row_limit` records. Conditions that match nothing because a
/// name is in no record are counted again as plainly meant, when the hint knows how.
pub async fn summarize(
    client: &Client,
    args: &Args<'_>,
    row_limit: usize,
) -> Result<Value, ToolFailure> {
    let plan = plan(args)?;
    let written = Written::of(&plan.target, args)?;
    let mut conditions = written.conditions.as_deref().map(str::to_owned);
    let mut tallied = tally(client, args, &plan, conditions.as_deref(), row_limit).await?;
    let mut hint = None;
    if tallied.read == 0
        && let Some(written_conditions) = conditions.as_deref()
        && let Some(found) = hints::empty_answer(client, &plan.target, written_conditions).await
    {
        hint = Some(found.text.clone());
        if let Some(instead) = found.instead {
            let again = tally(client, args, &plan, Some(&instead), row_limit).await?;
            if again.read > 0 {
                hint = Some(format!(
                    "{} Counted instead: the records where {instead}.",
                    found.brief
                ));
                tallied = again;
                conditions = Some(instead);
            }
        }
    }
    // A sum no record has a number for (a path the document does not describe) is no total.
    let mut plan = plan;
    if tallied.read > 0 {
        for index in (0..plan.sums.len()).rev() {
            if tallied
                .totals
                .stats
                .get(index)
                .is_some_and(|stat| stat.values > 0)
            {
                continue;
            }
            let field = plan.sums.remove(index);
            // Text where a number was asked (a serial number): what was asked is to see it.
            let has_text = tallied
                .records
                .iter()
                .any(|r| shape::at(r, &field).is_some_and(|v| !v.is_null()));
            if has_text {
                plan.skipped.push(format!(
                    "Not totalled: {field} is not a number, so the records are listed with it."
                ));
                plan.key_fields = Some(match plan.key_fields.take() {
                    Some(fields) => format!("{fields},{field}"),
                    None => format!("id,{field}"),
                });
                plan.showing = true;
            } else {
                plan.skipped
                    .push(format!("Not totalled: no record has a number at {field}."));
            }
            for tally in std::iter::once(&mut tallied.totals).chain(tallied.groups.values_mut()) {
                if index < tally.stats.len() {
                    tally.stats.remove(index);
                }
            }
        }
    }
    let mut answer = Map::new();
    answer.insert("entity".into(), json!(plan.entity));
    answer.insert("path".into(), json!(plan.target.path.as_str()));
    if let Some(conditions) = &conditions {
        answer.insert("conditions".into(), json!(conditions));
    }
    if let Some(matching) = tallied.matching {
        answer.insert("matching".into(), json!(matching));
    }
    answer.insert("read".into(), json!(tallied.read));
    if !plan.sums.is_empty() {
        answer.insert("sums".into(), json!(plan.sums));
    }
    if let Some(partial) = tallied.partial {
        answer.insert("partial".into(), json!(partial));
    }
    let mut answer = match tallied.totals.into_json(&plan.sums, answer) {
        Value::Object(map) => map,
        _ => unreachable!("a tally is an object"),
    };
    // A group by a field no record has (a path the document does not describe) is no group.
    let ungrouped = tallied.read > 0
        && tallied
            .groups
            .keys()
            .all(|key| key.iter().all(|value| value == NONE));
    let grouped = !plan.groups.is_empty() && !ungrouped;
    if grouped {
        groups_into(&plan, tallied.groups, &mut answer);
        if tallied.folded {
            answer.insert(
                "folded".into(),
                json!(format!("more than {MAX_GROUPS} groups: the records of the rest are counted under {OTHER}")),
            );
        }
    }
    // A few matching records are listed beside the figures: a summary asked "which agreements
    // end this month" answers with their names. More are not: a small model given records
    // repeats them rather than their count.
    let (few, listed) = listing(plan.showing);
    tallied.records.truncate(listed);
    let few = tallied.read as u64 <= few;
    if let (Some(key_fields), false, true) = (&plan.key_fields, tallied.records.is_empty(), few) {
        answer.insert("records".into(), Value::Array(tallied.records));
        answer.insert("keyFields".into(), json!(key_fields));
    }
    let mut written = written;
    for pair in &plan.mended {
        if !written.mended.contains(pair) {
            written.mended.push(pair.clone());
        }
    }
    let notes: Vec<String> = written
        .note(&plan.target)
        .into_iter()
        .chain(plan.skipped.iter().cloned())
        .chain((ungrouped && !plan.groups.is_empty()).then(|| {
            let labels: Vec<String> = plan.groups.iter().map(Grouping::label).collect();
            format!("Not grouped: no record has {}.", labels.join(" or "))
        }))
        .chain(hint)
        .collect();
    if !notes.is_empty() {
        answer.insert("note".into(), json!(notes.join(" ")));
    }
    Ok(Value::Object(answer))
}

/// What reading every matching record added up to.
struct Tallied {
    matching: Option<u64>,
    read: usize,
    totals: Tally,
    groups: HashMap<Vec<String>, Tally>,
    folded: bool,
    partial: Option<String>,
    /// The first few records, by their key fields, when the summary lists them.
    records: Vec<Value>,
}

/// Reads every record matching `conditions`, a page of up to 1,000 at a time, at most
/// `row_limit` of them, and adds them up as `plan` says.
async fn tally(
    client: &Client,
    args: &Args<'_>,
    plan: &Plan,
    conditions: Option<&str>,
    row_limit: usize,
) -> Result<Tallied, ToolFailure> {
    let matching = reads::total(client, &plan.target, args, conditions).await;
    let mut fields: Vec<&str> = plan.groups.iter().map(|g| g.field.as_str()).collect();
    fields.extend(plan.sums.iter().map(String::as_str));
    fields.sort_unstable();
    fields.dedup();
    // Where few match, the first of them are read with the first page by their key fields,
    // to be listed beside the figures.
    // Where the document has no schema, a sum may name text: enough are read to show it.
    let (few, most) = listing(plan.showing || (plan.schema.is_none() && !plan.sums.is_empty()));
    let listed = plan
        .key_fields
        .as_deref()
        .filter(|_| matching.is_none_or(|m| m <= few));
    let by_id = plan
        .schema
        .is_some_and(|schema| knows(catalog(), schema, "id"));
    let page_size = row_limit.clamp(1, MAX_PAGE_SIZE as usize);
    let mut tallied = Tallied {
        matching,
        read: 0,
        totals: Tally::default(),
        groups: HashMap::new(),
        folded: false,
        partial: None,
        records: Vec::new(),
    };
    for page in 1.. {
        let mut query = reads::with_conditions(
            args,
            conditions,
            Query::new().page(page).page_size(page_size as u32),
        )?;
        if by_id {
            query = query.order_by("id");
        }
        let mut asked = fields.clone();
        if page == 1 {
            asked.extend(listed.into_iter().flat_map(|k| k.split(',')));
        }
        if !asked.is_empty() {
            query = query.fields(asked.join(","));
        }
        let answer = match client.list_values(&plan.target.path, &query).await {
            Ok(answer) => answer,
            Err(error) if page == 1 => {
                let path = plan.target.path.as_str().to_owned();
                return Err(reads::failure(args, error, move || {
                    format!("nothing at {path}: check the ids in `entity`")
                }));
            }
            Err(error) => {
                let failure = ToolFailure::from_client(error, String::new);
                tallied.partial = Some(format!(
                    "reading stopped after {} records: {}",
                    tallied.read, failure.message
                ));
                break;
            }
        };
        let room = row_limit - tallied.read;
        for record in answer.items.iter().take(room) {
            if listed.is_some() && tallied.records.len() < most {
                tallied.records.push(shape::record(record.clone()));
            }
            tallied.add(record, plan);
        }
        tallied.read += answer.items.len().min(room);
        if !answer.has_more || answer.items.is_empty() {
            break;
        }
        if tallied.read >= row_limit {
            let of = matching.map(|m| format!(" of {m}")).unwrap_or_default();
            tallied.partial = Some(format!(
                "read the first {}{of} matching records, the row limit (CW_SUMMARY_ROW_LIMIT); narrow the conditions for a whole answer",
                tallied.read
            ));
            break;
        }
    }
    Ok(tallied)
}

impl Tallied {
    /// Counts `record` in the totals and in its group.
    fn add(&mut self, record: &Value, plan: &Plan) {
        self.totals.add(record, &plan.sums);
        if plan.groups.is_empty() {
            return;
        }
        let mut key: Vec<String> = plan.groups.iter().map(|g| g.key(record)).collect();
        if self.groups.len() >= MAX_GROUPS && !self.groups.contains_key(&key) {
            key = vec![OTHER.to_owned(); key.len()];
            self.folded = true;
        }
        self.groups.entry(key).or_default().add(record, &plan.sums);
    }
}

/// The groups, largest first, the top of them with their values, count and totals.
fn groups_into(plan: &Plan, groups: HashMap<Vec<String>, Tally>, answer: &mut Map<String, Value>) {
    let labels: Vec<String> = plan.groups.iter().map(Grouping::label).collect();
    answer.insert("groupBy".into(), json!(labels));
    answer.insert("groupCount".into(), json!(groups.len()));
    let mut sorted: Vec<(Vec<String>, Tally)> = groups.into_iter().collect();
    let size = |tally: &Tally| match tally.stats.first() {
        Some(stat) => stat.sum,
        None => tally.count as f64,
    };
    sorted.sort_by(|(a_key, a), (b_key, b)| {
        size(b).total_cmp(&size(a)).then_with(|| a_key.cmp(b_key))
    });
    let shown: Vec<Value> = sorted
        .into_iter()
        .take(plan.top)
        .map(|(key, tally)| {
            let named: Map<String, Value> = labels
                .iter()
                .cloned()
                .zip(key.into_iter().map(Value::from))
                .collect();
            tally.into_json(&plan.sums, named)
        })
        .collect();
    answer.insert("groups".into(), Value::Array(shown));
}

/// The list, groups, totals and top of a call, each field checked against the records'
/// schema and mended where one is plainly meant.
fn plan(args: &Args<'_>) -> Result<Plan, ToolFailure> {
    let entity = args.string(Arg::Entity)?.map(str::trim).ok_or_else(|| {
        ToolFailure::invalid(format!(
            "`entity` is required: one of {}, or a list path such as /service/tickets/20001/timeentries",
            entity_names()
        ))
    })?;
    let (target, name) = if entity.starts_with('/') {
        let target = Target::resolve(entity)?;
        if target.kind != Kind::Collection {
            return Err(ToolFailure::invalid(format!(
                "`entity` {entity} is not a list: give a list path such as /service/tickets, or one of {}",
                entity_names()
            )));
        }
        (target, "records".to_owned())
    } else {
        let (name, path) = entity_path(entity).ok_or_else(|| {
            ToolFailure::invalid(format!(
                "`entity` must be one of {}, or a list path such as /schedule/entries; got {entity:?}",
                entity_names()
            ))
        })?;
        let target = Target::of(ApiPath::collection(path), Kind::Collection);
        (target, name.to_owned())
    };
    let schema = target.endpoint.and_then(|e| e.schema.as_deref());
    if let Some(schema) = schema.filter(|s| s.ends_with("Reference")) {
        return Err(ToolFailure::invalid(format!(
            "{} lists only references ({schema}: ids and names), which have nothing to total or group: summarize the entity they refer to, with conditions on the parent's id (for a ticket's time: entity time_entries, conditions chargeToId = 20001)",
            target.path.as_str()
        )));
    }
    // A field the records lack, in `groupBy` or `sum`, is left out and said, and the rest is
    // answered: a small model copies an example's fields more often than it asks again.
    let mut mended = Vec::new();
    let mut skipped = Vec::new();
    let mut groups = Vec::new();
    for written in list(args, Arg::GroupBy)? {
        // `:day` alone groups by the date the conditions compare (`dateStart >= [today]`).
        let dated;
        let written = match (written.starts_with(':'), schema) {
            (true, Some(schema)) => match compared_date(schema, args.string(Arg::Conditions)?) {
                Some(field) => {
                    dated = format!("{field}{written}");
                    mended.push((written.to_owned(), dated.clone()));
                    dated.as_str()
                }
                None => {
                    return Err(ToolFailure::invalid(format!(
                        "`groupBy` {written:?} names no field: write the date to group by before it, e.g. dateStart{written}"
                    )));
                }
            },
            _ => written,
        };
        match grouping(schema, written, &mut mended)? {
            Ok(grouping) => groups.push(grouping),
            Err(problem) => skipped.push(format!("Not grouped: {problem}")),
        }
    }
    if groups.len() > MAX_GROUP_BY {
        return Err(ToolFailure::invalid(format!(
            "`groupBy` takes at most {MAX_GROUP_BY} fields, got {}: e.g. company/name,status/name",
            groups.len()
        )));
    }
    // Every summary counts: `count` (or the ids) among the sums asks for nothing more.
    let mut sums = Vec::new();
    let mut shown = Vec::new();
    for written in list(args, Arg::Sum)? {
        if ["count", "*", "records", "id"].contains(&written.to_ascii_lowercase().as_str()) {
            continue;
        }
        match numeric(schema, written, &mut mended) {
            Ok(Ok(field)) => sums.push(field),
            Ok(Err(field)) => {
                skipped.push(format!(
                    "Not totalled: {field} is not a number, so the records are listed with it."
                ));
                shown.push(field);
            }
            Err(problem) => skipped.push(format!("Not totalled: {problem}")),
        }
    }
    let key_fields = match (search_key_fields(target.path.as_str()), shown.is_empty()) {
        (key_fields, true) => key_fields.map(str::to_owned),
        (Some(key_fields), false) => Some(format!("{key_fields},{}", shown.join(","))),
        (None, false) => Some(format!("id,{}", shown.join(","))),
    };
    let top = args.integer(Arg::Top, 1, MAX_TOP)?.unwrap_or(DEFAULT_TOP) as usize;
    Ok(Plan {
        target,
        entity: name,
        groups,
        sums,
        top,
        mended,
        skipped,
        key_fields,
        showing: !shown.is_empty(),
        schema,
    })
}

/// Records are listed beside the figures when at most the first this many match, and the
/// second this many are listed: more where a field is to be shown.
fn listing(showing: bool) -> (u64, usize) {
    if showing {
        (SHOWN as u64, SHOWN)
    } else {
        (FEW, LISTED)
    }
}

/// A comma-separated argument's items.
fn list<'a>(args: &Args<'a>, arg: Arg) -> Result<Vec<&'a str>, ToolFailure> {
    Ok(args
        .string(arg)?
        .map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .collect()
        })
        .unwrap_or_default())
}

/// How many records of `path` match `conditions` and their `total` added up, in all and by
/// its `by` field (the five largest groups), for a search to lead with:
/// `{count, <field>, groupBy, groupCount, groups: [{<by>, count, <field>}]}`. `None` when
/// it cannot be had whole (a failure, or past the row limit).
pub async fn in_all(
    client: &Client,
    path: &str,
    conditions: Option<&str>,
    total: Total,
    row_limit: usize,
) -> Option<Value> {
    let mut arguments = Map::new();
    arguments.insert("entity".into(), json!(path));
    arguments.insert("sum".into(), json!(total.field));
    arguments.insert("groupBy".into(), json!(total.by));
    arguments.insert("top".into(), json!(IN_ALL_GROUPS));
    if let Some(conditions) = conditions {
        arguments.insert("conditions".into(), json!(conditions));
    }
    let spec = crate::catalog::find("connectwise_summarize")?;
    let args = Args::new(&arguments, crate::args::arguments(spec)).ok()?;
    let summary = summarize(client, &args, row_limit).await.ok()?;
    if summary.get("partial").is_some() {
        return None;
    }
    let field = total.field;
    let label = summary["groupBy"].get(0)?.as_str()?;
    let groups: Vec<Value> = summary["groups"]
        .as_array()?
        .iter()
        .map(|group| json!({label: group[label], "count": group["count"], field: group[field]["sum"]}))
        .collect();
    Some(json!({
        "count": summary["count"],
        field: summary[field].get("sum")?,
        "groupBy": label,
        "groupCount": summary["groupCount"],
        "groups": groups,
    }))
}

/// The first date field of `schema` that `conditions` compare, if any.
fn compared_date(schema: &str, conditions: Option<&str>) -> Option<String> {
    let expr = cw_client::conditions::parse(conditions?).ok()?;
    expr.comparisons().into_iter().find_map(|comparison| {
        let field = comparison.field.dotted();
        matches!(
            catalog().field(schema, &field).map(|f| &f.kind),
            Some(FieldType::DateTime)
        )
        .then_some(field)
    })
}

/// A `groupBy` item: a field (a reference by its name: `member` is `member/name`), a date by
/// day unless `:week` or `:month` says otherwise.
/// `Ok(Err(problem))` for a field the records lack, which the summary leaves out and says.
fn grouping(
    schema: Option<&str>,
    written: &str,
    mended: &mut Vec<(String, String)>,
) -> Result<Result<Grouping, String>, ToolFailure> {
    let (field, bucket) = match written.rsplit_once(':') {
        Some((field, bucket)) => {
            let bucket = match bucket.trim().to_ascii_lowercase().as_str() {
                "day" | "date" => Bucket::Day,
                "week" => Bucket::Week,
                "month" => Bucket::Month,
                other => {
                    return Err(ToolFailure::invalid(format!(
                        "`groupBy` {written:?}: a date groups by :day, :week or :month, not :{other}"
                    )));
                }
            };
            (field.trim(), Some(bucket))
        }
        None => (written, None),
    };
    let Some(schema) = schema else {
        return Ok(Ok(Grouping {
            field: field.to_owned(),
            bucket,
        }));
    };
    let field = match known(schema, "groupBy", field, mended) {
        Ok(field) => field,
        Err(failure) => return Ok(Err(failure.message)),
    };
    let grouping = match catalog().field(schema, &field).map(|f| &f.kind) {
        Some(FieldType::Reference(referenced)) => {
            let by = ["name", "identifier", "id"]
                .into_iter()
                .find(|own| catalog().field(referenced, own).is_some())
                .unwrap_or("id");
            Grouping {
                field: format!("{field}/{by}"),
                bucket: None,
            }
        }
        Some(FieldType::DateTime) => Grouping {
            field,
            bucket: Some(bucket.unwrap_or(Bucket::Day)),
        },
        // Under a free-form object (`_info/dateEntered`): a date by its name.
        None if looks_like_date(&field) => Grouping {
            field,
            bucket: Some(bucket.unwrap_or(Bucket::Day)),
        },
        None => Grouping { field, bucket },
        _ if bucket.is_some() => {
            return Err(ToolFailure::invalid(format!(
                "`groupBy` {written:?}: {field} is not a date, so it groups by its value alone; write {field}"
            )));
        }
        _ => Grouping {
            field,
            bucket: None,
        },
    };
    Ok(Ok(grouping))
}

/// Whether a field of unknown type is named as a date is (`dateEntered`, `lastUpdated`).
fn looks_like_date(field: &str) -> bool {
    let name = field
        .rsplit('/')
        .next()
        .unwrap_or(field)
        .to_ascii_lowercase();
    name.contains("date") || name.ends_with("updated")
}

/// A `sum` item: a number field of the records, or the nearest of those whose name holds the
/// word written (`hours` on a time entry is `actualHours`); what is wrong with it otherwise.
/// A `sum` item: `Ok(Ok(field))` for a number field, `Ok(Err(field))` for a field the records
/// have that is not a number, `Err(problem)` for a field they lack.
fn numeric(
    schema: Option<&str>,
    written: &str,
    mended: &mut Vec<(String, String)>,
) -> Result<Result<String, String>, String> {
    let Some(schema) = schema else {
        return Ok(Ok(written.to_owned()));
    };
    let is_number = |path: &str| {
        matches!(
            catalog().field(schema, path).map(|f| &f.kind),
            Some(FieldType::Integer | FieldType::Number)
        )
    };
    let numbers: Vec<String> = catalog()
        .field_paths(schema)
        .into_iter()
        .filter(|path| !path.contains('/') && path != "id" && is_number(path))
        .collect();
    if !knows(catalog(), schema, written) {
        let word = written.to_ascii_lowercase();
        let holding = numbers
            .iter()
            .filter(|name| name.to_ascii_lowercase().contains(&word))
            .map(String::as_str);
        if let Some(meant) = cw_catalog::nearest::nearest(written, holding, 1).first() {
            mended.push((written.to_owned(), (*meant).to_owned()));
            return Ok(Ok((*meant).to_owned()));
        }
    }
    let field = known(schema, "sum", written, mended).map_err(|failure| failure.message)?;
    if is_number(&field) {
        return Ok(Ok(field));
    }
    Ok(Err(field))
}

/// The field as written, or the one plainly meant; an error naming the nearest otherwise.
fn known(
    schema: &str,
    argument: &str,
    written: &str,
    mended: &mut Vec<(String, String)>,
) -> Result<String, ToolFailure> {
    if let Some(meant) = meant_field(catalog(), schema, written) {
        mended.push((written.to_owned(), meant.clone()));
        return Ok(meant);
    }
    check_query(catalog(), schema, Some(written), None, None).map_err(|problem| {
        ToolFailure::invalid(problem.replacen("`fields`", &format!("`{argument}`"), 1))
    })?;
    Ok(written.to_owned())
}

fn entity_names() -> String {
    countable().map(|(n, _)| n).collect::<Vec<_>>().join(", ")
}

/// The text a model reads of a summary: the count and totals, the groups, largest first,
/// and what could not be read; about `budget` characters at most.
pub fn text(answer: &Value, budget: usize) -> String {
    let noun = answer["entity"]
        .as_str()
        .unwrap_or("records")
        .replace('_', " ");
    let sums: Vec<&str> = answer["sums"]
        .as_array()
        .map(|sums| sums.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = String::new();
    if let Some(partial) = answer["partial"].as_str() {
        out.push_str(&format!(
            "Partial: {partial}. The figures are of those read.\n"
        ));
    }
    let count = answer["count"].as_u64().unwrap_or(0);
    let conditions = answer["conditions"]
        .as_str()
        .map(|c| format!(" where {c}"))
        .unwrap_or_default();
    out.push_str(&format!("{count} {}{conditions}", counted(&noun, count)));
    let totals: Vec<String> = sums
        .iter()
        .map(|field| {
            let stat = &answer[*field];
            match stat["values"].as_u64() {
                Some(0) | None => format!("{field}: none given"),
                _ => format!(
                    "{field} total {}, average {}, least {}, most {}",
                    figure(&stat["sum"]),
                    figure(&stat["average"]),
                    figure(&stat["min"]),
                    figure(&stat["max"])
                ),
            }
        })
        .collect();
    if totals.is_empty() {
        out.push_str(".\n");
    } else {
        out.push_str(&format!(": {}.\n", totals.join("; ")));
    }
    if let Some(groups) = answer["groups"].as_array() {
        out.push_str(&groups_text(
            answer,
            groups,
            &noun,
            &sums,
            budget.saturating_sub(out.len()),
        ));
    }
    if let (Some(records), Some(key_fields)) = (answer.get("records"), answer["keyFields"].as_str())
    {
        out.push_str(&records_text(
            records,
            key_fields,
            &noun,
            answer["count"].as_u64(),
            budget.saturating_sub(out.len()),
        ));
    }
    // How the call was read comes first, as in a list: the figures are the last a model
    // reads before it answers.
    if let Some(note) = answer["note"].as_str() {
        out.insert_str(0, &format!("{note}\n"));
    }
    out
}

/// The records listed beside the figures, a line each by their key fields, as a search lists
/// them ("Here are agreements 1 to 5 of the 12 that match").
fn records_text(
    records: &Value,
    key_fields: &str,
    noun: &str,
    count: Option<u64>,
    budget: usize,
) -> String {
    let shown = records.as_array().map_or(0, Vec::len);
    let mut page = json!({"items": records, "page": 1, "pageSize": shown, "hasMore": false});
    if let Some(total) = count.filter(|total| *total > shown as u64) {
        page["hasMore"] = json!(true);
        page["total"] = json!(total);
    }
    let line = crate::render::line_fields(key_fields, "", false);
    let shape = crate::render::Shape {
        noun,
        key_fields,
        line: line.as_deref(),
    };
    crate::render::text(&page, shape, budget)
}

/// The lines of the groups, largest first, within `budget` characters.
fn groups_text(
    answer: &Value,
    groups: &[Value],
    noun: &str,
    sums: &[&str],
    budget: usize,
) -> String {
    let mut out = String::new();
    let labels: Vec<&str> = answer["groupBy"]
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let by = match sums.first() {
        Some(first) => format!("the most {first} first"),
        None => format!("the most {noun} first"),
    };
    let group_count = answer["groupCount"].as_u64().unwrap_or(0);
    out.push_str(&format!(
        "By {}, {by} ({group_count} groups):\n",
        labels.join(" and ")
    ));
    let mut shown = 0;
    for group in groups {
        let key: Vec<String> = labels
            .iter()
            .map(|label| match &group[*label] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect();
        let count = group["count"].as_u64().unwrap_or(0);
        let records = format!("{count} {}", counted(noun, count));
        let totals: Vec<String> = sums
            .iter()
            .map(|field| format!("{} {field}", figure(&group[*field]["sum"])))
            .collect();
        let line = match totals.is_empty() {
            true => format!("- {}: {records}\n", key.join(" / ")),
            false => format!("- {}: {} ({records})\n", key.join(" / "), totals.join(", ")),
        };
        if out.len() + line.len() > budget && shown > 0 {
            break;
        }
        out.push_str(&line);
        shown += 1;
    }
    if (shown as u64) < group_count {
        out.push_str(&format!(
            "Shown: the first {shown} of {group_count} groups; `top` shows up to {MAX_TOP}.\n"
        ));
    }
    // The whole again after its parts: a small model tends to repeat the last lines it read.
    let count = answer["count"].as_u64().unwrap_or(0);
    let totals: Vec<String> = sums
        .iter()
        .map(|field| format!("{} {field}", figure(&answer[*field]["sum"])))
        .collect();
    let all = match totals.is_empty() {
        true => format!("{count} {}", counted(noun, count)),
        false => format!("{} in {count} {}", totals.join(", "), counted(noun, count)),
    };
    out.push_str(&format!("In all: {all}.\n"));
    out
}

/// `noun` for `count` records: `1 time entry`, `2 time entries`.
fn counted(noun: &str, count: u64) -> String {
    if count != 1 {
        return noun.to_owned();
    }
    match noun.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => noun.strip_suffix('s').unwrap_or(noun).to_owned(),
    }
}

/// A figure as the text shows it: to two decimals, without trailing zeros.
fn figure(value: &Value) -> String {
    match value.as_f64() {
        Some(number) => {
            let text = format!("{number:.2}");
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        None => value.to_string(),
    }
}
