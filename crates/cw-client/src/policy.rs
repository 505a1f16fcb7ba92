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
    allow_paths: Vec<String>,
    deny_paths: Vec<String>,
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
        allow_paths: Vec<String>,
        deny_paths: Vec<String>,
    ) -> Self {
        Self {
            allow_modules,
            deny_modules,
            allow_paths,
            deny_paths,
        }
    }

    /// `Ok` when `path` may be read; otherwise the sentence that says why not.
    pub fn check(&self, path: &str) -> Result<(), String> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let module = segments.first().copied().unwrap_or_default();
        let named = |list: &[String]| list.iter().any(|m| m.eq_ignore_ascii_case(module));
        let matched = |list: &[String]| {
            list.iter()
                .find(|pattern| matches(pattern, &segments))
                .cloned()
        };
        let refusal = if named(&self.deny_modules) {
            Some(format!("the `{module}` module is denied (CW_DENY_MODULES)"))
        } else if !self.allow_modules.is_empty() && !named(&self.allow_modules) {
            Some(format!(
                "only the modules {} are allowed (CW_ALLOW_MODULES)",
                self.allow_modules.join(", ")
            ))
        } else if let Some(pattern) = matched(&self.deny_paths) {
            Some(format!("{pattern} is denied (CW_DENY_PATHS)"))
        } else if !self.allow_paths.is_empty() && matched(&self.allow_paths).is_none() {
            Some(format!(
                "only {} are allowed (CW_ALLOW_PATHS)",
                self.allow_paths.join(", ")
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
            list(&["/system/members", "/service/tickets/{id}/notes"]),
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
        let paths = PathPolicy::new(vec![], vec![], list(&["/service/tickets"]), vec![]);
        assert!(paths.check("/service/tickets/5/notes").is_ok());
        assert!(
            paths
                .check("/service/boards")
                .unwrap_err()
                .contains("CW_ALLOW_PATHS")
        );
    }
}
