//! The real cw-bridge, its real cw-mcp-server child and cw-sim over HTTP:
//! every route, every bad input, concurrency, a killed child, SIGTERM.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cw_e2e::{Bridge, NO_CLIENT_LIMITS, alive, signal};
use cw_sim::{Dataset, Fault, SimConfig, SimHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn dataset() -> Arc<Dataset> {
    Dataset::shared()
}

async fn sim() -> SimHandle {
    cw_sim::start(SimConfig::with_shared_data()).await.unwrap()
}

fn assert_read_only(sim: &SimHandle) {
    assert!(
        sim.journal().only_gets(),
        "{:?}",
        sim.journal().method_counts()
    );
}

#[tokio::test]
async fn every_route_answers_as_the_contract_says() {
    let sim = sim().await;
    let bridge = Bridge::for_sim(&sim, &[]).await;

    let (status, health) = bridge.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (health["status"].as_str(), health["service"].as_str()),
        (Some("ok"), Some("connectwise-mcp-bridge"))
    );
    assert_eq!(health["mode"], "live");
    assert_eq!(health["child"]["state"], "running");
    assert_eq!(health["child"]["restarts"], 0);
    // The compact profile by default: a search for each common entity, a ticket and its
    // notes, and the generic read.
    assert!(health["version"].is_string() && health["tools"].as_u64().unwrap() == 14);

    let (status, tools) = bridge.get("/v1/tools").await;
    assert_eq!(status, StatusCode::OK);
    let tools = tools["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 14);
    assert!(tools.iter().any(|t| t["name"] == "connectwise_read"));
    assert!(
        tools
            .iter()
            .all(|t| t["inputSchema"]["type"] == "object" && t["description"].is_string())
    );

    // The original README's example, verbatim.
    let body: Value = serde_json::from_str(r#"{"tool_name":"connectwise_get_companies","arguments":{"conditions":"identifier=\"ACME\"","pageSize":5}}"#).unwrap();
    let (status, _, answer) = bridge.post("/v1/tools/execute", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["items"][0]["identifier"], "ACME");
    assert_eq!(answer["items"].as_array().unwrap().len(), 1);

    // The same answer as the text written for a model, to a caller that asks for it first.
    let text = bridge
        .http
        .post(format!("{}/v1/tools/execute", bridge.url))
        .header("Accept", "text/plain")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::OK);
    assert!(
        text.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = text.text().await.unwrap();
    assert!(
        text.starts_with("Here is the only match:\n- id: ") && text.contains("identifier: ACME;"),
        "{text}"
    );

    // Names without the prefix, snake_case twins, and the per-tool route.
    let (status, answer) = bridge
        .execute(
            "get_tickets",
            json!({"page_size": 3, "order_by": "id desc"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["items"][0]["id"], 21_000);
    assert_eq!(answer["hasMore"], true);
    let (status, _, answer) = bridge
        .post(
            "/v1/tools/connectwise_get_ticket",
            &json!({"ticket_id": 20_001}),
        )
        .await;
    assert_eq!(
        (status, answer["id"].as_u64()),
        (StatusCode::OK, Some(20_001))
    );
    let empty = bridge
        .http
        .post(format!(
            "{}/v1/tools/connectwise_get_system_info",
            bridge.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        empty.status(),
        StatusCode::OK,
        "an empty body means no arguments"
    );

    let (status, spec) = bridge.get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    assert_eq!(paths.len(), tools.len());
    for tool in tools {
        let name = tool["name"].as_str().unwrap();
        let operation = &paths[&format!("/v1/tools/{name}")]["post"];
        assert_eq!(operation["operationId"], name);
        assert_eq!(
            operation["requestBody"]["content"]["application/json"]["schema"],
            tool["inputSchema"]
        );
    }
    assert!(!spec.to_string().contains("$ref"));

    let (status, body) = bridge.get("/nowhere").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, body) = bridge.get("/v1/tools/execute").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );

    // By default no web page may call the bridge (tests/tests/hostile.rs has the rest).
    let preflight = bridge
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/tools/execute", bridge.url),
        )
        .header("Origin", "http://openwebui.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::FORBIDDEN);
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_read_only(&sim);
}

#[tokio::test]
async fn bad_input_gets_a_clear_json_error() {
    let sim = sim().await;
    let bridge = Bridge::for_sim(&sim, &[]).await;
    let raw = |body: &'static str| {
        let request = bridge
            .http
            .post(format!("{}/v1/tools/execute", bridge.url))
            .header("content-type", "application/json")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = raw("{not json").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_json"))
    );
    assert!(body["error"].as_str().unwrap().contains("not valid JSON"));
    let (status, body) = raw(r#"{"arguments": {}}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("`tool_name` is missing")
    );
    let (status, body) = raw(r#"[1, 2]"#).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body) = raw(r#"{"tool_name": "connectwise_get_tickets", "arguments": [1]}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("`arguments` must be a JSON object")
    );

    let (status, body) = bridge
        .execute("connectwise_launch_rockets", json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_tool"))
    );
    assert!(body["details"]["tools"].as_array().unwrap().len() >= 8);

    let (status, body) = bridge
        .execute("connectwise_get_tickets", json!({"pageSize": "ten"}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_arguments"))
    );
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("`pageSize` must be a whole number")
    );
    let (status, body) = bridge
        .execute(
            "connectwise_get_ticket",
            json!({"ticket_id": "1/../../system/members"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("ticket_id"));
    let (status, body) = bridge
        .execute(
            "connectwise_get_tickets",
            json!({"conditions": "summary = printer"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("syntax error"));

    let huge = format!(
        r#"{{"tool_name": "connectwise_get_tickets", "arguments": {{"conditions": "{}"}}}}"#,
        "x".repeat(1_100_000)
    );
    let response = bridge
        .http
        .post(format!("{}/v1/tools/execute", bridge.url))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "payload_too_large"
    );

    // Upstream failures: 404, 429 with Retry-After passed on, 5xx as 502.
    let (status, body) = bridge
        .execute("connectwise_get_ticket", json!({"ticket_id": 999}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert!(body["error"].as_str().unwrap().starts_with("no ticket 999"));
    sim.faults()
        .add(Fault::status(429).retry_after(42).times(1));
    let (status, headers, body) = bridge
        .post(
            "/v1/tools/execute",
            &json!({"tool_name": "connectwise_get_members"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    assert_eq!(headers["retry-after"], "42");
    sim.faults().add(Fault::status(503).times(1));
    let (status, body) = bridge.execute("connectwise_get_members", json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("upstream_error"))
    );
    assert!(body["error"].as_str().unwrap().contains("503"));
    assert_read_only(&sim);
}

#[tokio::test]
async fn slow_tool_calls_time_out_with_504() {
    let sim = sim().await;
    let bridge = Bridge::for_sim(&sim, &[("BRIDGE_TOOL_TIMEOUT_SECS", "1")]).await;
    sim.faults().add(
        Fault::delay(Duration::from_secs(4))
            .on_path("/system/members")
            .times(1),
    );
    let started = Instant::now();
    let (status, body) = bridge.execute("connectwise_get_members", json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("timeout"))
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered at the timeout, not after the upstream"
    );
    let (status, _) = bridge
        .execute("connectwise_get_tickets", json!({"pageSize": 1}))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the bridge serves on after a timeout"
    );
}

#[tokio::test]
async fn the_api_key_guards_every_route_but_health() {
    let sim = sim().await;
    let mut env = cw_e2e::sim_env(&sim);
    env.push(("BRIDGE_API_KEY".into(), "s3cret-key".into()));
    let bridge = Bridge::start(&env, &[]).await;
    bridge.wait_ready(Some("s3cret-key")).await;
    let (status, health) = bridge.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!health.to_string().contains("s3cret-key"));
    for path in ["/v1/tools", "/openapi.json"] {
        let (status, body) = bridge.get(path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthorized")),
            "{path}"
        );
    }
    let url = format!("{}/v1/tools/execute", bridge.url);
    let body = json!({"tool_name": "get_system_info"});
    let missing = bridge.http.post(&url).json(&body).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    let wrong = bridge
        .http
        .post(&url)
        .bearer_auth("s3cret-kez")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(
        wrong.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("wrong")
    );
    let right = bridge
        .http
        .post(&url)
        .bearer_auth("s3cret-key")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    let mcp = bridge
        .http
        .post(format!("{}/mcp", bridge.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(mcp.status(), StatusCode::UNAUTHORIZED);
    let spec = bridge
        .http
        .get(format!("{}/openapi.json", bridge.url))
        .bearer_auth("s3cret-key")
        .send()
        .await
        .unwrap();
    let spec: Value = spec.json().await.unwrap();
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn a_thousand_concurrent_calls_each_get_their_own_answer() {
    let sim = sim().await;
    let bridge = Arc::new(Bridge::for_sim(&sim, &NO_CLIENT_LIMITS).await);
    let tickets: Vec<u64> = dataset()
        .table("/service/tickets")
        .unwrap()
        .records()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    let companies: Vec<Value> = dataset()
        .table("/company/companies")
        .unwrap()
        .records()
        .to_vec();
    let permits = Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1000usize {
        let (bridge, permits) = (bridge.clone(), permits.clone());
        let ticket = tickets[(i * 7) % tickets.len()];
        let company = companies[i % companies.len()].clone();
        tasks.spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            if i % 2 == 0 {
                let (status, answer) = bridge
                    .execute("connectwise_get_ticket", json!({"ticket_id": ticket}))
                    .await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(answer["id"], ticket, "call {i} got someone else's answer");
            } else {
                let conditions = format!(
                    "identifier = \"{}\"",
                    company["identifier"].as_str().unwrap()
                );
                let (status, answer) = bridge
                    .execute(
                        "get_companies",
                        json!({"conditions": conditions, "fields": "id,identifier"}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(
                    answer["items"][0]["id"], company["id"],
                    "call {i} got someone else's answer"
                );
            }
        });
    }
    let mut done = 0;
    while let Some(result) = tasks.join_next().await {
        result.unwrap();
        done += 1;
    }
    assert_eq!(done, 1000);
    // Identical requests in flight at once are sent once (CW_COALESCE), so the simulator saw
    // at least one request for each distinct ticket and company asked, however they overlapped.
    let asked: std::collections::HashSet<String> = (0..1000usize)
        .map(|i| match i % 2 {
            0 => format!("ticket {}", tickets[(i * 7) % tickets.len()]),
            _ => format!("company {}", companies[i % companies.len()]["id"]),
        })
        .collect();
    assert!(sim.journal().total() >= asked.len() as u64);
    assert_read_only(&sim);
}

#[tokio::test]
async fn a_killed_child_fails_calls_fast_and_comes_back() {
    let sim = sim().await;
    // Eight separate requests in flight: identical ones would be sent once.
    let bridge = Arc::new(Bridge::for_sim(&sim, &[("CW_COALESCE", "false")]).await);
    let pid = bridge.child_pid().await;
    // Calls in flight when the child dies: ConnectWise answers slowly.
    sim.faults()
        .add(Fault::delay(Duration::from_secs(3)).on_path("/system/members"));
    let mut in_flight = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let bridge = bridge.clone();
        in_flight.spawn(async move {
            let started = Instant::now();
            let (status, body) = bridge.execute("connectwise_get_members", json!({})).await;
            (status, body, started.elapsed())
        });
    }
    // Wait until all eight requests have reached the simulator's stall.
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.faults().stalled() < 8 {
        assert!(
            Instant::now() < deadline,
            "calls never reached the simulator"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    signal(pid, "KILL");
    while let Some(result) = in_flight.join_next().await {
        let (status, body, elapsed) = result.unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["code"], "server_unavailable");
        assert!(
            elapsed < Duration::from_secs(3),
            "failed fast, not after the upstream delay: {elapsed:?}"
        );
    }
    sim.faults().clear();
    // The supervisor restarts the child; later calls succeed.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _) = bridge
            .execute("connectwise_get_tickets", json!({"pageSize": 1}))
            .await;
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(Instant::now() < deadline, "the child did not come back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, health) = bridge.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["child"]["restarts"], 1);
    assert!(
        health["child"]["lastExit"]
            .as_str()
            .unwrap()
            .contains("exited")
    );
    assert_ne!(health["child"]["pid"].as_u64().unwrap() as u32, pid);
    assert!(!alive(pid));
    assert_read_only(&sim);
}

#[tokio::test]
async fn sigterm_finishes_in_flight_calls_stops_the_child_and_exits_zero() {
    let sim = sim().await;
    let mut bridge = Bridge::for_sim(&sim, &[]).await;
    let child = bridge.child_pid().await;
    sim.faults().add(
        Fault::delay(Duration::from_millis(800))
            .on_path("/system/members")
            .times(1),
    );
    let request = bridge
        .http
        .post(format!("{}/v1/tools/execute", bridge.url))
        .json(&json!({"tool_name": "connectwise_get_members", "arguments": {"pageSize": 2}}))
        .send();
    let call = tokio::spawn(request);
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.faults().stalled() < 1 {
        assert!(
            Instant::now() < deadline,
            "the call never reached the simulator"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    signal(bridge.process.id().unwrap(), "TERM");
    let response = call
        .await
        .unwrap()
        .expect("the in-flight call was answered");
    assert_eq!(response.status(), StatusCode::OK);
    let status = tokio::time::timeout(Duration::from_secs(20), bridge.process.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(!alive(child), "the child was stopped");
    assert!(
        bridge
            .http
            .get(format!("{}/health", bridge.url))
            .send()
            .await
            .is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn demo_mode_needs_no_credentials_and_health_says_so() {
    let bridge = Bridge::start(&[], &["--demo"]).await;
    bridge.wait_ready(None).await;
    let (status, health) = bridge.get("/health").await;
    assert_eq!(
        (status, health["mode"].as_str()),
        (StatusCode::OK, Some("demo"))
    );
    let (status, answer) = bridge
        .execute("connectwise_count", json!({"entity": "companies"}))
        .await;
    assert_eq!(
        (status, answer["count"].as_u64()),
        (StatusCode::OK, Some(50))
    );
}

#[tokio::test]
async fn a_child_that_cannot_start_leaves_health_degraded() {
    let bridge = Bridge::start(
        &[(
            "CW_MCP_SERVER_BIN".into(),
            "/nonexistent/cw-mcp-server".into(),
        )],
        &[],
    )
    .await;
    let (status, body) = bridge.execute("connectwise_get_tickets", json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("server_unavailable"))
    );
    let (status, health) = bridge.get("/health").await;
    assert_eq!(
        (status, health["status"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("degraded"))
    );
    assert!(
        health["child"]["lastExit"]
            .as_str()
            .unwrap()
            .contains("could not start /nonexistent/cw-mcp-server")
    );
}

/// The original project's 30 tool names.
const ORIGINAL_TOOLS: [&str; 30] = [
    "connectwise_get_companies",
    "connectwise_get_company",
    "connectwise_get_company_sites",
    "connectwise_get_company_types",
    "connectwise_get_company_statuses",
    "connectwise_get_tickets",
    "connectwise_get_ticket",
    "connectwise_get_ticket_notes",
    "connectwise_get_ticket_tasks",
    "connectwise_get_ticket_schedules",
    "connectwise_get_ticket_priorities",
    "connectwise_get_ticket_sources",
    "connectwise_get_contacts",
    "connectwise_get_contact",
    "connectwise_get_contact_types",
    "connectwise_get_opportunities",
    "connectwise_get_agreements",
    "connectwise_get_agreement_additions",
    "connectwise_get_invoices",
    "connectwise_get_expense_entries",
    "connectwise_get_billing_cycles",
    "connectwise_get_time_entries",
    "connectwise_get_projects",
    "connectwise_get_activities",
    "connectwise_get_members",
    "connectwise_get_configurations",
    "connectwise_get_configuration",
    "connectwise_get_configuration_types",
    "connectwise_get_service_boards",
    "connectwise_get_board_statuses",
];

/// Arguments that satisfy a tool's required id argument in the demo data.
fn required_arguments(name: &str) -> Value {
    match name {
        "connectwise_get_company" | "connectwise_get_company_sites" => json!({"company_id": 2}),
        "connectwise_get_ticket"
        | "connectwise_get_ticket_notes"
        | "connectwise_get_ticket_tasks"
        | "connectwise_get_ticket_schedules" => json!({"ticket_id": 20001}),
        "connectwise_get_contact" => json!({"contact_id": 201}),
        "connectwise_get_agreement_additions" => json!({"agreement_id": 100}),
        "connectwise_get_configuration" => json!({"configuration_id": 5000}),
        "connectwise_get_board_statuses" => json!({"board_id": 1}),
        _ => json!({}),
    }
}

#[tokio::test]
async fn every_original_tool_stays_callable_under_every_profile() {
    let sim = sim().await;
    for profile in ["compact", "service", "all"] {
        let bridge = Bridge::for_sim(
            &sim,
            &[("CW_TOOL_PROFILE", profile), ("BRIDGE_CLIENT_RATE", "0")],
        )
        .await;
        let (_, tools) = bridge.get("/v1/tools").await;
        let listed = tools["tools"].as_array().unwrap().len();
        match profile {
            "all" => assert!(listed >= 43, "{profile}: {listed}"),
            _ => assert!(listed < 20, "{profile}: {listed}"),
        }
        for name in ORIGINAL_TOOLS {
            let short = name.trim_start_matches("connectwise_");
            let (status, answer) = bridge.execute(short, required_arguments(name)).await;
            assert_eq!(status, StatusCode::OK, "{profile} {name}: {answer}");
            let (status, _, answer) = bridge
                .post(&format!("/v1/tools/{name}"), &required_arguments(name))
                .await;
            assert_eq!(status, StatusCode::OK, "{profile} {name}: {answer}");
        }
    }
    assert!(sim.journal().only_gets());
}
