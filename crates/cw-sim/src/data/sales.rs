//! Sales: opportunities, and the activities (calls, meetings) around them.

use serde_json::{Value, json};

use super::Table;
use super::generator::{CompanyFacts, Gen, Tables, href};
use super::names::*;
use super::time::{DAY, iso};

/// The opportunities; answers their references.
pub(super) fn opportunities(
    g: &mut Gen,
    tables: &mut Tables,
    facts: &[CompanyFacts],
) -> Vec<Value> {
    let stages = [
        "1.Prospect",
        "2.Qualification",
        "3.Proposal",
        "4.Negotiation",
        "5.Closed",
    ];
    let opp_statuses = ["Open", "Won", "Lost", "No Decision"];
    let mut opportunities = Vec::new();
    let mut opportunity_refs = Vec::new();
    for n in 0..g.count(80) {
        let id = 3000 + n as u64;
        let company = if n < 3 { 0 } else { g.rng.usize(..facts.len()) };
        let status = if g.chance(55) {
            0
        } else {
            g.rng.usize(1..opp_statuses.len())
        };
        let stage = if status == 0 { g.rng.usize(..4) } else { 4 };
        let entered = g.past(500);
        let name = format!("{} - {}", facts[company].name, g.pick(OPPORTUNITY_NAMES));
        let mut opportunity = json!({
            "id": id, "name": name, "company": facts[company].reference, "site": facts[company].site,
            "type": {"id": 1 + n % 3, "name": (["New Business", "Existing Client", "Renewal"][n % 3])},
            "stage": {"id": stage + 1, "name": stages[stage]},
            "status": {"id": status + 1, "name": opp_statuses[status]},
            "priority": {"id": 1 + n % 3, "name": (["Hot", "Warm", "Cold"][n % 3])},
            "probability": {"id": stage + 1, "name": format!("{}%", [10, 25, 50, 75, 100][stage])},
            "rating": {"id": 1 + n % 3, "name": (["Hot", "Warm", "Cold"][n % 3])},
            "primarySalesRep": g.member_ref(true), "expectedCloseDate": iso(entered + g.rng.i64(30..120) * DAY),
            "source": *g.pick(&["Referral", "Website", "Existing Client", "Trade Show"]),
            "notes": "Discussed scope and budget with the client.", "totalSalesTax": 0.0,
            "_info": g.info(entered, &[]),
        });
        if status != 0 {
            opportunity["closedDate"] = json!(iso((entered + g.rng.i64(20..90) * DAY).min(g.now)));
        }
        if let Some(contact) = g.contact_ref(&facts[company]) {
            opportunity["contact"] = contact;
        }
        opportunity_refs.push(json!({"id": id, "name": name, "_info": {"opportunity_href": href("/sales/opportunities", id)}}));
        opportunities.push(opportunity);
    }
    tables.insert("/sales/opportunities", Table::new(opportunities, None));
    opportunity_refs
}

/// Calls, meetings, e-mails and tasks, some about an opportunity.
pub(super) fn activities(
    g: &mut Gen,
    tables: &mut Tables,
    facts: &[CompanyFacts],
    opportunity_refs: &[Value],
) {
    let mut activities = Vec::new();
    for n in 0..g.count(150) {
        let id = 9000 + n as u64;
        let company = if n < 5 { 0 } else { g.rng.usize(..facts.len()) };
        let start = g.past(300);
        let closed = g.chance(60);
        let mut activity = json!({
            "id": id, "name": format!("{} - {}", g.pick(ACTIVITY_NAMES), facts[company].name),
            "type": {"id": 1 + n % 4, "name": (["Call", "Meeting", "Email", "Task"][n % 4])},
            "company": facts[company].reference,
            "status": if closed { json!({"id": 2, "name": "Closed"}) } else { json!({"id": 1, "name": "Open"}) },
            "dateStart": iso(start), "dateEnd": iso(start + 3600), "assignTo": g.member_ref(true), "assignedBy": g.member_ref(true),
            "notes": "Talked through upcoming needs.", "notifyFlag": false, "closeFlag": closed,
            "_info": g.info(start, &[]),
        });
        if let Some(contact) = g.contact_ref(&facts[company]) {
            activity["contact"] = contact;
        }
        if g.chance(30) {
            activity["opportunity"] =
                opportunity_refs[g.rng.usize(..opportunity_refs.len())].clone();
        }
        activities.push(activity);
    }
    tables.insert("/sales/activities", Table::new(activities, None));
}
