//! The catalog of ConnectWise Manage's GET endpoints, compiled once from
//! ConnectWise's own OpenAPI document (`api/`), which is vendored as data.
//!
//! An [`Endpoint`] is a path template with its kind (a collection, one record,
//! a `/count`, or another answer), its module and summary, the query
//! parameters it takes, and the [`Schema`] of what it answers. A schema's
//! fields carry their types, enums and references, so that a field path such
//! as `company/identifier` can be checked before a request is sent.
//!
//! ```
//! let catalog = cw_catalog::catalog();
//! let (endpoint, ids) = catalog.route("/service/tickets/20001/notes").unwrap();
//! assert_eq!(endpoint.path, "/service/tickets/{parentId}/notes");
//! assert_eq!(ids, [("parentId".to_owned(), "20001".to_owned())]);
//! assert!(catalog.field(endpoint.schema.as_deref().unwrap(), "member/identifier").is_some());
//! ```

mod compile;
mod groups;
pub mod nearest;
mod search;

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The vendored document.
pub const DOCUMENT: &str = include_str!("../api/connectwise-manage-2026.4-get.openapi.json");
/// GET paths ConnectWise serves that the document omits, with summaries.
pub const BEYOND_THE_DOCUMENT: &str = include_str!("../api/beyond-the-document.json");

/// Which paths serve the same data (members, contacts, ticket notes, ...): see [`DataGroup`].
pub const DATA_GROUPS: &str = include_str!("../api/data-groups.json");

/// The catalog of [`DOCUMENT`], [`BEYOND_THE_DOCUMENT`] and [`DATA_GROUPS`], compiled on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        compile::compile(DOCUMENT, BEYOND_THE_DOCUMENT, DATA_GROUPS)
            .expect("the vendored document compiles")
    })
}

/// What an endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A page of records (`conditions`, `orderBy`, `fields`, paging).
    Collection,
    /// One record by id.
    Record,
    /// `{"count": N}` for the same conditions as its collection.
    Count,
    /// Anything else: defaults, images, reports, `info` forms.
    Other,
}

impl Kind {
    /// Its name in tool answers.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Collection => "list",
            Kind::Record => "record",
            Kind::Count => "count",
            Kind::Other => "other",
        }
    }
}

/// One GET endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// The path template below `/apis/3.0`, e.g. `/service/tickets/{parentId}/notes`.
    pub path: String,
    /// What it answers.
    pub kind: Kind,
    /// Its first segment: `service`, `company`, `finance`, ...
    pub module: String,
    /// ConnectWise's summary of it, cleaned of .NET type names.
    pub summary: String,
    /// The schema of its records (of each item, for a collection).
    pub schema: Option<String>,
    /// Its query parameters.
    pub query: Vec<String>,
    /// False for a path ConnectWise serves but its document omits: nothing about it is checked.
    pub documented: bool,
    /// The media type of the file it answers instead of JSON (`application/pdf`, an image's
    /// `application/octet-stream`).
    pub file: Option<String>,
}

impl Endpoint {
    /// The names of its path parameters, in order.
    pub fn path_parameters(&self) -> impl Iterator<Item = &str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    }
}

/// The type of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// Text.
    String,
    /// A date and time, written `[2024-01-31T00:00:00Z]` in conditions.
    DateTime,
    /// A whole number.
    Integer,
    /// A decimal number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A reference to another record, with the schema's name.
    Reference(String),
    /// A list of items of this type.
    Array(Box<FieldType>),
    /// Free-form JSON.
    Object,
}

impl FieldType {
    /// How the type is named in descriptions: `string`, `datetime`, `reference to Company`, ...
    pub fn describe(&self) -> String {
        match self {
            FieldType::String => "string".into(),
            FieldType::DateTime => "datetime".into(),
            FieldType::Integer => "integer".into(),
            FieldType::Number => "number".into(),
            FieldType::Boolean => "boolean".into(),
            FieldType::Reference(schema) => format!("reference ({schema})"),
            FieldType::Array(item) => format!("list of {}", item.describe()),
            FieldType::Object => "object".into(),
        }
    }
}

/// One field of a schema.
#[derive(Debug, Clone)]
pub struct Field {
    /// Its name, e.g. `summary`.
    pub name: String,
    /// Its type.
    pub kind: FieldType,
    /// The values it may take, for enums.
    pub values: Vec<String>,
    /// ConnectWise's description, when it has one.
    pub description: String,
    /// True when ConnectWise requires it on a record.
    pub required: bool,
    /// The text's format where the document names one beside its type (`uuid`).
    pub format: Option<String>,
}

/// A record schema: its fields in the document's order.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Its name, e.g. `Ticket`.
    pub name: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// The compiled catalog.
#[derive(Debug)]
pub struct Catalog {
    /// Every endpoint, sorted by path.
    pub endpoints: Vec<Endpoint>,
    /// Every schema, by name.
    pub schemas: BTreeMap<String, Schema>,
    /// The groups of paths that serve the same data, by name.
    pub groups: Vec<DataGroup>,
    /// The document's version, e.g. `2026.4`.
    pub version: String,
}

/// The paths that serve one kind of data, so that an access policy can name the data once
/// (`@members`) rather than each path that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataGroup {
    /// Its name, e.g. `members`.
    pub name: String,
    /// What the data is, for people.
    pub about: String,
    /// The path templates that serve it, none below another.
    pub paths: Vec<String>,
}

impl Catalog {
    /// The data group with this name, whatever its case.
    pub fn group(&self, name: &str) -> Option<&DataGroup> {
        self.groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }

    /// The endpoint with this exact template.
    pub fn endpoint(&self, template: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.path == template)
    }

    /// The endpoint a concrete path (`/service/tickets/20001/notes`) names, with its
    /// path parameters' values. Literal segments match case-insensitively and win over
    /// parameters (`/company/companies/types` is the types list, not company `types`).
    pub fn route(&self, path: &str) -> Option<(&Endpoint, Vec<(String, String)>)> {
        let given: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.endpoints
            .iter()
            .filter_map(|endpoint| {
                let template: Vec<&str> = endpoint.path.trim_matches('/').split('/').collect();
                if template.len() != given.len() {
                    return None;
                }
                let mut literals = 0;
                let mut values = Vec::new();
                for (t, g) in template.iter().zip(&given) {
                    if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                        if g.is_empty() {
                            return None;
                        }
                        values.push((name.to_owned(), (*g).to_owned()));
                    } else if t.eq_ignore_ascii_case(g) {
                        literals += 1;
                    } else {
                        return None;
                    }
                }
                Some((literals, endpoint, values))
            })
            .max_by_key(|(literals, _, _)| *literals)
            .map(|(_, endpoint, values)| (endpoint, values))
    }

    /// A schema by name.
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.get(name)
    }

    /// The field at a `/`-separated path through references (`company/identifier`,
    /// `_info/dateEntered`), from the schema named `schema`.
    pub fn field(&self, schema: &str, path: &str) -> Option<&Field> {
        let mut current = self.schema(schema)?;
        let mut segments = path.split('/').peekable();
        while let Some(segment) = segments.next() {
            let field = current.fields.iter().find(|f| f.name == segment)?;
            if segments.peek().is_none() {
                return Some(field);
            }
            let next = match &field.kind {
                FieldType::Reference(name) => name,
                FieldType::Array(item) => match item.as_ref() {
                    FieldType::Reference(name) => name,
                    _ => return None,
                },
                _ => return None,
            };
            current = self.schema(next)?;
        }
        None
    }

    /// Every field path of a schema one reference deep (`summary`, `company/identifier`), for
    /// suggesting the nearest when a caller names one that does not exist.
    pub fn field_paths(&self, schema: &str) -> Vec<String> {
        let Some(schema) = self.schema(schema) else {
            return Vec::new();
        };
        let mut paths = Vec::new();
        for field in &schema.fields {
            paths.push(field.name.clone());
            if let FieldType::Reference(name) = &field.kind
                && let Some(referenced) = self.schema(name)
            {
                paths.extend(
                    referenced
                        .fields
                        .iter()
                        .filter(|f| f.name != "_info")
                        .map(|f| format!("{}/{}", field.name, f.name)),
                );
            }
        }
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_compiles_into_every_path() {
        let catalog = catalog();
        assert_eq!(catalog.version, "2026.4");
        let documented = catalog.endpoints.iter().filter(|e| e.documented).count();
        assert_eq!(documented, 324);
        assert!(catalog.endpoints.len() > documented);
        let count = |kind| {
            catalog
                .endpoints
                .iter()
                .filter(|e| e.documented && e.kind == kind)
                .count()
        };
        assert_eq!(
            (
                count(Kind::Collection),
                count(Kind::Record),
                count(Kind::Count)
            ),
            (151, 71, 85)
        );
        let tickets = catalog.endpoint("/service/tickets").unwrap();
        assert_eq!(
            (
                tickets.kind,
                tickets.module.as_str(),
                tickets.schema.as_deref()
            ),
            (Kind::Collection, "service", Some("Ticket"))
        );
        assert!(tickets.query.iter().any(|q| q == "conditions"));
        assert!(
            !tickets.summary.contains("ConnectWise.Apis"),
            "{}",
            tickets.summary
        );
    }

    #[test]
    fn paths_route_to_the_most_literal_template() {
        let catalog = catalog();
        let (types, ids) = catalog.route("/company/companies/types").unwrap();
        assert_eq!(
            (types.path.as_str(), ids.len()),
            ("/company/companies/types", 0)
        );
        let (company, ids) = catalog.route("/Company/Companies/2").unwrap();
        assert_eq!(company.path, "/company/companies/{id}");
        assert_eq!(ids, [("id".to_owned(), "2".to_owned())]);
        assert_eq!(catalog.route("/company/companies/2/nothing"), None);
        assert_eq!(catalog.route("/nowhere"), None);
    }

    #[test]
    fn field_paths_follow_references() {
        let catalog = catalog();
        let field = catalog.field("Ticket", "company/identifier").unwrap();
        assert_eq!(field.kind, FieldType::String);
        assert_eq!(
            catalog.field("Ticket", "closedFlag").unwrap().kind,
            FieldType::Boolean
        );
        let record_type = catalog.field("Ticket", "recordType").unwrap();
        assert!(record_type.values.iter().any(|v| v == "ServiceTicket"));
        assert!(catalog.field("Ticket", "company/nope").is_none());
        assert!(
            catalog
                .field_paths("Ticket")
                .iter()
                .any(|p| p == "status/name")
        );
    }
}
