//! Client companies with their sites and contacts, and the configurations (devices)
//! the MSP manages for them.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::Table;
use super::generator::{CompanyFacts, Gen, SITE, Tables, href};
use super::names::*;
use super::references::Lists;
use super::time::{DAY, iso};

/// Companies with fixed names, first in the list: ACME, and Microsoft as a vendor.
const NAMED_COMPANIES: &[(&str, &str)] = &[
    ("ACME Corporation", "ACME"),
    ("Microsoft Corporation", "Microsoft"),
];
/// Microsoft's index among the companies.
pub(super) const MICROSOFT: usize = 1;
/// The index of the Vendor company type.
const VENDOR: usize = 2;

/// The companies, their sites and contacts; the facts later records refer to.
pub(super) fn companies(g: &mut Gen, tables: &mut Tables, lists: &Lists) -> Vec<CompanyFacts> {
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
            g.rng.usize(1..lists.statuses.len())
        };
        let company_type = if c == MICROSOFT {
            VENDOR
        } else if c == 0 || g.chance(75) {
            0
        } else {
            g.rng.usize(1..lists.types.len())
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
                "_info": g.info(g.now - 700 * DAY, &[]),
            });
            if s == 0 {
                main_site = json!({"id": site_id, "name": site_name, "_info": {"site_href": href(&format!("/company/companies/{id}/sites"), site_id)}});
            }
            sites.push(site);
        }
        let entered = g.past(1500);
        let tier = *g.pick(&["Gold", "Silver", "Bronze"]);
        companies.push(json!({
            "id": id, "identifier": identifier, "name": name, "status": lists.statuses[status],
            "addressLine1": street, "city": city, "state": state, "zip": zip,
            "country": {"id": 1, "name": "United States", "_info": {"country_href": href("/company/countries", 1)}},
            "phoneNumber": format!("555{:07}", g.rng.u32(0..9_999_999)), "website": format!("www.{domain}"),
            "territory": {"id": 1, "name": "Tampa Office"}, "market": {"id": 3, "name": "Professional Services"},
            "numberOfEmployees": g.rng.u32(5..500), "annualRevenue": f64::from(g.rng.u32(5..500)) * 100_000.0,
            "dateAcquired": iso(entered), "leadFlag": false, "unsubscribeFlag": false, "isVendorFlag": company_type == 2,
            "deletedFlag": false, "types": [lists.types[company_type]], "site": main_site,
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
        let contact_type = g.rng.usize(..lists.contact_types.len());
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
            "types": [{"id": contact_type + 1, "name": lists.contact_types[contact_type]["name"]}],
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
    facts
}

/// Devices, each at a company's main site.
pub(super) fn configurations(
    g: &mut Gen,
    tables: &mut Tables,
    lists: &Lists,
    facts: &[CompanyFacts],
) {
    let mut configurations = Vec::new();
    let config_total = g.count(300);
    for n in 0..config_total {
        let id = 5000 + n as u64;
        let company = if n < 8 { 0 } else { g.rng.usize(..facts.len()) };
        let kind = g.rng.usize(..lists.configuration_types.len());
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
            "type": lists.configuration_types[kind], "company": facts[company].reference,
            "status": if active { json!({"id": 1, "name": "Active"}) } else { json!({"id": 2, "name": "Inactive"}) },
            "activeFlag": active, "serialNumber": format!("SN{:08X}", g.rng.u32(..)),
            "modelNumber": (*g.pick(&["OptiPlex 7010", "Latitude 5440", "PowerEdge R650", "FortiGate 60F", "Aruba 2930F", "LaserJet M404", "UniFi U6", "Hyper-V Gen2"])).to_owned(),
            "tagNumber": format!("TAG-{id}"), "ipAddress": format!("10.{}.{}.{}", company % 250, kind, g.rng.u8(2..250)),
            "osType": (*g.pick(&["Windows 11 Pro", "Windows Server 2022", "FortiOS 7.4", "Ubuntu 24.04", "Embedded"])).to_owned(),
            "warrantyExpirationDate": iso(g.now + g.rng.i64(-400..900) * DAY),
            "manufacturer": {"id": kind + 1, "name": *g.pick(&["Dell", "HP", "Fortinet", "Aruba", "Ubiquiti", "Microsoft"])},
            "site": facts[company].site,
            "_info": g.info(entered, &[]),
        });
        if let Some(contact) = g.contact_ref(&facts[company]) {
            config["contact"] = contact;
        }
        configurations.push(config);
    }
    tables.insert("/company/configurations", Table::new(configurations, None));
}

/// ConnectWise requires a contact on every agreement: a company the random draws left without
/// contacts is given one, named from its id (drawing nothing, so that the rest of the data stays
/// as it was), as its default contact and its agreements' contact.
pub(super) fn a_contact_for_every_company(tables: &mut Tables, now: i64) {
    let take = |tables: &mut Tables, key| {
        tables
            .remove(key)
            .map(|t: Table| t.records().to_vec())
            .unwrap_or_default()
    };
    let mut companies = take(tables, "/company/companies");
    let mut contacts = take(tables, "/company/contacts");
    let mut agreements = take(tables, "/finance/agreements");
    let mut next_id = contacts
        .iter()
        .filter_map(|c| c["id"].as_u64())
        .max()
        .unwrap_or(0);
    for company in companies
        .iter_mut()
        .filter(|c| c.get("defaultContact").is_none())
    {
        next_id += 1;
        let n = company["id"].as_u64().unwrap_or(0) as usize;
        let (first, last) = (
            FIRST_NAMES[n % FIRST_NAMES.len()],
            LAST_NAMES[(n / 7) % LAST_NAMES.len()],
        );
        let domain = company["website"]
            .as_str()
            .unwrap_or("www.example.com")
            .trim_start_matches("www.");
        let email = format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase());
        let info = json!({"lastUpdated": iso(now - 30 * DAY), "updatedBy": "admin", "dateEntered": iso(now - 400 * DAY), "enteredBy": "admin"});
        contacts.push(json!({
            "id": next_id, "firstName": first, "lastName": last, "company": company_reference(company),
            "site": company["site"], "title": "Office Manager", "inactiveFlag": false,
            "defaultPhoneType": "Direct", "defaultPhoneNbr": company["phoneNumber"], "defaultBillingFlag": true,
            "defaultFlag": true, "marriedFlag": false, "childrenFlag": false,
            "communicationItems": [
                {"id": next_id * 10 + 1, "type": {"id": 1, "name": "Email"}, "value": email, "defaultFlag": true, "domain": format!("@{domain}"), "communicationType": "Email"},
                {"id": next_id * 10 + 2, "type": {"id": 2, "name": "Direct"}, "value": company["phoneNumber"], "defaultFlag": true, "communicationType": "Phone"},
            ],
            "types": [], "_info": info,
        }));
        let reference = json!({"id": next_id, "name": format!("{first} {last}"), "_info": {"contact_href": href("/company/contacts", next_id)}});
        company["defaultContact"] = reference.clone();
        for agreement in agreements
            .iter_mut()
            .filter(|a| a["company"]["id"] == company["id"] && a.get("contact").is_none())
        {
            agreement["contact"] = reference.clone();
        }
    }
    tables.insert("/company/companies", Table::new(companies, None));
    tables.insert("/company/contacts", Table::new(contacts, None));
    tables.insert("/finance/agreements", Table::new(agreements, None));
}

fn company_reference(company: &Value) -> Value {
    json!({
        "id": company["id"], "identifier": company["identifier"], "name": company["name"],
        "_info": {"company_href": href("/company/companies", company["id"].as_u64().unwrap_or(0))},
    })
}
