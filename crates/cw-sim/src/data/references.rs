//! The reference lists records point at: company statuses and types, contact and
//! configuration types, priorities, sources, billing cycles, and the service boards
//! with their statuses.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::Table;
use super::generator::{Gen, Tables, href, named_records, reference};
use super::time::DAY;

/// The lists, as data: each one's path, reference kind and rows, in the order generated.
const LISTS: &str = include_str!("reference-lists.json");

/// References to the rows of each list.
pub(super) struct Lists {
    pub(super) statuses: Vec<Value>,
    pub(super) types: Vec<Value>,
    pub(super) contact_types: Vec<Value>,
    pub(super) configuration_types: Vec<Value>,
    pub(super) priorities: Vec<Value>,
    pub(super) sources: Vec<Value>,
    pub(super) billing_cycles: Vec<Value>,
}

/// The boards' references, and each board's statuses with whether they close a ticket.
pub(super) struct Boards {
    pub(super) references: Vec<Value>,
    pub(super) statuses: Vec<Vec<(Value, bool)>>,
}

/// One list of `reference-lists.json`.
#[derive(Deserialize)]
struct List {
    /// Its path, which is its table's key.
    path: &'static str,
    /// The kind its references' links name (`status`, `type`, ...).
    kind: &'static str,
    /// The field that names a row: `name` unless said.
    field: Option<&'static str>,
    rows: Vec<Value>,
}

/// Every reference list but the boards, from `reference-lists.json`.
pub(super) fn lists(g: &mut Gen, tables: &mut Tables) -> Lists {
    let lists: Vec<List> = serde_json::from_str(LISTS).expect("reference-lists.json holds lists");
    let mut references = HashMap::new();
    for list in lists {
        let field = list.field.unwrap_or("name");
        let (records, refs) = named_records(list.kind, list.path, field, &list.rows, g);
        tables.insert(list.path, Table::new(records, None));
        references.insert(list.path, refs);
    }
    let mut take = |path: &str| references.remove(path).unwrap_or_default();
    Lists {
        statuses: take("/company/companies/statuses"),
        types: take("/company/companies/types"),
        contact_types: take("/company/contacts/types"),
        configuration_types: take("/company/configurations/types"),
        priorities: take("/service/priorities"),
        sources: take("/service/sources"),
        billing_cycles: take("/finance/billingCycles"),
    }
}

/// The service boards and their statuses.
pub(super) fn boards(g: &mut Gen, tables: &mut Tables) -> Boards {
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
            "_info": g.info(g.now - 1200 * DAY, &[]),
        }));
        let mut refs = Vec::new();
        for (s, status) in status_names.iter().enumerate() {
            let id = board_id * 10 + s as u64;
            let closed = s >= 4;
            board_statuses.push(json!({
                "id": id, "name": status, "board": board_ref, "sortOrder": s, "displayOnBoard": true,
                "inactive": false, "closedStatus": closed, "timeEntryNotAllowed": s == 5, "defaultFlag": s == 0,
                "escalationStatus": "NotResponded", "customerPortalFlag": true,
                "_info": g.info(g.now - 1200 * DAY, &[]),
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
    Boards {
        references: board_refs,
        statuses: statuses_by_board,
    }
}
