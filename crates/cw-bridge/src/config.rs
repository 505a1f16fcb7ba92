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
///   GET  /metrics                 Prometheus metrics (behind the API key when one is set)
///
/// The ConnectWise settings, listed after the options, are read by the child from the
/// environment or .env; --demo needs none.
#[derive(Debug, Clone, Parser)]
#[command(name = "cw-bridge", version)]
pub struct Options {
    /// Demo mode, credentials and the log level, as both binaries read them.
    #[command(flatten)]
    pub shared: cw_runtime::Shared,
    /// Port the bridge listens on (docker compose publishes it on BRIDGE_BIND); 0 picks a free
    /// one and prints the bound address.
    #[arg(long, env = "MCP_PORT", default_value_t = 3002)]
    pub port: u16,
    /// Address the bridge binds: 127.0.0.1 for this machine only (the container image binds
    /// 0.0.0.0 itself).
    #[arg(long, env = "BRIDGE_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The cw-mcp-server executable the bridge runs; empty (the default): the one next to
    /// cw-bridge, else cw-mcp-server on PATH.
    #[arg(long, env = "CW_MCP_SERVER_BIN", default_value = "")]
    pub server_bin: String,
    /// When set, every route but /health (so /metrics too) needs `Authorization: Bearer <key>`.
    #[arg(long, env = "BRIDGE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Seconds a tool call may take before the bridge answers 504.
    #[arg(long, env = "BRIDGE_TOOL_TIMEOUT_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub tool_timeout_secs: u64,
    /// Seconds after SIGTERM during which /health answers 503 "draining" while calls are still
    /// taken, so a load balancer or Kubernetes takes the replica out before its listener
    /// closes; then calls in flight finish (at most the tool timeout) and the bridge exits.
    #[arg(long, env = "BRIDGE_DRAIN_SECS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub drain_secs: u64,
    /// Browser origins allowed to call the bridge, comma-separated (e.g. your OpenWebUI's
    /// https://chat.example.com); `*` allows any. Empty (the default): requests from web pages are
    /// refused. Needs BRIDGE_API_KEY, so that no other page can read ConnectWise through it.
    #[arg(long, env = "BRIDGE_CORS_ORIGINS", default_value = "")]
    pub cors_origins: String,
    /// Host names every route accepts in the Host header, comma-separated (add your docker network
    /// and DNS names); `*` accepts any (turns off the DNS-rebinding protection).
    #[arg(
        long,
        env = "MCP_ALLOWED_HOSTS",
        default_value = "localhost,127.0.0.1,::1,connectwise-mcp-bridge,mcp-bridge"
    )]
    pub allowed_hosts: String,
    /// Most client connections open at once; more are answered 503 and closed.
    #[arg(long, env = "BRIDGE_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Most connections open at once from one client address.
    #[arg(long, env = "BRIDGE_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections_per_client: u32,
    /// Seconds for a request's headers to arrive, counted from the connection's start or its
    /// previous answer: closes slow-header (slowloris) and idle keep-alive connections alike.
    #[arg(long, env = "BRIDGE_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Seconds a request body may take to arrive once its headers have.
    #[arg(long, env = "BRIDGE_BODY_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout_secs: u64,
    /// Most requests handled at once; more wait up to a second, then get 503.
    #[arg(long, env = "BRIDGE_MAX_IN_FLIGHT", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_in_flight: u32,
    /// Requests a second one client address may make on average (0: no limit); over it, 429.
    #[arg(long, env = "BRIDGE_CLIENT_RATE", default_value_t = 50)]
    pub client_rate: u32,
    /// Requests one client address may make in a burst above its rate.
    #[arg(long, env = "BRIDGE_CLIENT_BURST", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub client_burst: u32,
    /// Requests one client address may have in flight at once (0: no limit); over it, 429.
    #[arg(long, env = "BRIDGE_CLIENT_CONCURRENCY", default_value_t = 32)]
    pub client_concurrency: u32,
    /// Most live /mcp sessions; past it, new sessions get 503 while existing ones keep working.
    #[arg(long, env = "MCP_MAX_SESSIONS", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_sessions: u32,
    /// Most live /mcp sessions one client address may hold (by default half of
    /// MCP_MAX_SESSIONS's default); past it, its new sessions get 503 while other clients' are
    /// welcome. An OpenWebUI server is one address for all its users, as is a reverse proxy.
    #[arg(long, env = "MCP_MAX_SESSIONS_PER_CLIENT", default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_sessions_per_client: u32,
    /// Seconds an /mcp session may stay idle before it is closed.
    #[arg(long, env = "MCP_SESSION_IDLE_SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub session_idle_secs: u64,
    /// Where the audit trail goes, one JSON line per tool call: stderr (beside the logs, each
    /// line marked "log":"audit"), a file path to append to, or off.
    #[arg(long, env = "BRIDGE_AUDIT_LOG", default_value = "stderr")]
    pub audit_log: String,
    /// Sign-in: the issuer identifier of the OAuth 2.1 / OpenID Connect authorization server
    /// whose access tokens the guarded routes take (JWTs, checked against its published keys),
    /// exactly as its tokens' iss says; empty (the default): no sign-in. Works beside
    /// BRIDGE_API_KEY, which machine callers keep using. Needs BRIDGE_PUBLIC_URL.
    #[arg(long, env = "BRIDGE_OAUTH_ISSUER", default_value = "")]
    pub oauth_issuer: String,
    /// The URL clients reach the bridge at (such as https://cw.example.com): with sign-in, a
    /// token must be for its resource, this URL or this URL's /mcp (RFC 8707), and the
    /// protected-resource metadata names it.
    #[arg(long, env = "BRIDGE_PUBLIC_URL", default_value = "")]
    pub public_url: String,
    /// With sign-in, the scopes every access token must carry (space- or comma-separated;
    /// read from its scope or scp claim); a token without one is answered 403 insufficient_scope.
    #[arg(long, env = "BRIDGE_OAUTH_SCOPES", default_value = "")]
    pub oauth_scopes: String,
    /// With sign-in, where the issuer publishes its keys (a JWKS URL); empty (the default):
    /// read from the issuer's metadata (/.well-known/oauth-authorization-server or
    /// /.well-known/openid-configuration).
    #[arg(long, env = "BRIDGE_OAUTH_JWKS_URL", default_value = "")]
    pub oauth_jwks_url: String,
    /// With sign-in, the token claim that lists the user's groups or roles (Entra ID writes
    /// groups or roles, Okta and Keycloak groups), which CW_ROLES_FILE's roles name.
    #[arg(long, env = "BRIDGE_OAUTH_GROUPS_CLAIM", default_value = "groups")]
    pub oauth_groups_claim: String,
    /// Whether the audit trail trusts the X-OpenWebUI-User-* headers a caller sends: false (the
    /// default) marks them unverified, since anyone can send them; true when only your
    /// OpenWebUI can reach the bridge, and the user's e-mail then stands for [me]. A signed-in
    /// user is always verified.
    #[arg(long, env = "BRIDGE_TRUST_USER_HEADERS", value_parser = cw_boundary::parse_flag, default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub trust_user_headers: bool,
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
    /// The sign-in settings; `None` when sign-in is off, an error naming the setting when
    /// they cannot work.
    pub fn sign_in(&self) -> Result<Option<crate::signin::SignInSettings>, String> {
        crate::signin::SignInSettings::new(
            &self.oauth_issuer,
            &self.public_url,
            &self.oauth_scopes,
            &self.oauth_jwks_url,
            &self.oauth_groups_claim,
        )
    }

    /// The tool call timeout.
    pub fn tool_timeout(&self) -> Duration {
        Duration::from_secs(self.tool_timeout_secs)
    }

    /// Whether the guarded routes need a key or a signed-in user.
    pub fn guarded(&self) -> bool {
        self.api_key().is_some() || !self.oauth_issuer.trim().is_empty()
    }

    /// The API key, when one is set and not blank.
    pub fn api_key(&self) -> Option<&str> {
        self.api_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
    }

    /// True when CW_REDIS_URL names Redis, which the child's requests share with other
    /// replicas (the child reads and checks it; the bridge says so in `/health`).
    pub fn shared_store(&self) -> bool {
        std::env::var("CW_REDIS_URL").is_ok_and(|url| !url.trim().is_empty())
    }

    /// Why this configuration would expose ConnectWise to anyone who can reach the bridge:
    /// said at start and in `/health`.
    pub fn exposure_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.host.is_loopback() && !self.guarded() {
            warnings.push(format!(
                "the bridge listens on {} without BRIDGE_API_KEY or sign-in: anyone who can reach this address can read ConnectWise; set BRIDGE_API_KEY, BRIDGE_OAUTH_ISSUER or BRIDGE_HOST=127.0.0.1",
                self.host
            ));
        }
        if self.allowed_hosts.trim() == "*" {
            warnings.push(
                "MCP_ALLOWED_HOSTS is *: any Host is accepted, so DNS rebinding can reach the bridge from a web page".into(),
            );
        }
        warnings
    }

    /// Refuses settings that cannot be served safely: web pages allowed to call the bridge
    /// (BRIDGE_CORS_ORIGINS) without a key would let them read ConnectWise.
    pub fn check(&self) -> Result<(), String> {
        self.sign_in()?;
        if self.shared.roles_file().is_some() && self.oauth_issuer.trim().is_empty() {
            return Err("CW_ROLES_FILE gives roles to signed-in users, so sign-in must be on: set BRIDGE_OAUTH_ISSUER (and BRIDGE_PUBLIC_URL), or leave CW_ROLES_FILE unset".into());
        }
        if !Self::list(&self.cors_origins).is_empty() && !self.guarded() {
            return Err(
                "BRIDGE_CORS_ORIGINS lets web pages call the bridge, so BRIDGE_API_KEY must be set too (browser-side tool servers send it as a Bearer key), or sign-in (BRIDGE_OAUTH_ISSUER); or leave BRIDGE_CORS_ORIGINS empty".into(),
            );
        }
        Ok(())
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

    /// The child the bridge runs: the server program, passed the settings both read.
    pub fn child_command(&self) -> crate::supervisor::ChildCommand {
        let mut args = vec![
            "--credentials".to_owned(),
            self.shared.credentials.to_string(),
        ];
        if self.shared.demo {
            args.push("--demo".to_owned());
        }
        if let Some(path) = self.shared.roles_file() {
            args.extend(["--roles-file".to_owned(), path.display().to_string()]);
        }
        crate::supervisor::ChildCommand {
            program: self.server_program(),
            args,
        }
    }

    /// The cw-mcp-server to run: --server-bin, else beside this executable, else `cw-mcp-server` on PATH.
    pub fn server_program(&self) -> PathBuf {
        if !self.server_bin.trim().is_empty() {
            return PathBuf::from(&self.server_bin);
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

impl Options {
    /// The options of this process's command line and environment, with the ConnectWise
    /// settings its child reads in `--help`; exits with clap's message on a bad one.
    pub fn from_command_line() -> Self {
        cw_runtime::options_from_command_line(cw_client::settings::help())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(args: &[&str]) -> Options {
        Options::parse_from(std::iter::once("cw-bridge").chain(args.iter().copied()))
    }

    #[test]
    fn listening_beyond_loopback_without_a_key_is_warned_about() {
        assert!(options(&[]).exposure_warnings().is_empty());
        let open = options(&["--host", "0.0.0.0"]).exposure_warnings();
        assert_eq!(open.len(), 1);
        assert!(open[0].contains("without BRIDGE_API_KEY"));
        assert!(
            options(&["--host", "0.0.0.0", "--api-key", "k"])
                .exposure_warnings()
                .is_empty()
        );
        assert!(options(&["--host", "::1"]).exposure_warnings().is_empty());
    }

    #[test]
    fn origins_need_a_key() {
        assert!(options(&[]).check().is_ok());
        let refused = options(&["--cors-origins", "https://chat.example.com"]).check();
        assert!(refused.unwrap_err().contains("BRIDGE_API_KEY must be set"));
        assert!(
            options(&["--cors-origins", "*", "--api-key", "k"])
                .check()
                .is_ok()
        );
    }
}
