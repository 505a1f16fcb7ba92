//! The HTTP side: routing, paging with `Link` headers, `/count`, `fields`,
//! `orderBy`, conditions, and the middleware that journals and injects faults.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cw_client::conditions::{self, Expr};
use serde_json::{Value, json};

use crate::auth;
use crate::data::{Dataset, record_id};
use crate::errors::{cw_error, invalid, no_route, not_found, out_of_range};
use crate::eval;
use crate::faults::Faults;
use crate::journal::{Journal, JournalEntry};
use crate::members::{Member, Role};
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
    /// Injected faults.
    pub faults: Faults,
    /// Received requests.
    pub journal: Journal,
}

type Shared = Arc<State>;

/// The simulator's router.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/login/companyinfo/{company}", get(company_info))
        .fallback(api)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            journal_and_faults,
        ))
        .with_state(state)
}

async fn journal_and_faults(
    AxumState(state): AxumState<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let headers = request
        .headers()
        .iter()
        .filter(|(name, _)| *name != header::AUTHORIZATION)
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Some(latency) = state.latency {
        tokio::time::sleep(latency).await;
    }
    let fault = state.faults.take(&path);
    if let Some(latency) = fault.as_ref().and_then(|f| f.latency) {
        let _stall = state.faults.stall();
        tokio::time::sleep(latency).await;
    }
    let response = match fault.and_then(|f| f.response()) {
        Some(response) => response,
        None => next.run(request).await,
    };
    state.journal.record(JournalEntry {
        method,
        path,
        query,
        headers,
        status: response.status().as_u16(),
        member: response
            .extensions()
            .get::<Authenticated>()
            .map(|a| a.0.clone()),
    });
    response
}

/// The identifier of the member a request was answered for, for the journal.
#[derive(Clone)]
struct Authenticated(String);

async fn company_info(
    AxumState(state): AxumState<Shared>,
    Path(company): Path<String>,
) -> Response {
    let ours = &state.members[0].credentials.company;
    if !company.eq_ignore_ascii_case(ours) {
        return cw_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("Company {company} not found"),
        );
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
        return no_route(uri.path());
    };
    if method != Method::GET {
        return cw_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("{method} is not supported by this simulator"),
        );
    }
    let member = match auth::authenticate(&headers, &state.members, state.client_id.as_deref()) {
        Ok(member) => member,
        Err(denied) => return *denied,
    };
    let mut response = match member.role.denied_module(rest) {
        Some(module) => cw_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!(
                "Member {} has no security role access to the {module} module",
                member.identifier
            ),
        ),
        None => answer(&state, &member.role, rest, query, &headers, &uri),
    };
    response
        .extensions_mut()
        .insert(Authenticated(member.identifier.clone()));
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
) -> Response {
    let Ok(Query(pairs)) = query else {
        return invalid("query", "The query string could not be decoded");
    };
    let params = match Params::read(&pairs) {
        Ok(params) => params,
        Err(response) => return *response,
    };
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
        Some(Target::SystemInfo) => axum::Json(data.system_info.clone()).into_response(),
        Some(Target::List(path)) => list(visible(path), &params, forward_only, headers, uri),
        Some(Target::Count(path)) => count(visible(path), &params),
        Some(Target::Record(path, entity, id)) => {
            match table(path).get(id).filter(|r| role.sees(path, r)) {
                Some(record) => axum::Json(record.clone()).into_response(),
                None => not_found(entity, id),
            }
        }
        Some(Target::Children(child, parent)) | Some(Target::ChildCount(child, parent))
            if parent_hidden(child.resource().parent, parent) =>
        {
            let entity = RESOURCES
                .iter()
                .find(|r| r.path == child.resource().parent)
                .map_or("Record", |r| r.entity);
            not_found(entity, parent)
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
        Some(Target::ChildCount(child, parent)) => count(
            table(&child.resource().table_key()).children_of(parent),
            &params,
        ),
        Some(Target::ChildRecord(child, parent, id))
            if parent_hidden(child.resource().parent, parent) =>
        {
            not_found(child.resource().entity, id)
        }
        Some(Target::ChildRecord(child, parent, id)) => {
            let records = table(&child.resource().table_key()).children_of(parent);
            match records.into_iter().find(|r| record_id(r) == id) {
                Some(record) => axum::Json(child.resource().present(record)).into_response(),
                None => not_found(child.resource().entity, id),
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
) -> Response {
    match data.synthesized().route(data, rest) {
        None => no_route(uri.path()),
        Some(Err((entity, id))) => not_found(&entity, id),
        Some(Ok(SynthTarget::List(table, parent))) => {
            list(table.under(parent), params, forward_only, headers, uri)
        }
        Some(Ok(SynthTarget::Count(table, parent))) => count(table.under(parent), params),
        Some(Ok(SynthTarget::Record(Some(record), _, _))) => axum::Json(record).into_response(),
        Some(Ok(SynthTarget::Record(None, entity, id))) => not_found(entity, id),
        Some(Ok(SynthTarget::Other(answer))) => axum::Json(answer).into_response(),
    }
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

/// The query parameters, checked.
struct Params {
    conditions: Option<Expr>,
    child_conditions: Option<Expr>,
    custom_field_conditions: Option<Expr>,
    order_by: Vec<eval::SortKey>,
    has_order_by: bool,
    fields: Option<Vec<Vec<String>>>,
    page: usize,
    page_size: usize,
    page_id: u64,
    pairs: Vec<(String, String)>,
}

impl Params {
    fn read(pairs: &[(String, String)]) -> Result<Params, Box<Response>> {
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
        };
        let conditions = |name: &'static str| -> Result<Option<Expr>, Box<Response>> {
            match get(name).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(text) => conditions::parse(text).map(Some).map_err(|e| {
                    Box::new(invalid(name, format!("{name} could not be parsed: {e}")))
                }),
            }
        };
        let number =
            |name: &'static str, default: u64, min: u64, max: u64| -> Result<u64, Box<Response>> {
                match get(name).filter(|v| !v.is_empty()) {
                    None => Ok(default),
                    Some(text) => match text.parse::<i128>() {
                        Ok(n) if n >= i128::from(min) && n <= i128::from(max) => Ok(n as u64),
                        Ok(_) if max == u64::MAX => Err(Box::new(out_of_range(
                            name,
                            format!("The field {name} must be {min} or more."),
                        ))),
                        Ok(_) => Err(Box::new(out_of_range(
                            name,
                            format!("The field {name} must be between {min} and {max}."),
                        ))),
                        Err(_) => Err(Box::new(invalid(
                            name,
                            format!("The value '{text}' is not valid for {name}."),
                        ))),
                    },
                }
            };
        let order_by_text = get("orderBy").filter(|v| !v.is_empty());
        let order_by = match order_by_text {
            None => Vec::new(),
            Some(text) => eval::parse_order_by(text).map_err(|item| {
                Box::new(invalid(
                    "orderBy",
                    format!("orderBy item '{item}' is not 'field', 'field asc' or 'field desc'"),
                ))
            })?,
        };
        let fields = match get("fields").filter(|v| !v.is_empty()) {
            None => None,
            Some(text) => Some(
                text.split(',')
                    .map(|f| {
                        let f = f.trim();
                        conditions::field(f)
                            .map(|_| f.split('/').map(str::to_owned).collect())
                            .map_err(|_| {
                                Box::new(invalid("fields", format!("'{f}' is not a field path")))
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(Params {
            conditions: conditions("conditions")?,
            child_conditions: conditions("childConditions")?,
            custom_field_conditions: conditions("customFieldConditions")?,
            has_order_by: order_by_text.is_some(),
            order_by,
            fields,
            page: number("page", 1, 1, u64::MAX)? as usize,
            page_size: number("pageSize", 25, 1, 1000)? as usize,
            page_id: number("pageId", 0, 0, u64::MAX)?,
            pairs: pairs.to_vec(),
        })
    }

    fn keep(&self, record: &Value) -> bool {
        self.conditions
            .as_ref()
            .is_none_or(|e| eval::matches(e, record))
            && self
                .child_conditions
                .as_ref()
                .is_none_or(|e| eval::matches(e, record))
            && self
                .custom_field_conditions
                .as_ref()
                .is_none_or(|e| eval::matches_custom_fields(e, record))
    }
}

fn count(records: Vec<&Value>, params: &Params) -> Response {
    let n = records.into_iter().filter(|r| params.keep(r)).count();
    axum::Json(json!({"count": n})).into_response()
}

fn list(
    records: Vec<&Value>,
    params: &Params,
    forward_only: bool,
    headers: &HeaderMap,
    uri: &Uri,
) -> Response {
    let mut records: Vec<&Value> = records.into_iter().filter(|r| params.keep(r)).collect();
    let (page, links) = if forward_only {
        if params.has_order_by {
            return invalid(
                "orderBy",
                "orderBy is not supported with forward-only pagination",
            );
        }
        let page: Vec<&Value> = records
            .into_iter()
            .filter(|r| record_id(r) > params.page_id)
            .take(params.page_size)
            .collect();
        let links = page.last().map(|last| {
            vec![(
                "next",
                link_url(headers, uri, &params.pairs, "pageId", record_id(last)),
            )]
        });
        (page, links.unwrap_or_default())
    } else {
        if !params.order_by.is_empty() {
            eval::sort(&mut records, &params.order_by);
        }
        let total_pages = records.len().div_ceil(params.page_size).max(1);
        let start = (params.page - 1)
            .saturating_mul(params.page_size)
            .min(records.len());
        let page: Vec<&Value> = records[start..]
            .iter()
            .take(params.page_size)
            .copied()
            .collect();
        let mut links = Vec::new();
        let url = |n: usize| link_url(headers, uri, &params.pairs, "page", n as u64);
        if params.page > 1 {
            links.push(("first", url(1)));
            links.push(("prev", url((params.page - 1).min(total_pages))));
        }
        if params.page < total_pages {
            links.push(("next", url(params.page + 1)));
            links.push(("last", url(total_pages)));
        }
        (page, links)
    };
    let body: Vec<Value> = match &params.fields {
        Some(fields) => page.into_iter().map(|r| eval::project(r, fields)).collect(),
        None => page.into_iter().cloned().collect(),
    };
    let mut response = axum::Json(Value::Array(body)).into_response();
    if !links.is_empty() {
        let header = links
            .iter()
            .map(|(rel, url)| format!("<{url}>; rel=\"{rel}\""))
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(value) = HeaderValue::from_str(&header) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    response
}

/// The request's own URL with `param` set to `value`, as ConnectWise builds its links.
fn link_url(
    headers: &HeaderMap,
    uri: &Uri,
    pairs: &[(String, String)],
    param: &str,
    value: u64,
) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let mut query: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(param))
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    query.push(format!("{param}={value}"));
    format!("http://{host}{}?{}", uri.path(), query.join("&"))
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
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
