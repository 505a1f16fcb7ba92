//! The operator's controls, end to end through the real bridge, its child and the
//! simulator: each technician's own ConnectWise permissions (per-request credentials),
//! the access policy, the audit trail, `/metrics`, and the quota spent through
//! coalescing, the reference-list cache and the request budget.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cw_e2e::{Bridge, sim_env};
use cw_sim::{Fault, SimConfig, SimHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ADMIN: [(&str, &str); 3] = [
    ("X-CW-Company-Id", "demo"),
    ("X-CW-Public-Key", "demo-public"),
    ("X-CW-Private-Key", "demo-private"),
];
const TECH: [(&str, &str); 3] = [
    ("X-CW-Company-Id", "demo"),
    ("X-CW-Public-Key", "tech-public"),
    ("X-CW-Private-Key", "tech-private"),
];
/// Every key the tests send; none may show up anywhere a caller or operator can read.
const SECRETS: [&str; 5] = [
    "demo-public",
    "demo-private",
    "tech-public",
    "tech-private",
    "wrong-private",
];

async fn sim() -> SimHandle {
    cw_sim::start(SimConfig::with_shared_data()).await.unwrap()
}

/// A bridge in per-request mode, logging everything (DEBUG), so that a key in any log line
/// would show. The server's own keys are set too, so that any fallback to them would show.
async fn per_request_bridge(sim: &SimHandle, extra: &[(&str, &str)]) -> Bridge {
    let mut env = sim_env(sim);
    env.push(("CW_CREDENTIALS".into(), "request".into()));
    env.push(("LOG_LEVEL".into(), "DEBUG".into()));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let bridge = Bridge::start_logged(&env, &[]).await;
    bridge.wait_ready(None).await;
    bridge
}

/// `POST path` with extra headers: status, `Retry-After` and the JSON answer.
async fn post(
    bridge: &Bridge,
    path: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> (StatusCode, Option<String>, Value) {
    let mut request = bridge
        .http
        .post(format!("{}{path}", bridge.url))
        .json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("POST");
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        status,
        retry_after,
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn execute(
    bridge: &Bridge,
    tool: &str,
    arguments: Value,
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let body = json!({"tool_name": tool, "arguments": arguments});
    let (status, _, answer) = post(bridge, "/v1/tools/execute", body, headers).await;
    (status, answer)
}

async fn text(bridge: &Bridge, path: &str) -> (StatusCode, String) {
    let response = bridge
        .http
        .get(format!("{}{path}", bridge.url))
        .send()
        .await
        .expect("GET");
    (response.status(), response.text().await.unwrap_or_default())
}

/// Requests the simulator received whose path ends with `suffix`.
fn sent(sim: &SimHandle, suffix: &str) -> usize {
    sim.journal()
        .entries()
        .iter()
        .filter(|e| e.path.ends_with(suffix))
        .count()
}

fn assert_no_secret(place: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{place} shows {secret}: {text}");
    }
}

#[tokio::test]
async fn each_technician_sees_only_what_their_connectwise_role_allows() {
    let sim = sim().await;
    let bridge = per_request_bridge(&sim, &[]).await;
    let onboarding = json!({"conditions": "board/name = \"Onboarding\"", "fields": "id,board"});

    let (status, answer) = execute(
        &bridge,
        "connectwise_get_tickets",
        onboarding.clone(),
        &ADMIN,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let hidden_id = answer["items"][0]["id"]
        .as_u64()
        .expect("the admin sees Onboarding tickets");
    let (status, answer) = execute(&bridge, "connectwise_get_tickets", onboarding, &TECH).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["items"],
        json!([]),
        "the technician's role hides the Onboarding board"
    );

    // Through /v1/tools/execute and the OpenAPI tool server's route alike.
    let ticket = json!({"ticket_id": hidden_id});
    for (member, expected) in [(&TECH, StatusCode::NOT_FOUND), (&ADMIN, StatusCode::OK)] {
        let (status, answer) = execute(&bridge, "get_ticket", ticket.clone(), member).await;
        assert_eq!(status, expected, "{answer}");
        if expected == StatusCode::NOT_FOUND {
            assert_eq!(answer["code"], "not_found");
        }
        let named = "/v1/tools/connectwise_get_ticket";
        let (status, _, _) = post(&bridge, named, ticket.clone(), member).await;
        assert_eq!(status, expected);
    }

    // A module outside the role: ConnectWise's 403 is the technician's, and says so.
    let (status, answer) = execute(&bridge, "connectwise_get_agreements", json!({}), &TECH).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "upstream_forbidden");
    assert!(
        answer["error"].as_str().unwrap().contains("security role"),
        "{answer}"
    );
    let (status, _) = execute(&bridge, "connectwise_get_agreements", json!({}), &ADMIN).await;
    assert_eq!(status, StatusCode::OK);

    // A reference list the admin's call put in the cache is not the technician's answer.
    let cycles = json!({"path": "/finance/billingCycles"});
    let (status, _) = execute(&bridge, "connectwise_read", cycles.clone(), &ADMIN).await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = execute(&bridge, "connectwise_read", cycles, &TECH).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");

    // Every request went to ConnectWise as the member who asked.
    let members: Vec<Option<String>> = sim
        .journal()
        .entries()
        .into_iter()
        .map(|e| e.member)
        .collect();
    assert!(
        members.contains(&Some("helpdesk".into())) && members.contains(&Some("apiadmin".into()))
    );
    assert!(members.iter().all(Option::is_some), "{members:?}");
    assert_no_secret("the logs", &bridge.logs());
}

#[tokio::test]
async fn missing_partial_or_wrong_credentials_are_refused_without_falling_back() {
    let sim = sim().await;
    let bridge = per_request_bridge(&sim, &[]).await;
    let before = sim.journal().total();

    let (status, answer) = execute(&bridge, "connectwise_get_tickets", json!({}), &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["code"], "missing_credentials");
    let message = answer["error"].as_str().unwrap();
    assert!(
        message.contains("lacks X-CW-Company-Id, X-CW-Public-Key, X-CW-Private-Key"),
        "{message}"
    );
    let partial = &TECH[..2];
    for path in ["/v1/tools/execute", "/v1/tools/connectwise_get_tickets"] {
        let body = match path {
            "/v1/tools/execute" => json!({"tool_name": "connectwise_get_tickets"}),
            _ => json!({}),
        };
        let (status, _, answer) = post(&bridge, path, body, partial).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {answer}");
        let message = answer["error"].as_str().unwrap();
        assert!(message.contains("lacks X-CW-Private-Key."), "{message}");
    }
    assert_eq!(
        sim.journal().total(),
        before,
        "nothing was sent with the server's keys"
    );

    let mut wrong = TECH;
    wrong[2].1 = "wrong-private";
    let (status, answer) = execute(&bridge, "connectwise_get_tickets", json!({}), &wrong).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("upstream_auth"))
    );
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("X-CW-Private-Key"),
        "{answer}"
    );

    // The site must be one the operator allows: by default only CW_API_URL's.
    let mut elsewhere = TECH.to_vec();
    elsewhere.push(("X-CW-Site", "api-evil.example.net"));
    let sent_before = sim.journal().total();
    let (status, answer) = execute(&bridge, "connectwise_get_tickets", json!({}), &elsewhere).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("site_not_allowed"))
    );
    assert_eq!(sim.journal().total(), sent_before);
    let host = sim.url().trim_start_matches("http://").to_owned();
    let mut here = TECH.to_vec();
    here.push(("X-CW-Site", &host));
    let (status, _) = execute(
        &bridge,
        "connectwise_get_tickets",
        json!({"pageSize": 1}),
        &here,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (_, health) = text(&bridge, "/health").await;
    assert!(health.contains(r#""credentials":"request""#), "{health}");
    let (_, metrics) = text(&bridge, "/metrics").await;
    assert_no_secret("/health", &health);
    assert_no_secret("/metrics", &metrics);
    let logs = bridge.logs();
    assert!(logs.contains("ConnectWise answered"), "DEBUG logs: {logs}");
    assert_no_secret("the logs", &logs);
}

#[tokio::test]
async fn the_access_policy_denies_on_every_route_before_anything_is_sent() {
    let sim = sim().await;
    let policy = [
        ("CW_DENY_MODULES", "finance"),
        ("CW_DENY_PATHS", "/system/members"),
        ("CW_DENY_TOOLS", "connectwise_get_contacts"),
    ];
    let bridge = Bridge::for_sim(&sim, &policy).await;
    let (_, tools) = bridge.get("/v1/tools").await;
    let names: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        !names.contains(&"connectwise_get_contacts")
            && names.contains(&"connectwise_get_companies")
    );
    let (_, spec) = bridge.get("/openapi.json").await;
    assert!(
        spec["paths"]
            .get("/v1/tools/connectwise_get_contacts")
            .is_none()
    );

    let before = sim.journal().total();
    let denied = [
        ("connectwise_get_contacts", json!({})),
        ("get_contacts", json!({})),
        ("connectwise_get_agreements", json!({})),
        ("connectwise_get_members", json!({})),
        ("connectwise_read", json!({"path": "/system/members/1"})),
        ("connectwise_read", json!({"path": "/Finance/invoices"})),
        ("connectwise_count", json!({"entity": "agreements"})),
    ];
    for (tool, arguments) in denied {
        let (status, answer) = execute(&bridge, tool, arguments.clone(), &[]).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("denied")),
            "{tool} {arguments}: {answer}"
        );
        assert!(
            answer["error"]
                .as_str()
                .unwrap()
                .contains("operator's access policy"),
            "{answer}"
        );
        let named = format!("/v1/tools/{tool}");
        let (status, _, _) = post(&bridge, &named, arguments, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{named}");
    }
    assert_eq!(sim.journal().total(), before, "a denied call sends nothing");
    let (status, _) = execute(
        &bridge,
        "connectwise_get_companies",
        json!({"pageSize": 1}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "what is not denied still works");
}

#[tokio::test]
async fn an_audit_line_per_call_names_the_caller_the_requests_and_the_outcome() {
    let sim = sim().await;
    let file = std::env::temp_dir().join(format!("cw-audit-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let audit = file.to_string_lossy().into_owned();
    let bridge = per_request_bridge(
        &sim,
        &[
            ("BRIDGE_AUDIT_LOG", &audit),
            ("CW_DENY_TOOLS", "connectwise_get_contacts"),
        ],
    )
    .await;
    let mut headers = TECH.to_vec();
    headers.extend([
        ("X-OpenWebUI-User-Email", "ann@msp.example"),
        ("X-OpenWebUI-User-Id", "user-7"),
        ("X-OpenWebUI-Chat-Id", "chat-42"),
    ]);
    let ok = execute(
        &bridge,
        "get_tickets",
        json!({"pageSize": 2, "fields": "id"}),
        &headers,
    )
    .await;
    let missing = execute(
        &bridge,
        "connectwise_get_ticket",
        json!({"ticket_id": 999_999}),
        &headers,
    )
    .await;
    let denied = execute(&bridge, "connectwise_get_contacts", json!({}), &headers).await;
    assert_eq!(
        [ok.0, missing.0, denied.0],
        [StatusCode::OK, StatusCode::NOT_FOUND, StatusCode::FORBIDDEN]
    );
    let written = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    assert_no_secret("the audit trail", &written);
    let lines: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{written}");
    for line in &lines {
        assert_eq!(line["log"], "audit");
        assert_eq!(line["surface"], "execute");
        assert!(line["time"].as_str().unwrap().ends_with('Z'));
        assert!(line["durationMs"].is_u64());
        let caller = &line["caller"];
        assert_eq!(caller["userEmail"], "ann@msp.example");
        assert_eq!(caller["userId"], "user-7");
        assert_eq!(caller["chatId"], "chat-42");
        assert_eq!(caller["companyId"], "demo");
        assert!(caller["publicKeyId"].as_str().unwrap().starts_with("pk-"));
        assert_eq!(caller["address"], "127.0.0.1");
    }
    let (success, failure, refusal) = (&lines[0], &lines[1], &lines[2]);
    assert_eq!(
        (success["tool"].as_str(), success["outcome"].as_str()),
        (Some("connectwise_get_tickets"), Some("ok"))
    );
    assert_eq!(success["arguments"], json!({"pageSize": 2, "fields": "id"}));
    assert!(success["answerBytes"].as_u64().unwrap() > 0);
    let request = &success["connectwise"]["requests"][0];
    assert!(
        request["path"]
            .as_str()
            .unwrap()
            .starts_with("/service/tickets?"),
        "{request}"
    );
    assert_eq!(request["status"], 200);
    assert_eq!(
        (failure["tool"].as_str(), failure["outcome"].as_str()),
        (Some("connectwise_get_ticket"), Some("not_found"))
    );
    assert_eq!(
        failure["connectwise"]["requests"][0],
        json!({"path": "/service/tickets/999999", "status": 404})
    );
    assert_eq!(
        (refusal["tool"].as_str(), refusal["outcome"].as_str()),
        (Some("connectwise_get_contacts"), Some("denied"))
    );
    assert_eq!(refusal["connectwise"]["requests"], json!([]));
}

#[tokio::test]
async fn metrics_count_a_known_sequence_and_pass_promtool() {
    let sim = sim().await;
    let bridge = Bridge::for_sim(&sim, &[]).await;
    for _ in 0..3 {
        let (status, _) = execute(
            &bridge,
            "connectwise_get_tickets",
            json!({"pageSize": 1}),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = execute(
        &bridge,
        "connectwise_get_ticket",
        json!({"ticket_id": 999_999}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for _ in 0..2 {
        let (status, _) = execute(&bridge, "connectwise_get_service_boards", json!({}), &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, metrics) = text(&bridge, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        r#"cw_bridge_tool_calls_total{outcome="ok",surface="execute",tool="connectwise_get_tickets"} 3"#,
        r#"cw_bridge_tool_calls_total{outcome="not_found",surface="execute",tool="connectwise_get_ticket"} 1"#,
        r#"cw_bridge_tool_call_duration_seconds_count{tool="connectwise_get_tickets"} 3"#,
        // Each search of one record also counts how many match in all: 3 pages, 3 counts
        // and one list of boards (the second is the cache's).
        r#"cw_bridge_connectwise_requests_total{status="200"} 7"#,
        r#"cw_bridge_connectwise_requests_total{status="404"} 1"#,
        "cw_bridge_cache_hits_total 1",
        "cw_bridge_child_restarts_total 0",
        "cw_bridge_tool_calls_in_flight 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == expected),
            "missing {expected}:\n{metrics}"
        );
    }
    let mut promtool = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool is missing: install Debian's prometheus package (tests/run-all.sh does)");
    use std::io::Write as _;
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(metrics.as_bytes())
        .unwrap();
    let checked = promtool.wait_with_output().unwrap();
    assert!(
        checked.status.success() && checked.stdout.is_empty() && checked.stderr.is_empty(),
        "promtool: {}{}\n{metrics}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );

    // Behind the bridge key when one is set.
    let mut env = sim_env(&sim);
    env.push(("BRIDGE_API_KEY".into(), "k-123".into()));
    let keyed = Bridge::start(&env, &[]).await;
    keyed.wait_ready(Some("k-123")).await;
    assert_eq!(text(&keyed, "/metrics").await.0, StatusCode::UNAUTHORIZED);
    let authorized = keyed
        .http
        .get(format!("{}/metrics", keyed.url))
        .bearer_auth("k-123")
        .send()
        .await
        .unwrap();
    assert_eq!(authorized.status(), StatusCode::OK);
}

#[tokio::test]
async fn identical_requests_in_flight_are_sent_once() {
    let sim = sim().await;
    let bridge = Arc::new(Bridge::for_sim(&sim, &cw_e2e::NO_CLIENT_LIMITS).await);
    sim.faults().add(
        Fault::delay(Duration::from_secs(2))
            .on_path("/service/tickets/20001")
            .times(1),
    );
    let first = {
        let bridge = bridge.clone();
        tokio::spawn(async move {
            execute(
                &bridge,
                "connectwise_get_ticket",
                json!({"ticket_id": 20001}),
                &[],
            )
            .await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.faults().stalled() < 1 {
        assert!(
            Instant::now() < deadline,
            "the first call never reached the simulator"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut others = tokio::task::JoinSet::new();
    for _ in 0..15 {
        let bridge = bridge.clone();
        others.spawn(async move {
            execute(
                &bridge,
                "connectwise_get_ticket",
                json!({"ticket_id": 20001}),
                &[],
            )
            .await
        });
    }
    let (status, expected) = first.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    while let Some(answer) = others.join_next().await {
        assert_eq!(answer.unwrap(), (StatusCode::OK, expected.clone()));
    }
    assert_eq!(
        sent(&sim, "/service/tickets/20001"),
        1,
        "16 identical calls, one request"
    );
    let (_, metrics) = text(&bridge, "/metrics").await;
    assert!(
        metrics.lines().any(|l| l == "cw_bridge_coalesced_total 15"),
        "{metrics}"
    );
}

#[tokio::test]
async fn reference_lists_are_kept_for_the_configured_time() {
    let sim = sim().await;
    // Five asks for the boards: one request when they are kept, five when not.
    for (settings, expected) in [(&[][..], 1), (&[("CW_REFERENCE_CACHE_SECS", "0")][..], 5)] {
        let before = sent(&sim, "/service/boards");
        let bridge = Bridge::for_sim(&sim, settings).await;
        for _ in 0..5 {
            let (status, _) =
                execute(&bridge, "connectwise_get_service_boards", json!({}), &[]).await;
            assert_eq!(status, StatusCode::OK);
        }
        assert_eq!(
            sent(&sim, "/service/boards") - before,
            expected,
            "{settings:?}"
        );
    }
}

#[tokio::test]
async fn past_its_budget_a_credential_queues_then_gets_a_clear_429() {
    let sim = sim().await;
    // 60 a minute: a bucket of 6, then one a second; a turn may be waited for up to 1 s.
    let settings = [
        ("CW_REQUEST_BUDGET", "60"),
        ("CW_BUDGET_WAIT_SECS", "1"),
        ("BRIDGE_CLIENT_RATE", "0"),
        ("BRIDGE_CLIENT_CONCURRENCY", "0"),
    ];
    let bridge = Arc::new(Bridge::for_sim(&sim, &settings).await);
    let before = sim.journal().total();
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..16u64 {
        let bridge = bridge.clone();
        calls.spawn(async move {
            let body = json!({"tool_name": "connectwise_get_ticket", "arguments": {"ticket_id": 20001 + n}});
            post(&bridge, "/v1/tools/execute", body, &[]).await
        });
    }
    let (mut answered, mut refused) = (0, 0);
    while let Some(result) = calls.join_next().await {
        let (status, retry_after, answer) = result.unwrap();
        match status {
            StatusCode::OK => answered += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                refused += 1;
                assert_eq!(answer["code"], "budget_exhausted");
                assert!(
                    answer["error"]
                        .as_str()
                        .unwrap()
                        .contains("CW_REQUEST_BUDGET"),
                    "{answer}"
                );
                assert!(retry_after.is_some());
            }
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    assert!(
        (7..=8).contains(&answered),
        "6 at once and 1 or 2 after a wait: {answered}"
    );
    assert_eq!(answered + refused, 16);
    assert_eq!(
        sim.journal().total() - before,
        answered,
        "refused calls send nothing"
    );
    let (_, metrics) = text(&bridge, "/metrics").await;
    assert!(
        metrics.contains("cw_bridge_budget_waits_total"),
        "{metrics}"
    );
}
