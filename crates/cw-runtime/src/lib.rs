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

/// The filter LOG_LEVEL asks for, with rmcp held at `info`: at `debug` and below rmcp logs
/// every message whole, `_meta` and so a caller's ConnectWise keys with it, and no level may
/// print a key.
pub fn env_filter(level: &str) -> tracing_subscriber::EnvFilter {
    let filter = tracing_subscriber::EnvFilter::try_new(log_filter(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let verbose = filter
        .max_level_hint()
        .is_none_or(|most| most > tracing_subscriber::filter::LevelFilter::INFO);
    match "rmcp=info".parse() {
        Ok(held) if verbose => filter.add_directive(held),
        _ => filter,
    }
}

/// Starts logging to stderr (stdout is left to protocol messages and printed addresses).
pub fn init_logging(level: &str) {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(env_filter(level))
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
    use std::sync::{Arc, Mutex};

    #[test]
    fn log_levels_map_to_filters() {
        assert_eq!(log_filter("WARNING"), "warn");
        assert_eq!(log_filter("debug"), "debug");
        assert_eq!(log_filter(" Error "), "error");
        assert_eq!(log_filter("cw_client=debug"), "cw_client=debug");
    }

    /// What the subscriber LOG_LEVEL `level` makes writes of lines of rmcp's and the client's.
    fn written(level: &str) -> String {
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || Sink(sink.clone()))
            .with_ansi(false)
            .with_env_filter(env_filter(level))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "rmcp::service", "received request demo-private");
            tracing::trace!(target: "rmcp::service", "new event demo-private");
            tracing::info!(target: "rmcp::service", "client initialized");
            tracing::debug!(target: "cw_client", "ConnectWise answered");
        });
        let written = out.lock().unwrap().clone();
        String::from_utf8(written).unwrap()
    }

    /// A log writer into memory.
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn no_log_level_prints_what_rmcp_logs_of_a_message() {
        for level in [
            "trace",
            "TRACE",
            "DEBUG",
            "debug,rmcp=trace",
            "rmcp=trace",
            "cw_client=trace",
        ] {
            let text = written(level);
            assert!(!text.contains("demo-private"), "{level}: {text}");
        }
        let debug = written("DEBUG");
        assert!(debug.contains("ConnectWise answered") && debug.contains("client initialized"));
        // A quieter level stays as quiet: rmcp's info is not raised past it.
        assert!(!written("WARNING").contains("client initialized"));
    }
}
