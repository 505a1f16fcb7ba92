//! The resource table: each ConnectWise collection as a marker type that names
//! its path and record model. `client.list::<Tickets>(..)`,
//! `client.get::<Tickets>(42)`, `client.list_children::<TicketNotes>(42, ..)`.
//! The table itself is data, `resources.txt` beside the crate's `Cargo.toml`.

use serde::de::DeserializeOwned;

use crate::models::*;

/// A collection under `/apis/3.0` that can be listed and counted.
pub trait Collection {
    /// The record model.
    type Item: DeserializeOwned;
    /// The collection path, e.g. `/service/tickets`.
    const PATH: &'static str;
}

/// A collection whose records can be fetched by id at `{PATH}/{id}`.
pub trait Record: Collection {}

/// A reference list: a collection that changes seldom (boards, statuses, priorities, types,
/// members), whose answers the client keeps for a while (see [`crate::Sharing`]) and the MCP
/// server offers as resources. Every one is in [`REFERENCE_PATHS`].
pub trait ReferenceList: Collection {}

/// A collection under a parent record: `{PARENT}/{id}/{CHILD}`.
pub trait Children {
    /// The record model.
    type Item: DeserializeOwned;
    /// The parent collection's path.
    const PARENT: &'static str;
    /// The child segment.
    const CHILD: &'static str;
}

// The marker types of `resources.txt`, one collection a line, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/resources.rs"));

/// A request path under `/apis/3.0`, built only from the static paths above
/// and numeric ids, so no argument can turn into another path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPath(String);

impl ApiPath {
    /// A collection: `/service/tickets`.
    pub fn collection(path: &'static str) -> Self {
        Self(path.to_owned())
    }

    /// One record: `/service/tickets/42`.
    pub fn record(path: &'static str, id: u64) -> Self {
        Self(format!("{path}/{id}"))
    }

    /// A parent's children: `/service/tickets/42/notes`.
    pub fn children(parent: &'static str, id: u64, child: &'static str) -> Self {
        Self(format!("{parent}/{id}/{child}"))
    }

    /// Any path from untrusted text, checked: `/`-separated segments of letters, digits,
    /// `_`, `-` and `.` (no `.` or `..` alone), so it stays one path under `/apis/3.0`
    /// and carries no query, fragment or escape.
    pub fn checked(path: &str) -> Result<Self, String> {
        let trimmed = path.trim().trim_end_matches('/');
        let segments: Vec<&str> = trimmed.trim_start_matches('/').split('/').collect();
        let safe = |s: &&str| {
            !s.is_empty()
                && *s != "."
                && *s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        };
        if segments.iter().all(safe) {
            Ok(Self(format!("/{}", segments.join("/"))))
        } else {
            Err(format!(
                "`{}` is not a ConnectWise path: write segments of letters, digits, _ - and . separated by /, such as /service/tickets/20001/notes",
                path.chars().take(80).collect::<String>()
            ))
        }
    }

    /// The `/count` beside this collection.
    pub fn count(&self) -> Self {
        Self(format!("{}/count", self.0))
    }

    /// The path as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod path_tests {
    use super::ApiPath;

    #[test]
    fn checked_paths_stay_one_path() {
        assert_eq!(
            ApiPath::checked("service/tickets/20001/notes/")
                .unwrap()
                .as_str(),
            "/service/tickets/20001/notes"
        );
        for bad in [
            "/service/tickets/../system/members",
            "/service/tickets?conditions=x",
            "/service/tickets/%2e%2e",
            "/service//tickets",
            "",
            "/service/tickets#x",
            "/service/ti ckets",
        ] {
            assert!(ApiPath::checked(bad).is_err(), "{bad}");
        }
    }
}
