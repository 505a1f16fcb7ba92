//! Typed ConnectWise records. Key fields are typed; every other field is kept
//! in `extra` (and `_info` in `info`) so a record survives a round trip intact.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A reference to another record: `{"id", "name" | "identifier", "_info"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// The referenced record's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Its name, for most references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its identifier, for companies and members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Links to the referenced record.
    #[serde(rename = "_info", default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Map<String, Value>>,
    /// Any other field of the reference.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

macro_rules! model {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The record's id.
            pub id: u64,
            $(
                $(#[$field_meta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// The record's `_info`: dates, who entered and updated it, links.
            #[serde(rename = "_info", default, skip_serializing_if = "Option::is_none")]
            pub info: Option<Map<String, Value>>,
            /// Every field not named above, as ConnectWise sent it.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    };
}

model!(
    /// A company (`/company/companies`).
    Company {
        /// Short unique code, e.g. `ACME`.
        identifier: String,
        /// Full name.
        name: String,
        /// Status (Active, Inactive, ...).
        status: Reference,
        /// Company types (Client, Vendor, ...).
        types: Vec<Reference>,
        /// Main phone number.
        phone_number: String,
        /// City of the main address.
        city: String,
        /// True once deleted.
        deleted_flag: bool,
    }
);

model!(
    /// A company site (`/company/companies/{id}/sites`).
    CompanySite {
        /// Site name.
        name: String,
        /// The company it belongs to.
        company: Reference,
        /// City.
        city: String,
        /// True for the company's primary address.
        primary_address_flag: bool,
    }
);

model!(
    /// A record of a reference list the client knows by its name only (severities, impacts,
    /// sales stages, departments, ...).
    NamedRecord {
        /// Its name.
        name: String,
    }
);

model!(
    /// A company type (`/company/companies/types`).
    CompanyType {
        /// Type name.
        name: String,
        /// True for vendor types.
        vendor_flag: bool,
    }
);

model!(
    /// A company status (`/company/companies/statuses`).
    CompanyStatus {
        /// Status name.
        name: String,
        /// True when companies in this status are inactive.
        inactive_flag: bool,
    }
);

model!(
    /// A contact (`/company/contacts`).
    Contact {
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
        /// The contact's company.
        company: Reference,
        /// Job title.
        title: String,
        /// True for inactive contacts.
        inactive_flag: bool,
    }
);

model!(
    /// A contact type (`/company/contacts/types`).
    ContactType {
        /// Type description.
        description: String,
    }
);

model!(
    /// A service ticket (`/service/tickets`).
    Ticket {
        /// One-line summary.
        summary: String,
        /// Service board.
        board: Reference,
        /// Status on its board.
        status: Reference,
        /// Customer company.
        company: Reference,
        /// Customer contact.
        contact: Reference,
        /// Priority.
        priority: Reference,
        /// How the ticket came in.
        source: Reference,
        /// Owning member.
        owner: Reference,
        /// True once closed.
        closed_flag: bool,
        /// Budgeted hours.
        budget_hours: f64,
    }
);

model!(
    /// A ticket note (`/service/tickets/{id}/notes`).
    ServiceNote {
        /// The ticket it belongs to.
        ticket_id: u64,
        /// The note's text.
        text: String,
        /// True for discussion (detail description) notes.
        detail_description_flag: bool,
        /// True for internal notes.
        internal_analysis_flag: bool,
        /// True for resolution notes.
        resolution_flag: bool,
        /// The member who wrote it.
        member: Reference,
    }
);

model!(
    /// A ticket task (`/service/tickets/{id}/tasks`).
    TicketTask {
        /// The ticket it belongs to.
        ticket_id: u64,
        /// Task summary.
        summary: String,
        /// Task notes.
        notes: String,
        /// True once done.
        closed_flag: bool,
        /// Order among the ticket's tasks.
        priority: i64,
    }
);

model!(
    /// A schedule entry (`/service/tickets/{id}/scheduleentries`).
    ScheduleEntry {
        /// The scheduled record's id (the ticket).
        object_id: u64,
        /// Entry name.
        name: String,
        /// The member scheduled.
        member: Reference,
        /// Start (UTC).
        date_start: String,
        /// End (UTC).
        date_end: String,
        /// True once done.
        done_flag: bool,
    }
);

model!(
    /// A ticket priority (`/service/priorities`).
    Priority {
        /// Priority name.
        name: String,
        /// Sort position.
        sort_order: i64,
        /// Display colour.
        color: String,
    }
);

model!(
    /// A ticket source (`/service/sources`).
    Source {
        /// Source name (Phone, Email, ...).
        name: String,
    }
);

model!(
    /// A service board (`/service/boards`).
    Board {
        /// Board name.
        name: String,
        /// True for inactive boards.
        inactive_flag: bool,
        /// True for project boards.
        project_flag: bool,
    }
);

model!(
    /// A board status (`/service/boards/{id}/statuses`).
    BoardStatus {
        /// Status name.
        name: String,
        /// The board it belongs to.
        board: Reference,
        /// Sort position.
        sort_order: i64,
        /// True for statuses that close a ticket.
        closed_status: bool,
        /// True for inactive statuses.
        inactive: bool,
    }
);

model!(
    /// A sales opportunity (`/sales/opportunities`).
    Opportunity {
        /// Opportunity name.
        name: String,
        /// Customer company.
        company: Reference,
        /// Status (Open, Won, Lost, ...).
        status: Reference,
        /// Pipeline stage.
        stage: Reference,
        /// Expected close date.
        expected_close_date: String,
        /// Primary sales rep.
        primary_sales_rep: Reference,
    }
);

model!(
    /// An agreement (`/finance/agreements`).
    Agreement {
        /// Agreement name.
        name: String,
        /// Agreement type.
        r#type: Reference,
        /// Customer company.
        company: Reference,
        /// Start date.
        start_date: String,
        /// End date.
        end_date: String,
        /// True once cancelled.
        cancelled_flag: bool,
        /// Active, Cancelled, Expired, ...
        agreement_status: String,
        /// Recurring bill amount.
        bill_amount: f64,
    }
);

model!(
    /// An agreement addition (`/finance/agreements/{id}/additions`).
    Addition {
        /// The agreement it belongs to.
        agreement_id: u64,
        /// The product.
        product: Reference,
        /// Quantity.
        quantity: f64,
        /// Unit price.
        unit_price: f64,
        /// Description.
        description: String,
    }
);

model!(
    /// An invoice (`/finance/invoices`).
    Invoice {
        /// Invoice number.
        invoice_number: String,
        /// Billed company.
        company: Reference,
        /// Billing status.
        status: Reference,
        /// Invoice date.
        date: String,
        /// Due date.
        due_date: String,
        /// Invoice total.
        total: f64,
        /// Amount still owed.
        balance: f64,
    }
);

model!(
    /// An expense entry (`/expense/entries`).
    ExpenseEntry {
        /// Customer company.
        company: Reference,
        /// The member who spent it.
        member: Reference,
        /// Expense type.
        r#type: Reference,
        /// Amount.
        amount: f64,
        /// Date of the expense.
        date: String,
        /// The charged record's id.
        charge_to_id: u64,
        /// `ServiceTicket`, `ProjectTicket`, `ChargeCode`, ...
        charge_to_type: String,
    }
);

model!(
    /// A billing cycle (`/finance/billingCycles`).
    BillingCycle {
        /// Cycle code, e.g. `Monthly`.
        identifier: String,
        /// Cycle name.
        name: String,
    }
);

model!(
    /// A time entry (`/time/entries`).
    TimeEntry {
        /// Customer company.
        company: Reference,
        /// The member who worked.
        member: Reference,
        /// The charged record's id.
        charge_to_id: u64,
        /// `ServiceTicket`, `ProjectTicket`, `ChargeCode`, `Activity`.
        charge_to_type: String,
        /// Start (UTC).
        time_start: String,
        /// End (UTC).
        time_end: String,
        /// Hours worked.
        actual_hours: f64,
        /// Work notes.
        notes: String,
        /// Billable, DoNotBill, NoCharge, NoDefault.
        billable_option: String,
    }
);

model!(
    /// A project (`/project/projects`).
    Project {
        /// Project name.
        name: String,
        /// Customer company.
        company: Reference,
        /// Project status.
        status: Reference,
        /// Project manager.
        manager: Reference,
        /// Estimated start.
        estimated_start: String,
        /// Estimated end.
        estimated_end: String,
        /// True once closed.
        closed_flag: bool,
        /// Percent complete.
        percent_complete: f64,
    }
);

model!(
    /// A sales activity (`/sales/activities`).
    Activity {
        /// Activity name.
        name: String,
        /// Customer company.
        company: Reference,
        /// Activity type (Call, Meeting, ...).
        r#type: Reference,
        /// Status (Open, Closed).
        status: Reference,
        /// Start (UTC).
        date_start: String,
        /// Assigned member.
        assign_to: Reference,
    }
);

model!(
    /// A member, i.e. a user of ConnectWise (`/system/members`).
    Member {
        /// Login identifier.
        identifier: String,
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
        /// True for inactive members.
        inactive_flag: bool,
        /// Main e-mail address.
        primary_email: String,
        /// Job title.
        title: String,
    }
);

model!(
    /// A configuration item: a managed device or asset (`/company/configurations`).
    Configuration {
        /// Configuration name.
        name: String,
        /// Configuration type (Server, Workstation, ...).
        r#type: Reference,
        /// Owning company.
        company: Reference,
        /// Status (Active, Inactive, ...).
        status: Reference,
        /// Serial number.
        serial_number: String,
        /// True while active.
        active_flag: bool,
    }
);

model!(
    /// A configuration type (`/company/configurations/types`).
    ConfigurationType {
        /// Type name.
        name: String,
        /// True for inactive types.
        inactive_flag: bool,
    }
);

/// The site's version facts (`/system/info`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemInfo {
    /// ConnectWise version, e.g. `v2025.1.12345`.
    pub version: String,
    /// True for ConnectWise-hosted sites.
    #[serde(default)]
    pub is_cloud: bool,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The login discovery answer (`/login/companyinfo/{companyId}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompanyInfo {
    /// The company's name.
    pub company_name: String,
    /// Codebase segment, e.g. `v2025_1/`.
    pub codebase: String,
    /// True for cloud sites.
    #[serde(default)]
    pub is_cloud: bool,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
