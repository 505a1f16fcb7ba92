//! `cw-bridge`: HTTP bridge to the ConnectWise MCP server. See `--help`.

use cw_bridge::config::Command;

fn main() -> std::process::ExitCode {
    let _ = dotenvy::dotenv();
    let options = cw_bridge::Options::from_command_line();
    if let Some(Command::Healthcheck) = options.command {
        return cw_bridge::healthcheck::check(options.port);
    }
    cw_runtime::init_logging(&options.shared.log_level);
    cw_runtime::run(cw_bridge::serve(options))
}
