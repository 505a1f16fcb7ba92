//! The bridge attacked as the world would, through the real binaries on
//! loopback: web pages from foreign origins and rebinding hosts, an `/mcp`
//! session flood, slow-header connections, one client flooding calls, and a
//! short mixed soak. Clients that must look like different machines send from
//! different 127.x addresses.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cw_e2e::attack::{
    client_from, close_session, fd_count, open_session, rss_kib, session_post, slow_connections,
    soak,
};
use cw_e2e::{Bridge, NO_CLIENT_LIMITS, binary, sim_env};
use cw_sim::{SimConfig, SimHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn sim() -> SimHandle {
    cw_sim::start(SimConfig::with_shared_data()).await.unwrap()
}

fn address(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

fn socket_of(bridge: &Bridge) -> SocketAddr {
    bridge
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("the bridge's address")
}

/// Every route, as (method, path, body).
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/health", ""),
    ("GET", "/v1/tools", ""),
    ("GET", "/openapi.json", ""),
    (
        "POST",
        "/v1/tools/execute",
        r#"{"tool_name":"get_companies","arguments":{"pageSize":1}}"#,
    ),
    ("POST", "/v1/tools/get_companies", r#"{"pageSize":1}"#),
    (
        "POST",
        "/mcp",
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
    ),
];

async fn send(
    bridge: &Bridge,
    (method, path, body): (&str, &str, &str),
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = bridge
        .http
        .request(method.parse().unwrap(), format!("{}{path}", bridge.url))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if !body.is_empty() {
        request = request.body(body.to_owned());
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn web_pages_and_rebinding_hosts_get_nothing_by_default() {
    let sim = sim().await;
    let bridge = Bridge::for_sim(&sim, &[]).await;
    for route in ROUTES {
        let ok = send(&bridge, *route, &[]).await;
        assert_eq!(ok.status(), StatusCode::OK, "{route:?}");
        let rebound = send(&bridge, *route, &[("host", "evil.example:3002")]).await;
        assert_eq!(rebound.status(), StatusCode::FORBIDDEN, "{route:?}");
        let body: Value = rebound.json().await.unwrap();
        assert_eq!(body["code"], "host_not_allowed");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("MCP_ALLOWED_HOSTS")
        );
        let foreign = send(&bridge, *route, &[("origin", "https://evil.example")]).await;
        assert_eq!(foreign.status(), StatusCode::FORBIDDEN, "{route:?}");
        assert!(
            foreign
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
        let body: Value = foreign.json().await.unwrap();
        assert_eq!(body["code"], "origin_not_allowed");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("BRIDGE_CORS_ORIGINS")
        );
        let preflight = send(
            &bridge,
            ("OPTIONS", route.1, ""),
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "POST"),
            ],
        )
        .await;
        assert_eq!(preflight.status(), StatusCode::FORBIDDEN, "{route:?}");
        assert!(
            preflight
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
    }
    // The names containers use on the compose network are accepted.
    for host in [
        "connectwise-mcp-bridge:3002",
        "mcp-bridge:3002",
        "localhost:3002",
    ] {
        for route in ROUTES {
            let answer = send(&bridge, *route, &[("host", host)]).await;
            assert_eq!(answer.status(), StatusCode::OK, "{host} {route:?}");
        }
    }
    assert!(sim.journal().only_gets());
}

#[tokio::test]
async fn a_named_origin_with_a_key_may_read_and_no_other() {
    let sim = sim().await;
    let origin = "https://chat.example.com";
    let mut env = sim_env(&sim);
    env.extend([
        ("BRIDGE_CORS_ORIGINS".to_owned(), origin.to_owned()),
        ("BRIDGE_API_KEY".to_owned(), "k-9f2c".to_owned()),
    ]);
    let bridge = Bridge::start(&env, &[]).await;
    bridge.wait_ready(Some("k-9f2c")).await;
    let preflight = send(
        &bridge,
        ("OPTIONS", "/v1/tools/execute", ""),
        &[
            ("origin", origin),
            ("access-control-request-method", "POST"),
        ],
    )
    .await;
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], origin);
    let answer = send(
        &bridge,
        ROUTES[3],
        &[("origin", origin), ("authorization", "Bearer k-9f2c")],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["access-control-allow-origin"], origin);
    let no_key = send(&bridge, ROUTES[3], &[("origin", origin)]).await;
    assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
    let other = send(
        &bridge,
        ROUTES[3],
        &[
            ("origin", "https://evil.example"),
            ("authorization", "Bearer k-9f2c"),
        ],
    )
    .await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);

    // Origins without a key are refused at start, with the fix in the message.
    let refused = tokio::process::Command::new(binary("cw-bridge"))
        .args(["--port", "0", "--demo"])
        .env_clear()
        .env("BRIDGE_CORS_ORIGINS", origin)
        .current_dir(std::env::temp_dir())
        .output()
        .await
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("BRIDGE_API_KEY must be set"));
}

#[tokio::test]
async fn accepting_any_host_is_said_in_health() {
    let sim = sim().await;
    let bridge = Bridge::for_sim(&sim, &[("MCP_ALLOWED_HOSTS", "*")]).await;
    let answer = send(&bridge, ROUTES[3], &[("host", "anything.example")]).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let (_, health) = bridge.get("/health").await;
    assert!(
        health["warnings"][0]
            .as_str()
            .unwrap()
            .contains("DNS rebinding")
    );
    let default = Bridge::for_sim(&sim, &[]).await;
    assert!(default.get("/health").await.1.get("warnings").is_none());
}

#[tokio::test]
async fn a_session_flood_is_capped_while_existing_sessions_and_calls_keep_working() {
    const CAP: usize = 40;
    const FLOOD: usize = 2_000;
    let sim = sim().await;
    let mut settings = NO_CLIENT_LIMITS.to_vec();
    settings.extend([
        ("MCP_MAX_SESSIONS", "40"),
        ("MCP_MAX_SESSIONS_PER_CLIENT", "20"),
        ("MCP_SESSION_IDLE_SECS", "4"),
    ]);
    let bridge = Arc::new(Bridge::for_sim(&sim, &settings).await);
    let pids = [bridge.process.id().unwrap(), bridge.child_pid().await];
    let rss_before = rss_kib(&pids);

    let (status, session, _) = open_session(&bridge.http, &bridge.url, 1).await;
    assert_eq!(status, StatusCode::OK);
    let mine = session.expect("a session id");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    session_post(&bridge.http, &bridge.url, &mine, initialized).await;

    let flooder = client_from(address(2));
    let permits = Arc::new(tokio::sync::Semaphore::new(32));
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..FLOOD {
        let (flooder, url, permits) = (flooder.clone(), bridge.url.clone(), permits.clone());
        flood.spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            open_session(&flooder, &url, i as u64).await
        });
    }
    // Healthy calls from another client during the flood.
    let healthy = client_from(address(3));
    let mut healthy_ok = 0;
    for i in 0..20 {
        let answer = healthy
            .post(format!("{}/v1/tools/execute", bridge.url))
            .json(&json!({"tool_name": "get_ticket", "arguments": {"ticket_id": 20_001 + i}}))
            .send()
            .await
            .unwrap();
        healthy_ok += usize::from(answer.status() == StatusCode::OK);
    }
    let (mut opened, mut refused) = (0, 0);
    while let Some(result) = flood.join_next().await {
        let (status, session, retry_after) = result.unwrap();
        match status {
            StatusCode::OK => opened += usize::from(session.is_some()),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(retry_after, Some(5));
                refused += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    let rss_after = rss_kib(&pids);
    eprintln!(
        "session flood: {opened} opened, {refused} refused; RSS {} -> {} KiB",
        rss_before, rss_after
    );
    assert_eq!(healthy_ok, 20, "calls kept succeeding during the flood");
    // The check and the creation are not one step: at most the 32 in flight overshoot.
    assert!(
        opened < CAP + 32,
        "{opened} sessions opened past a cap of {CAP}"
    );
    assert!(refused >= FLOOD - CAP - 32);
    assert!(
        rss_after < rss_before + 24 * 1024,
        "RSS grew from {rss_before} to {rss_after} KiB"
    );
    let (_, health) = bridge.get("/health").await;
    assert!(health["mcpSessions"].as_u64().unwrap() <= (CAP + 32) as u64);
    // One address holds at most its share (MCP_MAX_SESSIONS_PER_CLIENT, 20 of the 40), so
    // another client still opens a session while the flooder's are live.
    assert!(opened <= 20, "{opened} sessions from one address");
    let (status, _, _) = open_session(&client_from(address(5)), &bridge.url, 7).await;
    assert_eq!(status, StatusCode::OK, "a second client is not shut out");

    // The session made before the flood still works, and closes cleanly.
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let (status, text) = session_post(&bridge.http, &bridge.url, &mine, list).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("connectwise_get_tickets"));
    assert_eq!(
        close_session(&bridge.http, &bridge.url, &mine).await,
        StatusCode::NO_CONTENT
    );

    // Idle sessions expire, and then new ones are welcome again.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ticks = tokio::time::interval(Duration::from_millis(250));
    loop {
        ticks.tick().await;
        let (_, health) = bridge.get("/health").await;
        if health["mcpSessions"] == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sessions did not expire: {health}"
        );
    }
    let (status, _, _) = open_session(&flooder, &bridge.url, 9).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn slow_headers_are_cut_off_while_health_answers() {
    const SLOW: usize = 300;
    let sim = sim().await;
    let bridge = Bridge::for_sim(
        &sim,
        &[
            ("BRIDGE_HEADER_TIMEOUT_SECS", "2"),
            ("BRIDGE_MAX_CONNECTIONS_PER_CLIENT", "200"),
        ],
    )
    .await;
    let pid = bridge.process.id().unwrap();
    let fds_before = fd_count(pid);
    let began = Instant::now();
    let slow = slow_connections(socket_of(&bridge), address(2), SLOW).await;
    assert_eq!(slow.len(), SLOW);
    let closing: Vec<_> = slow
        .into_iter()
        .map(|connection| tokio::spawn(connection.closed(Duration::from_secs(15))))
        .collect();

    // /health answers from another address while the slow connections hang.
    let checker = client_from(address(3));
    let mut health_answers = 0;
    let mut ticks = tokio::time::interval(Duration::from_millis(200));
    for _ in 0..10 {
        ticks.tick().await;
        let started = Instant::now();
        let answer = checker
            .get(format!("{}/health", bridge.url))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert!(started.elapsed() < Duration::from_secs(1));
        health_answers += 1;
    }

    let mut closed_by_timeout = 0;
    let mut refused_at_once = 0;
    for handle in closing {
        let closed = handle
            .await
            .unwrap()
            .expect("every slow connection is closed");
        if closed.said.starts_with("HTTP/1.1 503") {
            assert!(closed.said.contains("too_many_connections"));
            refused_at_once += 1;
        } else {
            assert!(closed.said.is_empty(), "{}", closed.said);
            let after = closed.after;
            assert!(
                after >= Duration::from_millis(1900),
                "closed after {after:?}"
            );
            assert!(after < Duration::from_secs(6), "closed after {after:?}");
            closed_by_timeout += 1;
        }
    }
    eprintln!(
        "slowloris: {closed_by_timeout} cut off by the header timeout, {refused_at_once} refused over the per-client cap, in {:?}; /health answered {health_answers} times",
        began.elapsed()
    );
    assert_eq!(closed_by_timeout, 200);
    assert_eq!(refused_at_once, SLOW - 200);
    // A slot is given back just after its connection closes: wait for the count to settle.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, health) = bridge.get("/health").await;
        if health["connections"].as_u64().unwrap() <= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "{health}");
        tokio::task::yield_now().await;
    }
    assert!(fd_count(pid) <= fds_before + 4);
}

#[tokio::test]
async fn a_flooding_client_gets_429_and_another_client_is_served() {
    let sim = sim().await;
    let bridge = Bridge::for_sim(
        &sim,
        &[("BRIDGE_CLIENT_RATE", "10"), ("BRIDGE_CLIENT_BURST", "10")],
    )
    .await;
    let body = json!({"tool_name": "get_ticket", "arguments": {"ticket_id": 20_001}});
    let flooder = client_from(address(2));
    // 32 at once: below the per-client connection cap, so every refusal is a 429 answer.
    let permits = Arc::new(tokio::sync::Semaphore::new(32));
    let mut flood = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let (flooder, url, body) = (flooder.clone(), bridge.url.clone(), body.clone());
        let permits = permits.clone();
        flood.spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            let answer = flooder
                .post(format!("{url}/v1/tools/execute"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let retry_after = answer.headers().get("retry-after").cloned();
            (
                answer.status(),
                retry_after,
                answer.json::<Value>().await.unwrap(),
            )
        });
    }
    let other = client_from(address(3));
    for _ in 0..10 {
        let answer = other
            .post(format!("{}/v1/tools/execute", bridge.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            answer.status(),
            StatusCode::OK,
            "the other client is served"
        );
    }
    let (mut ok, mut limited) = (0, 0);
    while let Some(result) = flood.join_next().await {
        let (status, retry_after, body) = result.unwrap();
        match status {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(retry_after.is_some());
                assert_eq!(body["code"], "too_many_requests");
                assert!(
                    body["error"]
                        .as_str()
                        .unwrap()
                        .contains("BRIDGE_CLIENT_RATE")
                );
                limited += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    eprintln!("flood: {ok} answered, {limited} refused with 429");
    assert!(limited >= 70, "{limited} refused");
    assert!(ok >= 10);

    // In flight: a client that keeps too many calls open at once is told to wait.
    let bridge = Bridge::for_sim(
        &sim,
        &[
            ("BRIDGE_CLIENT_RATE", "0"),
            ("BRIDGE_CLIENT_CONCURRENCY", "2"),
        ],
    )
    .await;
    sim.faults()
        .add(cw_sim::Fault::delay(Duration::from_millis(300)).times(8));
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (flooder, url, body) = (flooder.clone(), bridge.url.clone(), body.clone());
        calls.spawn(async move {
            flooder
                .post(format!("{url}/v1/tools/execute"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses: Vec<StatusCode> = calls.join_all().await;
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(limited >= 4, "{statuses:?}");
}

#[tokio::test]
async fn a_short_soak_levels_off_and_comes_back_down() {
    let sim = sim().await;
    let mut settings = NO_CLIENT_LIMITS.to_vec();
    settings.extend([
        ("MCP_SESSION_IDLE_SECS", "2"),
        ("BRIDGE_HEADER_TIMEOUT_SECS", "2"),
    ]);
    let bridge = Arc::new(Bridge::for_sim(&sim, &settings).await);
    let pids = [bridge.process.id().unwrap(), bridge.child_pid().await];
    let fds_idle = fd_count(pids[0]);
    let report = soak(
        &bridge,
        &pids,
        Duration::from_secs(8),
        16,
        Duration::from_secs(1),
    )
    .await;
    for s in &report.samples {
        eprintln!(
            "soak t={:.0}s rss={} KiB fds={} sessions={} connections={} answered={}",
            s.at, s.rss_kib, s.fds, s.sessions, s.connections, s.answered
        );
    }
    eprintln!("soak statuses: {:?}", report.statuses);
    let statuses = &report.statuses;
    assert!(
        statuses.keys().all(|s| [200, 404, 400].contains(s)),
        "{statuses:?}"
    );
    let half = report.samples.len() / 2;
    let peak =
        |samples: &[cw_e2e::attack::Sample]| samples.iter().map(|s| s.rss_kib).max().unwrap();
    let (first, second) = (peak(&report.samples[..half]), peak(&report.samples[half..]));
    assert!(
        second <= first + first / 5,
        "RSS kept growing: {first} -> {second} KiB"
    );
    let fd_peak = report.samples.iter().map(|s| s.fds).max().unwrap();
    assert!(
        fd_peak < fds_idle + 100,
        "descriptors: {fds_idle} idle, {fd_peak} at peak"
    );

    // After the load: sessions expire, idle connections are closed, descriptors come back.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut ticks = tokio::time::interval(Duration::from_millis(250));
    let checker = client_from(address(4));
    loop {
        ticks.tick().await;
        let health: Value = checker
            .get(format!("{}/health", bridge.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let fds = fd_count(pids[0]);
        if health["mcpSessions"] == 0
            && health["connections"].as_u64() <= Some(1)
            && fds <= fds_idle + 2
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not come back down: {health}, {fds} descriptors (idle {fds_idle})"
        );
    }
}
