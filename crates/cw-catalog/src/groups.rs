//! Data groups: the paths that serve the same data, so that a policy can name the data once.
//!
//! ConnectWise answers the same records under more than one path: members' names and e-mail
//! addresses come from `/system/members` and from `/service/scheduling/members/info`, a
//! ticket's time entries from `/time/entries` and `/service/tickets/{parentId}/timeentries`.
//! `api/data-groups.json` names each group by the schemas of its records (and any path the
//! document gives no schema); its paths are every endpoint answering those schemas.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{DataGroup, Endpoint};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Definition {
    about: String,
    schemas: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
}

/// The groups `definitions` describes over these endpoints; an error names a schema or path
/// the catalog does not have.
pub(crate) fn compile(
    definitions: &str,
    endpoints: &[Endpoint],
    has_schema: impl Fn(&str) -> bool,
) -> Result<Vec<DataGroup>, String> {
    let definitions: BTreeMap<String, Definition> =
        serde_json::from_str(definitions).map_err(|e| format!("the data groups: {e}"))?;
    definitions
        .into_iter()
        .map(|(name, definition)| {
            if let Some(unknown) = definition.schemas.iter().find(|s| !has_schema(s)) {
                return Err(format!(
                    "data group `{name}` names the schema {unknown}, which the document lacks"
                ));
            }
            if let Some(unknown) = definition
                .paths
                .iter()
                .find(|p| !endpoints.iter().any(|e| &e.path == *p))
            {
                return Err(format!(
                    "data group `{name}` names the path {unknown}, which the catalog lacks"
                ));
            }
            let mut paths: Vec<&str> = endpoints
                .iter()
                .filter(|e| {
                    e.schema
                        .as_ref()
                        .is_some_and(|s| definition.schemas.contains(s))
                        || definition.paths.contains(&e.path)
                })
                .map(|e| e.path.as_str())
                .collect();
            paths.sort_by_key(|p| p.len());
            let mut covering: Vec<String> = Vec::new();
            for path in paths {
                if !covering.iter().any(|c| covers(c, path)) {
                    covering.push(path.to_owned());
                }
            }
            covering.sort();
            Ok(DataGroup {
                name,
                about: definition.about,
                paths: covering,
            })
        })
        .collect()
}

/// True when the template `outer` is `inner` or a leading part of it, any two parameters equal.
fn covers(outer: &str, inner: &str) -> bool {
    let outer: Vec<&str> = outer.split('/').filter(|s| !s.is_empty()).collect();
    let inner: Vec<&str> = inner.split('/').filter(|s| !s.is_empty()).collect();
    let parameter = |s: &str| s.starts_with('{');
    outer.len() <= inner.len()
        && outer
            .iter()
            .zip(&inner)
            .all(|(o, i)| o.eq_ignore_ascii_case(i) || (parameter(o) && parameter(i)))
}

#[cfg(test)]
mod tests {
    use crate::catalog;

    #[test]
    fn a_group_holds_every_path_serving_its_data_and_nothing_twice() {
        let members = catalog().group("members").expect("the members group");
        assert_eq!(
            members.paths,
            [
                "/service/scheduling/members/info",
                "/service/scheduling/members/{id}/info",
                "/system/members",
            ]
        );
        let time = catalog().group("Time").expect("names ignore case");
        assert!(
            time.paths
                .contains(&"/service/tickets/{parentId}/timeentries".to_owned())
        );
        assert!(time.paths.contains(&"/time/entries".to_owned()));
    }

    #[test]
    fn a_group_naming_what_the_document_lacks_is_an_error() {
        let endpoints = &catalog().endpoints;
        let wrong_schema = r#"{"x": {"about": "x", "schemas": ["Nope"]}}"#;
        let error = super::compile(wrong_schema, endpoints, |_| false).unwrap_err();
        assert!(error.contains("schema Nope"), "{error}");
        let wrong_path = r#"{"x": {"about": "x", "schemas": [], "paths": ["/no/such"]}}"#;
        let error = super::compile(wrong_path, endpoints, |_| true).unwrap_err();
        assert!(error.contains("/no/such"), "{error}");
    }
}
