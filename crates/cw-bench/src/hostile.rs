//! `cw-bench hostile [SECONDS]`: the bridge under attack, long form. With its
//! default limits: an `/mcp` session flood, slow-header connections, and a
//! mixed soak of SECONDS (default 60), each printed as RSS, descriptors and
//! answer rates. Point `CW_BIN_DIR` at another build to compare.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cw_e2e::attack::{client_from, fd_count, open_session, rss_kib, slow_connections, soak};
use cw_e2e::{Bridge, NO_CLIENT_LIMITS, sim_env};
use cw_sim::SimHandle;
use serde_json::json;

const FLOOD: usize = 5_000;
const SLOW: usize = 1_500;

fn address(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

async fn bridge(sim: &SimHandle, extra: &[(&str, &str)]) -> (Arc<Bridge>, [u32; 2]) {
    let mut env = sim_env(sim);
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let bridge = Bridge::start(&env, &[]).await;
    bridge.wait_ready(None).await;
    let pids = [bridge.process.id().expect("pid"), bridge.child_pid().await];
    (Arc::new(bridge), pids)
}

fn figures(pids: &[u32]) -> String {
    format!(
        "RSS {:.1} MiB, {} descriptors",
        rss_kib(pids) as f64 / 1024.0,
        fd_count(pids[0])
    )
}

/// Runs the three scenarios and prints their figures.
pub async fn run(sim: &SimHandle, soak_secs: u64) {
    session_flood(sim).await;
    slow_headers(sim).await;
    soak_run(sim, soak_secs).await;
}

/// One client opens far more `/mcp` sessions than the cap while another keeps calling.
async fn session_flood(sim: &SimHandle) {
    println!("\n/mcp session flood: {FLOOD} initialize requests, 32 at a time, one client");
    let (target, pids) = bridge(sim, &[]).await;
    println!("  before: {}", figures(&pids));
    let flooder = client_from(address(2));
    let healthy = client_from(address(3));
    let began = Instant::now();
    let permits = Arc::new(tokio::sync::Semaphore::new(32));
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..FLOOD {
        let (flooder, url, permits) = (flooder.clone(), target.url.clone(), permits.clone());
        flood.spawn(async move {
            let _permit = permits.acquire().await.expect("permit");
            open_session(&flooder, &url, i as u64).await.0.as_u16()
        });
    }
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let calls = {
        let (done, url) = (done.clone(), target.url.clone());
        tokio::spawn(async move {
            let (mut ok, mut calls) = (0, 0);
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let answer = healthy
                    .post(format!("{url}/v1/tools/execute"))
                    .json(&json!({"tool_name": "get_ticket", "arguments": {"ticket_id": 20_001}}))
                    .send()
                    .await;
                calls += 1;
                ok += usize::from(answer.is_ok_and(|a| a.status().is_success()));
            }
            (ok, calls)
        })
    };
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    while let Some(status) = flood.join_next().await {
        *statuses.entry(status.expect("task")).or_default() += 1;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (healthy_ok, healthy_calls) = calls.await.expect("task");
    let elapsed = began.elapsed();
    let (_, health) = target.get("/health").await;
    println!(
        "  after {:.1} s: {}; initialize answers by status {statuses:?}; live sessions {}; another client's calls during the flood: {healthy_ok}/{healthy_calls} answered 200",
        elapsed.as_secs_f64(),
        figures(&pids),
        health["mcpSessions"]
    );
    drop(target);
}

/// Connections that send half a header and then nothing.
async fn slow_headers(sim: &SimHandle) {
    println!(
        "\nslow headers: {SLOW} connections from one address send half a header, then nothing"
    );
    let (target, pids) = bridge(sim, &[]).await;
    println!("  before: {}", figures(&pids));
    let socket = target
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    let slow = slow_connections(socket, address(4), SLOW).await;
    let opened = Instant::now();
    let checker = client_from(address(5));
    let mut health_ms: Vec<f64> = Vec::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    for _ in 0..3 {
        ticks.tick().await;
        let started = Instant::now();
        let ok = checker
            .get(format!("{}/health", target.url))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .is_ok_and(|a| a.status().is_success());
        health_ms.push(if ok {
            started.elapsed().as_secs_f64() * 1e3
        } else {
            f64::NAN
        });
    }
    println!(
        "  while they hang: {}; /health from another address answered in {health_ms:.1?} ms",
        figures(&pids)
    );
    let closing: Vec<_> = slow
        .into_iter()
        .map(|c| tokio::spawn(c.closed(Duration::from_secs(20))))
        .collect();
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for handle in closing {
        let outcome = match handle.await.expect("task") {
            None => "still open after 20 s",
            Some(closed) if closed.said.starts_with("HTTP/1.1 503") => "refused at once (503)",
            Some(_) => "closed by the header timeout",
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    println!(
        "  {:.1} s after opening: {outcomes:?}; {}",
        opened.elapsed().as_secs_f64(),
        figures(&pids)
    );
    drop(target);
}

/// A long mixed load, then how fast memory, sessions and connections come back down.
async fn soak_run(sim: &SimHandle, soak_secs: u64) {
    println!(
        "\nsoak: {soak_secs} s of searches, gets, failing calls and /mcp sessions, 16 callers"
    );
    let (target, pids) = bridge(sim, &NO_CLIENT_LIMITS).await;
    println!("  before: {}", figures(&pids));
    let report = soak(
        &target,
        &pids,
        Duration::from_secs(soak_secs),
        16,
        Duration::from_secs(5),
    )
    .await;
    println!(
        "  {:>6} {:>9} {:>12} {:>9} {:>12} {:>10}",
        "t (s)", "RSS MiB", "descriptors", "sessions", "connections", "calls/s"
    );
    let mut last = (0.0, 0);
    for s in &report.samples {
        let rate = (s.answered - last.1) as f64 / (s.at - last.0).max(1e-9);
        last = (s.at, s.answered);
        println!(
            "  {:>6.0} {:>9.1} {:>12} {:>9} {:>12} {:>10.0}",
            s.at,
            s.rss_kib as f64 / 1024.0,
            s.fds,
            s.sessions,
            s.connections,
            rate
        );
    }
    println!("  answers by status: {:?}", report.statuses);
    let began = Instant::now();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    loop {
        ticks.tick().await;
        let (_, health) = target.get("/health").await;
        if health["mcpSessions"].as_u64().unwrap_or(0) == 0
            || began.elapsed() > Duration::from_secs(180)
        {
            println!(
                "  {:.0} s after the load: {}; live sessions {}, connections {}",
                began.elapsed().as_secs_f64(),
                figures(&pids),
                health["mcpSessions"],
                health["connections"]
            );
            break;
        }
    }
}
