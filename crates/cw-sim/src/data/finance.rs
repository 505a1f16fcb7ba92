//! Finance: agreements with their additions, invoices, and the expense and time
//! entries charged to tickets.

use serde_json::{Value, json};

use super::Table;
use super::generator::{CompanyFacts, Gen, Tables, href, money};
use super::names::*;
use super::references::Lists;
use super::time::{DAY, iso, month_last_day};

/// Time entries dated this week.
const THIS_WEEK: usize = 12;

/// The agreements; answers each agreement's reference with its company's index.
pub(super) fn agreements(
    g: &mut Gen,
    tables: &mut Tables,
    lists: &Lists,
    facts: &[CompanyFacts],
) -> Vec<(Value, usize)> {
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
            start = month_last_day(g.now) - 365 * DAY;
        }
        let end = start + 365 * DAY;
        let status = if cancelled {
            "Cancelled"
        } else if !open_ended && end + DAY <= g.now {
            "Expired"
        } else {
            "Active"
        };
        let name = format!("{} - {}", facts[company].name, agreement_types[kind]);
        let mut agreement = json!({
            "id": id, "name": name, "type": {"id": kind + 1, "name": agreement_types[kind]},
            "company": facts[company].reference, "site": facts[company].site,
            "startDate": iso(start), "noEndingDateFlag": open_ended, "cancelledFlag": cancelled,
            "billingCycle": lists.billing_cycles[2], "billAmount": f64::from(g.rng.u32(5..80)) * 100.0,
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
            agreement["dateCancelled"] = json!(iso((start + 200 * DAY).min(g.now)));
            agreement["reasonCancelled"] = json!("Client moved to another provider");
        }
        if let Some(contact) = g.contact_ref(&facts[company]) {
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
    agreement_refs
}

/// Invoices, each for an agreement.
pub(super) fn invoices(
    g: &mut Gen,
    tables: &mut Tables,
    facts: &[CompanyFacts],
    agreement_refs: &[(Value, usize)],
) {
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
}

/// Expense and time entries, charged to tickets.
pub(super) fn charges(
    g: &mut Gen,
    tables: &mut Tables,
    facts: &[CompanyFacts],
    ticket_refs: &[(Value, usize)],
) {
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
            "invoiceAmount": amount, "status": *g.pick(&["Open", "Billed", "ApprovedByTierTwo"]),
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
            "status": *g.pick(&["Open", "Billed", "ApprovedByTierTwo"]), "ticket": ticket,
            "ticketBoard": "Service Desk", "_info": g.info(start, &[]),
        }));
    }
    // A ticket's hours are what its time entries add up to, and it lists references to them.
    let mut hours: std::collections::HashMap<u64, f64> = std::collections::HashMap::new();
    for entry in &time_entries {
        if let (Some(ticket), Some(logged)) =
            (entry["chargeToId"].as_u64(), entry["actualHours"].as_f64())
        {
            *hours.entry(ticket).or_default() += logged;
        }
    }
    if let Some(tickets) = tables.remove("/service/tickets") {
        let mut records = tickets.records().to_vec();
        for ticket in &mut records {
            let logged = ticket["id"]
                .as_u64()
                .and_then(|id| hours.get(&id))
                .copied()
                .unwrap_or(0.0);
            ticket["actualHours"] = json!(logged);
        }
        tables.insert("/service/tickets", Table::new(records, None));
    }
    tables.insert(
        "/service/tickets/timeentries",
        Table::new(time_entries.clone(), Some("chargeToId")),
    );
    tables.insert("/time/entries", Table::new(time_entries, None));
}
