//! A ConnectWise Manage REST API simulator with seeded, deterministic MSP data.
//!
//! It serves the same paths, headers, auth and clientId checks, error bodies,
//! pagination and `Link` headers, `/count`, `fields`, `orderBy` and conditions
//! as ConnectWise, over loopback HTTP. With the `harness` feature, tests inject faults and read the journal
//! of every request it received.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = cw_sim::start(cw_sim::SimConfig::default()).await?;
//! let client = cw_client::Client::new(&sim.client_config()).unwrap();
//! # Ok(()) }
//! ```

pub mod data;
pub mod errors;
pub mod eval;
#[cfg(feature = "harness")]
pub mod faults;
#[cfg(feature = "harness")]
mod harness;
#[cfg(feature = "harness")]
pub mod journal;
pub mod members;
mod paging;
pub mod resources;
pub mod synth;

mod auth;
mod server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use auth::Credentials;
pub use data::Dataset;
#[cfg(feature = "harness")]
pub use faults::{Fault, FaultBody, Faults};
#[cfg(feature = "harness")]
pub use journal::{Journal, JournalEntry};
pub use members::{Member, Role};
pub use server::router;

/// The clientId the demo configuration sends (any GUID is accepted unless one is pinned).
pub const DEMO_CLIENT_ID: &str = "5e1c0a7e-0000-4000-8000-00000000de70";
/// The default data seed.
pub const DEFAULT_SEED: u64 = 2026;

/// The demo's "now" from `CW_DEMO_DATE` (`YYYY-MM-DD`, noon UTC of that day), or the
/// current hour when it is unset or empty (so demos started within the hour hold the
/// same data); an error that says what to write otherwise.
pub fn demo_now(pinned: Option<&str>) -> Result<i64, String> {
    match pinned.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(data::time::system_now().div_euclid(3600) * 3600),
        Some(day) => data::time::parse_day(day).ok_or_else(|| {
            format!(
                "CW_DEMO_DATE must be a day written YYYY-MM-DD, such as 2026-11-24; got {day:?}"
            )
        }),
    }
}

/// How to run a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen (port 0 picks a free one).
    pub addr: SocketAddr,
    /// Data seed: the same seed gives the same data.
    pub seed: u64,
    /// Data scale: 1.0 gives about 50 companies and 1,000 tickets.
    pub scale: f64,
    /// The data's "now" (Unix seconds): every date is before it. Tests keep
    /// [`data::time::FIXED_NOW`]; demo mode uses today or a pinned day.
    pub now: i64,
    /// The credentials of the API member with every permission.
    pub credentials: Credentials,
    /// Further API members with narrower roles (by default a help-desk technician).
    pub members: Vec<Member>,
    /// A pinned clientId; `None` accepts any GUID.
    pub client_id: Option<String>,
    /// Delay added to every request.
    pub latency: Option<Duration>,
    /// How many recent requests the journal keeps.
    #[cfg(feature = "harness")]
    pub journal_capacity: usize,
    /// Reuse already generated data instead of generating it again.
    pub dataset: Option<Arc<Dataset>>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: DEFAULT_SEED,
            scale: 1.0,
            now: data::time::FIXED_NOW,
            credentials: Credentials::demo(),
            members: vec![Member::technician()],
            client_id: None,
            latency: None,
            #[cfg(feature = "harness")]
            journal_capacity: 10_000,
            dataset: None,
        }
    }
}

impl SimConfig {
    /// The default configuration over [`Dataset::shared`]: no data generation per start.
    pub fn with_shared_data() -> Self {
        Self {
            dataset: Some(Dataset::shared()),
            ..Self::default()
        }
    }
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    state: Arc<server::State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

/// Generates the data (unless given), binds, and serves in the background.
pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
    let dataset = match config.dataset {
        Some(dataset) => dataset,
        None => {
            let (seed, scale, now) = (config.seed, config.scale, config.now);
            Arc::new(
                tokio::task::spawn_blocking(move || Dataset::generate(seed, scale, now))
                    .await
                    .map_err(std::io::Error::other)?,
            )
        }
    };
    let mut members = vec![Member::admin(config.credentials)];
    members.extend(config.members);
    let state = Arc::new(server::State {
        dataset,
        members,
        client_id: config.client_id,
        latency: config.latency,
        #[cfg(feature = "harness")]
        harness: harness::Harness {
            faults: Faults::default(),
            journal: Journal::new(config.journal_capacity),
        },
    });
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(state.clone());
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(error) = serve.await {
            tracing::error!(%error, "simulator stopped with an error");
        }
    });
    Ok(SimHandle {
        addr,
        state,
        stop: Some(stop),
        task,
    })
}

impl SimHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the value for `CW_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client configuration for this simulator with the demo credentials.
    pub fn client_config(&self) -> cw_client::Config {
        self.member_config(&self.state.members[0])
    }

    /// A client configuration for this simulator acting as `member`.
    pub fn member_config(&self, member: &Member) -> cw_client::Config {
        let credentials = &member.credentials;
        let mut config = cw_client::Config::new(
            credentials.company.clone(),
            cw_client::Secret::new(credentials.public_key.clone()),
            cw_client::Secret::new(credentials.private_key.clone()),
        );
        config.api_url = self.url();
        config.client_id = self
            .state
            .client_id
            .clone()
            .unwrap_or_else(|| DEMO_CLIENT_ID.to_owned());
        config
    }

    /// Every request received.
    #[cfg(feature = "harness")]
    pub fn journal(&self) -> &Journal {
        &self.state.harness.journal
    }

    /// The fault rules in force.
    #[cfg(feature = "harness")]
    pub fn faults(&self) -> &Faults {
        &self.state.harness.faults
    }

    /// The data served.
    pub fn dataset(&self) -> &Arc<Dataset> {
        &self.state.dataset
    }

    /// Stops accepting, finishes in-flight requests, and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
