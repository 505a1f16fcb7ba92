//! Reliability and security through the real bridge, child and simulator:
//! upstream faults, a child killed under load, 10,000 calls at 64 at once,
//! hostile arguments, and no secret in any log line, error or health answer.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cw_e2e::attack::rss_kib;
use cw_e2e::{Bridge, NO_CLIENT_LIMITS, signal, sim_env};
use cw_sim::{Credentials, Fault, FaultBody, SimConfig, SimHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};

const COMPANY: &str = "acme-co";
const PUBLIC_KEY: &str = "pub-7Hq2LxWm";
const PRIVATE_KEY: &str = "priv-Zr93KdVn";

async fn sim() -> SimHandle {
    let credentials = Credentials {
        company: COMPANY.into(),
        public_key: PUBLIC_KEY.into(),
        private_key: PRIVATE_KEY.into(),
    };
    cw_sim::start(SimConfig {
        credentials,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// Starts a bridge for `sim` with extra settings, logging at DEBUG into a buffer.
async fn logged_bridge(sim: &SimHandle, extra: &[(&str, &str)]) -> Bridge {
    let mut env = sim_env(sim);
    env.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env.push(("LOG_LEVEL".into(), "DEBUG".into()));
    let bridge = Bridge::start_logged(&env, &[]).await;
    bridge.wait_ready(None).await;
    bridge
}

/// A call that must be answered within 20 s: no hang.
async fn call(
    bridge: &Bridge,
    tool: &str,
    arguments: Value,
    answers: &Mutex<Vec<String>>,
) -> (StatusCode, Value) {
    let body = json!({"tool_name": tool, "arguments": arguments});
    let request = bridge.post("/v1/tools/execute", &body);
    let (status, headers, body) = tokio::time::timeout(Duration::from_secs(20), request)
        .await
        .expect("answered without hanging");
    answers.lock().unwrap().push(format!("{headers:?} {body}"));
    (status, body)
}

fn secrets() -> Vec<String> {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD
        .encode(format!("{COMPANY}+{PUBLIC_KEY}:{PRIVATE_KEY}"));
    vec![
        PRIVATE_KEY.into(),
        PUBLIC_KEY.into(),
        token.clone(),
        format!("Basic {token}"),
    ]
}

#[tokio::test]
async fn upstream_faults_end_in_clear_errors_or_retries_and_leak_no_secret() {
    let sim = sim().await;
    let bridge = logged_bridge(&sim, &[("CW_MAX_RETRIES", "3"), ("CW_TIMEOUT_SECS", "1")]).await;
    let answers = Mutex::new(Vec::new());
    let tickets = |bridge| {
        call(
            bridge,
            "connectwise_get_tickets",
            json!({"pageSize": 2}),
            &answers,
        )
    };

    let (status, _) = tickets(&bridge).await;
    assert_eq!(status, StatusCode::OK);

    // A 429 storm: retried three times with Retry-After, then reported with Retry-After.
    sim.faults().add(
        Fault::status(429)
            .retry_after(1)
            .on_path("/service/tickets"),
    );
    let started = Instant::now();
    let (status, body) = tickets(&bridge).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "waited for Retry-After between the retries"
    );
    assert_eq!(
        sim.journal()
            .entries()
            .iter()
            .rev()
            .take(4)
            .filter(|e| e.status == 429)
            .count(),
        4
    );
    sim.faults().clear();
    // A short burst of 429s is ridden out.
    sim.faults().add(Fault::status(429).retry_after(1).times(2));
    assert_eq!(tickets(&bridge).await.0, StatusCode::OK);

    // 500, 502 and 503 bursts are retried with backoff; a lasting outage is reported.
    for status in [500, 502, 503] {
        sim.faults().add(Fault::status(status).times(2));
        assert_eq!(
            tickets(&bridge).await.0,
            StatusCode::OK,
            "a burst of {status}"
        );
    }
    sim.faults()
        .add(Fault::status(503).on_path("/service/tickets"));
    let (status, body) = tickets(&bridge).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("upstream_error"))
    );
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("ConnectWise failed (503)")
    );
    sim.faults().clear();

    // Latency beyond the timeout.
    sim.faults()
        .add(Fault::delay(Duration::from_secs(3)).times(1));
    let (status, body) = tickets(&bridge).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("upstream_timeout"))
    );
    assert!(body["error"].as_str().unwrap().contains("CW_TIMEOUT_SECS"));

    // Truncated and non-JSON bodies, on success and on failure.
    sim.faults()
        .add(Fault::status(200).body(FaultBody::Truncated).times(1));
    let (status, body) = tickets(&bridge).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("upstream_error"))
    );
    assert!(
        body["error"].as_str().unwrap().contains("not valid JSON"),
        "{body}"
    );
    sim.faults()
        .add(Fault::status(200).body(FaultBody::NotJson).times(1));
    assert_eq!(tickets(&bridge).await.0, StatusCode::BAD_GATEWAY);
    sim.faults()
        .add(Fault::status(502).body(FaultBody::NotJson).times(4));
    let (status, body) = tickets(&bridge).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Service Unavailable"),
        "{body}"
    );

    // A 401 in the middle of a session, then service again.
    assert_eq!(tickets(&bridge).await.0, StatusCode::OK);
    sim.faults().add(Fault::status(401).times(1));
    let (status, body) = tickets(&bridge).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("upstream_auth"))
    );
    assert!(body["error"].as_str().unwrap().contains("CW_PRIVATE_KEY"));
    assert_eq!(tickets(&bridge).await.0, StatusCode::OK);

    // Connection refused: a bridge whose ConnectWise is not there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = format!("http://127.0.0.1:{closed}");
    let lost = logged_bridge(&sim, &[("CW_API_URL", &nowhere), ("CW_MAX_RETRIES", "1")]).await;
    let (status, body) = call(&lost, "connectwise_get_tickets", json!({}), &answers).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("upstream_unreachable"))
    );
    assert!(body["error"].as_str().unwrap().contains("CW_API_URL"));

    // No secret anywhere: logs at DEBUG, errors, answers, /health.
    let (_, health) = bridge.get("/health").await;
    let logs = bridge.logs() + &lost.logs();
    assert!(logs.contains("DEBUG"), "the logs were captured at DEBUG");
    let seen = format!("{logs}\n{}\n{health}", answers.lock().unwrap().join("\n"));
    for secret in secrets() {
        assert!(!seen.contains(&secret), "a secret leaked: {secret}");
    }
    assert!(sim.journal().only_gets());
}

#[tokio::test]
async fn a_child_killed_under_load_leaves_no_request_unanswered() {
    let sim = sim().await;
    let bridge = Arc::new(logged_bridge(&sim, &NO_CLIENT_LIMITS).await);
    let pid = bridge.child_pid().await;
    sim.faults().add(Fault::delay(Duration::from_millis(20)));
    let answered = Arc::new(AtomicUsize::new(0));
    let permits = Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..300u64 {
        let (bridge, answered, permits) = (bridge.clone(), answered.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            let response = tokio::time::timeout(
                Duration::from_secs(30),
                bridge.http.post(format!("{}/v1/tools/execute", bridge.url))
                    .json(&json!({"tool_name": "connectwise_get_ticket", "arguments": {"ticket_id": 20_001 + i}}))
                    .send(),
            )
            .await
            .expect("no hang")
            .expect("an HTTP answer, not a dropped connection");
            answered.fetch_add(1, Ordering::SeqCst);
            let status = response.status();
            let body: Value = response.json().await.expect("a JSON answer");
            (i, status, body)
        });
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while answered.load(Ordering::SeqCst) < 60 {
        assert!(Instant::now() < deadline, "calls were not being answered");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    signal(pid, "KILL");
    let (mut ok, mut unavailable, mut ids) = (0, 0, BTreeSet::new());
    while let Some(result) = tasks.join_next().await {
        let (i, status, body) = result.unwrap();
        assert!(ids.insert(i), "request {i} answered twice");
        match status {
            StatusCode::OK => {
                assert_eq!(
                    body["id"],
                    20_001 + i,
                    "request {i} got someone else's answer"
                );
                ok += 1;
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["code"], "server_unavailable");
                unavailable += 1;
            }
            other => panic!("request {i}: unexpected {other} {body}"),
        }
    }
    assert_eq!(ids.len(), 300, "every request got exactly one answer");
    assert!(
        ok >= 60 && unavailable >= 1,
        "ok {ok}, unavailable {unavailable}"
    );
    sim.faults().clear();
    let deadline = Instant::now() + Duration::from_secs(15);
    while bridge
        .execute("connectwise_get_ticket", json!({"ticket_id": 20_001}))
        .await
        .0
        != StatusCode::OK
    {
        assert!(Instant::now() < deadline, "the child did not come back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn ten_thousand_calls_at_64_lose_nothing_and_memory_stays_flat() {
    let sim = sim().await;
    let bridge = Arc::new(Bridge::for_sim(&sim, &NO_CLIENT_LIMITS).await);
    let pids = [bridge.process.id().unwrap(), bridge.child_pid().await];
    let companies: Arc<Vec<Value>> = Arc::new(
        sim.dataset()
            .table("/company/companies")
            .unwrap()
            .records()
            .to_vec(),
    );
    let done = Arc::new(AtomicUsize::new(0));
    let rss_after_1000 = Arc::new(Mutex::new(0u64));
    let permits = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10_000usize {
        let (bridge, companies, done, rss_after_1000, permits) = (
            bridge.clone(),
            companies.clone(),
            done.clone(),
            rss_after_1000.clone(),
            permits.clone(),
        );
        tasks.spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            if i % 3 == 0 {
                let company = &companies[i % companies.len()];
                let conditions = format!("id = {}", company["id"]);
                let (status, answer) = bridge
                    .execute(
                        "connectwise_get_companies",
                        json!({"conditions": conditions}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(
                    answer["items"][0]["identifier"], company["identifier"],
                    "call {i} mismatched"
                );
            } else {
                let ticket = 20_001 + (i as u64 * 13) % 1000;
                let (status, answer) = bridge
                    .execute("connectwise_get_ticket", json!({"ticket_id": ticket}))
                    .await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(answer["id"], ticket, "call {i} mismatched");
            }
            if done.fetch_add(1, Ordering::SeqCst) + 1 == 1000 {
                *rss_after_1000.lock().unwrap() = rss_kib(&pids);
            }
        });
    }
    let mut answered = 0;
    while let Some(result) = tasks.join_next().await {
        result.expect("a call failed");
        answered += 1;
    }
    assert_eq!(answered, 10_000, "zero lost");
    let (early, end) = (*rss_after_1000.lock().unwrap(), rss_kib(&pids));
    println!("RSS of bridge + child: {early} KiB after 1,000 calls, {end} KiB after 10,000");
    assert!(
        early > 0 && end as f64 <= early as f64 * 1.2,
        "memory grew: {early} KiB -> {end} KiB"
    );
    assert!(sim.journal().only_gets());
}

/// The query parameters of a journaled request, decoded.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn hostile_arguments_are_refused_or_encoded_never_turned_into_something_else() {
    let sim = sim().await;
    let bridge = Bridge::for_sim(&sim, &[]).await;
    let before = sim.journal().total();

    // Refused before anything is sent.
    let refused = [
        (
            "connectwise_get_ticket",
            json!({"ticket_id": "1/../../system/members"}),
        ),
        ("connectwise_get_ticket", json!({"ticket_id": 1.5})),
        (
            "connectwise_get_ticket",
            json!({"ticket_id": 99_999_999_999u64}),
        ),
        (
            "connectwise_get_ticket_notes",
            json!({"ticket_id": "20001?pageSize=1000"}),
        ),
        (
            "connectwise_get_tickets",
            json!({"pageSize": 1_000_000_000_000u64}),
        ),
        (
            "connectwise_get_tickets",
            json!({"conditions": "summary = \"line\nbreak\""}),
        ),
        (
            "connectwise_get_tickets",
            json!({"conditions": "summary = \"nul\u{0}byte\""}),
        ),
        (
            "connectwise_get_tickets",
            json!({"conditions": "id = 1 & pageSize = 1000"}),
        ),
        (
            "connectwise_get_tickets",
            json!({"fields": "id&pageSize=1000"}),
        ),
        (
            "connectwise_get_tickets",
            json!({"orderBy": "id desc;drop"}),
        ),
        ("connectwise_get_tickets", json!({"orderBy": "id desc#"})),
    ];
    for (tool, arguments) in refused {
        let (status, body) = bridge.execute(tool, arguments.clone()).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{tool} {arguments}: {body}"
        );
    }
    let (status, _) = bridge.execute("../../system/members", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        sim.journal().total(),
        before,
        "nothing hostile reached ConnectWise"
    );

    // Accepted, and sent inside its one parameter, encoded.
    let accepted = [
        "summary contains \"a&pageSize=1000&fields=id\"",
        "summary contains \"#fragment\"",
        "summary contains \"%00\"",
        "summary contains \"Ünïcödé ✓\"",
        "summary = \"x\" OR summary = 'say \"hi\"'",
        "id = 20001\nAND closedFlag = false",
    ];
    for conditions in accepted {
        let (status, body) = bridge
            .execute("connectwise_get_tickets", json!({"conditions": conditions}))
            .await;
        assert_eq!(status, StatusCode::OK, "{conditions}: {body}");
        // The page's request (a `/count` may follow it, for how many match in all).
        let entry = sim
            .journal()
            .entries()
            .into_iter()
            .rfind(|e| e.path == "/v4_6_release/apis/3.0/service/tickets")
            .unwrap();
        assert_eq!(entry.method, "GET");
        let pairs = query_pairs(entry.query.as_deref().unwrap_or_default());
        let mut keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["conditions", "fields", "page", "pageSize"],
            "{conditions}: one parameter each"
        );
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            value("conditions"),
            Some(conditions),
            "sent exactly as given"
        );
        assert_eq!(value("pageSize"), Some("5"));
    }
    let everything = sim.journal().entries();
    assert!(
        everything
            .iter()
            .all(|e| e.method == "GET"
                && e.path.starts_with("/v4_6_release/apis/3.0/service/tickets"))
    );
    assert!(sim.journal().only_gets());
}
