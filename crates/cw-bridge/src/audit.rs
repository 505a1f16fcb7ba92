//! The audit trail: one JSON line per tool call, saying who asked what, what it
//! cost ConnectWise and how it ended. Written to stderr beside the logs (marked
//! `"log": "audit"`) or appended to a file the operator names. Credentials never
//! reach it: the caller carries a company id and a public key hash only.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use cw_boundary::CallReport;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::caller::Caller;

/// Most characters of a call's arguments an audit line keeps.
const MAX_ARGUMENTS_CHARS: usize = 4096;

/// Where audit lines go.
pub enum Audit {
    /// To stderr, beside the logs.
    Stderr,
    /// Appended to a file.
    File(Mutex<std::fs::File>),
    /// Nowhere (`BRIDGE_AUDIT_LOG=off`).
    Off,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Audit::Stderr => "Audit::Stderr",
            Audit::File(_) => "Audit::File",
            Audit::Off => "Audit::Off",
        })
    }
}

/// One audit line.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditLine<'a> {
    /// Tells audit lines from log lines on stderr: always `audit`.
    pub log: &'static str,
    /// When the call ended, RFC 3339 UTC.
    pub time: String,
    /// `execute`, `openapi` or `mcp`.
    pub surface: &'static str,
    /// Who asked.
    pub caller: &'a Caller,
    /// The tool, as the caller named it.
    pub tool: &'a str,
    /// The arguments (cut at 4,096 characters of JSON).
    pub arguments: Value,
    /// `ok` or the failure kind.
    pub outcome: &'a str,
    /// Milliseconds from arrival to answer.
    pub duration_ms: u64,
    /// Bytes of the answer's text.
    pub answer_bytes: usize,
    /// What the call sent to ConnectWise, and how it was answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connectwise: Option<&'a CallReport>,
}

impl Audit {
    /// The audit sink a setting names: empty or `stderr`, `off`, or a file path.
    pub fn open(setting: &str) -> Result<Self, String> {
        match setting.trim() {
            "" | "stderr" => Ok(Audit::Stderr),
            "off" => Ok(Audit::Off),
            path => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(Path::new(path))
                .map(|file| Audit::File(Mutex::new(file)))
                .map_err(|e| format!("BRIDGE_AUDIT_LOG: cannot append to {path}: {e}")),
        }
    }

    /// True unless the trail is off.
    pub fn is_on(&self) -> bool {
        !matches!(self, Audit::Off)
    }

    /// Writes one line; a failed write is logged, never fatal to the call.
    pub fn write(&self, line: &AuditLine<'_>) {
        if let Audit::Off = self {
            return;
        }
        let Ok(mut text) = serde_json::to_string(line) else {
            return;
        };
        text.push('\n');
        let written = match self {
            Audit::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
            Audit::File(file) => file
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .write_all(text.as_bytes()),
            Audit::Off => Ok(()),
        };
        if let Err(error) = written {
            tracing::error!(%error, "could not write the audit line");
        }
    }
}

/// The arguments as an audit line keeps them: whole, or cut and marked.
pub fn shown_arguments(arguments: &Map<String, Value>) -> Value {
    let text = Value::Object(arguments.clone()).to_string();
    if text.len() <= MAX_ARGUMENTS_CHARS {
        return Value::Object(arguments.clone());
    }
    let cut: String = text.chars().take(MAX_ARGUMENTS_CHARS).collect();
    serde_json::json!({"truncated": cut})
}

/// Now, as RFC 3339 UTC with milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let time = now();
        assert!(time.ends_with('Z') && time.len() == 24, "{time}");
    }

    #[test]
    fn long_arguments_are_cut() {
        let mut arguments = Map::new();
        arguments.insert("conditions".into(), Value::String("x".repeat(10_000)));
        let shown = shown_arguments(&arguments);
        assert!(shown["truncated"].as_str().unwrap().len() <= MAX_ARGUMENTS_CHARS);
        let mut small = Map::new();
        small.insert("pageSize".into(), 5.into());
        assert_eq!(shown_arguments(&small)["pageSize"], 5);
    }
}
