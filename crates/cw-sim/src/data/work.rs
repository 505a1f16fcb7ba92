//! Curated demo data for the work an MSP plans, buys and bills, made from the records
//! the rest of the demo data already holds: project phases and project tickets, service
//! teams and board teams, SLAs, sales orders and purchase orders, and weekly time sheets
//! whose hours are the sum of each member's time entries. Shapes follow ConnectWise's
//! document where it has them (SLAs and purchase orders are outside it).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::Table;
use super::time::{DAY, iso, week_start};

/// Phases every demo project goes through.
const PHASES: &[&str] = &[
    "Discovery and planning",
    "Procurement",
    "Deployment",
    "Training and handover",
];
/// Work items of a project phase.
const PROJECT_TASKS: &[&str] = &[
    "Kick-off meeting with the client",
    "Inventory current systems",
    "Order hardware and licences",
    "Configure the firewall",
    "Migrate mailboxes",
    "Image and deploy workstations",
    "User training session",
    "Final walkthrough and sign-off",
];
/// Service teams and what they are called.
const TEAMS: &[&str] = &[
    "Tier 1 Helpdesk",
    "Tier 2 Escalations",
    "Network Operations",
    "Projects Team",
    "After Hours",
];
/// What sales orders are for.
const ORDERS: &[(&str, f64)] = &[
    ("Laptop refresh (10 units)", 14_500.0),
    ("Firewall replacement", 3_200.0),
    ("Microsoft 365 licences, annual", 6_840.0),
    ("Wireless access points (6)", 2_150.0),
    ("Server warranty extension", 1_200.0),
    ("Backup appliance", 4_800.0),
];
const ORDER_STATUSES: &[&str] = &["New", "Ordered", "Shipped", "Closed"];
/// Service level agreements: name, hours to respond, to plan, to resolve.
const SLAS: &[(&str, f64, f64, f64)] = &[
    ("Standard", 4.0, 8.0, 24.0),
    ("Premium 24x7", 1.0, 2.0, 8.0),
    ("Business Hours Basic", 8.0, 16.0, 72.0),
];
/// Vendors purchase orders go to, and what is bought from them.
const VENDORS: &[(&str, &str)] = &[
    ("Ingram Micro", "Dell Latitude 5440 laptops"),
    ("TD SYNNEX", "FortiGate 60F firewalls"),
    ("Pax8", "Microsoft 365 Business Premium licences"),
    ("CDW", "Aruba access points"),
];
const PO_STATUSES: &[&str] = &["Open", "Ordered", "Partially Received", "Closed"];
/// Weeks of time sheets per member, the current week first.
const SHEET_WEEKS: i64 = 6;

/// What the curated work is made from: the records already generated.
struct Made<'a> {
    tables: &'a HashMap<&'static str, Table>,
    now: i64,
    /// The active members.
    members: Vec<Value>,
}

impl Made<'_> {
    fn records(&self, key: &str) -> Vec<Value> {
        self.tables
            .get(key)
            .map(|t| t.records().to_vec())
            .unwrap_or_default()
    }
}

/// A member as records refer to them.
fn member_ref(m: &Value) -> Value {
    json!({"id": m["id"], "identifier": m["identifier"], "name": format!("{} {}", text(&m["firstName"]), text(&m["lastName"]))})
}

/// A curated record's `_info`.
fn info(entered: i64) -> Value {
    json!({"dateEntered": iso(entered), "lastUpdated": iso(entered + 2 * DAY), "updatedBy": "jsmith", "enteredBy": "jsmith"})
}

/// Adds the tables to `tables`, from the records already in it.
pub(super) fn generate(tables: &mut HashMap<&'static str, Table>, seed: u64, now: i64) {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed_0f70);
    let made = Made {
        tables,
        now,
        members: tables
            .get("/system/members")
            .map(|t| {
                t.records()
                    .iter()
                    .filter(|m| m["inactiveFlag"] != true)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
    };
    let (phases, project_tickets) = project_work(&made, &mut rng);
    let teams = teams(&made);
    let board_teams = board_teams(&made);
    let orders = sales_orders(&made, &mut rng);
    let slas = slas(&made);
    let purchase_orders = purchase_orders(&made, &mut rng);
    let sheets = time_sheets(&made);
    tables.insert(
        "/project/projects/phases",
        Table::new(phases, Some("projectId")),
    );
    tables.insert("/project/tickets", Table::new(project_tickets, None));
    tables.insert("/service/teams", Table::new(teams, None));
    tables.insert(
        "/service/boards/teams",
        Table::new(board_teams, Some("boardId")),
    );
    tables.insert("/sales/orders", Table::new(orders, None));
    tables.insert("/time/sheets", Table::new(sheets, None));
    tables.insert("/service/SLAs", Table::new(slas, None));
    tables.insert(
        "/procurement/purchaseorders",
        Table::new(purchase_orders, None),
    );
}

/// Each project's phases, and two project tickets a phase.
fn project_work(w: &Made, rng: &mut fastrand::Rng) -> (Vec<Value>, Vec<Value>) {
    let projects = w.records("/project/projects");
    let project_statuses: Vec<Value> = w
        .records("/service/boards/statuses")
        .into_iter()
        .filter(|s| s["board"]["id"] == 3)
        .map(|s| json!({"id": s["id"], "name": s["name"]}))
        .collect();
    let mut phases = Vec::new();
    let mut project_tickets = Vec::new();
    for project in &projects {
        let project_id = project["id"].as_u64().unwrap_or(0);
        let start = parse(&project["estimatedStart"]).unwrap_or(w.now - 90 * DAY);
        let done = project["percentComplete"].as_f64().unwrap_or(0.0);
        let budget = project["budgetHours"].as_f64().unwrap_or(40.0);
        for (k, phase) in PHASES.iter().enumerate() {
            let id = project_id * 10 + k as u64 + 1;
            let phase_start = start + k as i64 * 14 * DAY;
            let share = done / 100.0 * PHASES.len() as f64 - k as f64;
            let (status_id, status) = if share >= 1.0 {
                (3, "Completed")
            } else if share > 0.0 {
                (2, "In Progress")
            } else {
                (1, "Open")
            };
            let hours = (budget / PHASES.len() as f64).round();
            phases.push(json!({
                "id": id, "projectId": project_id, "description": phase,
                "board": {"id": 3, "name": "Projects"}, "status": {"id": status_id, "name": status},
                "wbsCode": (k + 1).to_string(), "billTime": "Billable", "billExpenses": "Billable",
                "billProducts": "Billable", "markAsMilestoneFlag": k + 1 == PHASES.len(),
                "scheduledStart": iso(phase_start), "scheduledEnd": iso(phase_start + 14 * DAY),
                "budgetHours": hours, "actualHours": (hours * share.clamp(0.0, 1.0)).round(),
                "billingMethod": project["billingMethod"], "_info": info(phase_start - 7 * DAY),
            }));
            for j in 0..2 {
                let ticket_id = 70_000 + project_id * 100 + k as u64 * 10 + j;
                let task = PROJECT_TASKS[(k * 2 + j as usize) % PROJECT_TASKS.len()];
                let status = if status_id == 3 {
                    project_statuses.last().cloned()
                } else {
                    project_statuses
                        .get(rng.usize(..project_statuses.len().max(1)))
                        .cloned()
                };
                let mut ticket = json!({
                    "id": ticket_id, "summary": task, "isIssueFlag": false,
                    "board": {"id": 3, "name": "Projects"},
                    "project": {"id": project_id, "name": project["name"]},
                    "phase": {"id": id, "name": phase}, "wbsCode": format!("{}.{}", k + 1, j + 1),
                    "company": {"id": project["company"]["id"], "identifier": project["company"]["identifier"], "name": project["company"]["name"]},
                    "budgetHours": (hours / 2.0).round(), "requiredDate": iso(phase_start + 10 * DAY),
                    "_info": info(phase_start),
                });
                if let Some(status) = status {
                    ticket["status"] = status;
                }
                if let Some(manager) = project["manager"].as_object() {
                    ticket["owner"] = json!({"id": manager["id"], "identifier": manager["identifier"], "name": manager["name"]});
                }
                project_tickets.push(ticket);
            }
        }
    }

    (phases, project_tickets)
}

/// The service teams.
fn teams(w: &Made) -> Vec<Value> {
    TEAMS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "id": i + 1, "name": name, "leader": w.members.get(i).map(member_ref),
                "location": {"id": 1, "name": "Tampa Office"}, "deleteNotifyFlag": false,
                "_info": info(w.now - 800 * DAY),
            })
        })
        .collect()
}

/// Two teams on each board.
fn board_teams(w: &Made) -> Vec<Value> {
    w.records("/service/boards")
        .iter()
        .flat_map(|board| {
            let board_id = board["id"].as_u64().unwrap_or(0);
            (0..2u64).map(move |k| (board_id, k))
        })
        .map(|(board_id, k)| {
            let leader = w.members.get(((board_id + k) as usize) % w.members.len().max(1));
            json!({
                "id": board_id * 10 + k + 1, "name": TEAMS[((board_id + k) as usize) % TEAMS.len()],
                "teamLeader": leader.map(member_ref), "boardId": board_id, "defaultFlag": k == 0,
                "roundRobinFlag": k == 1, "defaultRoundRobinFlag": false, "notifyOnTicketDelete": false,
                "locationId": 1, "businessUnitId": 1, "_info": info(w.now - 700 * DAY),
            })
        })
        .collect()
}

/// Sales orders of hardware and licences.
fn sales_orders(w: &Made, rng: &mut fastrand::Rng) -> Vec<Value> {
    let companies = w.records("/company/companies");
    let contacts = w.records("/company/contacts");
    (0..40u64)
        .map(|n| {
            let company = &companies[if n < 3 { 0 } else { rng.usize(..companies.len()) }];
            let (what, amount) = ORDERS[rng.usize(..ORDERS.len())];
            let status = if n < 8 { rng.usize(..3) } else { rng.usize(..ORDER_STATUSES.len()) };
            let ordered = w.now - rng.i64(1..200) * DAY;
            let tax = (amount * 0.07 * 100.0).round() / 100.0;
            let reference = json!({"id": company["id"], "identifier": company["identifier"], "name": company["name"]});
            let mut order = json!({
                "id": 900 + n, "company": reference, "billToCompany": reference, "shipToCompany": reference,
                "status": {"id": status + 1, "name": ORDER_STATUSES[status]}, "description": what,
                "orderDate": iso(ordered), "dueDate": iso(ordered + 21 * DAY),
                "poNumber": format!("PO-{}", 4100 + n), "location": {"id": 1, "name": "Tampa Office"},
                "salesRep": w.members.get(rng.usize(..w.members.len().max(1))).map(member_ref),
                "billClosedFlag": status == 3, "billShippedFlag": status >= 2,
                "subTotal": amount, "taxTotal": tax, "total": amount + tax,
                "notes": "Quoted and approved by the client.", "_info": info(ordered),
            });
            if let Some(contact) = contacts.iter().find(|c| c["company"]["id"] == company["id"]) {
                order["contact"] = json!({"id": contact["id"], "name": format!("{} {}", text(&contact["firstName"]), text(&contact["lastName"]))});
            }
            order
        })
        .collect()
}

/// The service level agreements.
fn slas(w: &Made) -> Vec<Value> {
    SLAS.iter()
        .enumerate()
        .map(|(i, (name, respond, plan, resolve))| {
            json!({
                "id": i + 1, "name": name, "defaultFlag": i == 0, "basedOn": "MyCalendar",
                "respondHours": respond, "planWithin": plan, "resolutionHours": resolve,
                "_info": info(w.now - 900 * DAY),
            })
        })
        .collect()
}

/// Purchase orders to the vendors.
fn purchase_orders(w: &Made, rng: &mut fastrand::Rng) -> Vec<Value> {
    let companies = w.records("/company/companies");
    (0..20u64)
        .map(|n| {
            let (vendor, what) = VENDORS[n as usize % VENDORS.len()];
            let for_company = &companies[rng.usize(..companies.len())];
            let status = rng.usize(..PO_STATUSES.len());
            let ordered = w.now - rng.i64(1..150) * DAY;
            let total = f64::from(rng.u32(8..120)) * 100.0;
            json!({
                "id": 300 + n, "poNumber": format!("PO-{}", 5200 + n),
                "vendorCompany": {"id": 0, "identifier": vendor.replace(' ', ""), "name": vendor},
                "shipToCompany": {"id": for_company["id"], "identifier": for_company["identifier"], "name": for_company["name"]},
                "status": {"id": status + 1, "name": PO_STATUSES[status]}, "poDate": iso(ordered),
                "closedFlag": status == 3, "description": what, "total": total,
                "shippingInstructions": "Deliver to the Tampa office", "_info": info(ordered),
            })
        })
        .collect()
}

/// Each active member's weekly time sheets, their hours the sum of their time entries.
fn time_sheets(w: &Made) -> Vec<Value> {
    let entries = w.records("/time/entries");
    let mut sheets = Vec::new();
    for member in &w.members {
        for week in 0..SHEET_WEEKS {
            let start = week_start(w.now) - week * 7 * DAY;
            let hours: f64 = entries
                .iter()
                .filter(|e| e["member"]["id"] == member["id"])
                .filter(|e| {
                    parse(&e["timeStart"]).is_some_and(|t| t >= start && t < start + 7 * DAY)
                })
                .filter_map(|e| e["actualHours"].as_f64())
                .sum();
            let status = match week {
                0 => "Open",
                1 => "PendingApproval",
                2 => "ApprovedByTierOne",
                _ => "Billed",
            };
            let (year, period) = week_number(start);
            sheets.push(json!({
                "id": member["id"].as_u64().unwrap_or(0) * 100 + week as u64 + 1,
                "member": member_ref(member), "year": year, "period": period,
                "dateStart": iso(start), "dateEnd": iso(start + 6 * DAY), "status": status,
                "hours": hours, "deadline": iso(start + 8 * DAY), "_info": info(start),
            }));
        }
    }

    sheets
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// Unix seconds of a `YYYY-MM-DDTHH:MM:SSZ` date written by [`iso`].
fn parse(value: &Value) -> Option<i64> {
    let day = super::time::parse_day(value.as_str()?.get(..10)?)?;
    Some(day - 12 * 3600)
}

/// The year and week of the year (1 to 53) of a Monday.
fn week_number(monday: i64) -> (i64, i64) {
    let date = iso(monday);
    let year: i64 = date[..4].parse().unwrap_or(1970);
    let january_first =
        super::time::parse_day(&format!("{year}-01-01")).unwrap_or(monday) - 12 * 3600;
    (year, (monday - january_first).div_euclid(7 * DAY) + 1)
}
