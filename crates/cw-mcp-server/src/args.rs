//! Reading tool arguments: original camelCase names and their snake_case
//! twins, `null` as absent, and errors that name the argument and say what fits.

use serde_json::{Map, Value};

/// An argument problem, phrased for the caller to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(pub String);

/// Each argument's canonical name and its accepted twin.
const TWINS: &[(&str, &str)] = &[
    ("orderBy", "order_by"),
    ("pageSize", "page_size"),
    ("childConditions", "child_conditions"),
    ("customFieldConditions", "custom_field_conditions"),
];

/// A tool call's arguments, checked against the names the tool accepts.
#[derive(Debug)]
pub struct Args<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Args<'a> {
    /// Checks that every given argument is one of `accepted` (or a twin) and
    /// that no argument is given under both of its names.
    pub fn new(map: &'a Map<String, Value>, accepted: &[&str]) -> Result<Self, ArgError> {
        for key in map.keys() {
            let canonical = canonical(key);
            if !accepted.contains(&canonical) {
                let list = if accepted.is_empty() {
                    "no arguments".to_owned()
                } else {
                    accepted.join(", ")
                };
                return Err(ArgError(format!(
                    "unknown argument `{key}`; this tool takes {list}"
                )));
            }
            if canonical != key && map.contains_key(canonical) {
                return Err(ArgError(format!("give `{canonical}` or `{key}`, not both")));
            }
        }
        Ok(Self { map })
    }

    fn value(&self, name: &str) -> Option<&'a Value> {
        let twin = TWINS.iter().find(|(c, _)| *c == name).map(|(_, t)| *t);
        self.map
            .get(name)
            .or_else(|| twin.and_then(|t| self.map.get(t)))
            .filter(|v| !v.is_null())
    }

    /// An optional string argument (an empty string counts as absent).
    pub fn string(&self, name: &str) -> Result<Option<&'a str>, ArgError> {
        match self.value(name) {
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
    pub fn integer(&self, name: &str, min: u64, max: u64) -> Result<Option<u64>, ArgError> {
        let Some(value) = self.value(name) else {
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
    pub fn id(&self, name: &str) -> Result<u64, ArgError> {
        match self.integer(name, 1, i32::MAX as u64) {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(ArgError(format!(
                "`{name}` is required: the record's numeric id"
            ))),
            Err(_) => Err(ArgError(format!(
                "`{name}` must be a record's numeric id (a positive whole number), got {}",
                describe(self.value(name).unwrap_or(&Value::Null))
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
    pub fn id_or_name(&self, name: &str) -> Result<IdOrName<'a>, ArgError> {
        match self.id(name) {
            Ok(id) => Ok(IdOrName::Id(id)),
            Err(error) => match self.value(name) {
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

/// The canonical name of an argument given under either name.
fn canonical(key: &str) -> &str {
    TWINS
        .iter()
        .find(|(_, twin)| *twin == key)
        .map_or(key, |(c, _)| c)
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
        let args = Args::new(&m, &["conditions", "orderBy", "pageSize", "page"]).unwrap();
        assert_eq!(args.string("orderBy").unwrap(), Some("id desc"));
        assert_eq!(args.integer("pageSize", 1, 1000).unwrap(), Some(5));
        assert_eq!(args.integer("page", 1, 100).unwrap(), Some(2));
        assert_eq!(args.string("conditions").unwrap(), None);
    }

    #[test]
    fn numbers_as_text_and_names_for_ids() {
        let m = map(
            json!({"pageSize": "25", "ticket_id": "#12345", "company_id": "ACME", "page": " 2 "}),
        );
        let args = Args::new(&m, &["pageSize", "ticket_id", "company_id", "page"]).unwrap();
        assert_eq!(args.integer("pageSize", 1, 1000).unwrap(), Some(25));
        assert_eq!(args.integer("page", 1, 1000).unwrap(), Some(2));
        assert_eq!(args.id_or_name("ticket_id").unwrap(), IdOrName::Id(12345));
        assert_eq!(
            args.id_or_name("company_id").unwrap(),
            IdOrName::Name("ACME")
        );
        let m = map(json!({"company_id": -4, "contact_id": ""}));
        let args = Args::new(&m, &["company_id", "contact_id"]).unwrap();
        assert!(args.id_or_name("company_id").is_err());
        assert!(args.id_or_name("contact_id").is_err());
    }

    #[test]
    fn errors_name_the_argument() {
        let m = map(json!({"limit": 5}));
        let err = Args::new(&m, &["conditions", "pageSize"]).unwrap_err();
        assert_eq!(
            err.0,
            "unknown argument `limit`; this tool takes conditions, pageSize"
        );
        let m = map(json!({"pageSize": 5, "page_size": 6}));
        assert!(
            Args::new(&m, &["pageSize"])
                .unwrap_err()
                .0
                .contains("not both")
        );
        let m =
            map(json!({"pageSize": "ten", "ticket_id": "1/../../system/members", "conditions": 5}));
        let args = Args::new(&m, &["pageSize", "ticket_id", "conditions"]).unwrap();
        assert!(
            args.integer("pageSize", 1, 1000)
                .unwrap_err()
                .0
                .starts_with("`pageSize` must be a whole number from 1 to 1000")
        );
        assert!(
            args.id("ticket_id")
                .unwrap_err()
                .0
                .starts_with("`ticket_id` must be a record's numeric id")
        );
        assert!(
            args.string("conditions")
                .unwrap_err()
                .0
                .starts_with("`conditions` must be a string")
        );
        let empty = Map::new();
        assert_eq!(
            Args::new(&empty, &[])
                .unwrap()
                .id("ticket_id")
                .unwrap_err()
                .0,
            "`ticket_id` is required: the record's numeric id"
        );
        let m = map(json!({"ticket_id": -3}));
        assert!(
            Args::new(&m, &["ticket_id"])
                .unwrap()
                .id("ticket_id")
                .is_err()
        );
        let m = map(json!({"pageSize": 1_000_000}));
        assert!(
            Args::new(&m, &["pageSize"])
                .unwrap()
                .integer("pageSize", 1, 1000)
                .is_err()
        );
    }
}
