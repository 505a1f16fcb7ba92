//! The MSP's own staff: the members every other record refers to.

use std::collections::HashMap;

use serde_json::json;

use super::Table;
use super::generator::{Gen, Tables, href};
use super::names::*;
use super::time::{DAY, iso};

/// Technicians and managers; the last few inactive.
pub(super) fn members(g: &mut Gen, tables: &mut Tables) {
    let member_count = g.count(25).max(4);
    let mut seen = HashMap::new();
    for i in 0..member_count {
        let first = *g.pick(FIRST_NAMES);
        let last = *g.pick(LAST_NAMES);
        let base = format!("{}{}", &first[..1], last).to_lowercase();
        let n = seen
            .entry(base.clone())
            .and_modify(|n| *n += 1)
            .or_insert(1);
        let identifier = if *n == 1 { base } else { format!("{base}{n}") };
        let inactive = i + 3 >= member_count;
        let id = 100 + i as u64;
        let entered = g.now - g.rng.i64(200..2000) * DAY;
        let mut member = json!({
            "id": id, "identifier": identifier, "firstName": first, "lastName": last,
            "title": g.pick(MEMBER_TITLES), "licenseClass": "F", "inactiveFlag": inactive,
            "primaryEmail": format!("{identifier}@demo-msp.example"), "defaultEmail": "Office",
            "officePhone": format!("813555{:04}", 1000 + i), "defaultPhone": "Office",
            "hireDate": iso(entered), "adminFlag": i == 0, "dailyCapacity": 8.0,
            "securityRole": if i == 0 { json!({"id": 1, "name": "Admin"}) } else { json!({"id": 3, "name": "Technician"}) },
            "timeZone": {"id": 1, "name": "Eastern"},
            "type": {"id": 1, "name": "Employee"},
        });
        if inactive {
            member["inactiveDate"] = json!(iso(g.now - 60 * DAY));
        }
        g.members.push(member);
    }
    for i in 0..g.members.len() {
        let image = format!("{}/image", href("/system/members", 100 + i as u64));
        let info = g.info(g.now - 1000 * DAY, &[("image", image)]);
        g.members[i]["_info"] = info;
    }
    tables.insert("/system/members", Table::new(g.members.clone(), None));
}
