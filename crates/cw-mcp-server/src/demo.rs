//! Demo mode (`--demo`): the ConnectWise simulator with its demo data, started inside the
//! process on a loopback port, and the configuration that reads it. Built with the `demo`
//! feature (on by default); a server built without it says so when asked for the demo.

use std::process::ExitCode;

use cw_client::Config;

use crate::dates::Clock;

/// What keeps the demo's simulator running: dropped when the server stops.
#[cfg(feature = "demo")]
pub type Simulator = cw_sim::SimHandle;
/// What keeps the demo's simulator running: nothing in a build without the `demo` feature.
#[cfg(not(feature = "demo"))]
pub type Simulator = ();

/// Starts the simulator dated `demo_date` (YYYY-MM-DD; default today) and gives the
/// configuration that reads it, with the tunables (timeouts, sharing, budget) from the
/// environment. Problems are written to stderr; the error is the exit code.
#[cfg(feature = "demo")]
pub async fn start(demo_date: Option<&str>) -> Result<(Config, Simulator, Clock), ExitCode> {
    let now = cw_sim::demo_now(demo_date).map_err(|problem| {
        eprintln!("error: {problem}");
        ExitCode::from(2)
    })?;
    let mut config =
        Config::site_from_lookup(|name| std::env::var(name).ok()).map_err(|error| {
            eprintln!("error: {error}");
            ExitCode::from(2)
        })?;
    let sim_config = cw_sim::SimConfig {
        now,
        ..cw_sim::SimConfig::default()
    };
    let sim = cw_sim::start(sim_config).await.map_err(|error| {
        eprintln!("error: could not start the demo simulator: {error}");
        ExitCode::FAILURE
    })?;
    tracing::info!(url = %sim.url(), "demo mode: serving demo data from the built-in ConnectWise simulator");
    let demo = sim.client_config();
    config.api_url = demo.api_url;
    config.codebase = demo.codebase;
    config.company_id = demo.company_id;
    config.public_key = demo.public_key;
    config.private_key = demo.private_key;
    config.client_id = demo.client_id;
    Ok((config, sim, Clock::starting_at(now)))
}

/// Demo mode in a build without the `demo` feature: an error that says how to get it.
#[cfg(not(feature = "demo"))]
pub async fn start(_demo_date: Option<&str>) -> Result<(Config, Simulator, Clock), ExitCode> {
    eprintln!(
        "error: this cw-mcp-server was built without demo mode: build it with the `demo` feature \
         (cargo build -p cw-mcp-server --features demo), or set CW_COMPANY_ID, CW_PUBLIC_KEY and CW_PRIVATE_KEY"
    );
    Err(ExitCode::from(2))
}
