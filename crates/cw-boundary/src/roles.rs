//! The operator's roles file (`CW_ROLES_FILE`), read by both sides: the bridge gives each
//! signed-in user the first role one of their groups holds, and the credential set and
//! member that go with it; the server narrows its access policy by the role's lists. A
//! role only ever narrows the server's own policy, never widens it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Request `_meta` key of the [`CallerIdentity`] a call is made for.
pub const CALLER_META_KEY: &str = "connectwise/caller";

/// Largest roles file read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Who a call is made for, as the bridge verified it: the signed-in user's role, e-mail and
/// ConnectWise member (the operator's mapping). `[me]` in a call's arguments is this member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentity {
    /// The role's name in the roles file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The user's verified e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The ConnectWise member identifier the operator mapped the user to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
}

/// The roles file: roles in the order they are tried, and the operator's map of users'
/// e-mails to ConnectWise member identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// The roles; a user gets the first whose groups they are in.
    pub roles: Vec<Role>,
    /// E-mail (any case) to member identifier, for users whose ConnectWise e-mail differs
    /// from their sign-in e-mail.
    #[serde(default)]
    pub members: BTreeMap<String, String>,
}

/// One role: who holds it, whose ConnectWise keys its calls use, and what it may not read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// The role's name, as the audit line shows it.
    pub name: String,
    /// Groups (values of the token's groups claim) that hold the role; `*`: every signed-in user.
    pub groups: Vec<String>,
    /// The credential set its calls use: the bridge reads `CW_<SET>_COMPANY_ID`,
    /// `CW_<SET>_PUBLIC_KEY` and `CW_<SET>_PRIVATE_KEY` (optionally `CW_<SET>_CLIENT_ID`).
    #[serde(default)]
    pub credentials: Option<String>,
    /// The only tools it may call (within the server's own); empty: the server's.
    #[serde(default)]
    pub allow_tools: Vec<String>,
    /// Tools it may not call.
    #[serde(default)]
    pub deny_tools: Vec<String>,
    /// The only modules it may read (within the server's own); empty: the server's.
    #[serde(default)]
    pub allow_modules: Vec<String>,
    /// Modules it may not read.
    #[serde(default)]
    pub deny_modules: Vec<String>,
    /// Paths and data groups (`@members`) it may not read.
    #[serde(default)]
    pub deny_paths: Vec<String>,
    /// The tool profile its users are listed (`compact`, `all`, or modules such as
    /// `service,company`); none: the server's CW_TOOL_PROFILE. Every allowed tool stays callable.
    #[serde(default)]
    pub profile: Option<String>,
}

impl Roles {
    /// The roles file at `path`, checked; the error names the file and what to fix.
    pub fn load(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| format!("CW_ROLES_FILE {shown} cannot be read: {e}"))?
            .len();
        if size > MAX_FILE_BYTES {
            return Err(format!(
                "CW_ROLES_FILE {shown} is {size} bytes; a roles file is at most {MAX_FILE_BYTES}"
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("CW_ROLES_FILE {shown} cannot be read: {e}"))?;
        Self::parse(&text).map_err(|e| format!("CW_ROLES_FILE {shown}: {e}"))
    }

    /// Roles from the file's JSON text, checked.
    pub fn parse(text: &str) -> Result<Self, String> {
        let roles: Self = serde_json::from_str(text).map_err(|e| {
            format!("{e}; write {{\"roles\": [{{\"name\": \"technicians\", \"groups\": [\"cw-techs\"], \"credentials\": \"TECH\"}}], \"members\": {{\"ann@msp.example\": \"ataylor\"}}}}")
        })?;
        roles.check()?;
        Ok(roles)
    }

    fn check(&self) -> Result<(), String> {
        if self.roles.is_empty() {
            return Err("it names no role; give at least one under \"roles\"".into());
        }
        for (i, role) in self.roles.iter().enumerate() {
            let name = &role.name;
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(format!(
                    "the role name {name:?} must be letters, digits, -, _ or ."
                ));
            }
            if self.roles[..i].iter().any(|r| &r.name == name) {
                return Err(format!("two roles are named {name:?}"));
            }
            if role.groups.iter().all(|g| g.trim().is_empty()) {
                return Err(format!(
                    "the role {name:?} names no group; list the groups that hold it (\"*\" for every signed-in user)"
                ));
            }
            if let Some(set) = &role.credentials
                && (set.is_empty()
                    || !set
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            {
                return Err(format!(
                    "the role {name:?} names the credential set {set:?}; a set's name is upper-case letters, digits and _ (TECH reads CW_TECH_COMPANY_ID, CW_TECH_PUBLIC_KEY, CW_TECH_PRIVATE_KEY)"
                ));
            }
        }
        for (email, member) in &self.members {
            if !email.contains('@') || member.trim().is_empty() {
                return Err(format!(
                    "\"members\" maps {email:?} to {member:?}; map an e-mail to a member identifier, such as \"ann@msp.example\": \"ataylor\""
                ));
            }
        }
        Ok(())
    }

    /// The role of a user in `groups`: the first role holding one of them.
    pub fn role_of(&self, groups: &[String]) -> Option<&Role> {
        self.roles.iter().find(|role| {
            role.groups
                .iter()
                .any(|held| held == "*" || groups.iter().any(|g| g == held))
        })
    }

    /// The role named `name`.
    pub fn named(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|role| role.name == name)
    }

    /// The member identifier the operator mapped `email` to.
    pub fn member_of(&self, email: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|(mapped, _)| mapped.eq_ignore_ascii_case(email.trim()))
            .map(|(_, member)| member.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{
        "roles": [
            {"name": "dispatch", "groups": ["cw-dispatch"], "credentials": "ADMIN"},
            {"name": "techs", "groups": ["cw-techs", "cw-dispatch"], "deny_paths": ["@members"]},
            {"name": "everyone", "groups": ["*"], "allow_tools": ["connectwise_get_tickets"]}
        ],
        "members": {"Ann@MSP.example": "ataylor"}
    }"#;

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_user_gets_the_first_role_one_of_their_groups_holds() {
        let roles = Roles::parse(FILE).unwrap();
        let role = |g: &[&str]| roles.role_of(&groups(g)).map(|r| r.name.as_str());
        assert_eq!(role(&["cw-techs", "cw-dispatch"]), Some("dispatch"));
        assert_eq!(role(&["cw-techs"]), Some("techs"));
        assert_eq!(role(&[]), Some("everyone"));
        assert_eq!(roles.member_of("ann@msp.example"), Some("ataylor"));
        assert_eq!(roles.member_of("bob@msp.example"), None);
        let without_fallback =
            Roles::parse(r#"{"roles": [{"name": "techs", "groups": ["cw-techs"]}]}"#).unwrap();
        assert!(without_fallback.role_of(&groups(&["sales"])).is_none());
    }

    #[test]
    fn a_file_that_cannot_work_is_refused_with_the_fix() {
        for (text, says) in [
            (r#"{"roles": []}"#, "names no role"),
            (
                r#"{"roles": [{"name": "a b", "groups": ["g"]}]}"#,
                "must be letters",
            ),
            (
                r#"{"roles": [{"name": "a", "groups": ["g"]}, {"name": "a", "groups": ["h"]}]}"#,
                "two roles",
            ),
            (
                r#"{"roles": [{"name": "a", "groups": []}]}"#,
                "names no group",
            ),
            (
                r#"{"roles": [{"name": "a", "groups": ["g"], "credentials": "tech"}]}"#,
                "upper-case",
            ),
            (
                r#"{"roles": [{"name": "a", "groups": ["g"], "deny_path": ["/x"]}]}"#,
                "unknown field",
            ),
            (
                r#"{"roles": [{"name": "a", "groups": ["g"]}], "members": {"ann": "x"}}"#,
                "map an e-mail",
            ),
        ] {
            let error = Roles::parse(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
        }
    }

    #[test]
    fn the_caller_travels_without_empty_fields() {
        let caller = CallerIdentity {
            role: Some("techs".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&caller).unwrap(),
            r#"{"role":"techs"}"#
        );
    }
}
