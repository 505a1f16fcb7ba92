//! The operator's say over who reads what: where ConnectWise credentials come from
//! (the server's own, or each call's), which sites a call may name, and which tools,
//! modules and paths may be used at all.

use std::sync::Arc;

use cw_boundary::{CallCredentials, FailureKind, Role, names_tool};
use cw_catalog::catalog;
use cw_client::{Client, Credentials, KeySource, PathPattern, PathPolicy, Secret};

use crate::catalog::{CATALOG, ToolSpec};
use crate::config::Options;
use crate::errors::ToolFailure;
use crate::profiles::Profile;

/// Where the credentials of a call's ConnectWise requests come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// The server's own (`CW_COMPANY_ID`, `CW_PUBLIC_KEY`, `CW_PRIVATE_KEY`).
    Server,
    /// Each call's: the bridge's `X-CW-*` headers, carried in the call's `_meta`.
    Request {
        /// Site URLs a call may name; the first is the default.
        sites: Vec<String>,
    },
}

/// The access policy: credentials, tools, and the paths the client may read.
#[derive(Debug, Clone)]
pub struct Access {
    /// Where credentials come from.
    pub credentials: CredentialSource,
    /// The modules and paths allowed, enforced by the client.
    pub paths: PathPolicy,
    allow_tools: Vec<&'static str>,
    deny_tools: Vec<&'static str>,
    /// The role this policy is narrowed for, and its path narrowing.
    role: Option<(String, Arc<PathPolicy>)>,
    /// The tool profile the role's users are listed, when the role names one.
    pub profile: Option<Profile>,
    warnings: Vec<String>,
}

impl Access {
    /// Everything allowed, with the server's own credentials.
    pub fn open() -> Self {
        Self {
            credentials: CredentialSource::Server,
            paths: PathPolicy::open(),
            allow_tools: Vec::new(),
            deny_tools: Vec::new(),
            role: None,
            profile: None,
            warnings: Vec::new(),
        }
    }

    /// The policy the options describe, its names checked against the catalogs;
    /// `default_site` is the site the server reads (`CW_API_URL`, or the demo's).
    pub fn from_options(options: &Options, default_site: &str) -> Result<Self, String> {
        let credentials = match options.shared.credentials {
            cw_boundary::Credentials::Server => CredentialSource::Server,
            cw_boundary::Credentials::Request => {
                let mut sites = vec![default_site.trim_end_matches('/').to_owned()];
                for site in list(options.allowed_sites.as_deref()) {
                    if !site.starts_with("https://") && !site.starts_with("http://") {
                        return Err(format!(
                            "CW_ALLOWED_SITES: {site:?} is not a site URL such as https://api-eu.myconnectwise.net"
                        ));
                    }
                    sites.push(site.trim_end_matches('/').to_owned());
                }
                CredentialSource::Request { sites }
            }
        };
        let deny_modules = modules("CW_DENY_MODULES", list(options.deny_modules.as_deref()))?;
        let deny_paths = paths("CW_DENY_PATHS", list(options.deny_paths.as_deref()))?;
        let denials = PathPolicy::new(vec![], deny_modules.clone(), vec![], deny_paths.clone());
        Ok(Self {
            credentials,
            paths: PathPolicy::new(
                modules("CW_ALLOW_MODULES", list(options.allow_modules.as_deref()))?,
                deny_modules,
                paths("CW_ALLOW_PATHS", list(options.allow_paths.as_deref()))?,
                deny_paths,
            ),
            allow_tools: tools("CW_ALLOW_TOOLS", list(options.allow_tools.as_deref()))?,
            deny_tools: tools("CW_DENY_TOOLS", list(options.deny_tools.as_deref()))?,
            role: None,
            profile: None,
            warnings: partly_denied(&denials),
        })
    }

    /// This policy narrowed by `role`'s lists (never widened): its tools within these, its
    /// modules and paths checked after these. Names are checked against the catalogs.
    pub fn narrowed_by(&self, role: &Role) -> Result<Self, String> {
        let setting = |key: &str| format!("CW_ROLES_FILE: {key} of the role `{}`", role.name);
        fn strings(items: &[String]) -> Vec<&str> {
            items.iter().map(String::as_str).collect()
        }
        let mut narrowed = self.clone();
        let allowed = tools(&setting("allow_tools"), strings(&role.allow_tools))?;
        if !allowed.is_empty() {
            narrowed.allow_tools = if self.allow_tools.is_empty() {
                allowed
            } else {
                allowed
                    .into_iter()
                    .filter(|t| self.allow_tools.contains(t))
                    .collect()
            };
            if narrowed.allow_tools.is_empty() {
                return Err(format!(
                    "{} allows none of the tools CW_ALLOW_TOOLS allows",
                    setting("allow_tools")
                ));
            }
        }
        narrowed
            .deny_tools
            .extend(tools(&setting("deny_tools"), strings(&role.deny_tools))?);
        let narrowing = PathPolicy::new(
            modules(&setting("allow_modules"), strings(&role.allow_modules))?,
            modules(&setting("deny_modules"), strings(&role.deny_modules))?,
            vec![],
            paths(&setting("deny_paths"), strings(&role.deny_paths))?,
        )
        .of_role(&role.name);
        narrowed.role = Some((role.name.clone(), Arc::new(narrowing)));
        narrowed.profile = match &role.profile {
            None => None,
            Some(profile) => {
                Some(Profile::parse(profile).map_err(|e| format!("{}: {e}", setting("profile")))?)
            }
        };
        Ok(narrowed)
    }

    /// What the operator should know at start: data denied at some of its paths, not all.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// True when the tool may be listed and called.
    pub fn allows_tool(&self, name: &str) -> bool {
        !self.deny_tools.contains(&name)
            && (self.allow_tools.is_empty() || self.allow_tools.contains(&name))
    }

    /// True when the tool is listed under this policy: it is allowed, and the records it
    /// reads, if it reads one collection, are not denied (a tool that could only be refused
    /// would cost a model tokens on every turn).
    pub fn lists(&self, tool: &ToolSpec) -> bool {
        let readable = |path: &str| {
            self.paths.check(path).is_ok()
                && self
                    .role
                    .as_ref()
                    .is_none_or(|(_, narrowing)| narrowing.check(path).is_ok())
        };
        self.allows_tool(tool.name) && tool.kind.records_path().is_none_or(|p| readable(&p))
    }

    /// The refusal of a tool the policy does not allow.
    pub fn tool_refusal(&self, name: &str) -> ToolFailure {
        let role = match &self.role {
            Some((role, _)) => format!(", or the role `{role}` in CW_ROLES_FILE"),
            None => String::new(),
        };
        let why = if self.deny_tools.contains(&name) {
            format!("it is denied (CW_DENY_TOOLS{role})")
        } else {
            format!(
                "only {} are allowed (CW_ALLOW_TOOLS{role})",
                self.allow_tools.join(", ")
            )
        };
        ToolFailure::new(
            FailureKind::Denied,
            format!(
                "the operator's access policy does not allow the tool `{name}`: {why}. Ask the operator if you need it"
            ),
        )
    }

    /// True in per-request mode.
    pub fn per_request(&self) -> bool {
        matches!(self.credentials, CredentialSource::Request { .. })
    }

    /// The client a call runs with: the server's own, or, in per-request mode, the
    /// call's member at the site it names. Never the server's when the call's are missing.
    pub fn client_for(
        &self,
        server: &Client,
        given: Option<CallCredentials>,
    ) -> Result<Client, ToolFailure> {
        let client = self.member_client(server, given)?;
        Ok(match &self.role {
            Some((_, narrowing)) => client.narrowed(narrowing.clone()),
            None => client,
        })
    }

    fn member_client(
        &self,
        server: &Client,
        given: Option<CallCredentials>,
    ) -> Result<Client, ToolFailure> {
        let CredentialSource::Request { sites } = &self.credentials else {
            return Ok(server.clone());
        };
        let given = given.unwrap_or(CallCredentials {
            company_id: String::new(),
            public_key: String::new(),
            private_key: String::new(),
            client_id: None,
            site: None,
        });
        let missing: Vec<&str> = [
            ("X-CW-Company-Id", &given.company_id),
            ("X-CW-Public-Key", &given.public_key),
            ("X-CW-Private-Key", &given.private_key),
        ]
        .into_iter()
        .filter(|(_, value)| value.trim().is_empty())
        .map(|(header, _)| header)
        .collect();
        if !missing.is_empty() {
            return Err(ToolFailure::new(
                FailureKind::MissingCredentials,
                format!(
                    "this server reads ConnectWise with each caller's own API keys (CW_CREDENTIALS=request), and this call lacks {}. Send X-CW-Company-Id, X-CW-Public-Key and X-CW-Private-Key (optionally X-CW-Client-Id and X-CW-Site) with every call; in OpenWebUI, set them in the ConnectWise tool's user valves",
                    missing.join(", ")
                ),
            ));
        }
        let site = match given.site.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => sites[0].as_str(),
            Some(asked) => sites.iter().find(|site| same_site(site, asked)).ok_or_else(|| {
                ToolFailure::new(
                    FailureKind::SiteNotAllowed,
                    format!(
                        "X-CW-Site {asked:?} is not a site this server may read; the operator allows {} (CW_ALLOWED_SITES). Leave X-CW-Site out to use the first",
                        sites.join(", ")
                    ),
                )
            })?,
        };
        let credentials = Credentials {
            company_id: given.company_id.trim().to_owned(),
            public_key: Secret::new(given.public_key.trim()),
            private_key: Secret::new(given.private_key.trim()),
            client_id: given
                .client_id
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| server.client_id().to_owned()),
            source: KeySource::Caller,
        };
        server.as_member(&credentials, site).map_err(|error| {
            ToolFailure::new(
                FailureKind::MissingCredentials,
                format!("the X-CW-* credentials of this call cannot be used: {error}"),
            )
        })
    }
}

/// True when `asked` names `site`: its whole URL, or its host (with its port, if any).
fn same_site(site: &str, asked: &str) -> bool {
    let asked = asked.trim_end_matches('/');
    let host = site.split_once("://").map_or(site, |(_, rest)| rest);
    site.eq_ignore_ascii_case(asked) || host.eq_ignore_ascii_case(asked)
}

/// A warning for each data group the denials cover at some of its paths but not all: the
/// data is still served at the others.
fn partly_denied(denials: &PathPolicy) -> Vec<String> {
    catalog()
        .groups
        .iter()
        .filter_map(|group| {
            let (denied, open): (Vec<&String>, Vec<&String>) = group
                .paths
                .iter()
                .partition(|path| denials.check(path).is_err());
            (!denied.is_empty() && !open.is_empty()).then(|| {
                let open: Vec<&str> = open.iter().map(|p| p.as_str()).collect();
                format!(
                    "the access policy denies {} but not {}, which serve the same {} data ({}); add @{} to CW_DENY_PATHS to deny it wherever it is served",
                    denied.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
                    open.join(", "),
                    group.name,
                    group.about,
                    group.name
                )
            })
        })
        .collect()
}

/// The comma-separated items of a setting.
fn list(text: Option<&str>) -> Vec<&str> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Module names, each one of the catalog's, as it spells them.
fn modules(setting: &str, names: Vec<&str>) -> Result<Vec<String>, String> {
    let mut known: Vec<&str> = catalog()
        .endpoints
        .iter()
        .map(|e| e.module.as_str())
        .collect();
    known.sort_unstable();
    known.dedup();
    names
        .into_iter()
        .map(
            |name| match known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
                Some(k) => Ok(k.to_string()),
                None => Err(format!(
                    "{setting}: {name:?} is not a ConnectWise module; the modules are {}",
                    known.join(", ")
                )),
            },
        )
        .collect()
}

/// Paths and data groups (`@members`, all of its paths).
fn paths(setting: &str, entries: Vec<&str>) -> Result<Vec<PathPattern>, String> {
    let mut patterns = Vec::new();
    for entry in entries {
        if let Some(name) = entry.strip_prefix('@') {
            let group = catalog().group(name).ok_or_else(|| {
                let names: Vec<String> = catalog()
                    .groups
                    .iter()
                    .map(|g| format!("@{}", g.name))
                    .collect();
                format!(
                    "{setting}: there is no data group @{name}; the groups are {}",
                    names.join(", ")
                )
            })?;
            patterns.extend(
                group
                    .paths
                    .iter()
                    .map(|path| PathPattern::of_group(path, &group.name)),
            );
        } else if entry.starts_with('/') {
            patterns.push(PathPattern::path(entry));
        } else {
            return Err(format!(
                "{setting}: {entry:?} is neither a path nor a data group; write a path from the module on, e.g. /system/members, or a group, e.g. @members"
            ));
        }
    }
    Ok(patterns)
}

/// Tool names (with or without their prefix), as the catalog spells them.
fn tools(setting: &str, names: Vec<&str>) -> Result<Vec<&'static str>, String> {
    names
        .into_iter()
        .map(|name| {
            CATALOG
                .iter()
                .find(|t| names_tool(t.name, name))
                .map(|t| t.name)
                .ok_or_else(|| format!("{setting}: there is no tool named {name:?}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn options(args: &[&str]) -> Options {
        let mut all = vec!["cw-mcp-server"];
        all.extend(args);
        Options::try_parse_from(all).unwrap()
    }

    #[test]
    fn names_are_checked_against_the_catalogs() {
        let site = "https://api-na.myconnectwise.net";
        let access = Access::from_options(
            &options(&[
                "--deny-modules",
                "Finance",
                "--deny-tools",
                "get_members",
                "--deny-paths",
                "/system/members",
            ]),
            site,
        )
        .unwrap();
        assert!(!access.allows_tool("connectwise_get_members"));
        assert!(access.allows_tool("connectwise_get_tickets"));
        assert!(access.paths.check("/finance/agreements").is_err());
        assert!(Options::try_parse_from(["cw-mcp-server", "--credentials", "header"]).is_err());
        for bad in [
            vec!["--deny-modules", "fnance"],
            vec!["--deny-tools", "nope"],
            vec!["--deny-paths", "system/members"],
            vec!["--deny-paths", "@membres"],
            vec![
                "--credentials",
                "request",
                "--allowed-sites",
                "evil.example",
            ],
        ] {
            assert!(
                Access::from_options(&options(&bad), site).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_site_is_named_by_its_url_or_its_host() {
        assert!(same_site(
            "https://api-eu.myconnectwise.net",
            "api-eu.myconnectwise.net"
        ));
        assert!(same_site("http://127.0.0.1:8080", "http://127.0.0.1:8080/"));
        assert!(same_site("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(!same_site("http://127.0.0.1:8080", "127.0.0.1"));
        assert!(!same_site(
            "https://api-eu.myconnectwise.net",
            "evil.example"
        ));
    }

    #[test]
    fn a_data_group_denies_its_data_at_every_path_and_a_partial_denial_warns() {
        let site = "https://api-na.myconnectwise.net";
        let partial =
            Access::from_options(&options(&["--deny-paths", "/system/members"]), site).unwrap();
        assert!(
            partial
                .paths
                .check("/service/scheduling/members/info")
                .is_ok()
        );
        let [warning] = partial.warnings() else {
            panic!("{:?}", partial.warnings())
        };
        assert!(
            warning.contains("/service/scheduling/members/info") && warning.contains("@members"),
            "{warning}"
        );
        let whole = Access::from_options(&options(&["--deny-paths", "@Members"]), site).unwrap();
        assert!(whole.warnings().is_empty(), "{:?}", whole.warnings());
        for path in [
            "/system/members/12",
            "/service/scheduling/members/info",
            "/service/scheduling/members/info/count",
            "/service/scheduling/members/7/info",
        ] {
            let refusal = whole.paths.check(path).unwrap_err();
            assert!(refusal.contains("@members in CW_DENY_PATHS"), "{refusal}");
        }
        assert!(whole.paths.check("/service/tickets").is_ok());
        // A module denied leaves the same data open in another module, and says so.
        let time = Access::from_options(&options(&["--deny-modules", "time"]), site).unwrap();
        assert!(
            time.warnings()
                .iter()
                .any(|w| w.contains("/service/tickets/{parentId}/timeentries")),
            "{:?}",
            time.warnings()
        );
    }
}
