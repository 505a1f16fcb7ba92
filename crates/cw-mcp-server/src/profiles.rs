//! Which tools are listed, chosen by the operator (`CW_TOOL_PROFILE`): a compact
//! default for small models (a search for each common entity, and `connectwise_read`
//! for every other endpoint), curated sets by module beside the generic tools, or all. Listing is only what a model is shown: every tool stays
//! callable by name under every profile.

use crate::catalog::ToolSpec;

/// The part of ConnectWise a tool reads, as its declaration says: the module profile that
/// lists it. `Generic` tools (reading every endpoint) are listed by every module's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    /// Service: tickets, boards, schedules.
    Service,
    /// Companies, contacts, configurations.
    Company,
    /// Opportunities and activities.
    Sales,
    /// Agreements, invoices, billing.
    Finance,
    /// Projects.
    Project,
    /// Time and expense entries.
    Time,
    /// Members, counts and the connection.
    System,
    /// The everyday reports.
    Reports,
    /// The tools that reach every endpoint.
    Generic,
}

impl Module {
    /// The modules with a profile of their own, in the order `--help` names them.
    pub const PROFILED: [Module; 8] = [
        Module::Service,
        Module::Company,
        Module::Sales,
        Module::Finance,
        Module::Project,
        Module::Time,
        Module::System,
        Module::Reports,
    ];

    /// Its name in `CW_TOOL_PROFILE`.
    pub fn name(self) -> &'static str {
        match self {
            Module::Service => "service",
            Module::Company => "company",
            Module::Sales => "sales",
            Module::Finance => "finance",
            Module::Project => "project",
            Module::Time => "time",
            Module::System => "system",
            Module::Reports => "reports",
            Module::Generic => "generic",
        }
    }
}

/// One part of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The tools declared compact.
    Compact,
    /// A module's tools and the generic ones.
    Module(Module),
    /// Every tool.
    All,
}

impl Part {
    /// Every part, in the order `--help` names them.
    fn every() -> impl Iterator<Item = Part> {
        std::iter::once(Part::Compact)
            .chain(Module::PROFILED.into_iter().map(Part::Module))
            .chain(std::iter::once(Part::All))
    }

    fn name(self) -> &'static str {
        match self {
            Part::Compact => "compact",
            Part::Module(module) => module.name(),
            Part::All => "all",
        }
    }
}

/// The profile names `CW_TOOL_PROFILE` takes: `compact`, each module's, and `all`.
pub fn names() -> impl Iterator<Item = &'static str> {
    Part::every().map(Part::name)
}

/// A profile: one or more of [`names`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile(Vec<Part>);

impl Profile {
    /// Reads `compact`, `all`, or module names separated by commas (`service,company`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        for written in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let part = Part::every()
                .find(|part| part.name().eq_ignore_ascii_case(written))
                .ok_or_else(|| {
                    format!(
                        "CW_TOOL_PROFILE {written:?} is not a profile: use one or more of {}, separated by commas",
                        names().collect::<Vec<_>>().join(", ")
                    )
                })?;
            parts.push(part);
        }
        if parts.is_empty() {
            parts.push(Part::Compact);
        }
        Ok(Self(parts))
    }

    /// True when the profile's list is meant for small models: searches list only the
    /// arguments that find and page records ([`crate::schema::lean_input_schema`]).
    pub fn lean(&self) -> bool {
        self.0.contains(&Part::Compact)
    }

    /// The input schema this profile lists for `tool`.
    pub fn listed_schema(&self, tool: &ToolSpec) -> serde_json::Map<String, serde_json::Value> {
        if self.lean() {
            crate::schema::lean_input_schema(tool)
        } else {
            crate::schema::input_schema(tool)
        }
    }

    /// True when the profile lists `tool`, as its declaration says: a module's profile lists
    /// the generic tools too.
    pub fn lists(&self, tool: &ToolSpec) -> bool {
        self.0.iter().any(|part| match *part {
            Part::All => true,
            Part::Compact => tool.compact,
            Part::Module(module) => tool.module == Module::Generic || tool.module == module,
        })
    }
}

/// The profile's tool list as OpenWebUI sends it to a model on every turn (name, description,
/// parameters), in bytes of JSON as Python writes it (`", "` and `": "` between items).
pub fn openwebui_bytes(profile: &Profile) -> usize {
    let tools: Vec<serde_json::Value> = crate::catalog::CATALOG
        .iter()
        .filter(|t| profile.lists(t))
        .map(|t| {
            serde_json::json!({
                "name": t.name, "description": t.description,
                "parameters": profile.listed_schema(t),
            })
        })
        .collect();
    python_json_len(&serde_json::Value::Array(tools))
}

/// The length of `value` as Python's `json.dumps` writes it by default, which is how OpenWebUI
/// sends a tool list to a model.
pub fn python_json_len(value: &serde_json::Value) -> usize {
    let mut written = Vec::new();
    let mut writer = serde_json::Serializer::with_formatter(&mut written, PythonStyle);
    match serde::Serialize::serialize(value, &mut writer) {
        Ok(()) => written.len(),
        Err(_) => 0,
    }
}

/// JSON separated as Python's `json.dumps` separates it by default (`", "`, `": "`).
struct PythonStyle;

impl serde_json::ser::Formatter for PythonStyle {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        separate(writer, first)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        separate(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

/// `", "` before every item but the first.
fn separate<W: ?Sized + std::io::Write>(writer: &mut W, first: bool) -> std::io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}

impl Default for Profile {
    fn default() -> Self {
        Self(vec![Part::Compact])
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
        // A module's set stays within about 4,250 tokens; `all` is everything, by choice.
        for name in names().filter(|n| !["compact", "all"].contains(n)) {
            let module = openwebui_bytes(&Profile::parse(name).unwrap());
            assert!(
                module <= 17_000,
                "the {name} profile's tool list is {module} bytes, over 17,000"
            );
        }
        assert!(openwebui_bytes(&Profile::parse("all").unwrap()) > bytes);
    }

    #[test]
    fn tool_lists_are_measured_as_python_writes_them() {
        let mut written = Vec::new();
        let mut writer = serde_json::Serializer::with_formatter(&mut written, PythonStyle);
        serde::Serialize::serialize(
            &serde_json::json!({"a": [1, {"b": "c"}], "d": {}}),
            &mut writer,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            r#"{"a": [1, {"b": "c"}], "d": {}}"#
        );
    }

    #[test]
    fn profiles_list_their_tools_and_the_generic_ones() {
        let compact = listed("compact");
        assert_eq!(compact.len(), 14);
        assert!(compact.contains(&"connectwise_summarize"));
        assert!(!compact.contains(&"connectwise_count"));
        assert!(compact.contains(&"connectwise_read"));
        assert!(listed("service").contains(&"connectwise_find_endpoints"));
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
        // No profile lists what no part of it declares: every tool is in one module.
        assert!(listed("system").contains(&"connectwise_get_members"));
        assert!(listed("system").contains(&"connectwise_count"));
        assert!(!listed("system").contains(&"connectwise_get_tickets"));
        assert_eq!(
            names().collect::<Vec<_>>().join(","),
            "compact,service,company,sales,finance,project,time,system,reports,all"
        );
    }

    #[test]
    fn a_report_listed_beside_the_compact_searches_keeps_its_arguments() {
        let profile = Profile::parse("compact,reports").unwrap();
        let schema = profile.listed_schema(find("connectwise_member_schedule").unwrap());
        let properties = schema["properties"].as_object().unwrap();
        assert!(properties.contains_key("member") && properties.contains_key("period"));
        let search = profile.listed_schema(find("connectwise_get_tickets").unwrap());
        assert!(
            !search["properties"]
                .as_object()
                .unwrap()
                .contains_key("fields")
        );
    }
}
