//! Process plumbing shared by the project's binaries: logs on stderr at
//! LOG_LEVEL, the async runtime, SIGTERM/Ctrl-C, and allocator tuning.

mod shared;
pub use shared::Shared;

use std::future::Future;
use std::process::ExitCode;

/// The options `T` reads from this process's command line and environment, with `after_help`
/// (the settings read elsewhere, such as the ConnectWise client's) at the end of `--help`;
/// exits with clap's message on a bad one.
pub fn options_from_command_line<T: clap::Parser>(after_help: String) -> T {
    let command = T::command().after_help(after_help);
    T::from_arg_matches(&command.get_matches()).unwrap_or_else(|error| error.exit())
}

/// A tracing filter from LOG_LEVEL's names (`WARNING` is `warn`), or the value itself
/// (a tracing filter such as `cw_client=debug`).
pub fn log_filter(level: &str) -> String {
    match level.trim().to_ascii_uppercase().as_str() {
        "DEBUG" => "debug".into(),
        "INFO" => "info".into(),
        "WARNING" | "WARN" => "warn".into(),
        "ERROR" | "CRITICAL" => "error".into(),
        "TRACE" => "trace".into(),
        _ => level.trim().to_owned(),
    }
}

/// Starts logging to stderr (stdout is left to protocol messages and printed addresses).
pub fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(log_filter(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}

/// Runs `main` on a multi-threaded runtime, after limiting malloc arenas.
/// Call it first thing in `main`, before any thread exists.
pub fn run(main: impl Future<Output = ExitCode>) -> ExitCode {
    limit_malloc_arenas();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(main),
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One glibc malloc arena instead of one per thread: under load that keeps RSS
/// about a fifth lower at no measurable cost in throughput (docs/performance.md).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning, called before other threads allocate.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Resolves on SIGTERM (a container stop) or Ctrl-C.
pub async fn shutdown_signal() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_levels_map_to_filters() {
        assert_eq!(log_filter("WARNING"), "warn");
        assert_eq!(log_filter("debug"), "debug");
        assert_eq!(log_filter(" Error "), "error");
        assert_eq!(log_filter("cw_client=debug"), "cw_client=debug");
    }
}
