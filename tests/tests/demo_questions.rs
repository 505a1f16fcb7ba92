//! The original README's eight example questions, asked through the real
//! bridge in demo mode the way a model writes them: each has an answer. The
//! demo data is dated relative to the day it starts (or `CW_DEMO_DATE`), so
//! "this week" and "this month" mean what they say on any day.

use cw_e2e::Bridge;
use cw_sim::data::time::{DAY, WEEK_OPENS, iso, month_last_day, week_start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `YYYY-MM-DD` of a time.
fn day(secs: i64) -> String {
    iso(secs)[..10].to_owned()
}

/// The eight questions for a demo whose "now" is `now`: (question, tool, arguments).
fn questions(now: i64) -> Vec<(&'static str, &'static str, Value)> {
    let monday = day(week_start(now));
    let last = month_last_day(now);
    let first = format!("{}-01", &day(last)[..7]);
    let next = day(last + DAY);
    vec![
        (
            "Show me all open tickets for ACME Corp",
            "get_tickets",
            json!({"conditions": "company/name like \"ACME%\" AND closedFlag = false"}),
        ),
        (
            "Find all companies with 'Tech' in their name",
            "get_companies",
            json!({"conditions": "name contains \"Tech\""}),
        ),
        (
            "Get details for ticket #12345",
            "get_ticket",
            json!({"ticket_id": 12345}),
        ),
        (
            "List opportunities with status Open",
            "get_opportunities",
            json!({"conditions": "status/name = \"Open\""}),
        ),
        (
            "Show me time entries for this week",
            "get_time_entries",
            json!({"conditions": format!("timeStart >= [{monday}]")}),
        ),
        (
            "Find contacts at Microsoft",
            "get_contacts",
            json!({"conditions": "company/name contains \"Microsoft\""}),
        ),
        (
            "Show active projects",
            "get_projects",
            json!({"conditions": "status/name = \"Active\""}),
        ),
        (
            "Which agreements expire this month?",
            "get_agreements",
            json!({"conditions": format!("endDate >= [{first}] AND endDate < [{next}]")}),
        ),
    ]
}

async fn ask_all(pinned: Option<&str>) {
    let now = cw_sim::demo_now(pinned).unwrap();
    let env: Vec<(String, String)> = pinned
        .map(|d| ("CW_DEMO_DATE".to_owned(), d.to_owned()))
        .into_iter()
        .collect();
    let bridge = Bridge::start(&env, &["--demo"]).await;
    bridge.wait_ready(None).await;
    for (question, tool, arguments) in questions(now) {
        let (status, answer) = bridge.execute(tool, arguments.clone()).await;
        assert_eq!(status, StatusCode::OK, "{question} ({pinned:?}): {answer}");
        // Early on a Monday no one has logged time this week yet: then "nothing" is the answer.
        let week_has_begun = now - week_start(now) >= WEEK_OPENS;
        match answer["items"].as_array() {
            Some(items) if tool == "get_time_entries" && !week_has_begun => assert!(
                items.is_empty(),
                "{question} ({pinned:?}): time logged before the week's work began: {answer}"
            ),
            Some(items) => assert!(
                !items.is_empty(),
                "{question} ({pinned:?}): nothing for {arguments}"
            ),
            None => assert_eq!(answer["id"], 12345, "{question}"),
        }
        if tool == "get_time_entries" {
            let monday = iso(week_start(now));
            let now_iso = iso(now);
            for entry in answer["items"].as_array().unwrap() {
                let start = entry["timeStart"].as_str().unwrap();
                assert!(
                    start >= monday.as_str() && start <= now_iso.as_str(),
                    "{start} is not this week before {now_iso}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_example_question_has_an_answer_today() {
    ask_all(None).await;
}

#[tokio::test]
async fn every_example_question_has_an_answer_on_a_monday_and_a_month_end() {
    ask_all(Some("2026-11-23")).await;
    ask_all(Some("2026-11-30")).await;
}

#[tokio::test]
async fn a_bad_demo_date_is_refused_with_the_format() {
    let output = tokio::process::Command::new(cw_e2e::binary("cw-mcp-server"))
        .arg("--demo")
        .env_clear()
        .env("CW_DEMO_DATE", "24/11/2026")
        .current_dir(std::env::temp_dir())
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("YYYY-MM-DD"));
}
