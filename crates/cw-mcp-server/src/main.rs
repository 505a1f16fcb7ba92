//! `cw-mcp-server`: the ConnectWise MCP server on stdio. See `--help`.

fn main() -> std::process::ExitCode {
    // .env first, so that CW_DEMO and LOG_LEVEL from it count too.
    let _ = dotenvy::dotenv();
    let options = cw_mcp_server::Options::from_command_line();
    cw_runtime::init_logging(&options.shared.log_level);
    cw_runtime::run(cw_mcp_server::run(options))
}
