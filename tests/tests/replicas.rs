//! Three bridge replicas against one simulator, sharing a real Redis (Debian's
//! `redis-server`) behind a real load balancer (Debian's `haproxy`): one request budget as
//! the simulator's journal counts it, the reference cache hit across replicas, a graceful
//! restart and a `kill -9` under load with every call answered, and Redis stopped and
//! started again mid-run without a failed call.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cw_e2e::redis::{REDIS_PASSWORD, Redis};
use cw_e2e::{Bridge, NO_CLIENT_LIMITS, free_port, signal, sim_env, until};
use cw_sim::{SimConfig, SimHandle};
use reqwest::StatusCode;
use serde_json::json;
use tokio::process::{Child, Command};

/// The budget every replica is given: 300 a minute, so a burst of 30, then 5 a second.
const BUDGET_PER_MINUTE: f64 = 300.0;

/// A real haproxy in front of the replicas: health-checked on `/health`, and a call that
/// finds a replica gone is sent to another.
struct Haproxy {
    _process: Child,
    _config: std::path::PathBuf,
    url: String,
}

impl Haproxy {
    async fn start(replicas: &[u16]) -> Haproxy {
        let port = free_port();
        let servers: String = replicas
            .iter()
            .enumerate()
            .map(|(n, p)| format!("  server replica{n} 127.0.0.1:{p} check\n"))
            .collect();
        let config = format!(
            "global\n  maxconn 512\n\
             defaults\n  mode http\n  timeout connect 1s\n  timeout client 60s\n  timeout server 60s\n\
             \x20 retries 3\n  option redispatch 1\n  retry-on conn-failure empty-response junk-response\n\
             \x20 option http-server-close\n\
             frontend calls\n  bind 127.0.0.1:{port}\n  default_backend replicas\n\
             backend replicas\n  balance roundrobin\n  option httpchk\n  http-check send meth GET uri /health ver HTTP/1.1 hdr Host 127.0.0.1\n  http-check expect status 200\n  timeout check 2s\n\
             \x20 default-server inter 100ms fall 1 rise 2\n{servers}"
        );
        let path = std::env::temp_dir().join(format!("cw-replicas-{port}.cfg"));
        std::fs::write(&path, config).unwrap();
        let process = Command::new("haproxy")
            .args(["-db", "-f"])
            .arg(&path)
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("haproxy runs (Debian's haproxy package; tests/run-all.sh installs it)");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        until("haproxy routing to a replica", || {
            let request = http.get(format!("{url}/health")).send();
            async { request.await.is_ok_and(|r| r.status() == StatusCode::OK) }
        })
        .await;
        Haproxy {
            _process: process,
            _config: path,
            url,
        }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self._config);
    }
}

fn replica_env(sim: &SimHandle, redis: &Redis) -> Vec<(String, String)> {
    let mut env = sim_env(sim);
    env.extend(NO_CLIENT_LIMITS.map(|(k, v)| (k.to_owned(), v.to_owned())));
    env.extend(
        [
            ("CW_REDIS_URL", redis.url()),
            ("CW_REQUEST_BUDGET", (BUDGET_PER_MINUTE as u32).to_string()),
            ("CW_BUDGET_WAIT_SECS", "30".into()),
            ("BRIDGE_DRAIN_SECS", "1".into()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    env
}

async fn replica(port: u16, env: &[(String, String)]) -> Bridge {
    let bridge = Bridge::start_on(port, env).await;
    bridge.wait_ready(None).await;
    bridge
}

async fn metric(bridge: &Bridge, name: &str) -> f64 {
    let text = bridge
        .http
        .get(format!("{}/metrics", bridge.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

async fn shared_state(bridge: &Bridge) -> String {
    let (_, health) = bridge.get("/health").await;
    health["sharedState"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// What the load saw: calls answered, and those that were not a 200.
#[derive(Default)]
struct Seen {
    answered: AtomicUsize,
    failed: std::sync::Mutex<Vec<String>>,
}

/// Workers calling through the load balancer until `stop`: tickets one by one and small
/// searches, each a different request, so the budget and not the cache decides.
fn load(url: &str, stop: Arc<AtomicBool>, seen: Arc<Seen>) -> Vec<tokio::task::JoinHandle<()>> {
    (0..8)
        .map(|worker| {
            let (url, stop, seen) = (url.to_owned(), stop.clone(), seen.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let body = if n.is_multiple_of(2) {
                        json!({"tool_name": "connectwise_get_ticket", "arguments": {"ticket_id": 20000 + (worker * 37 + n) % 400}})
                    } else {
                        json!({"tool_name": "connectwise_get_tickets", "arguments": {"conditions": format!("id > {}", worker * 1000 + n), "pageSize": 2}})
                    };
                    let answer = http
                        .post(format!("{url}/v1/tools/execute"))
                        .json(&body)
                        .timeout(Duration::from_secs(60))
                        .send()
                        .await;
                    match answer {
                        Ok(response) if response.status() == StatusCode::OK => {}
                        Ok(response) if response.status() == StatusCode::NOT_FOUND => {}
                        Ok(response) => {
                            let status = response.status();
                            let text = response.text().await.unwrap_or_default();
                            seen.failed.lock().unwrap().push(format!("{status}: {text}"));
                        }
                        Err(error) => seen.failed.lock().unwrap().push(error.to_string()),
                    }
                    seen.answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect()
}

/// The most requests the simulator received in any window of `width` among `times`.
fn busiest(times: &[Instant], width: Duration) -> usize {
    times
        .iter()
        .enumerate()
        .map(|(start, t)| {
            times[start..]
                .iter()
                .take_while(|u| u.duration_since(*t) < width)
                .count()
        })
        .max()
        .unwrap_or(0)
}

fn received(sim: &SimHandle) -> Vec<Instant> {
    let mut times: Vec<Instant> = sim
        .journal()
        .entries()
        .into_iter()
        .filter(|entry| entry.path.contains("/service/tickets"))
        .map(|entry| entry.received)
        .collect();
    times.sort();
    times
}

async fn answered_more(seen: &Seen, more: usize) {
    let target = seen.answered.load(Ordering::Relaxed) + more;
    until("more calls answered", || async {
        seen.answered.load(Ordering::Relaxed) >= target
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_one_budget_and_cache_and_lose_no_call_in_restarts() {
    let mut redis = Redis::start(free_port()).await;
    let sim = cw_sim::start(SimConfig {
        journal_capacity: 200_000,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let env = replica_env(&sim, &redis);
    let ports = [free_port(), free_port(), free_port()];
    let mut replicas = Vec::new();
    for port in ports {
        replicas.push(replica(port, &env).await);
    }

    // A reference list read on one replica is had from Redis on another.
    sim.journal().clear();
    for bridge in &replicas[..2] {
        let (status, body) = bridge
            .execute("connectwise_get_service_boards", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let sent = sim
        .journal()
        .entries()
        .iter()
        .filter(|e| e.path.ends_with("/service/boards"))
        .count();
    assert_eq!(
        sent, 1,
        "the second replica read the boards from the shared cache"
    );
    assert_eq!(
        metric(&replicas[1], "cw_bridge_cache_hits_total").await,
        1.0
    );
    assert_eq!(shared_state(&replicas[1]).await, "shared");
    assert_eq!(metric(&replicas[1], "cw_bridge_shared_store_up").await, 1.0);
    let (_, health) = replicas[1].get("/health").await;
    assert!(!health.to_string().contains(REDIS_PASSWORD), "{health}");

    // Steady load through the load balancer: the three replicas keep one budget.
    let balancer = Haproxy::start(&ports).await;
    sim.journal().clear();
    let started = Instant::now();
    let (stop, seen) = (Arc::new(AtomicBool::new(false)), Arc::new(Seen::default()));
    let workers = load(&balancer.url, stop.clone(), seen.clone());
    until("six seconds of load", || async {
        started.elapsed() >= Duration::from_secs(6)
    })
    .await;
    let times = received(&sim);
    let burst = BUDGET_PER_MINUTE / 10.0;
    let rate = BUDGET_PER_MINUTE / 60.0;
    for width in [1, 3, 6] {
        let bound = (burst + rate * width as f64) as usize + 2;
        let most = busiest(&times, Duration::from_secs(width));
        assert!(
            most <= bound,
            "{most} requests in {width} s across the replicas; one budget allows {bound}"
        );
    }
    assert!(
        times.len() as f64 >= burst + rate * 4.0,
        "the load spent the budget ({} requests; {} calls answered, failures: {:?})",
        times.len(),
        seen.answered.load(Ordering::Relaxed),
        seen.failed
            .lock()
            .unwrap()
            .iter()
            .take(3)
            .collect::<Vec<_>>()
    );

    // A graceful restart: /health says draining, the balancer moves on, nothing fails.
    let draining = replicas.remove(0);
    signal(draining.process.id().unwrap(), "TERM");
    until("the replica to say it is draining", || async {
        draining
            .http
            .get(format!("{}/health", draining.url))
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::SERVICE_UNAVAILABLE)
    })
    .await;
    let mut process = draining.process;
    let exit = tokio::time::timeout(Duration::from_secs(60), process.wait())
        .await
        .expect("the draining replica exits")
        .unwrap();
    assert!(exit.success(), "a graceful stop exits 0: {exit:?}");
    assert!(
        seen.failed.lock().unwrap().is_empty(),
        "calls failed during the graceful restart: {:?}",
        seen.failed.lock().unwrap()
    );
    replicas.insert(0, replica(ports[0], &env).await);
    answered_more(&seen, 20).await;

    // kill -9 of another: its calls in flight are answered by the others.
    let killed = replicas.remove(1);
    signal(killed.process.id().unwrap(), "KILL");
    let mut process = killed.process;
    let _ = process.wait().await;
    answered_more(&seen, 20).await;
    replicas.insert(1, replica(ports[1], &env).await);
    answered_more(&seen, 20).await;

    // Redis stops: calls go on with each replica's own budget, and say so.
    redis.stop().await;
    answered_more(&seen, 20).await;
    until("a replica to fall back", || async {
        let mut fell_back = false;
        for bridge in &replicas {
            fell_back |= metric(bridge, "cw_bridge_shared_fallbacks_total").await > 0.0;
        }
        fell_back
    })
    .await;
    // Redis is back: the replicas use it again by themselves.
    redis = Redis::start(redis.port).await;
    until("every replica to share its budget again", || async {
        let mut all = true;
        for bridge in &replicas {
            all &= shared_state(bridge).await == "shared";
        }
        all
    })
    .await;
    answered_more(&seen, 20).await;

    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    let failed = seen.failed.lock().unwrap();
    assert!(
        failed.is_empty(),
        "{} of {} calls failed: {:?}",
        failed.len(),
        seen.answered.load(Ordering::Relaxed),
        &failed[..failed.len().min(5)]
    );
    assert!(sim.journal().only_gets());
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_stops_answering_holds_no_call_past_its_bound() {
    let redis = Redis::start(free_port()).await;
    let sim = cw_sim::start(SimConfig::default()).await.unwrap();
    let mut env = replica_env(&sim, &redis);
    env.push(("CW_REDIS_WAIT_MS".into(), "100".into()));
    let bridge = replica(free_port(), &env).await;
    let ticket = |id: u64| bridge.execute("connectwise_get_ticket", json!({"ticket_id": id}));
    let (status, body) = ticket(20001).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(shared_state(&bridge).await, "shared");

    // Paused, Redis keeps its connections open and answers nothing: the worst case.
    signal(redis.pid(), "STOP");
    for id in 20002..20007 {
        let started = Instant::now();
        let (status, body) = ticket(id).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "a call waited {:?} on a Redis that does not answer (CW_REDIS_WAIT_MS=100; the tool timeout is 60 s)",
            started.elapsed()
        );
    }
    assert_eq!(shared_state(&bridge).await, "fallback");
    assert!(metric(&bridge, "cw_bridge_shared_fallbacks_total").await >= 1.0);

    signal(redis.pid(), "CONT");
    let mut id = 20010;
    until("the replica to share Redis again", || {
        id += 1;
        let call = ticket(id);
        async { call.await.0 == StatusCode::OK && shared_state(&bridge).await == "shared" }
    })
    .await;
}
