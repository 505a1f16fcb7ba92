//! `cw-bridge`: HTTP bridge to the ConnectWise MCP server. See `--help`.

use clap::Parser;
use cw_bridge::config::Command;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let _ = dotenvy::dotenv();
    let options = cw_bridge::Options::parse();
    if let Some(Command::Healthcheck) = options.command {
        return cw_bridge::healthcheck::check(options.port);
    }
    cw_bridge::init_logging(&options.log_level);
    cw_bridge::serve(options).await
}
