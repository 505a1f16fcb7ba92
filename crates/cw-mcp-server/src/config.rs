//! Command line and environment of the `cw-mcp-server` binary.

use clap::Parser;

/// A read-only ConnectWise Manage MCP server over stdio.
///
/// MCP clients start it and speak JSON-RPC on its stdin/stdout; logs go to
/// stderr. Credentials come from the environment or a .env file:
/// CW_COMPANY_ID, CW_PUBLIC_KEY, CW_PRIVATE_KEY (required), CW_API_URL
/// (default https://api-na.myconnectwise.net), CW_CODEBASE (default
/// v4_6_release), CW_API_VERSION (default 2023.2), CW_CLIENT_ID (your
/// integration's clientId GUID), CW_TIMEOUT_SECS, CW_MAX_RETRIES.
///
/// With --demo (or CW_DEMO=true) no credentials are needed: a ConnectWise
/// simulator with demo data starts inside the process on a loopback port and
/// every tool works against it.
#[derive(Debug, Clone, Parser)]
#[command(name = "cw-mcp-server", version)]
pub struct Options {
    /// Run against the built-in ConnectWise simulator with demo data.
    #[arg(long, env = "CW_DEMO", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub demo: bool,
    /// In demo mode, date the data as if today were this day (YYYY-MM-DD); default: today.
    #[arg(long, env = "CW_DEMO_DATE")]
    pub demo_date: Option<String>,
    /// Which tools are listed: compact (the default: the generic tools, which reach every endpoint,
    /// and the few curated ones most questions need), service, company, sales, finance, project,
    /// time, system or all, comma-separated. Every tool stays callable by name.
    #[arg(long, env = "CW_TOOL_PROFILE", default_value = "compact")]
    pub tool_profile: String,
    /// Most characters of JSON in one answer; longer lists keep whole records up to it and say
    /// how to get the rest, longer records have their longest texts cut.
    #[arg(long, env = "CW_ANSWER_BUDGET", default_value_t = crate::budget::DEFAULT_BUDGET as u64, value_parser = clap::value_parser!(u64).range(1_000..=4_000_000))]
    pub answer_budget: u64,
    /// Log level: DEBUG, INFO, WARNING or ERROR, or a tracing filter such as cw_client=debug.
    #[arg(long, env = "LOG_LEVEL", default_value = "INFO")]
    pub log_level: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_accepts_a_bare_flag_and_boolish_values() {
        assert!(
            Options::try_parse_from(["cw-mcp-server", "--demo"])
                .unwrap()
                .demo
        );
        assert!(
            !Options::try_parse_from(["cw-mcp-server", "--demo=false"])
                .unwrap()
                .demo
        );
        assert!(
            Options::try_parse_from(["cw-mcp-server", "--demo=yes"])
                .unwrap()
                .demo
        );
        assert!(Options::try_parse_from(["cw-mcp-server", "--demo=maybe"]).is_err());
    }
}
