//! Finding a record's id from the identifier or exact name a model gave instead
//! (`company_id: "ACME"`, `board_id: "Service Desk"`, a member's identifier).

use cw_catalog::catalog;
use cw_client::conditions::{Operator, field};
use cw_client::{ApiPath, Client, Query};
use serde_json::Value;

use crate::args::{Arg, Args, IdOrName};
use crate::errors::ToolFailure;

/// How many matches are read to tell one from several.
const CANDIDATES: u32 = 10;

/// The fields a record at `path` can be found by: `identifier` and `name`, those its schema
/// has (both when the path is outside ConnectWise's document). Empty for tickets, say.
pub fn name_fields(path: &str) -> Vec<&'static str> {
    let schema = catalog().route(path).and_then(|(e, _)| e.schema.as_deref());
    ["identifier", "name"]
        .into_iter()
        .filter(|f| schema.is_none_or(|s| catalog().field(s, f).is_some()))
        .collect()
}

/// The id of the one record at `path` whose identifier or name (`fields`) is `name`.
pub async fn by_name(
    client: &Client,
    path: &'static str,
    fields: &[&str],
    noun: &str,
    id_arg: &str,
    name: &str,
) -> Result<u64, ToolFailure> {
    let refused = |e| ToolFailure::invalid(format!("`{id_arg}` cannot be looked up: {e}"));
    let mut conditions = None;
    for f in fields {
        let test = field(f)
            .and_then(|f| f.compare(Operator::Eq, name))
            .map_err(refused)?;
        conditions = Some(match conditions {
            None => test,
            Some(before) => cw_client::conditions::Expr::or(before, test),
        });
    }
    let Some(conditions) = conditions else {
        return Err(ToolFailure::invalid(format!(
            "`{id_arg}` must be the {noun}'s numeric id"
        )));
    };
    let query = Query::new()
        .conditions(conditions)
        .fields(format!("id,{}", fields.join(",")))
        .page_size(CANDIDATES);
    let page = client
        .list_values(&ApiPath::collection(path), &query)
        .await
        .map_err(|e| ToolFailure::from_client(e, || format!("no {noun} list to search")))?;
    choose(&page.items, fields, noun, id_arg, name)
}

/// The id in `id_arg`: given as a number, or looked up by identifier or exact name in
/// the collection at `path`.
pub async fn record_id(
    client: &Client,
    args: &Args<'_>,
    id_arg: &'static str,
    path: &'static str,
    noun: &str,
) -> Result<u64, ToolFailure> {
    match args.id_or_name(Arg::Id(id_arg))? {
        IdOrName::Id(id) => Ok(id),
        IdOrName::Name(name) => {
            let fields = name_fields(path);
            if fields.is_empty() {
                // Nothing to look a name up by: say what a numeric id is.
                return args.id(Arg::Id(id_arg)).map_err(Into::into);
            }
            by_name(client, path, &fields, noun, id_arg, name).await
        }
    }
}

/// The one match's id, or an error naming what went wrong: none, or several (with candidates).
fn choose(
    matches: &[Value],
    fields: &[&str],
    noun: &str,
    id_arg: &str,
    name: &str,
) -> Result<u64, ToolFailure> {
    let label = |record: &Value| {
        fields
            .iter()
            .filter_map(|f| record.get(*f).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    match matches {
        [] => Err(ToolFailure::not_found(format!(
            "no {noun} has the {} {name:?}: give `{id_arg}` as its numeric id, or search for it first",
            fields.join(" or ")
        ))),
        [one] => one
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| ToolFailure::invalid(format!("the {noun} {name:?} has no id"))),
        several => Err(ToolFailure::invalid(format!(
            "{name:?} matches {} {noun} records: {}. Give `{id_arg}` as one of these ids.",
            several.len(),
            several
                .iter()
                .map(|r| format!("{} ({})", r["id"], label(r)))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_match_is_the_id_and_several_are_named() {
        let fields = ["identifier", "name"];
        let one = [json!({"id": 2, "identifier": "ACME", "name": "ACME Corporation"})];
        assert_eq!(
            choose(&one, &fields, "company", "company_id", "ACME").unwrap(),
            2
        );
        let several = [
            json!({"id": 7, "identifier": "Summit1", "name": "Summit"}),
            json!({"id": 9, "identifier": "Summit2", "name": "Summit"}),
        ];
        assert_eq!(
            choose(&several, &fields, "company", "company_id", "Summit")
                .unwrap_err()
                .message,
            "\"Summit\" matches 2 company records: 7 (Summit1 / Summit), 9 (Summit2 / Summit). Give `company_id` as one of these ids."
        );
        let none = choose(&[], &fields, "board", "board_id", "Nope").unwrap_err();
        assert_eq!(none.kind, cw_boundary::FailureKind::NotFound);
    }
}
