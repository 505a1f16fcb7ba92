//! `cw-bench replicas`: technicians' calls spread over bridge replicas in front of one
//! ConnectWise, with one replica, two that each keep their own budget and cache, and two that
//! share them in a real Redis (Debian's `redis-server`). Prints the ConnectWise requests a
//! minute against the budget, the calls answered and their latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cw_e2e::redis::Redis;
use cw_e2e::{Bridge, free_port, sim_env};
use cw_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};

use crate::Tally;

/// A budget small enough for a short run to spend it.
const BUDGET_PER_MINUTE: u64 = 120;
const TECHNICIANS: usize = 12;
const RUN: Duration = Duration::from_secs(20);
const LATENCY: Duration = Duration::from_millis(20);

/// The `n`-th question: reference lists and ever-new tickets and searches.
fn question(technician: usize, n: usize) -> (&'static str, Value) {
    match (technician + n) % 4 {
        0 => ("connectwise_get_service_boards", json!({})),
        1 => (
            "connectwise_get_board_statuses",
            json!({"board_id": 1 + n % 2}),
        ),
        2 => (
            "connectwise_get_ticket",
            json!({"ticket_id": 20_000 + (technician * 31 + n) % 400}),
        ),
        _ => (
            "connectwise_get_tickets",
            json!({"conditions": format!("id > {}", technician * 1000 + n), "pageSize": 5}),
        ),
    }
}

struct Outcome {
    calls: Tally,
    /// ConnectWise requests in all, and those within the run's time.
    requests: u64,
    in_run: u64,
}

async fn run_with(sim: &SimHandle, replicas: usize, redis: Option<&Redis>) -> Outcome {
    let mut env = sim_env(sim);
    env.extend(
        [
            ("BRIDGE_CLIENT_RATE", "0".to_owned()),
            ("BRIDGE_CLIENT_CONCURRENCY", "0".to_owned()),
            ("CW_REQUEST_BUDGET", BUDGET_PER_MINUTE.to_string()),
            ("CW_BUDGET_WAIT_SECS", "60".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    if let Some(redis) = redis {
        env.push(("CW_REDIS_URL".into(), redis.url()));
    }
    let mut bridges = Vec::new();
    for _ in 0..replicas {
        let bridge = Bridge::start_on(free_port(), &env).await;
        bridge.wait_ready(None).await;
        bridges.push(Arc::new(bridge));
    }
    let before = sim.journal().total();
    let started = Instant::now();
    let mut technicians = tokio::task::JoinSet::new();
    for technician in 0..TECHNICIANS {
        // Round robin, as a load balancer without affinity would.
        let bridges = bridges.clone();
        technicians.spawn(async move {
            let mut results = Vec::new();
            let mut n = 0;
            while started.elapsed() < RUN {
                let bridge = &bridges[(technician + n) % bridges.len()];
                let (tool, arguments) = question(technician, n);
                let asked = Instant::now();
                let (status, _) = bridge.execute(tool, arguments).await;
                results.push((status.is_success(), asked.elapsed()));
                n += 1;
            }
            results
        });
    }
    tokio::time::sleep_until((started + RUN).into()).await;
    let in_run = sim.journal().total() - before;
    let calls = Tally::gather(technicians).await;
    Outcome {
        calls,
        requests: sim.journal().total() - before,
        in_run,
    }
}

/// Runs the three shapes and prints a row for each.
pub async fn run() {
    let sim = cw_sim::start(SimConfig {
        latency: Some(LATENCY),
        journal_capacity: 0,
        ..SimConfig::default()
    })
    .await
    .expect("start cw-sim");
    let burst = BUDGET_PER_MINUTE / 10;
    let bound = (burst as f64 + BUDGET_PER_MINUTE as f64 / 60.0 * RUN.as_secs_f64())
        / RUN.as_secs_f64()
        * 60.0;
    println!(
        "\nreplicas: {TECHNICIANS} technicians for {} s, calls round robin over the replicas, ConnectWise answering in {} ms; budget {BUDGET_PER_MINUTE}/min per credential (a burst of {burst}, so a {} s run may reach {bound:.0}/min)",
        RUN.as_secs(),
        LATENCY.as_millis(),
        RUN.as_secs()
    );
    println!(
        "  {:<34} {:>9} {:>7} {:>10} {:>11} {:>10} {:>10}",
        "shape", "answered", "failed", "CW req", "req/min run", "p50", "p99"
    );
    let mut redis = Redis::start(free_port()).await;
    for (label, replicas, shared) in [
        ("one replica", 1, false),
        ("two replicas, each its own state", 2, false),
        ("two replicas sharing Redis", 2, true),
    ] {
        let outcome = run_with(&sim, replicas, shared.then_some(&redis)).await;
        let latency = outcome.calls.percentiles();
        println!(
            "  {label:<34} {:>9} {:>7} {:>10} {:>11.0} {:>10} {:>10}",
            outcome.calls.answered,
            outcome.calls.failed,
            outcome.requests,
            outcome.in_run as f64 / RUN.as_secs_f64() * 60.0,
            super::ms(latency.p50),
            super::ms(latency.p99),
        );
    }
    redis.stop().await;
}
