//! Projects.

use serde_json::json;

use super::Table;
use super::generator::{CompanyFacts, Gen, Tables};
use super::names::*;
use super::time::{DAY, iso};

/// Projects on the Projects board.
pub(super) fn projects(g: &mut Gen, tables: &mut Tables, facts: &[CompanyFacts]) {
    let project_statuses = ["Open", "Active", "On Hold", "Closed"];
    let mut projects = Vec::new();
    for n in 0..g.count(30) {
        let id = 400 + n as u64;
        let company = if n < 2 { 0 } else { g.rng.usize(..facts.len()) };
        let status = if n == 0 {
            1
        } else {
            g.rng.usize(..project_statuses.len())
        };
        let start = g.past(400);
        let budget = f64::from(g.rng.u32(20..400));
        let percent = if status == 3 {
            100.0
        } else {
            f64::from(g.rng.u8(0..95))
        };
        let mut project = json!({
            "id": id, "name": format!("{}: {}", facts[company].name, g.pick(PROJECT_NAMES)),
            "company": facts[company].reference, "site": facts[company].site, "board": {"id": 3, "name": "Projects"},
            "status": {"id": status + 1, "name": project_statuses[status]}, "manager": g.member_ref(true),
            "type": {"id": 1 + n % 2, "name": (["Fixed Fee", "Time and Materials"][n % 2])},
            "billingMethod": (["FixedFee", "ActualRates"][n % 2]), "estimatedStart": iso(start), "estimatedEnd": iso(start + 60 * DAY),
            "actualStart": iso(start + DAY), "budgetHours": budget, "actualHours": (budget * percent / 100.0).round(),
            "estimatedHours": budget, "percentComplete": percent, "closedFlag": status == 3,
            "description": "Planned work agreed with the client.", "billTime": "Billable", "billExpenses": "Billable", "billProducts": "Billable",
            "_info": g.info(start, &[]),
        });
        if let Some(contact) = g.contact_ref(&facts[company]) {
            project["contact"] = contact;
        }
        projects.push(project);
    }
    tables.insert("/project/projects", Table::new(projects, None));
}
