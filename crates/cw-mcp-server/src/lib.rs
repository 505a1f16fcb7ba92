//! `cw-mcp-server`: ConnectWise Manage tools over MCP, read-only.
//!
//! The tool catalog ([`catalog::CATALOG`]) is one table; [`ConnectWiseServer`]
//! serves it through rmcp. [`run`] is the binary's body: configuration, demo
//! mode, and the stdio transport.

pub mod access;
pub mod args;
pub mod budget;
pub mod catalog;
pub mod checks;
pub mod config;
pub mod dates;
pub mod demo;
pub mod discovery;
pub mod errors;
pub mod hints;
pub mod lookup;
pub mod me;
pub mod profiles;
pub mod prompts;
pub mod reads;
pub mod render;
pub mod reports;
pub mod resources;
pub mod schema;
pub mod server;
pub mod shape;
pub mod shorthand;
pub mod stdio;
pub mod summary;
pub mod untrusted;

use std::process::ExitCode;

use cw_client::{Client, Config, ConfigError};
use rmcp::ServiceExt;

pub use config::Options;
pub use server::ConnectWiseServer;

/// Runs the server on stdin/stdout until the client disconnects or a signal arrives.
pub async fn run(options: Options) -> ExitCode {
    let profile = match profiles::Profile::parse(&options.tool_profile) {
        Ok(profile) => profile,
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    // Demo mode keeps the simulator alive for as long as the server runs.
    let (config, _simulator, clock) = if options.shared.demo {
        match demo::start(options.demo_date.as_deref()).await {
            Ok((config, simulator, clock)) => (config, Some(simulator), clock),
            Err(code) => return code,
        }
    } else {
        let lookup = |name: &str| std::env::var(name).ok();
        let config = if options.shared.credentials == cw_boundary::Credentials::Request {
            Config::site_from_lookup(lookup)
        } else {
            Config::from_lookup(lookup)
        };
        match config {
            Ok(config) => (config, None, dates::Clock::system()),
            Err(error @ ConfigError::MissingCredentials(_)) => {
                eprintln!(
                    "error: {error}.\nSee .env.example, or try the demo without credentials: cw-mcp-server --demo (or CW_DEMO=true)"
                );
                return ExitCode::from(2);
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    };
    let access = match access::Access::from_options(&options, &config.api_url) {
        Ok(access) => access,
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    for warning in access.warnings() {
        tracing::warn!("{warning}");
    }
    let roles = match options.shared.roles_file().map(|path| {
        cw_boundary::Roles::load(path)?
            .roles
            .iter()
            .map(|role| Ok((role.name.clone(), access.narrowed_by(role)?)))
            .collect::<Result<std::collections::BTreeMap<_, _>, String>>()
    }) {
        None => Default::default(),
        Some(Ok(roles)) => roles,
        Some(Err(problem)) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    let mut config = config;
    config.policy = access.paths.clone();
    let client = if access.per_request() {
        Client::unauthenticated(&config)
    } else {
        for warning in config.warnings() {
            tracing::warn!("{warning}");
        }
        Client::new(&config)
    };
    let client = match client {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(api = %client.base_url(), tools = catalog::CATALOG.len(), profile = %options.tool_profile, credentials = %options.shared.credentials, "cw-mcp-server ready on stdio");
    let server =
        ConnectWiseServer::with_access(client, &profile, options.answer_budget as usize, access)
            .with_roles(roles)
            .with_clock(clock)
            .with_text_budget(options.text_budget as usize)
            .with_row_limit(options.summary_row_limit as usize);
    let stdio = stdio::stdio();
    let service = match server.serve(stdio.transport).await {
        Ok(service) => service,
        Err(error) => {
            tracing::error!(%error, "MCP handshake failed");
            return ExitCode::FAILURE;
        }
    };
    let cancel = service.cancellation_token();
    tokio::select! {
        result = service.waiting() => {
            if let Err(error) = result {
                tracing::error!(%error, "server task failed");
                return ExitCode::FAILURE;
            }
            // Every answer rmcp gave is on stdout before the process exits.
            let _ = stdio.output.await;
        }
        _ = cw_runtime::shutdown_signal() => {
            tracing::info!("signal received, stopping");
            cancel.cancel();
        }
    }
    ExitCode::SUCCESS
}
