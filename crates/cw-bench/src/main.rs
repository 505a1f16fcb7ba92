//! `cw-bench`: what the bridge costs, measured end to end on this machine.
//!
//!     cargo build --release --bins && target/release/cw-bench
//!
//! Starts cw-sim in this process and the real release `cw-bridge` (with its
//! `cw-mcp-server` child) against it, then prints: the latency the bridge adds
//! over calling cw-sim directly with cw-client (p50, p99; sequential and 32
//! concurrent callers; with and without 5 ms injected into cw-sim),
//! throughput at 1, 8, 32 and 128 callers, peak and idle RSS of bridge and
//! child, start-up to the first answer, and answer sizes against raw
//! ConnectWise JSON. Finishes in well under 5 minutes on 2 cores.
//!
//!     target/release/cw-bench hostile [SECONDS]
//!
//! runs the attacks instead (see `hostile.rs`), and
//!
//!     target/release/cw-bench mixed
//!
//! many technicians asking overlapping questions, with and without the quota savings
//! (see `mixed.rs`), and
//!
//!     target/release/cw-bench replicas
//!
//! the ConnectWise requests a minute of one replica, two apart and two sharing Redis
//! (see `replicas.rs`; needs Debian's redis-server).

mod hostile;
mod mixed;
mod replicas;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cw_client::{ApiPath, Client, Query};
use cw_e2e::{Bridge, NO_CLIENT_LIMITS, sim_env};
use cw_sim::{Fault, SimConfig, SimHandle};
use serde_json::{Value, json};

const SEQUENTIAL_CALLS: usize = 400;
const CONCURRENT_CALLS: usize = 3200;
const THROUGHPUT_WINDOW: Duration = Duration::from_secs(3);
const INJECTED: Duration = Duration::from_millis(5);
/// Both paths use cw-client with the same bound on requests in flight, set
/// above the largest latency test (32 callers) so the bound is not what is measured.
const MAX_CONCURRENCY: usize = 32;

/// One kind of call, made directly with cw-client or through the bridge.
#[derive(Clone, Copy)]
enum Call {
    GetTicket,
    SearchTickets,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::GetTicket => "get_ticket",
            Call::SearchTickets => "search 25 tickets",
        }
    }

    async fn direct(self, client: &Client, i: usize) {
        match self {
            Call::GetTicket => {
                client
                    .get_value(&ApiPath::record("/service/tickets", ticket_id(i)))
                    .await
                    .expect("direct get");
            }
            Call::SearchTickets => {
                let query = Query::new().conditions("closedFlag = false").page_size(25);
                client
                    .list_values(&ApiPath::collection("/service/tickets"), &query)
                    .await
                    .expect("direct search");
            }
        }
    }

    async fn bridged(self, bridge: &Bridge, i: usize) {
        let (tool, arguments) = match self {
            Call::GetTicket => ("connectwise_get_ticket", json!({"ticket_id": ticket_id(i)})),
            Call::SearchTickets => (
                "connectwise_get_tickets",
                json!({"conditions": "closedFlag = false", "pageSize": 25}),
            ),
        };
        let (status, _) = bridge.execute(tool, arguments).await;
        assert!(status.is_success(), "{tool} answered {status}");
    }
}

fn ticket_id(i: usize) -> u64 {
    20_001 + (i as u64 * 37) % 1000
}

struct Percentiles {
    p50: Duration,
    p99: Duration,
}

fn percentiles(mut samples: Vec<Duration>) -> Percentiles {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Percentiles {
        p50: at(0.50),
        p99: at(0.99),
    }
}

/// Technicians' calls, as each technician's task reports them: whether each was answered,
/// and how long it took.
struct Tally {
    answered: usize,
    failed: usize,
    latencies: Vec<Duration>,
}

impl Tally {
    /// The calls of every task in `technicians`, once all have finished.
    async fn gather(mut technicians: tokio::task::JoinSet<Vec<(bool, Duration)>>) -> Self {
        let mut tally = Tally {
            answered: 0,
            failed: 0,
            latencies: Vec::new(),
        };
        while let Some(results) = technicians.join_next().await {
            for (answered, took) in results.expect("technician task") {
                if answered {
                    tally.answered += 1;
                } else {
                    tally.failed += 1;
                }
                tally.latencies.push(took);
            }
        }
        tally
    }

    /// The median and 99th percentile of the calls' latencies.
    fn percentiles(&self) -> Percentiles {
        percentiles(self.latencies.clone())
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Latencies of `calls` calls made by `callers` concurrent tasks.
async fn latencies<F, Fut>(calls: usize, callers: usize, call: F) -> Vec<Duration>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..callers {
        let (call, next) = (call.clone(), next.clone());
        tasks.spawn(async move {
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= calls {
                    return samples;
                }
                let started = Instant::now();
                call(i).await;
                samples.push(started.elapsed());
            }
        });
    }
    let mut all = Vec::with_capacity(calls);
    while let Some(samples) = tasks.join_next().await {
        all.extend(samples.expect("caller task"));
    }
    all
}

/// Calls per second over a fixed window with `callers` concurrent callers.
async fn throughput(bridge: Arc<Bridge>, callers: usize) -> f64 {
    let deadline = Instant::now() + THROUGHPUT_WINDOW;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for caller in 0..callers {
        let bridge = bridge.clone();
        tasks.spawn(async move {
            let mut done = 0usize;
            while Instant::now() < deadline {
                Call::GetTicket.bridged(&bridge, caller * 1000 + done).await;
                done += 1;
            }
            done
        });
    }
    let mut total = 0;
    while let Some(done) = tasks.join_next().await {
        total += done.expect("caller task");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// `VmRSS` and `VmHWM` (peak) of a process, in MiB.
fn rss(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn start_bridge(sim: &SimHandle) -> (Bridge, Duration) {
    let started = Instant::now();
    let mut env = sim_env(sim);
    env.push(("CW_MAX_CONCURRENCY".into(), MAX_CONCURRENCY.to_string()));
    env.extend(NO_CLIENT_LIMITS.map(|(k, v)| (k.to_owned(), v.to_owned())));
    let bridge = Bridge::start(&env, &[]).await;
    // The first call waits while the child starts: spawn to first answer.
    Call::GetTicket.bridged(&bridge, 0).await;
    (bridge, started.elapsed())
}

#[tokio::main]
async fn main() {
    let began = Instant::now();
    let sim = cw_sim::start(SimConfig {
        journal_capacity: 0,
        ..SimConfig::default()
    })
    .await
    .expect("start cw-sim");
    let mut config = sim.client_config();
    config.max_concurrency = MAX_CONCURRENCY;
    // As the bridge is run here (NO_CLIENT_LIMITS): no request budget.
    config.budget.per_minute = 0;
    let direct = Client::new(&config).expect("client");
    println!(
        "cw-bench: cw-bridge {} against cw-sim at {}",
        env!("CARGO_PKG_VERSION"),
        sim.url()
    );
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("hostile") {
        let soak_secs = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
        hostile::run(&sim, soak_secs).await;
        println!("\nfinished in {:.1} s", began.elapsed().as_secs_f64());
        return;
    }

    if args.first().map(String::as_str) == Some("replicas") {
        replicas::run().await;
        return;
    }
    if args.first().map(String::as_str) == Some("mixed") {
        mixed::run().await;
        println!("\nfinished in {:.1} s", began.elapsed().as_secs_f64());
        return;
    }

    startup(&sim).await;

    let (bridge, _) = start_bridge(&sim).await;
    let bridge = Arc::new(bridge);
    let bridge_pid = bridge.process.id().expect("bridge pid");
    let child_pid = bridge.child_pid().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (bridge_idle, _) = rss(bridge_pid);
    let (child_idle, _) = rss(child_pid);

    latency_table(&sim, &direct, &bridge).await;

    throughput_table(&bridge).await;

    let (bridge_now, bridge_peak) = rss(bridge_pid);
    let (child_now, child_peak) = rss(child_pid);
    println!("\nmemory (RSS, MiB)        idle    after load    peak");
    println!("  cw-bridge          {bridge_idle:>8.1} {bridge_now:>12.1} {bridge_peak:>8.1}");
    println!("  cw-mcp-server      {child_idle:>8.1} {child_now:>12.1} {child_peak:>8.1}");
    println!(
        "  together           {:>8.1} {:>12.1} {:>8.1}",
        bridge_idle + child_idle,
        bridge_now + child_now,
        bridge_peak + child_peak
    );

    answer_sizes(&sim, &bridge).await;
    tool_lists(&sim).await;
    println!("\nfinished in {:.1} s", began.elapsed().as_secs_f64());
}

/// Spawn to first successful tool call, five times.
async fn startup(sim: &SimHandle) {
    // Start-up: spawn to first successful tool call, five times.
    let mut startups = Vec::new();
    for _ in 0..5 {
        let (bridge, elapsed) = start_bridge(sim).await;
        startups.push(elapsed);
        drop(bridge);
    }
    startups.sort();
    println!(
        "\nstart-up, spawn to first answer (5 runs): median {}, max {}",
        ms(startups[2]),
        ms(startups[4])
    );
}

/// The latency the bridge adds over calling cw-sim directly with cw-client.
async fn latency_table(sim: &SimHandle, direct: &Client, bridge: &Arc<Bridge>) {
    println!("\nlatency added by the bridge (p50 / p99; ratio bridge ÷ direct at p50)");
    println!(
        "{:<20} {:<10} {:>8} {:>24} {:>24} {:>8}",
        "call", "injected", "callers", "direct cw-client", "through cw-bridge", "ratio"
    );
    for injected in [Duration::ZERO, INJECTED] {
        if !injected.is_zero() {
            sim.faults().add(Fault::delay(injected));
        }
        for call in [Call::GetTicket, Call::SearchTickets] {
            for callers in [1, 32] {
                let calls = if callers == 1 {
                    SEQUENTIAL_CALLS
                } else {
                    CONCURRENT_CALLS
                };
                let client = direct.clone();
                let direct_samples = latencies(calls, callers, move |i| {
                    let client = client.clone();
                    async move { call.direct(&client, i).await }
                })
                .await;
                let bridge_for_calls = bridge.clone();
                let bridged_samples = latencies(calls, callers, move |i| {
                    let bridge = bridge_for_calls.clone();
                    async move { call.bridged(&bridge, i).await }
                })
                .await;
                let (d, b) = (percentiles(direct_samples), percentiles(bridged_samples));
                println!(
                    "{:<20} {:<10} {:>8} {:>24} {:>24} {:>7.2}x",
                    call.name(),
                    ms(injected),
                    callers,
                    format!("{} / {}", ms(d.p50), ms(d.p99)),
                    format!("{} / {}", ms(b.p50), ms(b.p99)),
                    b.p50.as_secs_f64() / d.p50.as_secs_f64()
                );
            }
        }
        sim.faults().clear();
    }
}

/// Calls a second through the bridge at 1 to 128 callers.
async fn throughput_table(bridge: &Arc<Bridge>) {
    println!(
        "\nthroughput through the bridge, get_ticket, no injected latency ({} s each)",
        THROUGHPUT_WINDOW.as_secs()
    );
    for callers in [1, 8, 32, 128] {
        let rate = throughput(bridge.clone(), callers).await;
        println!("  {callers:>3} callers: {rate:>8.0} calls/s");
    }
}

/// Our answers' sizes against raw ConnectWise JSON for the same records.
async fn answer_sizes(sim: &SimHandle, bridge: &Bridge) {
    println!("\nanswer size: our answer against raw ConnectWise JSON for the same 25 records");
    cw_client::init_tls();
    let http = reqwest::Client::new();
    for (label, path, tool) in [
        ("25 tickets", "/service/tickets", "connectwise_get_tickets"),
        (
            "25 companies",
            "/company/companies",
            "connectwise_get_companies",
        ),
        (
            "25 time entries",
            "/time/entries",
            "connectwise_get_time_entries",
        ),
    ] {
        let raw = http
            .get(format!(
                "{}/v4_6_release/apis/3.0{path}?pageSize=25",
                sim.url()
            ))
            .basic_auth("demo+demo-public", Some("demo-private"))
            .header("clientId", cw_sim::DEMO_CLIENT_ID)
            .send()
            .await
            .expect("raw GET")
            .bytes()
            .await
            .expect("raw body")
            .len();
        let ours = http
            .post(format!("{}/v1/tools/execute", bridge.url))
            .json(&json!({"tool_name": tool, "arguments": {"pageSize": 25}}))
            .send()
            .await
            .expect("bridge call")
            .bytes()
            .await
            .expect("bridge body");
        let items = serde_json::from_slice::<Value>(&ours)
            .ok()
            .and_then(|v| v["items"].as_array().map(Vec::len));
        assert_eq!(
            items,
            Some(25),
            "{label}: the answer holds the same 25 records"
        );
        println!(
            "  {label:<16} raw {raw:>7} B   ours {:>7} B   {:.1}x smaller",
            ours.len(),
            raw as f64 / ours.len() as f64
        );
    }
}

/// The tool list of each profile, in bytes and estimated tokens (4 bytes a token), as OpenWebUI
/// sends it to a model (name, description, parameters) and as MCP `tools/list` sends it.
async fn tool_lists(sim: &SimHandle) {
    println!("\ntool lists by CW_TOOL_PROFILE (tokens estimated at 4 bytes each)");
    println!(
        "  {:<10} {:>6} {:>26} {:>26}",
        "profile", "tools", "as OpenWebUI sends them", "as MCP tools/list"
    );
    for profile in cw_mcp_server::profiles::names() {
        let mut env = sim_env(sim);
        env.push(("CW_TOOL_PROFILE".into(), profile.into()));
        let bridge = Bridge::start(&env, &[]).await;
        let (_, listed) = bridge.get("/v1/tools").await;
        let tools = listed["tools"].as_array().cloned().unwrap_or_default();
        let openwebui: Vec<Value> = tools
            .iter()
            .map(|t| json!({"name": t["name"], "description": t["description"], "parameters": t["inputSchema"]}))
            .collect();
        let mcp: Vec<Value> = tools
            .iter()
            .map(|t| {
                let mut t = t.clone();
                if let Some(map) = t.as_object_mut() {
                    map.retain(|_, v| !v.is_null());
                }
                t
            })
            .collect();
        // Each as its sender writes it: OpenWebUI's Python, and rmcp's compact JSON.
        let (a, b) = (
            cw_mcp_server::profiles::python_json_len(&json!(openwebui)),
            json!(mcp).to_string().len(),
        );
        println!(
            "  {profile:<10} {:>6} {:>14} B {:>6} tok {:>14} B {:>6} tok",
            tools.len(),
            a,
            a / 4,
            b,
            b / 4
        );
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
