//! Service tickets with their notes, tasks and schedule entries.

use serde_json::{Value, json};

use super::Table;
use super::generator::{CompanyFacts, Gen, Tables, href, money};
use super::injections;
use super::names::*;
use super::references::{Boards, Lists};
use super::time::{DAY, iso};

/// The tickets; answers each ticket's reference with its company's index.
pub(super) fn tickets(
    g: &mut Gen,
    tables: &mut Tables,
    lists: &Lists,
    boards: &Boards,
    facts: &[CompanyFacts],
) -> Vec<(Value, usize)> {
    let ticket_types = ["Incident", "Service Request", "Problem", "Change"];
    let mut tickets = Vec::new();
    let mut notes = Vec::new();
    let mut tasks = Vec::new();
    let mut schedules = Vec::new();
    let ticket_total = g.count(1000);
    let (mut note_id, mut task_id, mut schedule_id) = (500_000u64, 700_000u64, 900_000u64);
    let mut ticket_refs = Vec::new();
    // One more ticket than the count: number 12345, which the original README asks about.
    for n in 0..=ticket_total {
        let id = if n == ticket_total {
            12_345
        } else {
            20_001 + n as u64
        };
        let company = if n < 30 || n == ticket_total {
            0
        } else {
            g.rng.usize(..facts.len())
        };
        let board = match g.rng.u8(..10) {
            0..=5 => 0,
            6 | 7 => 1,
            8 => 2,
            _ => 3,
        };
        let (status, closed) = g.pick(&boards.statuses[board]).clone();
        let entered = g.past(365);
        let summary = injections::summary(id, g.pick(TICKET_SUMMARIES).to_string());
        let priority = if g.chance(8) {
            0
        } else {
            g.rng.usize(1..lists.priorities.len())
        };
        let owner = (!g.chance(10)).then(|| g.member_ref(true));
        let contact = g.contact_ref(&facts[company]);
        let budget = f64::from(g.rng.u8(1..16)) / 2.0;
        let actual = if closed {
            budget * (0.5 + g.rng.f64())
        } else {
            budget * g.rng.f64() * 0.8
        };
        let mut ticket = json!({
            "id": id, "summary": summary, "recordType": "ServiceTicket",
            "board": boards.references[board], "status": status, "company": facts[company].reference,
            "site": facts[company].site, "siteName": "Main",
            "type": {"id": 1 + (n % 4), "name": ticket_types[n % 4]},
            "priority": lists.priorities[priority], "source": g.pick(&lists.sources).clone(),
            "severity": *g.pick(&["Low", "Medium", "High"]), "impact": *g.pick(&["Low", "Medium", "High"]),
            "budgetHours": budget, "actualHours": money(actual),
            "closedFlag": closed, "approved": true, "isInSla": g.chance(85),
            "billTime": "Billable", "billExpenses": "Billable", "billProducts": "Billable",
            "customerUpdatedFlag": g.chance(20), "automaticEmailContactFlag": true,
            "requiredDate": iso(entered + g.rng.i64(1..14) * DAY),
            "initialDescription": format!("{summary}. Reported by the client; see notes."),
            "_info": g.info(entered, &[
                ("notes", format!("{}/notes", href("/service/tickets", id))),
                ("tasks", format!("{}/tasks", href("/service/tickets", id))),
                ("scheduleentries", format!("{}/scheduleentries", href("/service/tickets", id))),
                ("timeentries", format!("{}/timeentries", href("/service/tickets", id))),
            ]),
        });
        if let Some(contact) = &contact {
            ticket["contact"] = contact.clone();
            ticket["contactName"] = contact["name"].clone();
            // ConnectWise leaves out a field it has no value for.
            let email = facts[company]
                .contacts
                .iter()
                .find(|c| c["id"] == contact["id"])
                .and_then(|c| c.get("email"));
            if let Some(email) = email {
                ticket["contactEmailAddress"] = email.clone();
            }
        }
        if let Some(owner) = &owner {
            ticket["owner"] = owner.clone();
            ticket["resources"] = owner["identifier"].clone();
        }
        let mut resolved = None;
        if closed {
            let closed_at = (entered + g.rng.i64(1..20) * DAY).min(g.now);
            ticket["closedDate"] = json!(iso(closed_at));
            ticket["closedBy"] = json!(g.member_identifier());
            ticket["dateResolved"] = json!(iso(closed_at));
            resolved = Some(closed_at);
        }
        sla(&mut ticket, id, entered, priority, resolved, g.now);
        let made = Ticket {
            id,
            summary: &summary,
            entered,
            closed,
        };
        add_notes(g, &made, &mut note_id, &mut notes);
        add_tasks(g, &made, &mut task_id, &mut tasks);
        if let Some(owner) = &owner {
            let company = &facts[company].name;
            add_schedule_entries(g, &made, owner, company, &mut schedule_id, &mut schedules);
        }
        ticket_refs.push((json!({"id": id, "summary": summary, "_info": {"ticket_href": href("/service/tickets", id)}}), company));
        tickets.push(ticket);
    }
    injections::notes(&mut notes);
    tables.insert("/service/tickets", Table::new(tickets, None));
    tables.insert(
        "/service/tickets/notes",
        Table::new(notes, Some("ticketId")),
    );
    tables.insert(
        "/service/tickets/tasks",
        Table::new(tasks, Some("ticketId")),
    );
    // The full entries are the schedule's; a ticket lists references to its own.
    tables.insert("/schedule/entries", Table::new(schedules.clone(), None));
    tables.insert(
        "/service/tickets/scheduleentries",
        Table::new(schedules, Some("objectId")),
    );
    ticket_refs
}

/// Hours to respond and to resolve, by priority (`Priority 1 - Critical` first).
const SLA_HOURS: [(i64, i64); 5] = [(1, 4), (2, 8), (4, 24), (8, 48), (24, 120)];

/// A ticket's SLA: its respond-by and resolve-by goals from when it was entered and its
/// priority, when it was responded to (most on time, some late, a few not yet) and whether it
/// is within them. Drawn from the ticket's id, not the random stream, so that the rest of the
/// data stays as it was.
fn sla(
    ticket: &mut Value,
    id: u64,
    entered: i64,
    priority: usize,
    resolved: Option<i64>,
    now: i64,
) {
    let (respond, resolve) = SLA_HOURS[priority.min(SLA_HOURS.len() - 1)];
    let respond_by = entered + respond * 3600;
    let resolve_by = entered + resolve * 3600;
    ticket["sla"] = json!({"id": 1, "name": "Standard SLA"});
    ticket["respondByGoalUTC"] = json!(iso(respond_by));
    ticket["resolutionGoalUTC"] = json!(iso(resolve_by));
    // A quarter to five quarters of the time allowed: one in five late.
    let responded = entered + respond * 3600 * (id % 5 + 1) as i64 / 4;
    let answered = (resolved.is_some() || id % 10 < 7) && responded <= now;
    if answered {
        ticket["dateResponded"] = json!(iso(responded));
    }
    let responded_in_time = if answered {
        responded <= respond_by
    } else {
        now <= respond_by
    };
    let resolved_in_time = resolved.map_or(now <= resolve_by, |at| at <= resolve_by);
    ticket["isInSla"] = json!(responded_in_time && resolved_in_time);
}

/// What a ticket's notes, tasks and schedule entries are made from.
struct Ticket<'a> {
    id: u64,
    summary: &'a str,
    entered: i64,
    closed: bool,
}

/// Notes: the first describes the problem, the last of a closed ticket resolves it.
fn add_notes(g: &mut Gen, t: &Ticket, next_id: &mut u64, notes: &mut Vec<Value>) {
    let note_count = g.rng.usize(1..=4);
    for k in 0..note_count {
        *next_id += 1;
        let internal = k > 0 && g.chance(30);
        let resolution = t.closed && k + 1 == note_count && k > 0;
        let created = t.entered + k as i64 * g.rng.i64(1800..86_400);
        let member = g.member_ref(false);
        notes.push(json!({
                "id": *next_id, "ticketId": t.id,
                "text": if k == 0 { format!("{}: {}", t.summary, g.pick(NOTE_TEXTS)) } else { (*g.pick(NOTE_TEXTS)).to_owned() },
                "detailDescriptionFlag": k == 0 || (!internal && !resolution), "internalAnalysisFlag": internal,
                "resolutionFlag": resolution, "issueFlag": false, "member": member,
                "dateCreated": iso(created), "createdBy": member["identifier"],
                "internalFlag": internal, "externalFlag": !internal, "customerUpdatedFlag": false, "processNotifications": false,
                "_info": {"lastUpdated": iso(created), "updatedBy": member["identifier"]},
            }));
    }
}

/// A few work steps.
fn add_tasks(g: &mut Gen, t: &Ticket, next_id: &mut u64, tasks: &mut Vec<Value>) {
    for k in 0..g.rng.usize(0..=3) {
        *next_id += 1;
        tasks.push(json!({
                "id": *next_id, "ticketId": t.id, "summary": TASK_SUMMARIES[k % TASK_SUMMARIES.len()],
                "notes": format!("Step {} for ticket #{}", k + 1, t.id), "closedFlag": t.closed || g.chance(30),
                "priority": k + 1, "resolution": if t.closed { "Done" } else { "" },
                "_info": g.info(t.entered, &[]),
            }));
    }
}

/// Visits booked for the ticket's owner.
fn add_schedule_entries(
    g: &mut Gen,
    t: &Ticket,
    owner: &Value,
    company: &str,
    next_id: &mut u64,
    schedules: &mut Vec<Value>,
) {
    for _ in 0..g.rng.usize(0..=2) {
        *next_id += 1;
        let start = t.entered + g.rng.i64(1..10) * DAY;
        let hours = f64::from(g.rng.u8(1..5));
        schedules.push(json!({
                    "id": *next_id, "objectId": t.id, "name": format!("{company} / {}", t.summary),
                    "member": owner, "dateStart": iso(start), "dateEnd": iso(start + (hours * 3600.0) as i64),
                    "type": {"id": 4, "identifier": "S"}, "status": {"id": 2, "name": "Firm"},
                    "span": {"id": 1, "identifier": "N"}, "where": {"id": 1, "name": "On-Site"},
                    "doneFlag": t.closed, "acknowledgedFlag": true, "ownerFlag": true, "meetingFlag": false,
                    "allowScheduleConflictsFlag": false, "hours": hours,
                    "_info": g.info(t.entered, &[]),
                }));
    }
}
