//! The settings both binaries read, declared once and flattened into each one's options:
//! the bridge passes them to its child.

use clap::Args;
use cw_boundary::Credentials;

/// Demo mode, whose credentials a call reads with, and the log level.
#[derive(Debug, Clone, Args)]
pub struct Shared {
    /// Run against the built-in ConnectWise simulator with demo data, no credentials needed
    /// (the bridge passes it to its child).
    #[arg(long, env = "CW_DEMO", value_parser = cw_boundary::parse_flag, default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub demo: bool,
    /// Whose ConnectWise keys each call uses: server (CW_COMPANY_ID, CW_PUBLIC_KEY,
    /// CW_PRIVATE_KEY, for everyone) or request (each caller's own X-CW-Company-Id,
    /// X-CW-Public-Key and X-CW-Private-Key headers, optionally X-CW-Client-Id and X-CW-Site,
    /// which the bridge passes on; missing ones are a 401, never the server's).
    #[arg(long, env = "CW_CREDENTIALS", default_value = "server", value_parser = Credentials::parse)]
    pub credentials: Credentials,
    /// A JSON file of roles for signed-in users (see docs/operators.md): which groups hold
    /// each role, the credential set its calls use and what it may not read; the bridge
    /// assigns them and passes the file to its child, which narrows its policy by them. Empty
    /// (the default): no roles.
    #[arg(long, env = "CW_ROLES_FILE", default_value = "")]
    pub roles_file: String,
    /// Log level: DEBUG, INFO, WARNING or ERROR, or a tracing filter such as cw_client=debug;
    /// logs go to stderr.
    #[arg(long, env = "LOG_LEVEL", default_value = "INFO")]
    pub log_level: String,
}

impl Shared {
    /// The roles file, when one is set.
    pub fn roles_file(&self) -> Option<&std::path::Path> {
        let path = self.roles_file.trim();
        (!path.is_empty()).then(|| std::path::Path::new(path))
    }
}
