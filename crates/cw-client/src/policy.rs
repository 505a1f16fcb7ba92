//! The operator's access policy over ConnectWise paths, enforced by the client
//! before any request is sent, whatever tool asked.

/// Which ConnectWise modules and paths the client may read. A module is a path's first
/// segment (`finance` in `/finance/agreements`); a path pattern matches itself and
/// everything below it, `*` or `{name}` standing for any one segment. Comparison ignores
/// case and empty segments, as ConnectWise's routing does. Denial wins over allowance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathPolicy {
    allow_modules: Vec<String>,
    deny_modules: Vec<String>,
    allow_paths: Vec<PathPattern>,
    deny_paths: Vec<PathPattern>,
    role: Option<String>,
}

/// One path pattern of an allow or deny list, and the data group it stands for, if the
/// operator named a group (`@members`) rather than the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    /// The pattern, e.g. `/system/members` or `/service/tickets/{id}/notes`.
    pub pattern: String,
    /// The data group's name, without its `@`.
    pub group: Option<String>,
}

impl PathPattern {
    /// A pattern the operator wrote as a path.
    pub fn path(pattern: impl Into<String>) -> Self {
        Self {
            pattern: pattern.into(),
            group: None,
        }
    }

    /// One of the paths of the data group `group`.
    pub fn of_group(pattern: impl Into<String>, group: impl Into<String>) -> Self {
        Self {
            pattern: pattern.into(),
            group: Some(group.into()),
        }
    }
}

impl PathPolicy {
    /// A policy that allows everything.
    pub fn open() -> Self {
        Self::default()
    }

    /// A policy from its four lists; an empty allow list allows all.
    pub fn new(
        allow_modules: Vec<String>,
        deny_modules: Vec<String>,
        allow_paths: Vec<PathPattern>,
        deny_paths: Vec<PathPattern>,
    ) -> Self {
        Self {
            allow_modules,
            deny_modules,
            allow_paths,
            deny_paths,
            role: None,
        }
    }

    /// The policy as the role `role`'s narrowing, which its refusals name.
    pub fn of_role(self, role: &str) -> Self {
        Self {
            role: Some(role.to_owned()),
            ..self
        }
    }

    /// Where a list was set: the environment variable, or the role's key.
    fn setting(&self, variable: &str, key: &str) -> String {
        match &self.role {
            None => variable.to_owned(),
            Some(role) => format!("{key} of the role `{role}` in CW_ROLES_FILE"),
        }
    }

    /// `Ok` when `path` may be read; otherwise the sentence that says why not.
    pub fn check(&self, path: &str) -> Result<(), String> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let module = segments.first().copied().unwrap_or_default();
        let named = |list: &[String]| list.iter().any(|m| m.eq_ignore_ascii_case(module));
        fn matched<'a>(list: &'a [PathPattern], segments: &[&str]) -> Option<&'a PathPattern> {
            list.iter().find(|p| matches(&p.pattern, segments))
        }
        let refusal = if named(&self.deny_modules) {
            Some(format!(
                "the `{module}` module is denied ({})",
                self.setting("CW_DENY_MODULES", "deny_modules")
            ))
        } else if !self.allow_modules.is_empty() && !named(&self.allow_modules) {
            Some(format!(
                "only the modules {} are allowed ({})",
                self.allow_modules.join(", "),
                self.setting("CW_ALLOW_MODULES", "allow_modules")
            ))
        } else if let Some(denied) = matched(&self.deny_paths, &segments) {
            Some(match &denied.group {
                Some(group) => format!(
                    "it serves {group} data, which is denied (@{group} in {})",
                    self.setting("CW_DENY_PATHS", "deny_paths")
                ),
                None => format!(
                    "{} is denied ({})",
                    denied.pattern,
                    self.setting("CW_DENY_PATHS", "deny_paths")
                ),
            })
        } else if !self.allow_paths.is_empty() && matched(&self.allow_paths, &segments).is_none() {
            Some(format!(
                "only {} are allowed ({})",
                as_written(&self.allow_paths).join(", "),
                self.setting("CW_ALLOW_PATHS", "allow_paths")
            ))
        } else {
            None
        };
        match refusal {
            None => Ok(()),
            Some(why) => Err(format!(
                "the operator's access policy denies reading {path}: {why}. This is not a ConnectWise error; ask the operator if you need it"
            )),
        }
    }
}

/// A list as the operator wrote it: each group once, as `@name`.
fn as_written(list: &[PathPattern]) -> Vec<String> {
    let mut written: Vec<String> = Vec::new();
    for pattern in list {
        let entry = match &pattern.group {
            Some(group) => format!("@{group}"),
            None => pattern.pattern.clone(),
        };
        if !written.contains(&entry) {
            written.push(entry);
        }
    }
    written
}

/// True when `pattern` is `segments` or a leading part of them.
fn matches(pattern: &str, segments: &[&str]) -> bool {
    let wanted: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    wanted.len() <= segments.len()
        && wanted.iter().zip(segments).all(|(want, got)| {
            *want == "*"
                || (want.starts_with('{') && want.ends_with('}'))
                || want.eq_ignore_ascii_case(got)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn paths(items: &[&str]) -> Vec<PathPattern> {
        items.iter().map(|s| PathPattern::path(*s)).collect()
    }

    #[test]
    fn an_open_policy_allows_everything() {
        assert!(PathPolicy::open().check("/finance/agreements").is_ok());
    }

    #[test]
    fn denied_modules_and_paths_are_refused_whatever_their_case_or_slashes() {
        let policy = PathPolicy::new(
            vec![],
            list(&["finance"]),
            vec![],
            paths(&["/system/members", "/service/tickets/{id}/notes"]),
        );
        for path in [
            "/finance/agreements",
            "/Finance/invoices/3",
            "/system/members",
            "/system//Members/12",
            "/system/members/count",
            "/service/tickets/20001/notes",
        ] {
            let refusal = policy.check(path).unwrap_err();
            assert!(refusal.contains("operator's access policy"), "{refusal}");
        }
        for path in [
            "/service/tickets",
            "/service/tickets/20001",
            "/system/info",
            "/system/membersx",
        ] {
            assert!(policy.check(path).is_ok(), "{path}");
        }
    }

    #[test]
    fn a_roles_refusal_names_the_role() {
        let policy = PathPolicy::new(vec![], list(&["finance"]), vec![], paths(&["/system"]))
            .of_role("techs");
        let refusal = policy.check("/finance/agreements").unwrap_err();
        assert!(
            refusal.contains("deny_modules of the role `techs` in CW_ROLES_FILE"),
            "{refusal}"
        );
        let refusal = policy.check("/system/members").unwrap_err();
        assert!(
            refusal.contains("deny_paths of the role `techs`"),
            "{refusal}"
        );
    }

    #[test]
    fn an_allow_list_allows_only_what_it_names() {
        let policy = PathPolicy::new(list(&["service", "company"]), vec![], vec![], vec![]);
        assert!(policy.check("/service/tickets").is_ok());
        assert!(policy.check("/company/companies/1").is_ok());
        assert!(
            policy
                .check("/time/entries")
                .unwrap_err()
                .contains("CW_ALLOW_MODULES")
        );
        let allowed = PathPolicy::new(vec![], vec![], paths(&["/service/tickets"]), vec![]);
        assert!(allowed.check("/service/tickets/5/notes").is_ok());
        assert!(
            allowed
                .check("/service/boards")
                .unwrap_err()
                .contains("CW_ALLOW_PATHS")
        );
    }

    #[test]
    fn a_refusal_names_the_group_the_operator_wrote() {
        let members = ["/system/members", "/service/scheduling/members/info"]
            .map(|p| PathPattern::of_group(p, "members"));
        let denied = PathPolicy::new(vec![], vec![], vec![], members.to_vec());
        let refusal = denied
            .check("/service/scheduling/members/info/count")
            .unwrap_err();
        assert!(
            refusal.contains("serves members data, which is denied (@members in CW_DENY_PATHS)"),
            "{refusal}"
        );
        let mut allowed = members.to_vec();
        allowed.push(PathPattern::path("/service/tickets"));
        let allowed = PathPolicy::new(vec![], vec![], allowed, vec![]);
        let refusal = allowed.check("/company/contacts").unwrap_err();
        assert!(
            refusal.contains("only @members, /service/tickets are allowed"),
            "{refusal}"
        );
    }
}
