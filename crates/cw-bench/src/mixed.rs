//! `cw-bench mixed`: many technicians asking overlapping questions at once, as an MSP's
//! morning looks, with ConnectWise answering in 20 ms. Prints the ConnectWise requests
//! spent per answered call and the latency, with none of the quota savings, with
//! coalescing and the reference-list cache, and with the default request budget too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cw_e2e::{Bridge, sim_env};
use cw_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};

use crate::Tally;

const TECHNICIANS: usize = 24;
const QUESTIONS: usize = 20;
const LATENCY: Duration = Duration::from_millis(20);

/// The question a technician asks `n`-th: reference lists most of all, the same few
/// searches, and tickets from a small hot set, so that technicians overlap.
fn question(technician: usize, n: usize) -> (&'static str, Value) {
    let pick = (technician * 7 + n * 13) % 20;
    let company = ["ACME", "CedarDental", "GraniteManufacturing"][(technician + n) % 3];
    match pick {
        0..=3 => ("connectwise_get_service_boards", json!({})),
        4..=5 => (
            "connectwise_get_board_statuses",
            json!({"board_id": 1 + n % 2}),
        ),
        6..=7 => ("connectwise_get_members", json!({"pageSize": 50})),
        8..=11 => (
            "connectwise_get_tickets",
            json!({"conditions": format!("company/identifier = \"{company}\" AND closedFlag = false"), "pageSize": 10}),
        ),
        12..=13 => (
            "connectwise_count",
            json!({"entity": "tickets", "conditions": "closedFlag = false"}),
        ),
        _ => (
            "connectwise_get_ticket",
            json!({"ticket_id": 20_001 + ((technician + n) % 12) as u64}),
        ),
    }
}

struct Outcome {
    calls: Tally,
    /// ConnectWise requests sent.
    requests: u64,
    wall: Duration,
}

async fn morning(sim: &SimHandle, settings: &[(&str, &str)]) -> Outcome {
    let mut env = sim_env(sim);
    env.extend(
        [
            ("BRIDGE_CLIENT_RATE", "0"),
            ("BRIDGE_CLIENT_CONCURRENCY", "0"),
            ("CW_MAX_CONCURRENCY", "64"),
        ]
        .iter()
        .chain(settings)
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let bridge = Arc::new(Bridge::start(&env, &[]).await);
    bridge.wait_ready(None).await;
    let before = sim.journal().total();
    let started = Instant::now();
    let mut technicians = tokio::task::JoinSet::new();
    for technician in 0..TECHNICIANS {
        let bridge = bridge.clone();
        technicians.spawn(async move {
            let mut results = Vec::new();
            for n in 0..QUESTIONS {
                let (tool, arguments) = question(technician, n);
                let asked = Instant::now();
                let (status, _) = bridge.execute(tool, arguments).await;
                results.push((status.is_success(), asked.elapsed()));
            }
            results
        });
    }
    let calls = Tally::gather(technicians).await;
    Outcome {
        calls,
        requests: sim.journal().total() - before,
        wall: started.elapsed(),
    }
}

/// Runs the scenario under each setting and prints a row for each.
pub async fn run() {
    let sim = cw_sim::start(SimConfig {
        latency: Some(LATENCY),
        journal_capacity: 0,
        ..SimConfig::with_shared_data()
    })
    .await
    .expect("start cw-sim");
    println!(
        "\nmixed load: {TECHNICIANS} technicians asking {QUESTIONS} overlapping questions each at once, ConnectWise answering in {} ms",
        LATENCY.as_millis()
    );
    println!(
        "  {:<40} {:>9} {:>7} {:>12} {:>10} {:>10} {:>8}",
        "setting", "answered", "failed", "CW req/call", "p50", "p99", "wall"
    );
    let none = [
        ("CW_COALESCE", "false"),
        ("CW_REFERENCE_CACHE_SECS", "0"),
        ("CW_REQUEST_BUDGET", "0"),
    ];
    let shared = [("CW_REQUEST_BUDGET", "0")];
    let runs: [(&str, &[(&str, &str)]); 3] = [
        ("no coalescing, no cache, no budget", &none),
        ("coalescing + reference cache", &shared),
        ("+ request budget 600/min (the defaults)", &[]),
    ];
    for (label, settings) in runs {
        let outcome = morning(&sim, settings).await;
        let latency = outcome.calls.percentiles();
        println!(
            "  {label:<40} {:>9} {:>7} {:>12.2} {:>10} {:>10} {:>7.1}s",
            outcome.calls.answered,
            outcome.calls.failed,
            outcome.requests as f64 / outcome.calls.answered.max(1) as f64,
            super::ms(latency.p50),
            super::ms(latency.p99),
            outcome.wall.as_secs_f64()
        );
    }
}
