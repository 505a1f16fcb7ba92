//! Bearer-key protection: when BRIDGE_API_KEY is set, every route it is layered on (all
//! but `/health`: see [`crate::router`]) needs `Authorization: Bearer <key>`; CORS
//! preflights carry no credentials and pass.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;

/// The expected key, kept as bytes for the comparison.
#[derive(Clone)]
pub struct ApiKey(Arc<[u8]>);

impl ApiKey {
    /// Wraps the configured key.
    pub fn new(key: &str) -> Self {
        Self(key.as_bytes().into())
    }

    /// Compares in constant time (for equal lengths), so timing tells nothing.
    fn matches(&self, given: &[u8]) -> bool {
        constant_time_eq::constant_time_eq(&self.0, given)
    }
}

/// The middleware.
pub async fn require_key(State(key): State<ApiKey>, request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    match given {
        Some(given) if key.matches(given.as_bytes()) => next.run(request).await,
        Some(_) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the API key is wrong: send Authorization: Bearer <BRIDGE_API_KEY>",
        )
        .into_response(),
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "an API key is required: send Authorization: Bearer <BRIDGE_API_KEY>",
        )
        .into_response(),
    }
}
