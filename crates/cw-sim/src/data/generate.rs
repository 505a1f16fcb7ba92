//! Deterministic MSP demo data shaped like ConnectWise's entity schemas:
//! reference objects with `_info` hrefs, top-level `_info` with dates.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::names::*;
use super::time::{DAY, iso, month_last_day, week_start};
use super::{Dataset, Table};

/// Companies with fixed names, first in the list: ACME, and Microsoft as a vendor.
const NAMED_COMPANIES: &[(&str, &str)] = &[
    ("ACME Corporation", "ACME"),
    ("Microsoft Corporation", "Microsoft"),
];
/// Microsoft's index among the companies.
const MICROSOFT: usize = 1;
/// The index of the Vendor company type.
const VENDOR: usize = 2;
/// Time entries dated this week.
const THIS_WEEK: usize = 12;

/// Where the generated `_href` links point. `.invalid` is reserved: nothing answers there.
const SITE: &str = "https://connectwise.sim.invalid/v4_6_release/apis/3.0";

struct Gen {
    rng: fastrand::Rng,
    scale: f64,
    /// The demo's "now": every date is before it.
    now: i64,
    members: Vec<Value>,
}

/// Bare facts of a generated company that later records refer to.
struct CompanyFacts {
    reference: Value,
    site: Value,
    contacts: Vec<Value>,
    name: String,
    domain: String,
}

fn href(path: &str, id: u64) -> String {
    format!("{SITE}{path}/{id}").replace("3.0/", "3.0//")
}

/// A money amount rounded to cents, as ConnectWise stores it.
fn money(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// `{"id", "name", "_info": {"<kind>_href": ...}}`, the reference shape.
fn reference(kind: &str, path: &str, id: u64, name: &str) -> Value {
    json!({"id": id, "name": name, "_info": {format!("{kind}_href"): href(path, id)}})
}

impl Gen {
    fn count(&self, base: usize) -> usize {
        ((base as f64 * self.scale).round() as usize).max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    fn chance(&mut self, percent: u8) -> bool {
        self.rng.u8(..100) < percent
    }

    /// A time on one of the `days` days before the demo's "now", on a working hour.
    fn past(&mut self, days: i64) -> i64 {
        let day = self.rng.i64(1..=days.max(1));
        self.now.div_euclid(DAY) * DAY - day * DAY
            + self.rng.i64(13..23) * 3600
            + self.rng.i64(0..4) * 900
    }

    /// A time earlier this week (since Monday), or in the last day when the week has barely begun.
    fn this_week(&mut self) -> i64 {
        let monday = week_start(self.now);
        let from = if self.now - monday >= 6 * 3600 {
            monday
        } else {
            self.now - DAY
        };
        from + self.rng.i64(0..self.now - from - 4 * 3600)
    }

    fn member_ref(&mut self, active_only: bool) -> Value {
        loop {
            let member = &self.members[self.rng.usize(..self.members.len())];
            if !active_only || member["inactiveFlag"] != json!(true) {
                return json!({
                    "id": member["id"], "identifier": member["identifier"],
                    "name": format!("{} {}", member["firstName"].as_str().unwrap_or_default(), member["lastName"].as_str().unwrap_or_default()),
                    "_info": {"member_href": href("/system/members", member["id"].as_u64().unwrap_or(0))},
                });
            }
        }
    }

    fn member_identifier(&mut self) -> String {
        self.member_ref(true)["identifier"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A record's own `_info`: entered and updated dates and who did it, plus links.
    fn info(&mut self, entered: i64, links: &[(&str, String)]) -> Value {
        let updated = (entered + self.rng.i64(0..30 * DAY)).min(self.now);
        let mut info = Map::new();
        info.insert("lastUpdated".into(), json!(iso(updated)));
        info.insert("updatedBy".into(), json!(self.member_identifier()));
        info.insert("dateEntered".into(), json!(iso(entered)));
        info.insert("enteredBy".into(), json!(self.member_identifier()));
        for (key, link) in links {
            info.insert(format!("{key}_href"), json!(link));
        }
        Value::Object(info)
    }
}

/// Named reference lists (types, statuses, ...): `(id, name)` rows turned into records.
fn named_records(
    kind: &str,
    path: &str,
    rows: &[(&str, Value)],
    g: &mut Gen,
) -> (Vec<Value>, Vec<Value>) {
    let mut records = Vec::new();
    let mut refs = Vec::new();
    for (i, (name, extra)) in rows.iter().enumerate() {
        let id = i as u64 + 1;
        let entered = g.now - 900 * DAY;
        let mut record = json!({"id": id, "name": name, "_info": g.info(entered, &[])});
        if let (Value::Object(record), Value::Object(extra)) = (&mut record, extra) {
            record.extend(extra.clone());
        }
        records.push(record);
        refs.push(reference(kind, path, id, name));
    }
    (records, refs)
}

pub(super) fn generate(seed: u64, scale: f64, now: i64) -> Dataset {
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed),
        scale,
        now,
        members: Vec::new(),
    };
    let mut tables: HashMap<&'static str, Table> = HashMap::new();

    // Members: technicians, managers; the last few inactive.
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
        let entered = now - g.rng.i64(200..2000) * DAY;
        let mut member = json!({
            "id": id, "identifier": identifier, "firstName": first, "lastName": last,
            "title": g.pick(MEMBER_TITLES), "licenseClass": "F", "inactiveFlag": inactive,
            "primaryEmail": format!("{identifier}@demo-msp.example"), "defaultEmail": "Office",
            "officePhone": format!("813555{:04}", 1000 + i), "defaultPhone": "Office",
            "hireDate": iso(entered), "adminFlag": i == 0, "dailyCapacity": 8.0,
            "timeZone": {"id": 1, "name": "Eastern"},
            "type": {"id": 1, "name": "Employee"},
        });
        if inactive {
            member["inactiveDate"] = json!(iso(now - 60 * DAY));
        }
        g.members.push(member);
    }
    for i in 0..g.members.len() {
        let image = format!("{}/image", href("/system/members", 100 + i as u64));
        let info = g.info(now - 1000 * DAY, &[("image", image)]);
        g.members[i]["_info"] = info;
    }
    tables.insert("/system/members", Table::new(g.members.clone(), None));

    // Reference lists.
    let (statuses, status_refs) = named_records(
        "status",
        "/company/companies/statuses",
        &[
            (
                "Active",
                json!({"defaultFlag": true, "inactiveFlag": false}),
            ),
            (
                "Inactive",
                json!({"defaultFlag": false, "inactiveFlag": true}),
            ),
            (
                "Credit Hold",
                json!({"defaultFlag": false, "inactiveFlag": false, "disallowSavingFlag": true}),
            ),
            (
                "Not Approved",
                json!({"defaultFlag": false, "inactiveFlag": false}),
            ),
        ],
        &mut g,
    );
    tables.insert("/company/companies/statuses", Table::new(statuses, None));
    let (types, type_refs) = named_records(
        "type",
        "/company/companies/types",
        &[
            ("Client", json!({"defaultFlag": true, "vendorFlag": false})),
            (
                "Prospect",
                json!({"defaultFlag": false, "vendorFlag": false}),
            ),
            ("Vendor", json!({"defaultFlag": false, "vendorFlag": true})),
            (
                "Partner",
                json!({"defaultFlag": false, "vendorFlag": false}),
            ),
            (
                "Competitor",
                json!({"defaultFlag": false, "vendorFlag": false}),
            ),
        ],
        &mut g,
    );
    tables.insert("/company/companies/types", Table::new(types, None));
    let contact_type_rows = [
        "Decision Maker",
        "Technical Contact",
        "Billing",
        "End User",
        "Executive",
    ];
    let contact_types: Vec<Value> = contact_type_rows
        .iter()
        .enumerate()
        .map(|(i, d)| json!({"id": i + 1, "description": d, "defaultFlag": i == 3, "_info": g.info(now - 900 * DAY, &[])}))
        .collect();
    tables.insert("/company/contacts/types", Table::new(contact_types, None));
    let (config_types, config_type_refs) = named_records(
        "type",
        "/company/configurations/types",
        &[
            ("Workstation", json!({"inactiveFlag": false})),
            ("Laptop", json!({"inactiveFlag": false})),
            ("Server", json!({"inactiveFlag": false})),
            ("Firewall", json!({"inactiveFlag": false})),
            ("Switch", json!({"inactiveFlag": false})),
            ("Printer", json!({"inactiveFlag": false})),
            ("Wireless Access Point", json!({"inactiveFlag": false})),
            ("Virtual Machine", json!({"inactiveFlag": false})),
        ],
        &mut g,
    );
    tables.insert(
        "/company/configurations/types",
        Table::new(config_types, None),
    );
    let (priorities, priority_refs) = named_records(
        "priority",
        "/service/priorities",
        &[
            (
                "Priority 1 - Critical",
                json!({"sortOrder": 1, "color": "#ff0000", "defaultFlag": false, "level": "Critical"}),
            ),
            (
                "Priority 2 - High",
                json!({"sortOrder": 2, "color": "#ff8000", "defaultFlag": false, "level": "High"}),
            ),
            (
                "Priority 3 - Medium",
                json!({"sortOrder": 3, "color": "#ffff00", "defaultFlag": true, "level": "Medium"}),
            ),
            (
                "Priority 4 - Low",
                json!({"sortOrder": 4, "color": "#00a000", "defaultFlag": false, "level": "Low"}),
            ),
            (
                "Priority 5 - Planning",
                json!({"sortOrder": 5, "color": "#0080ff", "defaultFlag": false, "level": "Low"}),
            ),
        ],
        &mut g,
    );
    tables.insert("/service/priorities", Table::new(priorities, None));
    let (sources, source_refs) = named_records(
        "source",
        "/service/sources",
        &[
            ("Phone", json!({"defaultFlag": false})),
            ("Email", json!({"defaultFlag": true})),
            ("Portal", json!({"defaultFlag": false})),
            ("Walk In", json!({"defaultFlag": false})),
            ("Monitoring", json!({"defaultFlag": false})),
            ("Chat", json!({"defaultFlag": false})),
        ],
        &mut g,
    );
    tables.insert("/service/sources", Table::new(sources, None));
    let (cycles, cycle_refs) = named_records(
        "billingCycle",
        "/finance/billingCycles",
        &[
            ("Weekly", json!({"identifier": "Weekly"})),
            ("Bi-Weekly", json!({"identifier": "BiWeekly"})),
            (
                "Monthly",
                json!({"identifier": "Monthly", "defaultFlag": true}),
            ),
            ("Quarterly", json!({"identifier": "Quarterly"})),
            ("Semi-Annual", json!({"identifier": "SemiAnnual"})),
            ("Annual", json!({"identifier": "Annual"})),
        ],
        &mut g,
    );
    tables.insert("/finance/billingCycles", Table::new(cycles, None));

    // Boards and their statuses.
    let board_names = [
        ("Service Desk", false),
        ("Network Operations", false),
        ("Projects", true),
        ("Onboarding", false),
    ];
    let status_names = [
        "New",
        "In Progress",
        "Waiting on Client",
        "Scheduled",
        "Resolved",
        "Closed",
    ];
    let mut boards = Vec::new();
    let mut board_statuses = Vec::new();
    let mut board_refs = Vec::new();
    let mut statuses_by_board: Vec<Vec<(Value, bool)>> = Vec::new();
    for (b, (name, project)) in board_names.iter().enumerate() {
        let board_id = b as u64 + 1;
        let board_ref = reference("board", "/service/boards", board_id, name);
        boards.push(json!({
            "id": board_id, "name": name, "inactiveFlag": false, "projectFlag": project,
            "location": {"id": 1, "name": "Tampa Office"}, "department": {"id": 1, "identifier": "Services", "name": "Services"},
            "billTime": "Billable", "billExpense": "Billable", "billProduct": "Billable",
            "_info": g.info(now - 1200 * DAY, &[]),
        }));
        let mut refs = Vec::new();
        for (s, status) in status_names.iter().enumerate() {
            let id = board_id * 10 + s as u64;
            let closed = s >= 4;
            board_statuses.push(json!({
                "id": id, "name": status, "board": board_ref, "sortOrder": s, "displayOnBoard": true,
                "inactive": false, "closedStatus": closed, "timeEntryNotAllowed": s == 5, "defaultFlag": s == 0,
                "escalationStatus": "NotResponded", "customerPortalFlag": true,
                "_info": g.info(now - 1200 * DAY, &[]),
            }));
            refs.push((json!({"id": id, "name": status, "sort": s, "_info": {"status_href": href(&format!("/service/boards/{board_id}/statuses"), id)}}), closed));
        }
        statuses_by_board.push(refs);
        board_refs.push(board_ref);
    }
    tables.insert("/service/boards", Table::new(boards, None));
    tables.insert(
        "/service/boards/statuses",
        Table::new(board_statuses, Some("board/id")),
    );

    // Companies, their sites and contacts.
    let company_count = g.count(50);
    let mut companies = Vec::new();
    let mut sites = Vec::new();
    let mut contacts = Vec::new();
    let mut facts: Vec<CompanyFacts> = Vec::new();
    let mut used_names = HashMap::new();
    let mut site_id = 1000;
    let mut contact_id = 200;
    let contact_total = g.count(200);
    for c in 0..company_count {
        let id = 2 + c as u64;
        let (name, identifier) = if let Some(&(name, identifier)) = NAMED_COMPANIES.get(c) {
            (name.to_owned(), identifier.to_owned())
        } else {
            loop {
                let name = format!("{} {}", g.pick(COMPANY_FIRST), g.pick(COMPANY_SECOND));
                if used_names.insert(name.clone(), ()).is_none() || used_names.len() > 300 {
                    let ident: String = name
                        .chars()
                        .filter(|ch| ch.is_ascii_alphanumeric())
                        .take(25)
                        .collect();
                    break (name, ident);
                }
            }
        };
        let domain = format!("{}.example", identifier.to_lowercase());
        let (city, state, zip) = *g.pick(CITIES);
        let street = format!("{} {}", g.rng.u32(100..9999), g.pick(STREETS));
        let status = if c < NAMED_COMPANIES.len() || g.chance(88) {
            0
        } else {
            g.rng.usize(1..status_refs.len())
        };
        let company_type = if c == MICROSOFT {
            VENDOR
        } else if c == 0 || g.chance(75) {
            0
        } else {
            g.rng.usize(1..type_refs.len())
        };
        let company_ref = json!({"id": id, "identifier": identifier, "name": name, "_info": {"company_href": href("/company/companies", id)}});
        let site_count = if c == 0 { 2 } else { g.rng.usize(1..=3) };
        let mut main_site = Value::Null;
        for s in 0..site_count {
            site_id += 1;
            let site_name = ["Main", "Branch Office", "Warehouse"][s];
            let site = json!({
                "id": site_id, "name": site_name, "addressLine1": if s == 0 { street.clone() } else { format!("{} {}", g.rng.u32(100..9999), g.pick(STREETS)) },
                "city": city, "stateReference": {"identifier": state, "name": state}, "zip": zip,
                "country": {"id": 1, "name": "United States"}, "phoneNumber": format!("555{:07}", g.rng.u32(0..9_999_999)),
                "primaryAddressFlag": s == 0, "defaultShippingFlag": s == 0, "defaultBillingFlag": s == 0,
                "defaultMailingFlag": s == 0, "inactiveFlag": false, "company": company_ref,
                "_info": g.info(now - 700 * DAY, &[]),
            });
            if s == 0 {
                main_site = json!({"id": site_id, "name": site_name, "_info": {"site_href": href(&format!("/company/companies/{id}/sites"), site_id)}});
            }
            sites.push(site);
        }
        let entered = g.past(1500);
        let tier = *g.pick(&["Gold", "Silver", "Bronze"]);
        companies.push(json!({
            "id": id, "identifier": identifier, "name": name, "status": status_refs[status],
            "addressLine1": street, "city": city, "state": state, "zip": zip,
            "country": {"id": 1, "name": "United States", "_info": {"country_href": href("/company/countries", 1)}},
            "phoneNumber": format!("555{:07}", g.rng.u32(0..9_999_999)), "website": format!("www.{domain}"),
            "territory": {"id": 1, "name": "Tampa Office"}, "market": {"id": 3, "name": "Professional Services"},
            "numberOfEmployees": g.rng.u32(5..500), "annualRevenue": f64::from(g.rng.u32(5..500)) * 100_000.0,
            "dateAcquired": iso(entered), "leadFlag": false, "unsubscribeFlag": false, "isVendorFlag": company_type == 2,
            "deletedFlag": false, "types": [type_refs[company_type]], "site": main_site,
            "customFields": [{"id": 1, "caption": "Support Tier", "type": "Text", "entryMethod": "List", "numberOfDecimals": 0, "value": tier}],
            "_info": g.info(entered, &[
                ("sites", format!("{}/sites", href("/company/companies", id))),
                ("contacts", format!("{SITE}/company/contacts?conditions=company/id={id}")),
                ("tickets", format!("{SITE}/service/tickets?conditions=company/id={id}")),
            ]),
        }));
        facts.push(CompanyFacts {
            reference: company_ref,
            site: main_site,
            contacts: Vec::new(),
            name,
            domain,
        });
    }
    for n in 0..contact_total {
        contact_id += 1;
        let company = match n {
            0..4 => 0,
            4..8 => MICROSOFT,
            _ => g.rng.usize(..facts.len()),
        };
        let first = *g.pick(FIRST_NAMES);
        let last = *g.pick(LAST_NAMES);
        let email = format!(
            "{}.{}@{}",
            first.to_lowercase(),
            last.to_lowercase(),
            facts[company].domain
        );
        let phone = format!("555{:07}", g.rng.u32(0..9_999_999));
        let contact_type = g.rng.usize(..contact_type_rows.len());
        let entered = g.past(1200);
        let contact = json!({
            "id": contact_id, "firstName": first, "lastName": last, "company": facts[company].reference,
            "site": facts[company].site, "title": g.pick(TITLES), "inactiveFlag": g.chance(5),
            "defaultPhoneType": "Direct", "defaultPhoneNbr": phone, "defaultBillingFlag": false,
            "defaultFlag": facts[company].contacts.is_empty(), "marriedFlag": false, "childrenFlag": false,
            "communicationItems": [
                {"id": contact_id * 10 + 1, "type": {"id": 1, "name": "Email"}, "value": email, "defaultFlag": true, "domain": format!("@{}", facts[company].domain), "communicationType": "Email"},
                {"id": contact_id * 10 + 2, "type": {"id": 2, "name": "Direct"}, "value": phone, "defaultFlag": true, "communicationType": "Phone"},
            ],
            "types": [{"id": contact_type + 1, "name": contact_type_rows[contact_type]}],
            "_info": g.info(entered, &[("image", format!("{}/image", href("/company/contacts", contact_id)))]),
        });
        facts[company].contacts.push(json!({
            "id": contact_id, "name": format!("{first} {last}"), "_info": {"contact_href": href("/company/contacts", contact_id)},
            "email": email,
        }));
        contacts.push(contact);
    }
    for (company, fact) in companies.iter_mut().zip(&facts) {
        if let Some(first) = fact.contacts.first() {
            company["defaultContact"] =
                json!({"id": first["id"], "name": first["name"], "_info": first["_info"]});
        }
    }
    tables.insert("/company/companies", Table::new(companies, None));
    tables.insert(
        "/company/companies/sites",
        Table::new(sites, Some("company/id")),
    );
    tables.insert("/company/contacts", Table::new(contacts, None));

    let contact_ref = |fact: &CompanyFacts, rng: &mut fastrand::Rng| -> Option<Value> {
        if fact.contacts.is_empty() {
            return None;
        }
        let c = &fact.contacts[rng.usize(..fact.contacts.len())];
        Some(json!({"id": c["id"], "name": c["name"], "_info": c["_info"]}))
    };

    // Configurations.
    let mut configurations = Vec::new();
    let config_total = g.count(300);
    for n in 0..config_total {
        let id = 5000 + n as u64;
        let company = if n < 8 { 0 } else { g.rng.usize(..facts.len()) };
        let kind = g.rng.usize(..config_type_refs.len());
        let prefix = ["WS", "LT", "SRV", "FW", "SW", "PRN", "AP", "VM"][kind];
        let company_code: String = facts[company].reference["identifier"]
            .as_str()
            .unwrap_or("X")
            .chars()
            .take(6)
            .collect();
        let active = g.chance(90);
        let entered = g.past(900);
        let mut config = json!({
            "id": id, "name": format!("{}-{prefix}-{:03}", company_code.to_uppercase(), n % 1000),
            "type": config_type_refs[kind], "company": facts[company].reference,
            "status": if active { json!({"id": 1, "name": "Active"}) } else { json!({"id": 2, "name": "Inactive"}) },
            "activeFlag": active, "serialNumber": format!("SN{:08X}", g.rng.u32(..)),
            "modelNumber": (*g.pick(&["OptiPlex 7010", "Latitude 5440", "PowerEdge R650", "FortiGate 60F", "Aruba 2930F", "LaserJet M404", "UniFi U6", "Hyper-V Gen2"])).to_owned(),
            "tagNumber": format!("TAG-{id}"), "ipAddress": format!("10.{}.{}.{}", company % 250, kind, g.rng.u8(2..250)),
            "osType": (*g.pick(&["Windows 11 Pro", "Windows Server 2022", "FortiOS 7.4", "Ubuntu 24.04", "Embedded"])).to_owned(),
            "warrantyExpirationDate": iso(now + g.rng.i64(-400..900) * DAY),
            "manufacturer": {"id": kind + 1, "name": *g.pick(&["Dell", "HP", "Fortinet", "Aruba", "Ubiquiti", "Microsoft"])},
            "site": facts[company].site,
            "_info": g.info(entered, &[]),
        });
        if let Some(contact) = contact_ref(&facts[company], &mut g.rng) {
            config["contact"] = contact;
        }
        configurations.push(config);
    }
    tables.insert("/company/configurations", Table::new(configurations, None));

    // Tickets with notes, tasks and schedule entries.
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
        let (status, closed) = g.pick(&statuses_by_board[board]).clone();
        let entered = g.past(365);
        let summary = g.pick(TICKET_SUMMARIES).to_string();
        let priority = if g.chance(8) {
            0
        } else {
            g.rng.usize(1..priority_refs.len())
        };
        let owner = (!g.chance(10)).then(|| g.member_ref(true));
        let contact = contact_ref(&facts[company], &mut g.rng);
        let budget = f64::from(g.rng.u8(1..16)) / 2.0;
        let actual = if closed {
            budget * (0.5 + g.rng.f64())
        } else {
            budget * g.rng.f64() * 0.8
        };
        let mut ticket = json!({
            "id": id, "summary": summary, "recordType": "ServiceTicket",
            "board": board_refs[board], "status": status, "company": facts[company].reference,
            "site": facts[company].site, "siteName": "Main",
            "type": {"id": 1 + (n % 4), "name": ticket_types[n % 4]},
            "priority": priority_refs[priority], "source": g.pick(&source_refs).clone(),
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
            ticket["contactEmailAddress"] = contact.get("email").cloned().unwrap_or(Value::Null);
            if let Some(c) = ticket["contact"].as_object_mut() {
                c.remove("email");
            }
        }
        if let Some(owner) = &owner {
            ticket["owner"] = owner.clone();
            ticket["resources"] = owner["identifier"].clone();
        }
        if closed {
            let closed_at = (entered + g.rng.i64(1..20) * DAY).min(now);
            ticket["closedDate"] = json!(iso(closed_at));
            ticket["closedBy"] = json!(g.member_identifier());
            ticket["dateResolved"] = json!(iso(closed_at));
        }
        // Notes: the first describes the problem, the last of a closed ticket resolves it.
        let note_count = g.rng.usize(1..=4);
        for k in 0..note_count {
            note_id += 1;
            let internal = k > 0 && g.chance(30);
            let resolution = closed && k + 1 == note_count && k > 0;
            let created = entered + k as i64 * g.rng.i64(1800..86_400);
            let member = g.member_ref(false);
            notes.push(json!({
                "id": note_id, "ticketId": id,
                "text": if k == 0 { format!("{summary}: {}", g.pick(NOTE_TEXTS)) } else { (*g.pick(NOTE_TEXTS)).to_owned() },
                "detailDescriptionFlag": k == 0 || (!internal && !resolution), "internalAnalysisFlag": internal,
                "resolutionFlag": resolution, "issueFlag": false, "member": member,
                "dateCreated": iso(created), "createdBy": member["identifier"],
                "internalFlag": internal, "externalFlag": !internal, "customerUpdatedFlag": false, "processNotifications": false,
                "_info": {"lastUpdated": iso(created), "updatedBy": member["identifier"]},
            }));
        }
        for k in 0..g.rng.usize(0..=3) {
            task_id += 1;
            tasks.push(json!({
                "id": task_id, "ticketId": id, "summary": TASK_SUMMARIES[k % TASK_SUMMARIES.len()],
                "notes": format!("Step {} for ticket #{id}", k + 1), "closedFlag": closed || g.chance(30),
                "priority": k + 1, "resolution": if closed { "Done" } else { "" },
                "_info": g.info(entered, &[]),
            }));
        }
        if let Some(owner) = &owner {
            for _ in 0..g.rng.usize(0..=2) {
                schedule_id += 1;
                let start = entered + g.rng.i64(1..10) * DAY;
                let hours = f64::from(g.rng.u8(1..5));
                schedules.push(json!({
                    "id": schedule_id, "objectId": id, "name": format!("{} / {summary}", facts[company].name),
                    "member": owner, "dateStart": iso(start), "dateEnd": iso(start + (hours * 3600.0) as i64),
                    "type": {"id": 4, "identifier": "S"}, "status": {"id": 2, "name": "Firm"},
                    "span": {"id": 1, "identifier": "N"}, "where": {"id": 1, "name": "On-Site"},
                    "doneFlag": closed, "acknowledgedFlag": true, "ownerFlag": true, "meetingFlag": false,
                    "allowScheduleConflictsFlag": false, "hours": hours,
                    "_info": g.info(entered, &[]),
                }));
            }
        }
        ticket_refs.push((json!({"id": id, "summary": summary, "_info": {"ticket_href": href("/service/tickets", id)}}), company));
        tickets.push(ticket);
    }
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

    // Opportunities.
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
            opportunity["closedDate"] = json!(iso((entered + g.rng.i64(20..90) * DAY).min(now)));
        }
        if let Some(contact) = contact_ref(&facts[company], &mut g.rng) {
            opportunity["contact"] = contact;
        }
        opportunity_refs.push(json!({"id": id, "name": name, "_info": {"opportunity_href": href("/sales/opportunities", id)}}));
        opportunities.push(opportunity);
    }
    tables.insert("/sales/opportunities", Table::new(opportunities, None));

    // Agreements with additions.
    let agreement_types = [
        "Managed Services",
        "Block Time",
        "Backup Services",
        "Security Bundle",
    ];
    let mut agreements = Vec::new();
    let mut additions = Vec::new();
    let mut agreement_refs = Vec::new();
    let mut addition_id = 40_000u64;
    for n in 0..g.count(60) {
        let id = 100 + n as u64;
        let company = if n < facts.len() {
            n
        } else {
            g.rng.usize(..facts.len())
        };
        let kind = if n < facts.len() {
            0
        } else {
            g.rng.usize(1..agreement_types.len())
        };
        let mut start = g.past(900);
        let mut cancelled = n > 0 && g.chance(8);
        let mut open_ended = g.chance(40);
        // A few end on the last day of this month: "agreements expiring this month".
        if n % 15 == 7 {
            (cancelled, open_ended) = (false, false);
            start = month_last_day(now) - 365 * DAY;
        }
        let end = start + 365 * DAY;
        let status = if cancelled {
            "Cancelled"
        } else if !open_ended && end + DAY <= now {
            "Expired"
        } else {
            "Active"
        };
        let name = format!("{} - {}", facts[company].name, agreement_types[kind]);
        let mut agreement = json!({
            "id": id, "name": name, "type": {"id": kind + 1, "name": agreement_types[kind]},
            "company": facts[company].reference, "site": facts[company].site,
            "startDate": iso(start), "noEndingDateFlag": open_ended, "cancelledFlag": cancelled,
            "billingCycle": cycle_refs[2], "billAmount": f64::from(g.rng.u32(5..80)) * 100.0,
            "taxable": false, "applicationUnits": "Hours", "applicationLimit": f64::from(g.rng.u8(0..40)),
            "applicationCycle": "CalendarMonth", "applicationUnlimitedFlag": kind == 0, "oneTimeFlag": false,
            "coverAgreementTime": true, "coverAgreementProduct": false, "coverAgreementExpense": false,
            "billTime": "Billable", "billExpenses": "Billable", "billProducts": "Billable",
            "agreementStatus": status, "periodType": "Current", "autoInvoiceFlag": true,
            "_info": g.info(start, &[("additions", format!("{}/additions", href("/finance/agreements", id)))]),
        });
        if !open_ended {
            agreement["endDate"] = json!(iso(end));
        }
        if cancelled {
            agreement["dateCancelled"] = json!(iso((start + 200 * DAY).min(now)));
            agreement["reasonCancelled"] = json!("Client moved to another provider");
        }
        if let Some(contact) = contact_ref(&facts[company], &mut g.rng) {
            agreement["contact"] = contact;
        }
        for _ in 0..g.rng.usize(1..=5) {
            addition_id += 1;
            let (product, price) = *g.pick(PRODUCTS);
            let quantity = f64::from(g.rng.u8(1..40));
            additions.push(json!({
                "id": addition_id, "agreementId": id,
                "product": {"id": 1 + addition_id % 7, "identifier": product.to_uppercase().replace(' ', "-"), "_info": {"product_href": href("/procurement/catalog", 1 + addition_id % 7)}},
                "quantity": quantity, "lessIncluded": 0.0, "unitPrice": price, "unitCost": money(price * 0.6),
                "billCustomer": "Billable", "effectiveDate": iso(start), "taxableFlag": false,
                "description": product, "extPrice": money(quantity * price), "extCost": money(quantity * price * 0.6),
                "uom": "Each", "agreementStatus": status, "purchaseItemFlag": false, "specialOrderFlag": false,
                "_info": g.info(start, &[]),
            }));
        }
        agreement_refs.push((json!({"id": id, "name": name, "_info": {"agreement_href": href("/finance/agreements", id)}}), company));
        agreements.push(agreement);
    }
    tables.insert("/finance/agreements", Table::new(agreements, None));
    tables.insert(
        "/finance/agreements/additions",
        Table::new(additions, Some("agreementId")),
    );

    // Invoices.
    let billing_statuses = ["Open", "Sent", "Paid", "Void"];
    let mut invoices = Vec::new();
    for n in 0..g.count(150) {
        let id = 8000 + n as u64;
        let (agreement, company) = agreement_refs[g.rng.usize(..agreement_refs.len())].clone();
        let date = g.past(400);
        let status = g.rng.usize(..billing_statuses.len());
        let subtotal = f64::from(g.rng.u32(200..9000));
        let tax = money(subtotal * 0.07);
        let total = money(subtotal + tax);
        let paid = status == 2;
        invoices.push(json!({
            "id": id, "invoiceNumber": format!("INV-{:05}", 10_000 + n), "type": if n % 3 == 0 { "Standard" } else { "Agreement" },
            "status": {"id": status + 1, "name": billing_statuses[status], "isClosed": paid},
            "company": facts[company].reference, "billToCompany": facts[company].reference, "shipToCompany": facts[company].reference,
            "applyToType": "Agreement", "applyToId": agreement["id"], "agreement": agreement,
            "billingTerms": {"id": 1, "name": "Net 30 days"}, "date": iso(date), "dueDate": iso(date + 30 * DAY),
            "subtotal": subtotal, "salesTax": tax, "total": total, "payments": if paid { total } else { 0.0 },
            "credits": 0.0, "balance": if paid { 0.0 } else { total }, "taxableFlag": true,
            "serviceTotal": subtotal, "expenseTotal": 0.0, "productTotal": 0.0, "agreementAmount": subtotal,
            "currency": {"id": 7, "symbol": "$", "currencyCode": "USD", "name": "US Dollars"},
            "_info": g.info(date, &[]),
        }));
    }
    tables.insert("/finance/invoices", Table::new(invoices, None));

    // Expense and time entries, charged to tickets.
    let mut expenses = Vec::new();
    for n in 0..g.count(200) {
        let id = 60_000 + n as u64;
        let (ticket, company) = ticket_refs[g.rng.usize(..ticket_refs.len())].clone();
        let kind = g.rng.usize(..EXPENSE_TYPES.len());
        let date = g.past(300);
        let amount = money(f64::from(g.rng.u32(500..40_000)) / 100.0);
        expenses.push(json!({
            "id": id, "company": facts[company].reference, "chargeToId": ticket["id"], "chargeToType": "ServiceTicket",
            "type": {"id": kind + 1, "name": EXPENSE_TYPES[kind]}, "member": g.member_ref(true),
            "paymentMethod": {"id": 1, "name": *g.pick(&["Company Card", "Personal", "Cash"])},
            "classification": {"id": 1, "name": "Reimbursable"}, "amount": amount,
            "billableOption": *g.pick(&["Billable", "DoNotBill", "NoCharge"]), "date": iso(date),
            "notes": format!("{} for ticket #{}", EXPENSE_TYPES[kind], ticket["id"]),
            "invoiceAmount": amount, "status": *g.pick(&["Open", "Billed", "Approved"]),
            "ticket": ticket, "currency": {"id": 7, "symbol": "$", "currencyCode": "USD", "name": "US Dollars"},
            "_info": g.info(date, &[]),
        }));
    }
    tables.insert("/expense/entries", Table::new(expenses, None));
    let mut time_entries = Vec::new();
    for n in 0..g.count(1500) {
        let id = 100_000 + n as u64;
        let (ticket, company) = ticket_refs[g.rng.usize(..ticket_refs.len())].clone();
        let start = if n < THIS_WEEK {
            g.this_week()
        } else {
            g.past(365)
        };
        let hours = f64::from(g.rng.u8(1..16)) / 4.0;
        let member = g.member_ref(false);
        time_entries.push(json!({
            "id": id, "company": facts[company].reference, "companyType": "Client",
            "chargeToId": ticket["id"], "chargeToType": "ServiceTicket", "member": member,
            "locationId": 1, "businessUnitId": 1, "workType": {"id": 1 + n % 3, "name": (["Remote Support", "Onsite", "After Hours"][n % 3])},
            "workRole": {"id": 1, "name": "Technician"}, "timeStart": iso(start), "timeEnd": iso(start + (hours * 3600.0) as i64),
            "hoursDeduct": 0.0, "actualHours": hours, "billableOption": *g.pick(&["Billable", "Billable", "DoNotBill", "NoCharge"]),
            "notes": (*g.pick(NOTE_TEXTS)).to_owned(), "addToDetailDescriptionFlag": true,
            "hoursBilled": hours, "invoiceHours": hours, "enteredBy": member["identifier"], "dateEntered": iso(start + 3600),
            "status": *g.pick(&["Open", "Billed", "Approved"]), "ticket": ticket,
            "ticketBoard": "Service Desk", "_info": g.info(start, &[]),
        }));
    }
    tables.insert("/time/entries", Table::new(time_entries, None));

    // Projects and activities.
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
        if let Some(contact) = contact_ref(&facts[company], &mut g.rng) {
            project["contact"] = contact;
        }
        projects.push(project);
    }
    tables.insert("/project/projects", Table::new(projects, None));
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
        if let Some(contact) = contact_ref(&facts[company], &mut g.rng) {
            activity["contact"] = contact;
        }
        if g.chance(30) {
            activity["opportunity"] =
                opportunity_refs[g.rng.usize(..opportunity_refs.len())].clone();
        }
        activities.push(activity);
    }
    tables.insert("/sales/activities", Table::new(activities, None));

    let system_info = json!({
        "version": "v2025.1.10487", "isCloud": false, "serverTimeZone": "Eastern Standard Time",
        "licenseBits": [{"name": "ServiceDesk", "activeFlag": true}, {"name": "Sales", "activeFlag": true}],
        "cloudRegion": "NA",
    });
    super::work::generate(&mut tables, seed, now);
    Dataset {
        tables,
        system_info,
        now,
        synthesized: Default::default(),
    }
}
