//! The tools' arguments: one table of every argument (its name, the snake_case
//! twin also accepted, and which tools take it), read by the schemas, the
//! parsing and the calls; and reading them, with `null` as absent and errors
//! that name the argument and say what fits.

use serde_json::{Map, Value};

use crate::catalog::{ToolKind, ToolSpec};

/// An argument problem, phrased for the caller to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(pub String);

/// Every argument a tool may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// ConnectWise conditions.
    Conditions,
    /// Sort order.
    OrderBy,
    /// Page number.
    Page,
    /// Records per page.
    PageSize,
    /// Fields to return.
    Fields,
    /// Conditions on child collections.
    ChildConditions,
    /// Conditions on custom fields.
    CustomFieldConditions,
    /// Keywords to find endpoints by.
    Query,
    /// A ConnectWise path.
    Path,
    /// What to count or summarize.
    Entity,
    /// Fields a summary groups by.
    GroupBy,
    /// Numeric fields a summary totals.
    Sum,
    /// How many groups a summary shows.
    Top,
    /// A member, by identifier or name.
    Member,
    /// A service board, by name or id.
    Board,
    /// The days a report covers.
    Period,
    /// The day a report counts from.
    Since,
    /// What a report groups by.
    By,
    /// How many hours ahead a report looks.
    Within,
    /// A record's id, under the tool's own name for it (`ticket_id`).
    Id(&'static str),
}

impl Arg {
    /// Its name, as the original project spelled it.
    pub fn name(self) -> &'static str {
        match self {
            Arg::Conditions => "conditions",
            Arg::OrderBy => "orderBy",
            Arg::Page => "page",
            Arg::PageSize => "pageSize",
            Arg::Fields => "fields",
            Arg::ChildConditions => "childConditions",
            Arg::CustomFieldConditions => "customFieldConditions",
            Arg::Query => "query",
            Arg::Path => "path",
            Arg::Entity => "entity",
            Arg::GroupBy => "groupBy",
            Arg::Sum => "sum",
            Arg::Top => "top",
            Arg::Member => "member",
            Arg::Board => "board",
            Arg::Period => "period",
            Arg::Since => "since",
            Arg::By => "by",
            Arg::Within => "within",
            Arg::Id(name) => name,
        }
    }

    /// Every spelling taken: its name, then its twin, if any.
    pub fn spellings(self) -> impl Iterator<Item = &'static str> {
        [Some(self.name()), self.twin()].into_iter().flatten()
    }

    /// The snake_case twin also accepted, for the camelCase names.
    pub fn twin(self) -> Option<&'static str> {
        match self {
            Arg::OrderBy => Some("order_by"),
            Arg::GroupBy => Some("group_by"),
            Arg::PageSize => Some("page_size"),
            Arg::ChildConditions => Some("child_conditions"),
            Arg::CustomFieldConditions => Some("custom_field_conditions"),
            _ => None,
        }
    }

    /// The argument a conditions parameter of the client is given by.
    pub fn conditions(parameter: &str) -> Option<Arg> {
        [
            Arg::Conditions,
            Arg::ChildConditions,
            Arg::CustomFieldConditions,
        ]
        .into_iter()
        .find(|arg| arg.name() == parameter)
    }
}

/// A search's arguments.
const SEARCH: &[Arg] = &[
    Arg::Conditions,
    Arg::OrderBy,
    Arg::Page,
    Arg::PageSize,
    Arg::Fields,
    Arg::ChildConditions,
    Arg::CustomFieldConditions,
];
/// A child list's, after the parent's id.
const CHILDREN: &[Arg] = &[
    Arg::Conditions,
    Arg::OrderBy,
    Arg::Page,
    Arg::PageSize,
    Arg::Fields,
];
const COUNT: &[Arg] = &[
    Arg::Entity,
    Arg::Conditions,
    Arg::ChildConditions,
    Arg::CustomFieldConditions,
];
const SUMMARIZE: &[Arg] = &[
    Arg::Entity,
    Arg::Conditions,
    Arg::GroupBy,
    Arg::Sum,
    Arg::Top,
    Arg::ChildConditions,
    Arg::CustomFieldConditions,
];
const READ: &[Arg] = &[
    Arg::Path,
    Arg::Conditions,
    Arg::OrderBy,
    Arg::Fields,
    Arg::Page,
    Arg::PageSize,
    Arg::ChildConditions,
    Arg::CustomFieldConditions,
];

/// The arguments a tool takes, in schema order.
pub fn arguments(spec: &ToolSpec) -> impl Iterator<Item = Arg> + Clone {
    let (id, rest): (Option<Arg>, &'static [Arg]) = match spec.kind {
        ToolKind::Search { .. } => (None, SEARCH),
        ToolKind::Get { id_arg, .. } => (Some(Arg::Id(id_arg)), &[]),
        ToolKind::Children { id_arg, .. } => (Some(Arg::Id(id_arg)), CHILDREN),
        ToolKind::Count => (None, COUNT),
        ToolKind::Summarize => (None, SUMMARIZE),
        ToolKind::Report(report) => (None, crate::reports::arguments(report)),
        ToolKind::SystemInfo => (None, &[]),
        ToolKind::FindEndpoints => (None, &[Arg::Query]),
        ToolKind::DescribeEndpoint => (None, &[Arg::Path]),
        ToolKind::Read => (None, READ),
    };
    id.into_iter().chain(rest.iter().copied())
}

/// The argument a tool cannot do without, if any.
pub fn required(spec: &ToolSpec) -> Option<Arg> {
    match spec.kind {
        ToolKind::Get { id_arg, .. } | ToolKind::Children { id_arg, .. } => Some(Arg::Id(id_arg)),
        ToolKind::Count | ToolKind::Summarize => Some(Arg::Entity),
        ToolKind::FindEndpoints => Some(Arg::Query),
        ToolKind::DescribeEndpoint | ToolKind::Read => Some(Arg::Path),
        ToolKind::Report(report) => crate::reports::required(report),
        ToolKind::Search { .. } | ToolKind::SystemInfo => None,
    }
}

/// A tool call's arguments, checked against the names the tool accepts.
#[derive(Debug)]
pub struct Args<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Args<'a> {
    /// Checks that every given argument is one of `accepted` (under its name or its twin)
    /// and that no argument is given under both of its names.
    pub fn new(
        map: &'a Map<String, Value>,
        accepted: impl Iterator<Item = Arg> + Clone,
    ) -> Result<Self, ArgError> {
        for key in map.keys() {
            let Some(arg) = accepted
                .clone()
                .find(|a| a.name() == key || a.twin() == Some(key))
            else {
                let names: Vec<&str> = accepted.clone().map(Arg::name).collect();
                let list = if names.is_empty() {
                    "no arguments".to_owned()
                } else {
                    names.join(", ")
                };
                return Err(ArgError(format!(
                    "unknown argument `{key}`; this tool takes {list}"
                )));
            };
            if arg.name() != key && map.contains_key(arg.name()) {
                return Err(ArgError(format!(
                    "give `{}` or `{key}`, not both",
                    arg.name()
                )));
            }
        }
        Ok(Self { map })
    }

    /// Whether the call gives `arg` (not null, not blank text).
    pub fn given(&self, arg: Arg) -> bool {
        self.value(arg)
            .is_some_and(|v| v.as_str().is_none_or(|t| !t.trim().is_empty()))
    }

    fn value(&self, arg: Arg) -> Option<&'a Value> {
        self.map
            .get(arg.name())
            .or_else(|| arg.twin().and_then(|t| self.map.get(t)))
            .filter(|v| !v.is_null())
    }

    /// An optional string argument (an empty string counts as absent).
    pub fn string(&self, arg: Arg) -> Result<Option<&'a str>, ArgError> {
        let name = arg.name();
        match self.value(arg) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(ArgError(format!(
                "`{name}` must be a string, got {}",
                describe(other)
            ))),
        }
    }

    /// An optional whole number within `min..=max`.
    pub fn integer(&self, arg: Arg, min: u64, max: u64) -> Result<Option<u64>, ArgError> {
        let name = arg.name();
        let Some(value) = self.value(arg) else {
            return Ok(None);
        };
        // Models often send numbers as text ("25") and ticket numbers as "#12345".
        let number = value
            .as_u64()
            .or_else(|| {
                value
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            })
            .or_else(|| {
                let text = value.as_str()?.trim();
                let digits = text.strip_prefix('#').unwrap_or(text);
                digits
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| digits.parse().ok())
                    .flatten()
            });
        match number {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ArgError(format!(
                "`{name}` must be a whole number from {min} to {max}, got {}",
                describe(value)
            ))),
        }
    }

    /// A required record id (a positive whole number).
    pub fn id(&self, arg: Arg) -> Result<u64, ArgError> {
        let name = arg.name();
        match self.integer(arg, 1, i32::MAX as u64) {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(ArgError(format!(
                "`{name}` is required: the record's numeric id"
            ))),
            Err(_) => Err(ArgError(format!(
                "`{name}` must be a record's numeric id (a positive whole number), got {}",
                describe(self.value(arg).unwrap_or(&Value::Null))
            ))),
        }
    }
}

/// A record named by its id, or by its identifier or exact name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdOrName<'a> {
    /// A numeric id.
    Id(u64),
    /// Text to look up.
    Name(&'a str),
}

impl<'a> Args<'a> {
    /// A required record reference: a numeric id (also as text, or `#12345`), or else a
    /// non-empty identifier or name to look up.
    pub fn id_or_name(&self, arg: Arg) -> Result<IdOrName<'a>, ArgError> {
        match self.id(arg) {
            Ok(id) => Ok(IdOrName::Id(id)),
            Err(error) => match self.value(arg) {
                Some(Value::String(text))
                    if !text.trim().is_empty() && !text.trim().starts_with('-') =>
                {
                    Ok(IdOrName::Name(text.trim()))
                }
                _ => Err(error),
            },
        }
    }
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn twins_nulls_and_types() {
        let m = map(json!({"order_by": "id desc", "pageSize": 5, "conditions": null, "page": 2.0}));
        let args = Args::new(
            &m,
            [Arg::Conditions, Arg::OrderBy, Arg::PageSize, Arg::Page].into_iter(),
        )
        .unwrap();
        assert_eq!(args.string(Arg::OrderBy).unwrap(), Some("id desc"));
        assert_eq!(args.integer(Arg::PageSize, 1, 1000).unwrap(), Some(5));
        assert_eq!(args.integer(Arg::Page, 1, 100).unwrap(), Some(2));
        assert_eq!(args.string(Arg::Conditions).unwrap(), None);
    }

    #[test]
    fn numbers_as_text_and_names_for_ids() {
        let m = map(
            json!({"pageSize": "25", "ticket_id": "#12345", "company_id": "ACME", "page": " 2 "}),
        );
        let args = Args::new(
            &m,
            [
                Arg::PageSize,
                Arg::Id("ticket_id"),
                Arg::Id("company_id"),
                Arg::Page,
            ]
            .into_iter(),
        )
        .unwrap();
        assert_eq!(args.integer(Arg::PageSize, 1, 1000).unwrap(), Some(25));
        assert_eq!(args.integer(Arg::Page, 1, 1000).unwrap(), Some(2));
        assert_eq!(
            args.id_or_name(Arg::Id("ticket_id")).unwrap(),
            IdOrName::Id(12345)
        );
        assert_eq!(
            args.id_or_name(Arg::Id("company_id")).unwrap(),
            IdOrName::Name("ACME")
        );
        let m = map(json!({"company_id": -4, "contact_id": ""}));
        let args = Args::new(
            &m,
            [Arg::Id("company_id"), Arg::Id("contact_id")].into_iter(),
        )
        .unwrap();
        assert!(args.id_or_name(Arg::Id("company_id")).is_err());
        assert!(args.id_or_name(Arg::Id("contact_id")).is_err());
    }

    #[test]
    fn errors_name_the_argument() {
        let m = map(json!({"limit": 5}));
        let err = Args::new(&m, [Arg::Conditions, Arg::PageSize].into_iter()).unwrap_err();
        assert_eq!(
            err.0,
            "unknown argument `limit`; this tool takes conditions, pageSize"
        );
        let m = map(json!({"pageSize": 5, "page_size": 6}));
        assert!(
            Args::new(&m, [Arg::PageSize].into_iter())
                .unwrap_err()
                .0
                .contains("not both")
        );
        let m =
            map(json!({"pageSize": "ten", "ticket_id": "1/../../system/members", "conditions": 5}));
        let args = Args::new(
            &m,
            [Arg::PageSize, Arg::Id("ticket_id"), Arg::Conditions].into_iter(),
        )
        .unwrap();
        assert!(
            args.integer(Arg::PageSize, 1, 1000)
                .unwrap_err()
                .0
                .starts_with("`pageSize` must be a whole number from 1 to 1000")
        );
        assert!(
            args.id(Arg::Id("ticket_id"))
                .unwrap_err()
                .0
                .starts_with("`ticket_id` must be a record's numeric id")
        );
        assert!(
            args.string(Arg::Conditions)
                .unwrap_err()
                .0
                .starts_with("`conditions` must be a string")
        );
        let empty = Map::new();
        assert_eq!(
            Args::new(&empty, [].into_iter())
                .unwrap()
                .id(Arg::Id("ticket_id"))
                .unwrap_err()
                .0,
            "`ticket_id` is required: the record's numeric id"
        );
        let m = map(json!({"ticket_id": -3}));
        assert!(
            Args::new(&m, [Arg::Id("ticket_id")].into_iter())
                .unwrap()
                .id(Arg::Id("ticket_id"))
                .is_err()
        );
        let m = map(json!({"pageSize": 1_000_000}));
        assert!(
            Args::new(&m, [Arg::PageSize].into_iter())
                .unwrap()
                .integer(Arg::PageSize, 1, 1000)
                .is_err()
        );
    }
}
