//! The query parameters of a list or count (conditions, orderBy, fields, page,
//! pageSize, pageId), checked as ConnectWise checks them, and the answers they
//! shape: a page with its `Link` header, or a count.

use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use cw_client::conditions::{self, Expr};
use serde_json::{Value, json};

use crate::data::record_id;
use crate::errors::SimError;
use crate::eval;

/// The query parameters, checked.
pub(crate) struct Params {
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
    pub(crate) fn read(pairs: &[(String, String)]) -> Result<Params, SimError> {
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
        };
        let conditions = |name: &'static str| -> Result<Option<Expr>, SimError> {
            match get(name).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(text) => conditions::parse(text).map(Some).map_err(|e| {
                    SimError::invalid(name, format!("{name} could not be parsed: {e}"))
                }),
            }
        };
        let number =
            |name: &'static str, default: u64, min: u64, max: u64| -> Result<u64, SimError> {
                match get(name).filter(|v| !v.is_empty()) {
                    None => Ok(default),
                    Some(text) => match text.parse::<i128>() {
                        Ok(n) if n >= i128::from(min) && n <= i128::from(max) => Ok(n as u64),
                        Ok(_) if max == u64::MAX => Err(SimError::OutOfRange {
                            parameter: name,
                            message: format!("The field {name} must be {min} or more."),
                        }),
                        Ok(_) => Err(SimError::OutOfRange {
                            parameter: name,
                            message: format!("The field {name} must be between {min} and {max}."),
                        }),
                        Err(_) => Err(SimError::invalid(
                            name,
                            format!("The value '{text}' is not valid for {name}."),
                        )),
                    },
                }
            };
        let order_by_text = get("orderBy").filter(|v| !v.is_empty());
        let order_by = match order_by_text {
            None => Vec::new(),
            Some(text) => eval::parse_order_by(text).map_err(|item| {
                SimError::invalid(
                    "orderBy",
                    format!("orderBy item '{item}' is not 'field', 'field asc' or 'field desc'"),
                )
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
                                SimError::invalid("fields", format!("'{f}' is not a field path"))
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

/// `{"count": N}` of the records the conditions keep.
pub(crate) fn count(records: Vec<&Value>, params: &Params) -> Response {
    let n = records.into_iter().filter(|r| params.keep(r)).count();
    axum::Json(json!({"count": n})).into_response()
}

/// One page of the records the conditions keep, sorted, narrowed to `fields`, with
/// ConnectWise's `Link` header (page numbers, or `pageId` when forward-only).
pub(crate) fn list(
    records: Vec<&Value>,
    params: &Params,
    forward_only: bool,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Response, SimError> {
    let mut records: Vec<&Value> = records.into_iter().filter(|r| params.keep(r)).collect();
    let (page, links) = if forward_only {
        if params.has_order_by {
            return Err(SimError::invalid(
                "orderBy",
                "orderBy is not supported with forward-only pagination",
            ));
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
    Ok(response)
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
