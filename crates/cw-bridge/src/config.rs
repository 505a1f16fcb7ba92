//! Command line and environment of the `cw-bridge` binary.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// HTTP bridge to the ConnectWise MCP server, for OpenWebUI, curl and MCP clients.
///
/// Spawns one long-lived cw-mcp-server (found beside this executable, or at
/// --server-bin), keeps it running, and serves its tools over HTTP:
///   GET  /health                  liveness and child state (never needs the API key)
///   POST /v1/tools/execute        {"tool_name": "...", "arguments": {...}}
///   GET  /v1/tools                the tool list with input schemas
///   GET  /openapi.json            OpenAPI 3.1 tool server for OpenWebUI
///   POST /v1/tools/{name}         one tool, arguments as the JSON body
///   /mcp                          MCP Streamable HTTP
///
/// ConnectWise settings (CW_COMPANY_ID, CW_PUBLIC_KEY, CW_PRIVATE_KEY, CW_API_URL,
/// ...) are read by the child from the environment or .env; --demo needs none.
#[derive(Debug, Clone, Parser)]
#[command(name = "cw-bridge", version)]
pub struct Options {
    /// Port to listen on; 0 picks a free one and prints the bound address.
    #[arg(long, env = "MCP_PORT", default_value_t = 3002)]
    pub port: u16,
    /// Address to bind: 127.0.0.1 for this machine only, 0.0.0.0 in containers.
    #[arg(long, env = "BRIDGE_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Pass demo mode to the child: the built-in simulator with demo data, no credentials.
    #[arg(long, env = "CW_DEMO", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub demo: bool,
    /// The cw-mcp-server executable (default: next to this one, then on PATH).
    #[arg(long, env = "CW_MCP_SERVER_BIN")]
    pub server_bin: Option<PathBuf>,
    /// When set, every route but /health needs `Authorization: Bearer <key>`.
    #[arg(long, env = "BRIDGE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Seconds a tool call may take before the bridge answers 504.
    #[arg(long, env = "BRIDGE_TOOL_TIMEOUT_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub tool_timeout_secs: u64,
    /// Allowed CORS origins, comma-separated; `*` allows any origin (without credentials).
    #[arg(long, env = "BRIDGE_CORS_ORIGINS", default_value = "*")]
    pub cors_origins: String,
    /// Host names /mcp accepts in the Host header, comma-separated (add your docker network names).
    #[arg(
        long,
        env = "MCP_ALLOWED_HOSTS",
        default_value = "localhost,127.0.0.1,::1,connectwise-mcp-bridge,mcp-bridge"
    )]
    pub allowed_hosts: String,
    /// Log level: DEBUG, INFO, WARNING or ERROR, or a tracing filter.
    #[arg(long, env = "LOG_LEVEL", default_value = "INFO")]
    pub log_level: String,
    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Exit 0 when the bridge on --port answers /health with 200 (for container HEALTHCHECKs; needs no curl).
    Healthcheck,
}

impl Options {
    /// The tool call timeout.
    pub fn tool_timeout(&self) -> Duration {
        Duration::from_secs(self.tool_timeout_secs)
    }

    /// The API key, when one is set and not blank.
    pub fn api_key(&self) -> Option<&str> {
        self.api_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
    }

    /// Comma-separated list to items.
    pub fn list(value: &str) -> Vec<String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The cw-mcp-server to run: --server-bin, else beside this executable, else `cw-mcp-server` on PATH.
    pub fn server_program(&self) -> PathBuf {
        if let Some(path) = &self.server_bin {
            return path.clone();
        }
        let beside = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("cw-mcp-server")));
        match beside {
            Some(path) if path.exists() => path,
            _ => PathBuf::from("cw-mcp-server"),
        }
    }
}
