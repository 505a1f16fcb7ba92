//! Helpers for end-to-end tests: find the built binaries, start the real
//! `cw-bridge` (and so its `cw-mcp-server` child) against a `cw-sim`.

pub mod attack;
pub mod redis;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Where the binaries are: `CW_BIN_DIR`, else the `target/<profile>` this
/// executable was built into (test executables sit one level deeper, in `deps`).
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CW_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("executable path");
    let dir = exe.parent().expect("executable directory");
    if dir.file_name().is_some_and(|name| name == "deps") {
        dir.parent().expect("target directory").to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// The path of a built binary; panics with the command to build it when missing.
pub fn binary(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (tests/run-all.sh does)",
        path.display()
    );
    path
}

/// Settings that lift the bridge's per-client limits (rate, requests and connections) and
/// the ConnectWise request budget, for tests and benchmarks whose one client is a load
/// generator.
pub const NO_CLIENT_LIMITS: [(&str, &str); 4] = [
    ("BRIDGE_CLIENT_RATE", "0"),
    ("BRIDGE_CLIENT_CONCURRENCY", "0"),
    ("BRIDGE_MAX_CONNECTIONS_PER_CLIENT", "512"),
    ("CW_REQUEST_BUDGET", "0"),
];

/// The environment that points a child at `sim` with the credentials it accepts.
pub fn sim_env(sim: &cw_sim::SimHandle) -> Vec<(String, String)> {
    let config = sim.client_config();
    [
        ("CW_API_URL", sim.url()),
        ("CW_COMPANY_ID", config.company_id.clone()),
        ("CW_PUBLIC_KEY", config.public_key.expose().to_owned()),
        ("CW_PRIVATE_KEY", config.private_key.expose().to_owned()),
        ("CW_CLIENT_ID", config.client_id.clone()),
        ("CW_MAX_RETRIES", "0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A running `cw-bridge` process. Killed when dropped.
pub struct Bridge {
    /// The process.
    pub process: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// A client for it.
    pub http: reqwest::Client,
    /// Its stderr (its own and its child's logs), when captured.
    logs: Option<Arc<Mutex<String>>>,
}

impl Bridge {
    /// Starts `cw-bridge --port 0 <args>` with only `env` (and PATH) in its
    /// environment, in a directory with no `.env`, and reads its address.
    pub async fn start(env: &[(String, String)], args: &[&str]) -> Bridge {
        Self::spawn(env, args, false, 0).await
    }

    /// Like [`Bridge::start`], keeping everything the bridge and its child log.
    pub async fn start_logged(env: &[(String, String)], args: &[&str]) -> Bridge {
        Self::spawn(env, args, true, 0).await
    }

    /// Starts `cw-bridge --port <port>` (a replica behind a load balancer, which knows its
    /// port), and waits until `/health` answers.
    pub async fn start_on(port: u16, env: &[(String, String)]) -> Bridge {
        Self::spawn(env, &[], false, port).await
    }

    async fn spawn(env: &[(String, String)], args: &[&str], capture: bool, port: u16) -> Bridge {
        let mut command = Command::new(binary("cw-bridge"));
        command
            .args(["--port", &port.to_string()])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env(
                "LOG_LEVEL",
                std::env::var("CW_TEST_LOG_LEVEL").unwrap_or_else(|_| "ERROR".into()),
            )
            // Audit lines only where a test asks for them.
            .env("BRIDGE_AUDIT_LOG", "off")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if capture {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .kill_on_drop(true);
        let mut process = command.spawn().expect("spawn cw-bridge");
        let logs = process.stderr.take().map(|stderr| {
            let logs = Arc::new(Mutex::new(String::new()));
            let sink = logs.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut logs = sink.lock().unwrap_or_else(|p| p.into_inner());
                    logs.push_str(&line);
                    logs.push('\n');
                }
            });
            logs
        });
        cw_client::init_tls();
        let http = reqwest::Client::new();
        if port != 0 {
            let url = format!("http://127.0.0.1:{port}");
            // The bridge says its address only for port 0: knock until it listens.
            until("cw-bridge listening on its port", || {
                let knock = http.get(format!("{url}/health")).send();
                async { knock.await.is_ok() }
            })
            .await;
            return Bridge {
                process,
                url,
                http,
                logs,
            };
        }
        let stdout = process.stdout.take().expect("stdout");
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(20),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("cw-bridge printed its address in time")
        .expect("read the address");
        let url = line.trim().to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "unexpected first line: {line:?}"
        );
        Bridge {
            process,
            url,
            http,
            logs,
        }
    }

    /// Everything logged so far (empty unless started with [`Bridge::start_logged`]).
    pub fn logs(&self) -> String {
        self.logs
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default()
    }

    /// Starts a bridge in front of `sim`, and waits until its child serves.
    pub async fn for_sim(sim: &cw_sim::SimHandle, extra: &[(&str, &str)]) -> Bridge {
        let mut env = sim_env(sim);
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let bridge = Bridge::start(&env, &[]).await;
        bridge.wait_ready(None).await;
        bridge
    }

    /// Waits until the child serves: `GET /v1/tools` itself waits while the child starts.
    pub async fn wait_ready(&self, key: Option<&str>) {
        let mut request = self.http.get(format!("{}/v1/tools", self.url));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let status = request.send().await.expect("GET /v1/tools").status();
        assert_eq!(
            status,
            StatusCode::OK,
            "the bridge's child did not become ready"
        );
    }

    /// `POST path` with a JSON body: status, headers and JSON answer.
    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, HeaderMap, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .await
            .expect("POST");
        let (status, headers) = (response.status(), response.headers().clone());
        (
            status,
            headers,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// `GET path`: status and JSON answer.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("GET");
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// `POST /v1/tools/execute`: status and JSON answer.
    pub async fn execute(&self, tool: &str, arguments: Value) -> (StatusCode, Value) {
        let (status, _, body) = self
            .post(
                "/v1/tools/execute",
                &serde_json::json!({"tool_name": tool, "arguments": arguments}),
            )
            .await;
        (status, body)
    }

    /// The child's pid, from `/health`.
    pub async fn child_pid(&self) -> u32 {
        let (_, health) = self.get("/health").await;
        health["child"]["pid"]
            .as_u64()
            .expect("a running child has a pid") as u32
    }
}

/// Sends a signal with the system's `kill` command.
pub fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} {pid}");
}

/// True while a process with this pid exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The third field is the state; `Z` is a zombie, which is as good as gone.
    stat.split_whitespace()
        .nth(2)
        .is_some_and(|state| state != "Z")
}

/// A loopback port free now (for a server that must be started on a known port).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// Knocks every 25 ms until `ready` holds, for at most 20 seconds.
pub async fn until<F: Future<Output = bool>>(what: &str, mut ready: impl FnMut() -> F) {
    let started = std::time::Instant::now();
    while !ready().await {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} did not happen in 20 s"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
