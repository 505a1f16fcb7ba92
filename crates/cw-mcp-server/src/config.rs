//! Command line and environment of the `cw-mcp-server` binary.

use clap::Parser;

/// A read-only ConnectWise Manage MCP server over stdio.
///
/// MCP clients start it and speak JSON-RPC on its stdin/stdout; logs go to
/// stderr. Settings come from the options, the environment or a .env file; the
/// ConnectWise ones (credentials, site, timeouts, sharing, budget) are listed
/// after the options.
///
/// With --demo (or CW_DEMO=true) no credentials are needed: a ConnectWise
/// simulator with demo data starts inside the process on a loopback port and
/// every tool works against it.
#[derive(Debug, Clone, Parser)]
#[command(name = "cw-mcp-server", version)]
pub struct Options {
    /// Demo mode, credentials and the log level, as both binaries read them.
    #[command(flatten)]
    pub shared: cw_runtime::Shared,
    /// In demo mode, date the data as if today were this day (YYYY-MM-DD); default: today.
    #[arg(long, env = "CW_DEMO_DATE")]
    pub demo_date: Option<String>,
    /// Which tools are listed: compact (the default, for small models: a search for each common
    /// entity, exact counts and totals, and connectwise_read for every other endpoint), service,
    /// company, sales, finance, project, time, system, reports (the everyday reports) or all,
    /// comma-separated. Every tool stays callable by name.
    #[arg(long, env = "CW_TOOL_PROFILE", default_value = "compact")]
    pub tool_profile: String,
    /// Most characters of JSON in one answer; longer lists keep whole records up to it and say
    /// how to get the rest, longer records have their longest texts cut.
    #[arg(long, env = "CW_ANSWER_BUDGET", default_value_t = crate::budget::DEFAULT_BUDGET as u64, value_parser = clap::value_parser!(u64).range(1_000..=4_000_000))]
    pub answer_budget: u64,
    /// Most characters of the text a model reads of one answer (a line per record); a longer
    /// page shows the records that fit and says how to ask for the rest. The JSON (structured
    /// content, and the bridge's JSON answers) keeps the whole page.
    #[arg(long, env = "CW_TEXT_BUDGET", default_value_t = crate::render::DEFAULT_TEXT_BUDGET as u64, value_parser = clap::value_parser!(u64).range(500..=4_000_000))]
    pub text_budget: u64,
    /// Most records connectwise_summarize reads for one answer (1,000 a request); a summary
    /// of more matching records says it is partial.
    #[arg(long, env = "CW_SUMMARY_ROW_LIMIT", default_value_t = crate::summary::DEFAULT_ROW_LIMIT as u64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub summary_row_limit: u64,
    /// In request mode, further sites a call may name with X-CW-Site (comma-separated site
    /// URLs); CW_API_URL is always allowed and is the default.
    #[arg(long, env = "CW_ALLOWED_SITES")]
    pub allowed_sites: Option<String>,
    /// The access policy, checked before any request is sent, for every tool and route (denial
    /// wins): only these ConnectWise modules may be read, comma-separated. A module is a path's
    /// first segment: company, service, finance, sales, project, time, system, ...
    #[arg(long, env = "CW_ALLOW_MODULES")]
    pub allow_modules: Option<String>,
    /// These ConnectWise modules may not be read (comma-separated, e.g. finance,sales).
    #[arg(long, env = "CW_DENY_MODULES")]
    pub deny_modules: Option<String>,
    /// Only these paths, and what is below them, may be read (comma-separated; {id} or * stands
    /// for one id). @group names every path that serves one kind of data (e.g. @contacts).
    #[arg(long, env = "CW_ALLOW_PATHS")]
    pub allow_paths: Option<String>,
    /// These paths, and everything below them, may not be read (e.g. /system/members).
    /// @group names every path that serves one kind of data: @members, @contacts,
    /// @ticket_notes, @time, @schedules, @configurations, @invoices.
    #[arg(long, env = "CW_DENY_PATHS")]
    pub deny_paths: Option<String>,
    /// Only these tools may be listed and called (comma-separated names, with or without
    /// connectwise_).
    #[arg(long, env = "CW_ALLOW_TOOLS")]
    pub allow_tools: Option<String>,
    /// These tools are neither listed nor callable (comma-separated names).
    #[arg(long, env = "CW_DENY_TOOLS")]
    pub deny_tools: Option<String>,
}

impl Options {
    /// The options of this process's command line and environment, with the ConnectWise
    /// settings in `--help`; exits with clap's message on a bad one.
    pub fn from_command_line() -> Self {
        cw_runtime::options_from_command_line(cw_client::settings::help())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_accepts_a_bare_flag_and_boolish_values() {
        assert!(
            Options::try_parse_from(["cw-mcp-server", "--demo"])
                .unwrap()
                .shared
                .demo
        );
        assert!(
            !Options::try_parse_from(["cw-mcp-server", "--demo=false"])
                .unwrap()
                .shared
                .demo
        );
        assert!(
            Options::try_parse_from(["cw-mcp-server", "--demo=yes"])
                .unwrap()
                .shared
                .demo
        );
        assert!(Options::try_parse_from(["cw-mcp-server", "--demo=maybe"]).is_err());
    }

    #[test]
    fn the_deny_paths_help_names_every_data_group() {
        use clap::CommandFactory;
        let command = Options::command();
        let help = command
            .get_arguments()
            .find(|argument| argument.get_id() == "deny_paths")
            .and_then(|argument| argument.get_help())
            .map(|help| help.to_string())
            .unwrap();
        for group in &cw_catalog::catalog().groups {
            assert!(
                help.contains(&format!("@{}", group.name)),
                "{help} lacks @{}",
                group.name
            );
        }
    }
}
