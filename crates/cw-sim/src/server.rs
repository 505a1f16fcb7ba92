//! The HTTP side: routing, auth and roles, and the middleware that journals and
//! injects faults. Query parameters and paging are `paging.rs`'s.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State as AxumState};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::auth;
use crate::data::{Dataset, record_id};
use crate::errors::SimError;
use crate::members::{Member, Role};
use crate::paging::{Params, count, list};
use crate::resources::{RESOURCES, Target, route};
use crate::synth::SynthTarget;

/// Everything a request handler reads.
#[derive(Debug)]
pub struct State {
    /// The records.
    pub dataset: Arc<Dataset>,
    /// The API members accepted, the one with every permission first.
    pub members: Vec<Member>,
    /// A pinned clientId (any GUID is accepted when `None`).
    pub client_id: Option<String>,
    /// Delay added to every request.
    pub latency: Option<Duration>,
    /// Fault injection and the request journal, for tests.
    #[cfg(feature = "harness")]
    pub harness: crate::harness::Harness,
}

type Shared = Arc<State>;

/// The simulator's router.
pub fn router(state: Shared) -> Router {
    let router = Router::new()
        .route("/login/companyinfo/{company}", get(company_info))
        .fallback(api);
    #[cfg(feature = "harness")]
    let router = router.layer(middleware::from_fn_with_state(
        state.clone(),
        crate::harness::journal_and_faults,
    ));
    router
        .layer(middleware::from_fn_with_state(state.clone(), delay))
        .with_state(state)
}

/// Delays every answer by the configured latency.
async fn delay(AxumState(state): AxumState<Shared>, request: Request, next: Next) -> Response {
    if let Some(latency) = state.latency {
        tokio::time::sleep(latency).await;
    }
    next.run(request).await
}

async fn company_info(
    AxumState(state): AxumState<Shared>,
    Path(company): Path<String>,
) -> Response {
    let ours = &state.members[0].credentials.company;
    if !company.eq_ignore_ascii_case(ours) {
        return SimError::Status {
            status: StatusCode::NOT_FOUND,
            code: "NotFound".into(),
            message: format!("Company {company} not found"),
        }
        .into_response();
    }
    axum::Json(json!({
        "CompanyName": "Demo MSP", "Codebase": "v4_6_release/", "VersionCode": "v2025.1",
        "VersionNumber": "v2025.1.10487", "CompanyID": ours, "IsCloud": false,
    }))
    .into_response()
}

/// Everything under `/{codebase}/apis/3.0`.
async fn api(
    AxumState(state): AxumState<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let Some(rest) = api_path(uri.path()) else {
        return SimError::NoRoute(uri.path().to_owned()).into_response();
    };
    if method != Method::GET {
        return SimError::MethodNotAllowed(method.to_string()).into_response();
    }
    let member = match auth::authenticate(&headers, &state.members, state.client_id.as_deref()) {
        Ok(member) => member,
        Err(denied) => return denied.into_response(),
    };
    let answer = match member.role.denied_module(rest) {
        Some(module) => Err(SimError::Forbidden(format!(
            "Member {} has no security role access to the {module} module",
            member.identifier
        ))),
        None => answer(&state, &member.role, rest, query, &headers, &uri),
    };
    let response = answer.unwrap_or_else(IntoResponse::into_response);
    #[cfg(feature = "harness")]
    let response = crate::harness::answered_for(response, &member.identifier);
    response
}

/// The answer to an authenticated GET under the API root, seen through `role`.
fn answer(
    state: &State,
    role: &Role,
    rest: &str,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Response, SimError> {
    let Ok(Query(pairs)) = query else {
        return Err(SimError::invalid(
            "query",
            "The query string could not be decoded",
        ));
    };
    let params = Params::read(&pairs)?;
    let forward_only = headers
        .get("pagination-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("forward-only"));
    let data = &state.dataset;
    let table = |key: &str| data.table(key).expect("every routed table is generated");
    let visible = |path: &str| {
        table(path)
            .records()
            .iter()
            .filter(|r| role.sees(path, r))
            .collect::<Vec<_>>()
    };
    let parent_hidden = |path: &str, id: u64| {
        table(path)
            .get(id)
            .is_none_or(|record| !role.sees(path, record))
    };
    match route(rest) {
        None => synthesized(data, rest, &params, forward_only, headers, uri),
        Some(Target::SystemInfo) => Ok(axum::Json(data.system_info.clone()).into_response()),
        Some(Target::List(path)) => list(visible(path), &params, forward_only, headers, uri),
        Some(Target::Count(path)) => Ok(count(visible(path), &params)),
        Some(Target::Record(path, entity, id)) => {
            match table(path).get(id).filter(|r| role.sees(path, r)) {
                Some(record) => Ok(axum::Json(record.clone()).into_response()),
                None => Err(SimError::not_found(entity, id)),
            }
        }
        Some(Target::Children(child, parent)) | Some(Target::ChildCount(child, parent))
            if parent_hidden(child.resource().parent, parent) =>
        {
            let entity = RESOURCES
                .iter()
                .find(|r| r.path == child.resource().parent)
                .map_or("Record", |r| r.entity);
            Err(SimError::not_found(entity, parent))
        }
        Some(Target::Children(child, parent)) => {
            let resource = child.resource();
            let records: Vec<Value> = table(&resource.table_key())
                .children_of(parent)
                .into_iter()
                .map(|r| resource.present(r))
                .collect();
            list(
                records.iter().collect(),
                &params,
                forward_only,
                headers,
                uri,
            )
        }
        Some(Target::ChildCount(child, parent)) => Ok(count(
            table(&child.resource().table_key()).children_of(parent),
            &params,
        )),
        Some(Target::ChildRecord(child, parent, id))
            if parent_hidden(child.resource().parent, parent) =>
        {
            Err(SimError::not_found(child.resource().entity, id))
        }
        Some(Target::ChildRecord(child, parent, id)) => {
            let records = table(&child.resource().table_key()).children_of(parent);
            match records.into_iter().find(|r| record_id(r) == id) {
                Some(record) => Ok(axum::Json(child.resource().present(record)).into_response()),
                None => Err(SimError::not_found(child.resource().entity, id)),
            }
        }
    }
}

/// A path of ConnectWise's document that the curated data does not cover, answered from
/// records synthesized from its schema.
fn synthesized(
    data: &Dataset,
    rest: &str,
    params: &Params,
    forward_only: bool,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Response, SimError> {
    match data.synthesized().route(data, rest) {
        None => Err(SimError::NoRoute(uri.path().to_owned())),
        Some(Err((entity, id))) => Err(SimError::not_found(entity, id)),
        Some(Ok(SynthTarget::List(table, parent))) => {
            list(table.under(parent), params, forward_only, headers, uri)
        }
        Some(Ok(SynthTarget::Count(table, parent))) => Ok(count(table.under(parent), params)),
        Some(Ok(SynthTarget::Record(Some(record), _, _))) => Ok(axum::Json(record).into_response()),
        Some(Ok(SynthTarget::Record(None, entity, id))) => Err(SimError::not_found(entity, id)),
        Some(Ok(SynthTarget::Other(answer))) => Ok(axum::Json(answer).into_response()),
        Some(Ok(SynthTarget::File(media))) => Ok(file(media)),
    }
}

/// A small file of `media`'s kind: a one-page PDF, or a one-pixel PNG for an image.
fn file(media: &'static str) -> Response {
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R', 0,
        0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0d, b'I', b'D',
        b'A', b'T', 0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0,
        b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82,
    ];
    let body = if media == "application/pdf" { PDF } else { PNG };
    ([(axum::http::header::CONTENT_TYPE, media)], body).into_response()
}

/// The part after `/{codebase}/apis/3.0`, for any codebase segment of the form `v...`.
fn api_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    let (codebase, rest) = rest.split_once('/')?;
    let valid_codebase = codebase.len() > 1
        && codebase.starts_with(['v', 'V'])
        && codebase
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    let rest = rest.strip_prefix("apis/3.0")?;
    (valid_codebase && (rest.is_empty() || rest.starts_with('/'))).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_need_a_codebase_and_the_version() {
        assert_eq!(
            api_path("/v4_6_release/apis/3.0/service/tickets"),
            Some("/service/tickets")
        );
        assert_eq!(
            api_path("/v2025_1/apis/3.0/system/info"),
            Some("/system/info")
        );
        assert_eq!(api_path("/v2023.2/apis/3.0"), Some(""));
        assert_eq!(api_path("/release/apis/3.0/service/tickets"), None);
        assert_eq!(api_path("/v4_6_release/apis/2.0/service/tickets"), None);
        assert_eq!(api_path("/v4_6_release/apis/3.0x/service"), None);
    }
}
