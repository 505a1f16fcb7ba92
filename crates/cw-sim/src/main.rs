//! `cw-sim`: run the ConnectWise Manage simulator on loopback.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::Parser;
use cw_sim::{Credentials, SimConfig};

/// A ConnectWise Manage REST API simulator with deterministic MSP demo data.
///
/// Serves /{codebase}/apis/3.0/... and /login/companyinfo/{company} with
/// ConnectWise's auth, clientId check, paging, conditions and error bodies.
/// Point CW_API_URL at the printed address and use the demo credentials:
/// CW_COMPANY_ID=demo CW_PUBLIC_KEY=demo-public CW_PRIVATE_KEY=demo-private,
/// and any GUID as CW_CLIENT_ID.
#[derive(Debug, Parser)]
#[command(version, name = "cw-sim")]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to bind; 0 picks a free one. The bound URL is printed on stdout.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Data seed; the same seed always gives the same data.
    #[arg(long, default_value_t = cw_sim::DEFAULT_SEED)]
    seed: u64,
    /// Data scale: 1 gives about 50 companies, 200 contacts and 1,000 tickets.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Date the data as if today were this day (YYYY-MM-DD); default: today.
    #[arg(long, env = "CW_DEMO_DATE")]
    date: Option<String>,
    /// Accept only this clientId (default: any GUID).
    #[arg(long)]
    client_id: Option<String>,
    /// Milliseconds of latency added to every request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Company id to accept.
    #[arg(long, default_value = "demo")]
    company: String,
    /// Public key to accept.
    #[arg(long, default_value = "demo-public")]
    public_key: String,
    /// Private key to accept.
    #[arg(long, default_value = "demo-private")]
    private_key: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    cw_runtime::init_logging(&std::env::var("LOG_LEVEL").unwrap_or_else(|_| "INFO".into()));
    cw_runtime::run(serve(args))
}

async fn serve(args: Args) -> std::process::ExitCode {
    if !(args.scale.is_finite() && args.scale > 0.0 && args.scale <= 100.0) {
        eprintln!("error: --scale must be a number above 0 and at most 100");
        return std::process::ExitCode::from(2);
    }
    let now = match cw_sim::demo_now(args.date.as_deref()) {
        Ok(now) => now,
        Err(problem) => {
            eprintln!("error: {problem} (--date)");
            return std::process::ExitCode::from(2);
        }
    };
    let config = SimConfig {
        addr: SocketAddr::new(args.host, args.port),
        seed: args.seed,
        scale: args.scale,
        now,
        credentials: Credentials {
            company: args.company,
            public_key: args.public_key,
            private_key: args.private_key,
        },
        members: vec![cw_sim::Member::technician()],
        client_id: args.client_id,
        latency: (args.latency_ms > 0).then(|| Duration::from_millis(args.latency_ms)),
        ..SimConfig::default()
    };
    let sim = match cw_sim::start(config).await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("error: could not start the simulator: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{}", sim.url());
    tracing::info!(url = %sim.url(), "cw-sim ready; stop with Ctrl-C or SIGTERM");
    cw_runtime::shutdown_signal().await;
    sim.shutdown().await;
    std::process::ExitCode::SUCCESS
}
