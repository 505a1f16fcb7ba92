//! MCP prompts: one for each report, for clients that offer prompts to their users
//! (`/ticket_brief 20001`). A prompt asks in a technician's words and names the tool and
//! arguments that answer it, so that even a small model makes the one call.

use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};
use serde_json::{Map, Value};

use crate::args::Arg;
use crate::catalog::{CATALOG, ToolKind, ToolSpec};
use crate::reports::{self, Report};

/// The reports' tools with their prompt names (`ticket_brief` for `connectwise_ticket_brief`).
fn reports() -> impl Iterator<Item = (&'static str, &'static ToolSpec, Report)> {
    CATALOG.iter().filter_map(|spec| match spec.kind {
        ToolKind::Report(report) => Some((spec.name.strip_prefix("connectwise_")?, spec, report)),
        _ => None,
    })
}

/// Every prompt, with its arguments.
pub fn list() -> Vec<Prompt> {
    reports()
        .map(|(name, spec, report)| {
            let required = reports::required(report);
            let arguments = reports::arguments(report)
                .iter()
                .map(|arg| {
                    PromptArgument::new(arg.name())
                        .with_description(argument_description(*arg))
                        .with_required(Some(*arg) == required)
                })
                .collect();
            Prompt::new(name, Some(spec.description), Some(arguments)).with_title(spec.title)
        })
        .collect()
}

fn argument_description(arg: Arg) -> &'static str {
    match arg {
        Arg::Id("ticket_id") => "The ticket number.",
        Arg::Id(_) => "The company's id, identifier or exact name.",
        Arg::Member => "The member's identifier or full name.",
        Arg::Board => "The board's name.",
        Arg::Period => "today, this week, next month, last 7 days, or a day.",
        Arg::Since => "A day: yesterday, today, 7 days ago or 2026-11-30.",
        Arg::By => "member or company.",
        Arg::Within => "How many hours ahead count as near (default 24).",
        _ => "",
    }
}

/// The prompt `name` with `arguments`: the technician's question, and the call that answers it.
pub fn get(name: &str, arguments: &Map<String, Value>) -> Result<GetPromptResult, String> {
    let (_, spec, report) = reports()
        .find(|(prompt, _, _)| *prompt == name)
        .ok_or_else(|| {
            let names: Vec<&str> = reports().map(|(n, _, _)| n).collect();
            format!(
                "no prompt named `{name}`; the prompts are {}",
                names.join(", ")
            )
        })?;
    let given = |arg: &Arg| -> Option<String> {
        match arguments.get(arg.name())? {
            Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    if let Some(required) = reports::required(report)
        && given(&required).is_none()
    {
        return Err(format!("the prompt `{name}` needs `{}`", required.name()));
    }
    let mut call = Map::new();
    let mut ask = reports::ask(report).to_owned();
    for arg in reports::arguments(report) {
        let placeholder = format!("{{{}}}", arg.name());
        match given(arg) {
            Some(value) => {
                ask = ask.replace(&placeholder, &value);
                let number = value
                    .parse::<u64>()
                    .ok()
                    .filter(|_| matches!(arg, Arg::Id(_)));
                call.insert(
                    arg.name().into(),
                    number.map_or(Value::String(value), Value::from),
                );
            }
            None => ask = without_optional(&ask, &placeholder),
        }
    }
    let ask = ask.replace(['[', ']'], "");
    let text = format!(
        "{ask}\nCall {} with {}, then answer from what it returns.",
        spec.name,
        Value::Object(call)
    );
    let mut result = GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]);
    result.description = Some(spec.title.to_owned());
    Ok(result)
}

/// `text` without the bracketed part that holds `placeholder`.
fn without_optional(text: &str, placeholder: &str) -> String {
    let Some(at) = text.find(placeholder) else {
        return text.to_owned();
    };
    match (text[..at].rfind('['), text[at..].find(']')) {
        (Some(open), Some(close)) => format!("{}{}", &text[..open], &text[at + close + 1..]),
        _ => text.replace(placeholder, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(result: &GetPromptResult) -> String {
        serde_json::to_value(&result.messages[0]).unwrap()["content"]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn each_report_has_a_prompt_that_names_its_call() {
        let prompts = list();
        assert_eq!(prompts.len(), reports().count());
        assert!(prompts.iter().any(|p| p.name == "ticket_brief"));
        let brief = get(
            "ticket_brief",
            json!({"ticket_id": 20001}).as_object().unwrap(),
        )
        .unwrap();
        assert_eq!(
            text(&brief),
            "Give me a brief on ticket 20001: what it is about, where it stands, who is on it, the latest notes and the time spent.\nCall connectwise_ticket_brief with {\"ticket_id\":20001}, then answer from what it returns."
        );
        let plate = get(
            "member_schedule",
            json!({"member": "mpatel"}).as_object().unwrap(),
        )
        .unwrap();
        assert!(text(&plate).starts_with("What is on mpatel's plate?\nCall connectwise_member_schedule with {\"member\":\"mpatel\"}"));
        let time = get(
            "time_report",
            json!({"period": "last week"}).as_object().unwrap(),
        )
        .unwrap();
        assert!(text(&time).starts_with("How many hours were logged last week, billable and not?"));
        assert!(
            get("ticket_brief", &Map::new())
                .unwrap_err()
                .contains("needs `ticket_id`")
        );
        assert!(
            get("nope", &Map::new())
                .unwrap_err()
                .contains("ticket_brief")
        );
    }
}
