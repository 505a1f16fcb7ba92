//! Roles for signed-in users (`CW_ROLES_FILE`): the bridge gives each user the first role
//! one of their groups holds, the ConnectWise credential set of that role (read here from
//! the environment, never sent by the user) and the member the operator mapped them to.
//! The child narrows its policy by the same file's lists.

use std::collections::HashMap;
use std::path::Path;

use cw_boundary::{CallCredentials, Roles};

use crate::signin::SignedIn;

/// The roles file and the credential sets its roles name.
pub struct RoleBook {
    roles: Roles,
    sets: HashMap<String, CallCredentials>,
}

impl std::fmt::Debug for RoleBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleBook")
            .field("roles", &self.roles.roles.len())
            .field("credential_sets", &self.sets.len())
            .finish()
    }
}

/// What a signed-in user's calls run as.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The role's name.
    pub role: String,
    /// The role's credential set, when it names one.
    pub credentials: Option<CallCredentials>,
    /// The member identifier the operator mapped the user to.
    pub member: Option<String>,
}

impl RoleBook {
    /// The roles file at `path` with each credential set read through `variable` (the
    /// environment); `per_request`: the child takes each call's credentials, which sets need.
    pub fn load(
        path: &Path,
        per_request: bool,
        variable: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        Self::new(Roles::load(path)?, per_request, variable)
    }

    /// The book of `roles`, reading credential sets as [`RoleBook::load`] does.
    pub fn new(
        roles: Roles,
        per_request: bool,
        variable: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let mut sets = HashMap::new();
        for role in &roles.roles {
            let Some(set) = &role.credentials else {
                continue;
            };
            if !per_request {
                return Err(format!(
                    "CW_ROLES_FILE gives the role `{}` the credential set {set}, and the bridge can send a call's own keys only with CW_CREDENTIALS=request: set it (callers with BRIDGE_API_KEY then send X-CW-* headers), or remove \"credentials\" from the role",
                    role.name
                ));
            }
            if sets.contains_key(set) {
                continue;
            }
            let read = |key: &str| {
                variable(&format!("CW_{set}_{key}"))
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
            };
            let missing: Vec<String> = ["COMPANY_ID", "PUBLIC_KEY", "PRIVATE_KEY"]
                .iter()
                .filter(|key| read(key).is_none())
                .map(|key| format!("CW_{set}_{key}"))
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "the role `{}` uses the credential set {set}, and {} is not set: give the set's API member keys in the bridge's environment (a Secret, not the roles file)",
                    role.name,
                    missing.join(", ")
                ));
            }
            sets.insert(
                set.clone(),
                CallCredentials {
                    company_id: read("COMPANY_ID").unwrap_or_default(),
                    public_key: read("PUBLIC_KEY").unwrap_or_default(),
                    private_key: read("PRIVATE_KEY").unwrap_or_default(),
                    client_id: read("CLIENT_ID"),
                    site: read("SITE"),
                },
            );
        }
        Ok(Self { roles, sets })
    }

    /// The member identifier the operator mapped `email` to.
    pub fn member_of(&self, email: &str) -> Option<&str> {
        self.roles.member_of(email)
    }

    /// The role `user` holds, or why they hold none (the answer is 403).
    pub fn assign(&self, user: &SignedIn) -> Result<Assignment, String> {
        let role = self.roles.role_of(&user.groups).ok_or_else(|| {
            let who = user.email.as_deref().unwrap_or(&user.subject);
            let held = if user.groups.is_empty() {
                "no groups".to_owned()
            } else {
                format!("the groups {}", user.groups.join(", "))
            };
            format!(
                "{who} is signed in, and their token lists {held}, none of which holds a role in the operator's CW_ROLES_FILE: ask the operator to add one of your groups to a role"
            )
        })?;
        Ok(Assignment {
            role: role.name.clone(),
            credentials: role
                .credentials
                .as_ref()
                .and_then(|set| self.sets.get(set).cloned()),
            member: user
                .email
                .as_deref()
                .and_then(|email| self.member_of(email))
                .map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: &str = r#"{"roles": [
        {"name": "dispatch", "groups": ["cw-dispatch"], "credentials": "DISPATCH"},
        {"name": "techs", "groups": ["cw-techs"]}
    ], "members": {"ann@msp.example": "ataylor"}}"#;

    fn user(email: &str, groups: &[&str]) -> SignedIn {
        SignedIn {
            issuer: "https://login.example".into(),
            subject: "u1".into(),
            email: Some(email.into()),
            name: None,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            scopes: vec![],
        }
    }

    fn environment(name: &str) -> Option<String> {
        match name {
            "CW_DISPATCH_COMPANY_ID" => Some("demo".into()),
            "CW_DISPATCH_PUBLIC_KEY" => Some("dispatch-public".into()),
            "CW_DISPATCH_PRIVATE_KEY" => Some("dispatch-private".into()),
            _ => None,
        }
    }

    #[test]
    fn a_user_gets_their_roles_credentials_and_member() {
        let book = RoleBook::new(Roles::parse(ROLES).unwrap(), true, environment).unwrap();
        let dispatcher = book
            .assign(&user("Ann@msp.example", &["cw-techs", "cw-dispatch"]))
            .unwrap();
        assert_eq!(dispatcher.role, "dispatch");
        assert_eq!(dispatcher.member.as_deref(), Some("ataylor"));
        assert_eq!(
            dispatcher.credentials.unwrap().public_key,
            "dispatch-public"
        );
        let tech = book
            .assign(&user("bob@msp.example", &["cw-techs"]))
            .unwrap();
        assert_eq!(
            (tech.role.as_str(), tech.credentials, tech.member),
            ("techs", None, None)
        );
        let refused = book
            .assign(&user("eve@msp.example", &["sales"]))
            .unwrap_err();
        assert!(
            refused.contains("eve@msp.example") && refused.contains("sales"),
            "{refused}"
        );
        assert!(!format!("{book:?}").contains("dispatch-private"));
    }

    #[test]
    fn credential_sets_need_their_keys_and_per_request_mode() {
        let roles = || Roles::parse(ROLES).unwrap();
        let missing = RoleBook::new(roles(), true, |_| None).unwrap_err();
        assert!(
            missing.contains(
                "CW_DISPATCH_COMPANY_ID, CW_DISPATCH_PUBLIC_KEY, CW_DISPATCH_PRIVATE_KEY"
            ),
            "{missing}"
        );
        let server_mode = RoleBook::new(roles(), false, environment).unwrap_err();
        assert!(
            server_mode.contains("CW_CREDENTIALS=request"),
            "{server_mode}"
        );
    }
}
