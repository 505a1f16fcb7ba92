//! API members and their security roles. ConnectWise decides what each member sees:
//! a module outside the role answers 403, and records outside it are left out of
//! lists and counts and answer 404 when asked for by id, as if they did not exist.

use serde_json::Value;

use crate::auth::Credentials;

/// An API member: its keys, its login identifier and its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's identifier, as the journal names it.
    pub identifier: String,
    /// The keys it logs in with.
    pub credentials: Credentials,
    /// What it may see.
    pub role: Role,
}

/// A security role, reduced to what the simulator enforces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    /// Modules (first path segments) the role has no access to: 403.
    pub denied_modules: Vec<String>,
    /// Service boards whose tickets the role cannot see.
    pub hidden_boards: Vec<String>,
}

impl Member {
    /// The demo's API member with every permission (`demo-public` / `demo-private`).
    pub fn admin(credentials: Credentials) -> Self {
        Self {
            identifier: "apiadmin".into(),
            credentials,
            role: Role::default(),
        }
    }

    /// A help-desk technician (`tech-public` / `tech-private`): no finance or sales, and
    /// no tickets of the Projects and Onboarding boards.
    pub fn technician() -> Self {
        Self {
            identifier: "helpdesk".into(),
            credentials: Credentials {
                company: "demo".into(),
                public_key: "tech-public".into(),
                private_key: "tech-private".into(),
            },
            role: Role {
                denied_modules: vec!["finance".into(), "sales".into()],
                hidden_boards: vec!["Projects".into(), "Onboarding".into()],
            },
        }
    }
}

impl Role {
    /// The module of `path` when the role may not read it.
    pub fn denied_module<'p>(&self, path: &'p str) -> Option<&'p str> {
        let module = path.split('/').find(|s| !s.is_empty())?;
        self.denied_modules
            .iter()
            .any(|m| m.eq_ignore_ascii_case(module))
            .then_some(module)
    }

    /// True when the role sees `record` of the table at `table`: a hidden board is hidden
    /// with its tickets.
    pub fn sees(&self, table: &str, record: &Value) -> bool {
        let board = match table {
            "/service/tickets" => &record["board"]["name"],
            "/service/boards" => &record["name"],
            _ => return true,
        };
        let board = board.as_str().unwrap_or_default();
        !self.hidden_boards.iter().any(|b| b == board)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_technician_is_kept_out_of_finance_and_hidden_boards() {
        let role = Member::technician().role;
        assert_eq!(role.denied_module("/finance/agreements"), Some("finance"));
        assert_eq!(role.denied_module("/service/tickets"), None);
        assert!(!role.sees(
            "/service/tickets",
            &json!({"board": {"name": "Onboarding"}})
        ));
        assert!(role.sees(
            "/service/tickets",
            &json!({"board": {"name": "Service Desk"}})
        ));
        assert!(role.sees(
            "/company/companies",
            &json!({"board": {"name": "Onboarding"}})
        ));
        assert!(!role.sees("/service/boards", &json!({"name": "Onboarding"})));
        assert!(role.sees("/service/boards", &json!({"name": "Service Desk"})));
    }
}
