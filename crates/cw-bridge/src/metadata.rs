//! The protected-resource metadata (RFC 9728) that tells an MCP client which authorization
//! server to sign in with: at `/.well-known/oauth-protected-resource/mcp` for the `/mcp`
//! resource, and without the suffix for the bridge as a whole. Not found when sign-in is off.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::errors::ApiError;

/// The metadata of the `/mcp` resource.
pub async fn mcp(State(state): State<AppState>) -> Response {
    answer(&state, |sign_in| sign_in.settings().resources()[0].clone())
}

/// The metadata of the bridge as a whole (its tool routes).
pub async fn whole(State(state): State<AppState>) -> Response {
    answer(&state, |sign_in| sign_in.settings().resources()[1].clone())
}

fn answer(state: &AppState, resource: impl Fn(&crate::signin::SignIn) -> String) -> Response {
    match &state.sign_in {
        Some(sign_in) => axum::Json(sign_in.metadata(&resource(sign_in))).into_response(),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "sign-in is off on this bridge (BRIDGE_OAUTH_ISSUER is empty): use BRIDGE_API_KEY, if one is set",
        )
        .into_response(),
    }
}
