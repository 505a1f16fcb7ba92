//! MCP resources: ConnectWise's reference lists (boards with their statuses and types,
//! priorities, members, company and contact types, ...), for clients that read resources
//! rather than call tools. They are the lists the client keeps for a while
//! ([`cw_client::REFERENCE_PATHS`]) that ConnectWise's document lists, read
//! through the same client as a tool call, so with the same cache, the same policy and,
//! in per-request mode, the caller's own ConnectWise view.

use cw_catalog::{Kind, catalog};
use cw_client::{ApiPath, Client, Query, REFERENCE_PATHS};
use rmcp::model::{CacheScope, ReadResourceResult, Resource, ResourceContents};
use serde_json::{Value, json};

use crate::catalog::search_key_fields;
use crate::errors::ToolFailure;

/// A resource's URI is this followed by its path without the leading `/`:
/// `connectwise://service/priorities`.
pub const SCHEME: &str = "connectwise://";

/// The most records a resource holds; a list longer than this says so.
const MOST_RECORDS: u32 = 1000;
/// The most boards whose statuses and types are read into `connectwise://service/boards`.
const MOST_BOARDS: usize = 50;
/// What identifies a reference record where no search tool names key fields.
const REFERENCE_FIELDS: &str = "id,name,identifier,description,defaultFlag,inactiveFlag";

/// The reference lists served, as API paths.
fn paths() -> impl Iterator<Item = &'static str> {
    REFERENCE_PATHS.iter().copied().filter(|path| {
        catalog()
            .endpoint(path)
            .is_some_and(|e| e.kind == Kind::Collection && e.documented)
    })
}

/// Every resource, for `resources/list`.
pub fn list() -> Vec<Resource> {
    paths()
        .map(|path| {
            let schema = catalog()
                .endpoint(path)
                .and_then(|e| e.schema.as_deref())
                .unwrap_or("record");
            let with = if path == "/service/boards" {
                ", each with its statuses (closed or not) and ticket types"
            } else {
                ""
            };
            Resource::new(format!("{SCHEME}{}", &path[1..]), &path[1..])
                .with_title(format!("{schema} list"))
                .with_description(format!(
                    "ConnectWise's {schema} records ({path}){with}: the values conditions and searches name."
                ))
                .with_mime_type("application/json")
        })
        .collect()
}

/// The resource at `uri`, read with `client`.
pub async fn read(client: &Client, uri: &str) -> Result<ReadResourceResult, ToolFailure> {
    let path = uri
        .strip_prefix(SCHEME)
        .map(|rest| format!("/{}", rest.trim_end_matches('/')))
        .filter(|path| paths().any(|p| p == path))
        .ok_or_else(|| {
            let uris: Vec<String> = paths().map(|p| format!("{SCHEME}{}", &p[1..])).collect();
            ToolFailure::not_found(format!(
                "no resource {uri}; the resources are {}",
                uris.join(", ")
            ))
        })?;
    let mut body = records(
        client,
        &path,
        search_key_fields(&path).unwrap_or(REFERENCE_FIELDS),
    )
    .await?;
    if path == "/service/boards" {
        with_statuses_and_types(client, &mut body).await?;
    }
    let text = serde_json::to_string(&body).unwrap_or_default();
    // Read with one member's credentials: no client or intermediary keeps it for another
    // (the server's own cache is keyed by credential).
    Ok(
        ReadResourceResult::new(vec![ResourceContents::TextResourceContents {
            uri: uri.to_owned(),
            mime_type: Some("application/json".into()),
            text,
            meta: None,
        }])
        .with_ttl_ms(0)
        .with_cache_scope(CacheScope::Private),
    )
}

/// `{path, records, hasMore}`: the first [`MOST_RECORDS`] records of `path` with `fields`.
async fn records(client: &Client, path: &str, fields: &str) -> Result<Value, ToolFailure> {
    let api = ApiPath::checked(path).map_err(ToolFailure::invalid)?;
    let query = Query::new()
        .fields(fields)
        .order_by("id")
        .page_size(MOST_RECORDS);
    let page = client
        .list_values(&api, &query)
        .await
        .map_err(|e| ToolFailure::from_client(e, || format!("nothing at {path}")))?;
    Ok(json!({"path": path, "records": page.items, "hasMore": page.has_more}))
}

/// Each board's statuses and types beside it, for the first [`MOST_BOARDS`] boards.
async fn with_statuses_and_types(client: &Client, body: &mut Value) -> Result<(), ToolFailure> {
    let Some(boards) = body["records"].as_array_mut() else {
        return Ok(());
    };
    for board in boards.iter_mut().take(MOST_BOARDS) {
        let Some(id) = board["id"].as_u64() else {
            continue;
        };
        for (child, fields) in [
            ("statuses", "id,name,closedStatus,defaultFlag"),
            ("types", "id,name"),
        ] {
            let listed = records(client, &format!("/service/boards/{id}/{child}"), fields).await?;
            board[child] = listed["records"].clone();
        }
    }
    Ok(())
}
