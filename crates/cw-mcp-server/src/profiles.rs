//! Which tools are listed, chosen by the operator (`CW_TOOL_PROFILE`): a compact
//! default that reaches every endpoint through the generic tools, curated sets by
//! module, or all. Listing is only what a model is shown: every tool stays
//! callable by name under every profile.

use crate::catalog::ToolSpec;

/// The profile names `CW_TOOL_PROFILE` takes.
pub const NAMES: &[&str] = &[
    "compact", "service", "company", "sales", "finance", "project", "time", "system", "all",
];

/// The curated tools the compact profile lists beside the generic ones: those most questions need.
const COMPACT: &[&str] = &[
    "connectwise_get_tickets",
    "connectwise_get_ticket",
    "connectwise_get_companies",
    "connectwise_get_contacts",
    "connectwise_count",
];

/// A profile: one or more of [`NAMES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile(Vec<&'static str>);

impl Profile {
    /// Reads `compact`, `all`, or module names separated by commas (`service,company`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let known = NAMES
                .iter()
                .find(|n| n.eq_ignore_ascii_case(part))
                .ok_or_else(|| {
                    format!(
                        "CW_TOOL_PROFILE {part:?} is not a profile: use one or more of {}, separated by commas",
                        NAMES.join(", ")
                    )
                })?;
            parts.push(*known);
        }
        if parts.is_empty() {
            parts.push("compact");
        }
        Ok(Self(parts))
    }

    /// True when the profile lists `tool`. The generic tools are in every profile.
    pub fn lists(&self, tool: &ToolSpec) -> bool {
        let module = tool.module();
        module == "generic"
            || self.0.iter().any(|part| match *part {
                "all" => true,
                "compact" => COMPACT.contains(&tool.name),
                name => name == module,
            })
    }
}

/// The profile's tool list as OpenWebUI sends it to a model on every turn (name, description,
/// parameters), in bytes of JSON.
pub fn openwebui_bytes(profile: &Profile) -> usize {
    let tools: Vec<serde_json::Value> = crate::catalog::CATALOG
        .iter()
        .filter(|t| profile.lists(t))
        .map(|t| {
            serde_json::json!({
                "name": t.name, "description": t.description,
                "parameters": crate::schema::input_schema(t),
            })
        })
        .collect();
    serde_json::to_string(&tools).map_or(0, |s| s.len())
}

impl Default for Profile {
    fn default() -> Self {
        Self(vec!["compact"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CATALOG, find};

    fn listed(profile: &str) -> Vec<&'static str> {
        let profile = Profile::parse(profile).unwrap();
        CATALOG
            .iter()
            .filter(|t| profile.lists(t))
            .map(|t| t.name)
            .collect()
    }

    #[test]
    fn every_profile_fits_its_token_budget() {
        let bytes = openwebui_bytes(&Profile::default());
        assert!(
            bytes <= 10_000,
            "the compact profile's tool list is {bytes} bytes, over 10,000"
        );
        // A module's set stays within about 4,000 tokens; `all` is everything, by choice.
        for name in NAMES.iter().filter(|n| !["compact", "all"].contains(n)) {
            let module = openwebui_bytes(&Profile::parse(name).unwrap());
            assert!(
                module <= 16_000,
                "the {name} profile's tool list is {module} bytes, over 16,000"
            );
        }
        assert!(openwebui_bytes(&Profile::parse("all").unwrap()) > bytes);
    }

    #[test]
    fn profiles_list_their_tools_and_the_generic_ones() {
        let compact = listed("compact");
        assert_eq!(compact.len(), COMPACT.len() + 3);
        assert!(compact.contains(&"connectwise_read"));
        assert_eq!(listed(""), compact);
        assert_eq!(listed("all").len(), CATALOG.len());
        let service = listed("service");
        assert!(
            service.contains(&"connectwise_get_ticket_notes")
                && !service.contains(&"connectwise_get_companies")
        );
        let both = listed("Service, company");
        assert!(
            both.contains(&"connectwise_get_ticket_notes")
                && both.contains(&"connectwise_get_companies")
        );
        assert!(listed("time").contains(&"connectwise_get_expense_entries"));
        assert!(
            Profile::parse("everything")
                .unwrap_err()
                .contains("compact, service")
        );
        for name in COMPACT {
            assert!(find(name).is_some(), "{name}");
        }
    }
}
