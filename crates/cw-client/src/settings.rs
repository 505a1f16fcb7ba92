//! The environment settings the client reads, declared once: name, default, meaning and
//! bounds. [`crate::Config::from_lookup`] parses by them, the binaries' `--help` lists them
//! ([`help`]), and the project's tests check `.env.example` and the operators' guide
//! against that `--help`.

/// What a setting holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, checked where it is read (a URL, a version).
    Text,
    /// A credential: never shown.
    Secret,
    /// A whole number from `min` to `max`.
    Number {
        /// The least value taken.
        min: u64,
        /// The largest value taken.
        max: u64,
    },
    /// Yes or no, in the one grammar ([`cw_boundary::parse_flag`]).
    Flag,
}

/// One environment setting of the client.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The variable's name, as the original project spelled it.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Its default, as written in `.env` (empty: none).
    pub default: &'static str,
    /// What it means, in one line.
    pub help: &'static str,
}

/// Every setting the client reads, in the order `--help` and `.env.example` give them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "CW_COMPANY_ID",
        kind: Kind::Text,
        default: "",
        help: "the ConnectWise company id of the API member (Setup Tables > Members > API Members; required unless demo or request mode)",
    },
    Setting {
        name: "CW_PUBLIC_KEY",
        kind: Kind::Secret,
        default: "",
        help: "the API member's public key",
    },
    Setting {
        name: "CW_PRIVATE_KEY",
        kind: Kind::Secret,
        default: "",
        help: "the API member's private key",
    },
    Setting {
        name: "CW_API_URL",
        kind: Kind::Text,
        default: "https://api-na.myconnectwise.net",
        help: "the site: https://api-na, api-eu or api-au .myconnectwise.net, or your on-premise server (http:// is accepted there)",
    },
    Setting {
        name: "CW_CODEBASE",
        kind: Kind::Text,
        default: "v4_6_release",
        help: "the path segment before /apis/3.0; GET <site>/login/companyinfo/<company> tells yours",
    },
    Setting {
        name: "CW_API_VERSION",
        kind: Kind::Text,
        default: "v2023.2",
        help: "the model version of the Accept header (v2023.2 and 2023.2 both work)",
    },
    Setting {
        name: "CW_CLIENT_ID",
        kind: Kind::Text,
        default: "",
        help: "your integration's clientId, a GUID from the ConnectWise developer network (empty: mcp-connectwise-server, which is warned about and which cloud sites reject)",
    },
    Setting {
        name: "CW_TIMEOUT_SECS",
        kind: Kind::Number { min: 1, max: 600 },
        default: "30",
        help: "seconds before a ConnectWise request times out",
    },
    Setting {
        name: "CW_MAX_RETRIES",
        kind: Kind::Number { min: 0, max: 10 },
        default: "3",
        help: "retries for 429, 5xx and connection errors",
    },
    Setting {
        name: "CW_MAX_CONCURRENCY",
        kind: Kind::Number { min: 1, max: 256 },
        default: "16",
        help: "most requests in flight to ConnectWise at once; more wait their turn",
    },
    Setting {
        name: "CW_COALESCE",
        kind: Kind::Flag,
        default: "true",
        help: "identical ConnectWise requests in flight at once are sent once, sharing the answer",
    },
    Setting {
        name: "CW_REFERENCE_CACHE_SECS",
        kind: Kind::Number {
            min: 0,
            max: 86_400,
        },
        default: "300",
        help: "seconds reference lists (boards, statuses, priorities, sources, types, billing cycles, members, ...) are kept, each member's separately; 0 keeps none",
    },
    Setting {
        name: "CW_REQUEST_BUDGET",
        kind: Kind::Number {
            min: 0,
            max: 100_000,
        },
        default: "600",
        help: "requests a minute each set of credentials may send to ConnectWise (about 1,000 is its quota per API member); 0: no budget",
    },
    Setting {
        name: "CW_BUDGET_WAIT_SECS",
        kind: Kind::Number { min: 0, max: 300 },
        default: "10",
        help: "seconds a call may queue for its turn past the budget before a 429 budget_exhausted that says so",
    },
    Setting {
        name: "CW_REDIS_URL",
        kind: Kind::Secret,
        default: "",
        help: "a Redis URL, redis://[:password@]host:port/db, that replicas share: one request budget per set of credentials across all of them and one reference cache; empty: each replica keeps its own",
    },
    Setting {
        name: "CW_REDIS_WAIT_MS",
        kind: Kind::Number { min: 1, max: 5_000 },
        default: "100",
        help: "longest a request waits on Redis; past it, or while Redis is away, the replica uses its own budget and cache (then the quota is at most the budget times the replicas)",
    },
];

/// The setting of this name. Panics on a name not in [`SETTINGS`]: a programming error.
pub fn setting(name: &str) -> &'static Setting {
    SETTINGS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} is not one of the client's settings"))
}

/// The settings as `--help` lists them, after the binary's own.
pub fn help() -> String {
    let mut out = String::from("ConnectWise settings (from the environment or .env):\n");
    for setting in SETTINGS {
        let bounds = match setting.kind {
            Kind::Number { min, max } => format!(" ({min} to {max})"),
            Kind::Flag => " (true or false)".to_owned(),
            Kind::Text | Kind::Secret => String::new(),
        };
        let default = if setting.default.is_empty() {
            String::new()
        } else {
            format!(" [default: {}]", setting.default)
        };
        out.push_str(&format!(
            "  {}: {}{bounds}{default}\n",
            setting.name, setting.help
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    #[test]
    fn the_declared_defaults_are_the_configurations() {
        let defaults = |name: &str| {
            SETTINGS
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.default.to_owned())
        };
        let read = Config::site_from_lookup(defaults).unwrap();
        let built = Config::new("", crate::Secret::new(""), crate::Secret::new(""));
        assert_eq!(
            format!("{read:?}").replace(crate::config::DEFAULT_CLIENT_ID, ""),
            format!("{built:?}").replace(crate::config::DEFAULT_CLIENT_ID, ""),
        );
        assert!(help().contains("  CW_REQUEST_BUDGET: requests a minute"));
        assert!(help().contains("(1 to 600) [default: 30]"));
    }
}
