//! Who may use the guarded routes (all but `/health` and the sign-in metadata: see
//! [`crate::router`]): with BRIDGE_API_KEY, callers sending `Authorization: Bearer <key>`;
//! with sign-in ([`crate::signin`]), callers sending an access token from the operator's
//! issuer. Either lets a request in, and the way it came in is kept for the audit line
//! ([`Authenticated`]). CORS preflights carry no credentials and pass.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::caller::Authenticated;
use crate::errors::ApiError;
use crate::roles::RoleBook;
use crate::signin::{Refusal, SignIn};

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

/// What lets a request in: the key, sign-in, or both.
#[derive(Clone)]
pub struct Guard {
    /// BRIDGE_API_KEY, when set.
    pub key: Option<ApiKey>,
    /// The token checker, when sign-in is on.
    pub sign_in: Option<Arc<SignIn>>,
    /// The roles signed-in users hold (CW_ROLES_FILE), when the operator gives roles.
    pub roles: Option<Arc<RoleBook>>,
}

/// The middleware.
pub async fn require(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
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
        .map(str::trim)
        .map(str::to_owned);
    let Some(given) = given else {
        return refuse(&guard, None);
    };
    if guard
        .key
        .as_ref()
        .is_some_and(|key| key.matches(given.as_bytes()))
    {
        request.extensions_mut().insert(Authenticated::Key);
        return next.run(request).await;
    }
    let Some(sign_in) = &guard.sign_in else {
        return refuse(&guard, Some(Refusal::InvalidToken(String::new())));
    };
    match sign_in.verify(&given).await {
        Ok(user) => {
            let assignment = match guard.roles.as_deref().map(|book| book.assign(&user)) {
                None => None,
                Some(Ok(assignment)) => Some(assignment),
                Some(Err(why)) => {
                    return ApiError::new(StatusCode::FORBIDDEN, "no_role", why).into_response();
                }
            };
            request
                .extensions_mut()
                .insert(Authenticated::User(Box::new((user, assignment))));
            next.run(request).await
        }
        Err(refusal) => refuse(&guard, Some(refusal)),
    }
}

/// The answer to a request the guard does not let in: 401 (403 for missing scopes, 503 when
/// the issuer's keys cannot be read) with a `WWW-Authenticate` that, with sign-in, points at
/// the resource metadata (RFC 9728 section 5.1).
fn refuse(guard: &Guard, refusal: Option<Refusal>) -> Response {
    let Some(sign_in) = &guard.sign_in else {
        let message = if refusal.is_some() {
            "the API key is wrong: send Authorization: Bearer <BRIDGE_API_KEY>"
        } else {
            "an API key is required: send Authorization: Bearer <BRIDGE_API_KEY>"
        };
        return ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response();
    };
    let settings = sign_in.settings();
    let metadata = format!("resource_metadata=\"{}\"", settings.metadata_url());
    let scope = if settings.scopes.is_empty() {
        String::new()
    } else {
        format!(", scope=\"{}\"", settings.scopes.join(" "))
    };
    let (error, challenge) = match refusal {
        None => (
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                format!(
                    "sign in first: send Authorization: Bearer <access token> from {} (the resource metadata at {} says how){}",
                    settings.issuer,
                    settings.metadata_url(),
                    if guard.key.is_some() {
                        ", or the bridge's API key"
                    } else {
                        ""
                    }
                ),
            ),
            format!("Bearer {metadata}{scope}"),
        ),
        Some(Refusal::InvalidToken(why)) => (
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                format!(
                    "the access token is refused: {why}. Sign in again at {} for a token for {}",
                    settings.issuer,
                    settings.resources()[0]
                ),
            ),
            format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\", {metadata}",
                quoted(&why)
            ),
        ),
        Some(Refusal::MissingScopes(missing)) => (
            ApiError::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!(
                    "the access token lacks the scope {}: sign in again asking for {}",
                    missing.join(" "),
                    settings.scopes.join(" ")
                ),
            ),
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"{}\", {metadata}",
                settings.scopes.join(" ")
            ),
        ),
        Some(Refusal::Unavailable(problem)) => {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "sign_in_unavailable",
                format!("no access token can be checked now: {problem}"),
            )
            .with_retry_after(Some(5))
            .into_response();
        }
    };
    let mut response = error.into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Text that stays inside a quoted header parameter: printable ASCII without `"` or `\`.
fn quoted(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| *c != '"' && *c != '\\')
        .take(200)
        .collect()
}
