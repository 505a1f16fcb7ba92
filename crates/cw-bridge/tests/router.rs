//! The bridge's router in-process (`tower::ServiceExt::oneshot`, no listener): which routes
//! need the API key and which stay open, the Host and Origin checks, the request limits, and
//! how a tool call's outcome maps to an HTTP status. The tools are the real `cw-mcp-server`
//! child in demo mode, built beside this test (`cargo build --workspace --bins`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use clap::Parser;
use cw_bridge::Options;
use cw_bridge::audit::Audit;
use cw_bridge::connections::{ConnectionLimits, Connections};
use cw_bridge::supervisor::Supervisor;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

const KEY: &str = "in-process-test-key";

/// `cw-mcp-server` in the target directory this test was built into.
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let binary = dir.join("cw-mcp-server");
    assert!(
        binary.exists(),
        "{} is missing: build the binaries first (cargo build --workspace --bins)",
        binary.display()
    );
    binary
}

/// The bridge's app with these command-line settings, over a running demo child.
async fn app(settings: &[&str]) -> (Router, Arc<Supervisor>) {
    let server = server_binary();
    let options = Options::try_parse_from(
        ["cw-bridge", "--demo", "--audit-log", "off", "--server-bin"]
            .iter()
            .copied()
            .chain([server.to_str().expect("a UTF-8 path")])
            .chain(settings.iter().copied()),
    )
    .expect("settings");
    let supervisor = Supervisor::new(options.child_command());
    tokio::spawn(supervisor.clone().run());
    // A busy machine may take longer than one wait of the bridge's to start the child.
    let mut ready = supervisor.ready().await;
    for _ in 0..3 {
        if ready.is_ok() {
            break;
        }
        ready = supervisor.ready().await;
    }
    ready.expect("the demo child starts");
    let connections = Connections::new(ConnectionLimits {
        max: 16,
        per_client: 16,
        header_timeout: Duration::from_secs(10),
    });
    let app = cw_bridge::app(
        &options,
        supervisor.clone(),
        Audit::open("off").unwrap(),
        connections,
        CancellationToken::new(),
        Default::default(),
    )
    .expect("a configuration that works");
    (app, supervisor)
}

/// A request to the bridge as a loopback client sends it.
fn request(method: Method, path: &str, key: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:3002");
    if let Some(key) = key {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

/// The status and JSON body of the app's answer.
async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 4 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn only_health_is_open_when_a_key_is_set() {
    let (app, supervisor) = app(&["--api-key", KEY]).await;
    let (status, health) = send(&app, request(Method::GET, "/health", None, None)).await;
    assert_eq!(
        (status, health["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    for (method, path) in [
        (Method::GET, "/v1/tools"),
        (Method::POST, "/v1/tools/execute"),
        (Method::POST, "/v1/tools/connectwise_get_tickets"),
        (Method::GET, "/openapi.json"),
        (Method::GET, "/metrics"),
        (Method::POST, "/mcp"),
        // An unknown route says nothing of what exists to a caller without the key.
        (Method::GET, "/no/such/route"),
    ] {
        let (status, body) = send(&app, request(method.clone(), path, None, None)).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            "{method} {path}: {body}"
        );
        let (status, body) = send(&app, request(method.clone(), path, Some("wrong"), None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
        assert!(!body.to_string().contains(KEY), "{body}");
    }
    let (status, tools) = send(&app, request(Method::GET, "/v1/tools", Some(KEY), None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tools["tools"].as_array().map(Vec::len), Some(14));
    let (status, body) = send(
        &app,
        request(Method::GET, "/no/such/route", Some(KEY), None),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    // A wrong method is a JSON error on the open route and on the guarded ones alike.
    let (status, body) = send(&app, request(Method::POST, "/health", None, None)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let (status, body) = send(
        &app,
        request(Method::GET, "/v1/tools/execute", Some(KEY), None),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    supervisor.shutdown();
}

#[tokio::test]
async fn a_foreign_host_or_origin_is_refused_on_every_route() {
    let (app, supervisor) = app(&[]).await;
    for path in ["/health", "/v1/tools", "/mcp"] {
        let mut foreign = request(Method::GET, path, None, None);
        foreign
            .headers_mut()
            .insert(header::HOST, "rebound.example".parse().unwrap());
        let (status, body) = send(&app, foreign).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "host_not_allowed"),
            "{path}"
        );
        let mut page = request(Method::GET, path, None, None);
        page.headers_mut()
            .insert(header::ORIGIN, "https://some.page.example".parse().unwrap());
        let (status, body) = send(&app, page).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "origin_not_allowed"),
            "{path}"
        );
    }
    supervisor.shutdown();
}

#[tokio::test]
async fn health_stays_outside_the_request_limits() {
    let (app, supervisor) = app(&["--client-rate", "1", "--client-burst", "2"]).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            send(&app, request(Method::GET, "/v1/tools", None, None))
                .await
                .0,
        );
    }
    assert_eq!(&statuses[..2], [StatusCode::OK, StatusCode::OK]);
    assert!(
        statuses[2..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    for _ in 0..10 {
        let (status, _) = send(&app, request(Method::GET, "/health", None, None)).await;
        assert_eq!(status, StatusCode::OK, "a health check past the rate limit");
    }
    supervisor.shutdown();
}

#[tokio::test]
async fn a_calls_outcome_maps_to_its_status() {
    let (app, supervisor) = app(&[]).await;
    let execute = |body: Value| request(Method::POST, "/v1/tools/execute", None, Some(body));
    let (status, answer) = send(
        &app,
        execute(json!({"tool_name": "connectwise_get_ticket", "arguments": {"ticket_id": 20001}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["id"], 20001, "the record's JSON: {answer}");
    for (body, expected) in [
        (
            json!({"tool_name": "connectwise_no_such_tool", "arguments": {}}),
            (StatusCode::NOT_FOUND, "unknown_tool"),
        ),
        (
            json!({"tool_name": "connectwise_get_ticket", "arguments": {"ticket_id": 1}}),
            (StatusCode::NOT_FOUND, "not_found"),
        ),
        (
            json!({"tool_name": "connectwise_get_tickets", "arguments": {"pageSize": "ten"}}),
            (StatusCode::BAD_REQUEST, "invalid_arguments"),
        ),
        (
            json!({"arguments": {}}),
            (StatusCode::BAD_REQUEST, "invalid_request"),
        ),
    ] {
        let (status, answer) = send(&app, execute(body.clone())).await;
        assert_eq!((status, code(&answer)), expected, "{body}: {answer}");
        assert!(
            answer["error"].as_str().is_some_and(|m| m.len() > 10),
            "{body}: {answer}"
        );
    }
    let mut malformed = request(Method::POST, "/v1/tools/execute", None, None);
    *malformed.body_mut() = Body::from("{not json");
    malformed
        .headers_mut()
        .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    let (status, body) = send(&app, malformed).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_json")
    );
    // Arguments nested past what the child parses are refused by the bridge, not sent to be
    // dropped there and left unanswered: 100 levels, within serde_json's 128 at the bridge.
    let mut deep = json!("x");
    for _ in 0..100 {
        deep = json!([deep]);
    }
    let (status, body) = send(
        &app,
        execute(json!({"tool_name": "connectwise_get_tickets", "arguments": {"conditions": deep}})),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_arguments"),
        "{body}"
    );
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("nest 101 levels deep"),
        "{body}"
    );
    let huge = json!({"tool_name": "connectwise_get_tickets", "arguments": {"conditions": "x".repeat(cw_bridge::MAX_BODY_BYTES)}});
    let (status, body) = send(&app, execute(huge)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    supervisor.shutdown();
}

#[tokio::test]
async fn one_client_address_holds_at_most_its_share_of_mcp_sessions() {
    let (app, supervisor) = app(&["--max-sessions-per-client", "2"]).await;
    let initialize = |from: [u8; 4]| {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "router-test", "version": "1"}}});
        let mut request = request(Method::POST, "/mcp", None, Some(body));
        request.headers_mut().insert(
            header::ACCEPT,
            "application/json, text/event-stream".parse().unwrap(),
        );
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((from, 40_000))));
        request
    };
    for _ in 0..2 {
        let response = app
            .clone()
            .oneshot(initialize([10, 0, 0, 1]))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().contains_key("mcp-session-id"));
    }
    let refused = app
        .clone()
        .oneshot(initialize([10, 0, 0, 1]))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()[header::RETRY_AFTER], "5");
    let body = to_bytes(refused.into_body(), 1 << 16).await.unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains(
            "this client address already holds 2 MCP sessions (MCP_MAX_SESSIONS_PER_CLIENT)"
        ),
        "{body}"
    );
    // Another address is welcome while the first holds its share.
    let other = app
        .clone()
        .oneshot(initialize([10, 0, 0, 2]))
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    supervisor.shutdown();
}

#[tokio::test]
async fn with_sign_in_the_routes_point_at_the_metadata_and_the_key_still_works() {
    const PUBLIC: &str = "https://cw.example.com";
    // An issuer whose keys cannot be read: no token can be checked, none passes.
    let issuer = "http://127.0.0.1:9/realm";
    let (app, supervisor) = app(&[
        "--api-key",
        KEY,
        "--oauth-issuer",
        issuer,
        "--public-url",
        PUBLIC,
        "--oauth-scopes",
        "connectwise.read",
        "--oauth-jwks-url",
        "http://127.0.0.1:9/jwks",
    ])
    .await;
    for (path, resource) in [
        (
            "/.well-known/oauth-protected-resource/mcp",
            format!("{PUBLIC}/mcp"),
        ),
        ("/.well-known/oauth-protected-resource", PUBLIC.to_owned()),
    ] {
        let (status, metadata) = send(&app, request(Method::GET, path, None, None)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(metadata["resource"], json!(resource));
        assert_eq!(metadata["authorization_servers"], json!([issuer]));
        assert_eq!(metadata["scopes_supported"], json!(["connectwise.read"]));
    }
    let challenge = |response: &axum::response::Response| {
        response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let metadata =
        format!("resource_metadata=\"{PUBLIC}/.well-known/oauth-protected-resource/mcp\"");
    for path in ["/mcp", "/v1/tools"] {
        let method = if path == "/mcp" {
            Method::POST
        } else {
            Method::GET
        };
        let response = app
            .clone()
            .oneshot(request(method.clone(), path, None, None))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            challenge(&response),
            format!("Bearer {metadata}, scope=\"connectwise.read\"")
        );
        let response = app
            .clone()
            .oneshot(request(method, path, Some("not-a-token"), None))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        let given = challenge(&response);
        assert!(
            given.starts_with("Bearer error=\"invalid_token\"") && given.contains(&metadata),
            "{given}"
        );
    }
    // A well-formed token while the issuer's keys are out of reach: 503, never let in.
    let token = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln";
    let (status, body) = send(&app, request(Method::GET, "/v1/tools", Some(token), None)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "sign_in_unavailable")
    );
    let (status, _) = send(&app, request(Method::GET, "/v1/tools", Some(KEY), None)).await;
    assert_eq!(status, StatusCode::OK);
    supervisor.shutdown();
}

#[tokio::test]
async fn without_sign_in_there_is_no_resource_metadata() {
    let (app, supervisor) = app(&[]).await;
    let (status, body) = send(
        &app,
        request(
            Method::GET,
            "/.well-known/oauth-protected-resource/mcp",
            None,
            None,
        ),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    supervisor.shutdown();
}
