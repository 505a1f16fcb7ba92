//! The tool catalog: one table that drives the tool list, the input and output
//! schemas, and the calls. The original project's 30 tools keep their names,
//! argument names and defaults; the rest extend it.

use crate::profiles::Module;
use crate::reports::Report;
use cw_client::resources::{
    Activities, AgreementAdditions, Agreements, BillingCycles, BoardStatuses, Boards, Children,
    Collection, Companies, CompanySites, CompanyStatuses, CompanyTypes, ConfigurationTypes,
    Configurations, ContactTypes, Contacts, ExpenseEntries, Invoices, Members, Opportunities,
    Priorities, Projects, ReferenceList, ScheduleEntries, Sources, TicketNotes,
    TicketScheduleEntries, TicketTasks, Tickets, TimeEntries,
};

/// What a tool does, and with which ConnectWise path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// Page through a collection with conditions, orderBy, fields.
    Search {
        /// Collection path.
        path: &'static str,
        /// `pageSize` when none is given.
        default_page_size: u32,
        /// The key fields returned when the caller names none (`fields`); `None`
        /// returns whole records (small reference lists).
        summary: Option<&'static str>,
        /// What a page leads with, added up over every match (a time entry's hours, in all
        /// and by member: "how many hours" and "who logged most" are asked of a list).
        total: Option<Total>,
    },
    /// One record by id.
    Get {
        /// Collection path.
        path: &'static str,
        /// The id argument's name, e.g. `ticket_id`.
        id_arg: &'static str,
        /// The record's name in messages, e.g. `ticket`.
        noun: &'static str,
    },
    /// A parent record's child collection.
    Children {
        /// Parent collection path.
        parent: &'static str,
        /// Child segment.
        child: &'static str,
        /// The parent id argument's name.
        id_arg: &'static str,
        /// The parent's name in messages.
        noun: &'static str,
        /// `pageSize` when none is given.
        default_page_size: u32,
        /// The fields a child record gives first, and a list line shows (whole records
        /// are read).
        key_fields: &'static str,
    },
    /// `/count` of any countable collection.
    Count,
    /// Counts, totals and groups over every matching record of a list.
    Summarize,
    /// One of the everyday reports.
    Report(crate::reports::Report),
    /// `/system/info`.
    SystemInfo,
    /// Endpoints of ConnectWise's document found by keyword.
    FindEndpoints,
    /// One endpoint of the document described.
    DescribeEndpoint,
    /// Any GET path: a list, a record, a child list or a count.
    Read,
}

impl ToolKind {
    /// `pageSize` when none is given: a list's own, 25 for the rest.
    pub fn default_page_size(&self) -> u32 {
        match *self {
            ToolKind::Search {
                default_page_size, ..
            }
            | ToolKind::Children {
                default_page_size, ..
            } => default_page_size,
            _ => 25,
        }
    }

    /// The path of the records a tool of one collection reads (a child list's under any
    /// parent: `/service/tickets/{id}/notes`); `None` for tools that read paths they are given.
    pub fn records_path(&self) -> Option<String> {
        match *self {
            ToolKind::Search { path, .. } | ToolKind::Get { path, .. } => Some(path.to_owned()),
            ToolKind::Children { parent, child, .. } => Some(format!("{parent}/{{id}}/{child}")),
            _ => None,
        }
    }

    /// The record a tool of one record, or of its children, is about (`ticket`).
    pub fn noun(&self) -> Option<&'static str> {
        match *self {
            ToolKind::Get { noun, .. } | ToolKind::Children { noun, .. } => Some(noun),
            _ => None,
        }
    }
}

/// A number field a search's pages add up over every match, in all and by `by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    /// The number field, e.g. `actualHours`.
    pub field: &'static str,
    /// The field the total is also given by, largest first, e.g. `member`.
    pub by: &'static str,
}

/// One tool.
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    /// Tool name, e.g. `connectwise_get_tickets`.
    pub name: &'static str,
    /// Human-readable title.
    pub title: &'static str,
    /// What it does and how to use it well.
    pub description: &'static str,
    /// What it calls.
    pub kind: ToolKind,
    /// The module whose profile lists it (`CW_TOOL_PROFILE`).
    pub module: Module,
    /// True when the compact (default) profile lists it: one search for each entity
    /// technicians ask about most, the records they open most, exact figures
    /// (`connectwise_summarize`: a small model cannot add up records) and `connectwise_read`
    /// for the rest. A small model picks a tool by its name, so every common entity has one.
    /// `connectwise_count` is not: every list and every summary says how many match, and a
    /// small model offered it answered "what devices does ACME have" with a number.
    pub compact: bool,
}

impl ToolSpec {
    /// The same tool, listed by the compact profile too.
    const fn compact(mut self) -> Self {
        self.compact = true;
        self
    }

    /// The key fields of the tool's records: a search's own, and for a get-by-id those of
    /// the search on its path; empty where there are none.
    pub fn key_fields(&self) -> &'static str {
        let path = match self.kind {
            ToolKind::Search {
                summary: Some(summary),
                ..
            } => return summary,
            ToolKind::Children { key_fields, .. } => return key_fields,
            ToolKind::Get { path, .. } => path,
            _ => return "",
        };
        search_key_fields(path).unwrap_or("")
    }
}

/// The key fields of the search tool on the collection at `path`, if one searches it.
pub fn search_key_fields(path: &str) -> Option<&'static str> {
    CATALOG.iter().find_map(|tool| match tool.kind {
        ToolKind::Search {
            path: searched,
            summary: Some(summary),
            ..
        } if searched == path => Some(summary),
        _ => None,
    })
}

/// A catalog entry: what every tool has, and what it calls; listed by its module's profile.
const fn tool(
    module: Module,
    name: &'static str,
    title: &'static str,
    description: &'static str,
    kind: ToolKind,
) -> ToolSpec {
    ToolSpec {
        name,
        title,
        description,
        kind,
        module,
        compact: false,
    }
}

/// A search: key fields by default, 5 records a page, which a small model on two CPU cores
/// reads in about 8 s and repeats in its answer in about 20 (`pageSize` asks for more, up to
/// 1,000).
const fn search(path: &'static str, summary: &'static str) -> ToolKind {
    ToolKind::Search {
        path,
        default_page_size: 5,
        summary: Some(summary),
        total: None,
    }
}

/// A search whose pages lead with `total` over every match.
const fn search_totalled(path: &'static str, summary: &'static str, total: Total) -> ToolKind {
    ToolKind::Search {
        path,
        default_page_size: 5,
        summary: Some(summary),
        total: Some(total),
    }
}

/// A reference list (types, statuses, ...): whole records, 100 a page, kept by the client
/// for a while as every [`ReferenceList`] is.
const fn reference<R: ReferenceList>() -> ToolKind {
    ToolKind::Search {
        path: R::PATH,
        default_page_size: 100,
        summary: None,
        total: None,
    }
}

/// One record of the collection at `path`, by the id argument `id_arg`.
const fn get(path: &'static str, id_arg: &'static str, noun: &'static str) -> ToolKind {
    ToolKind::Get { path, id_arg, noun }
}

/// A parent record's child list, by the parent's id.
const fn children<C: Children>(
    id_arg: &'static str,
    noun: &'static str,
    default_page_size: u32,
    key_fields: &'static str,
) -> ToolKind {
    ToolKind::Children {
        parent: C::PARENT,
        child: C::CHILD,
        id_arg,
        noun,
        default_page_size,
        key_fields,
    }
}

/// The entities `connectwise_count` counts, with the collection each is: one for every
/// search tool, named as in its name (`tickets` for `connectwise_get_tickets`). Reference
/// lists, which answer whole, are not counted.
pub fn countable() -> impl Iterator<Item = (&'static str, &'static str)> {
    CATALOG.iter().filter_map(|tool| match tool.kind {
        ToolKind::Search {
            path,
            summary: Some(_),
            ..
        } => Some((tool.name.strip_prefix("connectwise_get_")?, path)),
        _ => None,
    })
}

/// The collection an entity names: a [`countable`] name, also written with spaces, hyphens,
/// capitals, run together or in the singular (`time entries`, `timeentries`, `Ticket`).
pub fn entity_path(entity: &str) -> Option<(&'static str, &'static str)> {
    let plain = |s: &str| -> String {
        let s: String = s
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let s = s.strip_suffix('s').unwrap_or(&s);
        s.strip_suffix("ie")
            .map_or(s.to_owned(), |stem| format!("{stem}y"))
    };
    let written = plain(entity);
    countable().find(|(name, _)| plain(name) == written)
}

/// Every tool, in the order they are listed.
pub const CATALOG: &[ToolSpec] = &[
    tool(
        Module::Company,
        "connectwise_get_companies",
        "Search companies",
        "Search companies (customers, prospects, vendors), with phone numbers and addresses. Useful fields: identifier, name, status/name, types/name, city, state, deletedFlag. Example: identifier = \"ACME\". Or: name like \"%Dental%\" AND status/name = \"Active\".",
        search(Companies::PATH, "id,identifier,name,status/name,phoneNumber,city,types/name,state,website"),
    )
    .compact(),
    tool(
        Module::Company,
        "connectwise_get_company",
        "Get a company",
        "Get one company by its numeric id (use connectwise_get_companies to find the id from a name or identifier).",
        get(Companies::PATH, "company_id", "company"),
    ),
    tool(
        Module::Company,
        "connectwise_get_company_sites",
        "List a company's sites",
        "List a company's sites (addresses and phone numbers) by the company's numeric id (find it with connectwise_get_companies).",
        children::<CompanySites>("company_id", "company", 25, "id,name,addressLine1,city,phoneNumber,primaryAddressFlag,stateReference,zip,inactiveFlag"),
    ),
    tool(
        Module::Company,
        "connectwise_get_company_types",
        "List company types",
        "List company types (Client, Prospect, Vendor, ...): the values for types/name in company conditions.",
        reference::<CompanyTypes>(),
    ),
    tool(
        Module::Company,
        "connectwise_get_company_statuses",
        "List company statuses",
        "List company statuses (Active, Inactive, Credit Hold, ...): the values for status/name in company conditions.",
        reference::<CompanyStatuses>(),
    ),
    tool(
        Module::Service,
        "connectwise_get_tickets",
        "Search service tickets",
        "Search service tickets (on service boards). Useful fields: summary, company/name, company/identifier, status/name, board/name, priority/name, owner/name, owner/identifier, closedFlag, _info/dateEntered. Example: company/name like \"ACME%\" AND closedFlag = false. Or: owner/name = \"Jane Smith\" AND _info/dateEntered > [7 days ago].",
        search(Tickets::PATH, "id,summary,status/name,company/name,priority/name,owner/name,board/name,company/id,company/identifier,owner/identifier,board/id,contact/name,closedFlag,_info/dateEntered"),
    )
    .compact(),
    tool(
        Module::Service,
        "connectwise_get_ticket",
        "Get a ticket",
        "Get one service ticket by its number (numeric id), with its board, status, company, contact, priority and dates. Read its notes with connectwise_get_ticket_notes.",
        get(Tickets::PATH, "ticket_id", "ticket"),
    )
    .compact(),
    tool(
        Module::Service,
        "connectwise_get_ticket_notes",
        "List a ticket's notes",
        "List the notes (discussion, internal analysis, resolution) of a ticket, oldest first; the latest first with orderBy \"id desc\". Filter with conditions such as internalAnalysisFlag = false.",
        children::<TicketNotes>("ticket_id", "ticket", 25, "id,text,member,dateCreated,internalAnalysisFlag,resolutionFlag,detailDescriptionFlag"),
    )
    .compact(),
    tool(
        Module::Service,
        "connectwise_get_ticket_tasks",
        "List a ticket's tasks",
        "List the tasks (checklist items) of a ticket by its number, with what is done and what is open.",
        children::<TicketTasks>("ticket_id", "ticket", 25, "id,summary,closedFlag,notes,priority,resolution"),
    ),
    tool(
        Module::Service,
        "connectwise_get_ticket_schedules",
        "List a ticket's schedule entries",
        "List a ticket's schedule entries (ids and descriptions) by its number. Who is booked when: connectwise_read on /schedule/entries with conditions objectId = <ticket number>.",
        children::<TicketScheduleEntries>("ticket_id", "ticket", 25, "id,description,dateEntered,enteredBy"),
    ),
    tool(
        Module::Service,
        "connectwise_get_ticket_priorities",
        "List ticket priorities",
        "List ticket priorities with their sort order: the values for priority/name in ticket conditions.",
        reference::<Priorities>(),
    ),
    tool(
        Module::Service,
        "connectwise_get_ticket_sources",
        "List ticket sources",
        "List ticket sources (Phone, Email, Portal, ...): the values for source/name in ticket conditions.",
        reference::<Sources>(),
    ),
    tool(
        Module::Company,
        "connectwise_get_contacts",
        "Search contacts",
        "Search contacts (people at companies). Useful fields: firstName, lastName, company/identifier, company/name, title, inactiveFlag. Example: company/identifier = \"ACME\" AND inactiveFlag = false. Find by e-mail with childConditions: communicationItems/value = \"jane@acme.com\".",
        search(Contacts::PATH, "id,firstName,lastName,title,company/id,company/identifier,company/name,communicationItems,defaultPhoneNbr,inactiveFlag"),
    )
    .compact(),
    tool(
        Module::Company,
        "connectwise_get_contact",
        "Get a contact",
        "Get one contact by numeric id, with phone numbers and e-mail addresses (communicationItems). Find ids with connectwise_get_contacts.",
        get(Contacts::PATH, "contact_id", "contact"),
    ),
    tool(
        Module::Company,
        "connectwise_get_contact_types",
        "List contact types",
        "List contact types (Decision Maker, Billing, ...): the values for types/name in contact conditions.",
        reference::<ContactTypes>(),
    ),
    tool(
        Module::Sales,
        "connectwise_get_opportunities",
        "Search sales opportunities",
        "Search sales opportunities. Useful fields: name, company/identifier, status/name, stage/name, primarySalesRep/identifier, expectedCloseDate. Example: company/name like \"ACME%\". Or: status/name = \"Open\" AND expectedCloseDate < [next month].",
        search(Opportunities::PATH, "id,name,company/id,company/name,status/name,expectedCloseDate,primarySalesRep/identifier,stage/name,probability/name"),
    )
    .compact(),
    tool(
        Module::Finance,
        "connectwise_get_agreements",
        "Search agreements",
        "Search agreements (contracts). Useful fields: name, company/name, company/identifier, type/name, agreementStatus, cancelledFlag, endDate. Example: company/name like \"ACME%\" AND agreementStatus = \"Active\". Or: endDate >= [this month] AND endDate < [next month].",
        search(Agreements::PATH, "id,name,company/id,company/name,agreementStatus,endDate,type/name,startDate,billAmount,cancelledFlag"),
    )
    .compact(),
    tool(
        Module::Finance,
        "connectwise_get_agreement_additions",
        "List an agreement's additions",
        "List the additions (billed products, quantities and prices) of an agreement by its numeric id.",
        children::<AgreementAdditions>("agreement_id", "agreement", 25, "id,product,description,quantity,unitPrice,extPrice,billCustomer,effectiveDate,agreementStatus"),
    ),
    tool(
        Module::Finance,
        "connectwise_get_invoices",
        "Search invoices",
        "Search invoices. Useful fields: invoiceNumber, company/identifier, status/name, date, dueDate, total, balance. Example: balance > 0 AND dueDate < [2024-06-01].",
        search(Invoices::PATH, "id,invoiceNumber,company/id,company/name,status/name,total,balance,dueDate,date,type"),
    ),
    tool(
        Module::Time,
        "connectwise_get_expense_entries",
        "Search expense entries",
        "Search expense entries. Useful fields: company/identifier, member/identifier, type/name, amount, date, chargeToId, chargeToType. Example: member/identifier = \"jsmith\" AND date >= [2024-05-01].",
        search(ExpenseEntries::PATH, "id,member/identifier,amount,date,company/name,type/name,notes,chargeToId,chargeToType,billableOption"),
    ),
    tool(
        Module::Finance,
        "connectwise_get_billing_cycles",
        "List billing cycles",
        "List billing cycles (Monthly, Quarterly, ...) used by agreements.",
        reference::<BillingCycles>(),
    ),
    tool(
        Module::Time,
        "connectwise_get_time_entries",
        "Search time entries",
        "Search time entries (hours logged); answers lead with the hours in all and by member. Useful fields: member/identifier, member/name, company/name, chargeToId (the ticket number), chargeToType, timeStart, actualHours, billableOption. Example: timeStart >= [this week]. Or: chargeToType = \"ServiceTicket\" AND chargeToId = 12345.",
        search_totalled(TimeEntries::PATH, "id,member/name,actualHours,timeStart,company/name,notes,member/identifier,chargeToId,chargeToType,timeEnd,billableOption", Total { field: "actualHours", by: "member", }),
    )
    .compact(),
    tool(
        Module::Project,
        "connectwise_get_projects",
        "Search projects",
        "Search projects. Useful fields: name, company/identifier, status/name, manager/identifier, closedFlag, estimatedEnd. Example: closedFlag = false AND manager/identifier = \"jsmith\".",
        search(Projects::PATH, "id,name,company/id,company/name,status/name,manager/identifier,estimatedEnd,estimatedStart,percentComplete,closedFlag"),
    )
    .compact(),
    tool(
        Module::Sales,
        "connectwise_get_activities",
        "Search sales activities",
        "Search sales activities (calls, meetings, follow-ups). Useful fields: name, company/identifier, type/name, status/name, assignTo/identifier, dateStart. Example: assignTo/identifier = \"jsmith\" AND status/name = \"Open\".",
        search(Activities::PATH, "id,name,company/id,company/name,status/name,assignTo/identifier,dateStart,type/name,contact/name"),
    ),
    tool(
        Module::System,
        "connectwise_get_members",
        "Search members",
        "Search members (the MSP's own staff and API users). Useful fields: identifier, firstName, lastName, title, inactiveFlag. Example: inactiveFlag = false.",
        search(Members::PATH, "id,identifier,firstName,lastName,title,primaryEmail,inactiveFlag"),
    )
    .compact(),
    tool(
        Module::Company,
        "connectwise_get_configurations",
        "Search configurations",
        "Search configuration items (managed devices and assets). Useful fields: name, type/name, company/identifier, status/name, serialNumber, activeFlag. Example: company/identifier = \"ACME\" AND type/name = \"Server\".",
        search(Configurations::PATH, "id,name,type/name,company/id,company/name,status/name,serialNumber,modelNumber,ipAddress,activeFlag"),
    )
    .compact(),
    tool(
        Module::Company,
        "connectwise_get_configuration",
        "Get a configuration",
        "Get one configuration item (device or asset) by numeric id, with serial number, model and warranty. Find ids with connectwise_get_configurations.",
        get(Configurations::PATH, "configuration_id", "configuration"),
    ),
    tool(
        Module::Company,
        "connectwise_get_configuration_types",
        "List configuration types",
        "List configuration types (Server, Workstation, Firewall, ...): the values for type/name in configuration conditions.",
        reference::<ConfigurationTypes>(),
    ),
    tool(
        Module::Service,
        "connectwise_get_service_boards",
        "List service boards",
        "List service boards (ticket queues such as Service Desk) with their ids, for board/id in ticket conditions.",
        reference::<Boards>(),
    ),
    tool(
        Module::Service,
        "connectwise_get_board_statuses",
        "List a board's statuses",
        "List the statuses of a service board (find board ids with connectwise_get_service_boards).",
        children::<BoardStatuses>("board_id", "board", 100, "id,name,closedStatus,inactive,defaultFlag,sortOrder"),
    ),
    tool(
        Module::Sales,
        "connectwise_get_opportunity",
        "Get an opportunity",
        "Get one sales opportunity by numeric id, with stage, status and sales rep. Find ids with connectwise_get_opportunities.",
        get(Opportunities::PATH, "opportunity_id", "opportunity"),
    ),
    tool(
        Module::Finance,
        "connectwise_get_agreement",
        "Get an agreement",
        "Get one agreement (contract) by numeric id, with dates, type and billing. List its billed items with connectwise_get_agreement_additions.",
        get(Agreements::PATH, "agreement_id", "agreement"),
    ),
    tool(
        Module::Time,
        "connectwise_get_time_entry",
        "Get a time entry",
        "Get one time entry by numeric id, with who worked, when, hours and notes. Find ids with connectwise_get_time_entries.",
        get(TimeEntries::PATH, "time_entry_id", "time entry"),
    ),
    tool(
        Module::Project,
        "connectwise_get_project",
        "Get a project",
        "Get one project by numeric id, with status, manager, dates and progress. Find ids with connectwise_get_projects.",
        get(Projects::PATH, "project_id", "project"),
    ),
    tool(
        Module::Sales,
        "connectwise_get_activity",
        "Get an activity",
        "Get one sales activity (call, meeting, task) by numeric id. Find ids with connectwise_get_activities.",
        get(Activities::PATH, "activity_id", "activity"),
    ),
    tool(
        Module::System,
        "connectwise_get_member",
        "Get a member",
        "Get one member (a staff user of ConnectWise) by numeric id. Find ids by name or identifier with connectwise_get_members.",
        get(Members::PATH, "member_id", "member"),
    ),
    tool(
        Module::Finance,
        "connectwise_get_invoice",
        "Get an invoice",
        "Get one invoice by numeric id, with totals, balance and due date. Find ids by invoice number with connectwise_get_invoices.",
        get(Invoices::PATH, "invoice_id", "invoice"),
    ),
    tool(
        Module::Time,
        "connectwise_get_expense_entry",
        "Get an expense entry",
        "Get one expense entry by numeric id, with amount, type and what it was charged to. Find ids with connectwise_get_expense_entries.",
        get(ExpenseEntries::PATH, "expense_entry_id", "expense entry"),
    ),
    tool(
        Module::Service,
        "connectwise_get_schedule_entries",
        "Search schedule entries",
        "Search schedule entries: who is booked when, on which ticket (objectId). Useful fields: member/identifier, member/name, dateStart, dateEnd, objectId, status/name, doneFlag. Example: member/name = \"Jane Smith\" AND dateStart >= [today] AND dateStart < [tomorrow].",
        search(ScheduleEntries::PATH, "id,name,member/identifier,member/name,dateStart,dateEnd,objectId,hours,status/name,where/name,doneFlag"),
    )
    .compact(),
    tool(
        Module::System,
        "connectwise_count",
        "Count records",
        "Count the records of one entity that match conditions, for \"how many\" questions, without fetching them. Example: entity \"tickets\", conditions company/identifier = \"ACME\" AND closedFlag = false.",
        ToolKind::Count,
    ),
    tool(
        Module::Generic,
        "connectwise_summarize",
        "Count and total records",
        "Exact figures over all matching records: how many, total hours, who or which has the most. Counts, totals number fields (sum), groups by up to two fields (groupBy). Examples: entity tickets, groupBy company/name. Or: entity time_entries, conditions timeStart >= [this week], sum actualHours.",
        ToolKind::Summarize,
    )
    .compact(),
    tool(
        Module::Reports,
        "connectwise_ticket_brief",
        "Brief on a ticket",
        "Everything about one ticket in one call: its fields, the latest notes, tasks, hours logged by whom, the contact's phone and e-mail, its configurations and how many tickets its company has open.",
        ToolKind::Report(Report::TicketBrief),
    ),
    tool(
        Module::Reports,
        "connectwise_company_overview",
        "Company overview",
        "One company at a glance: status, phone and address, main contact, open tickets by status and priority, agreements with their end dates, devices by type, recent tickets. company_id takes an id, identifier or exact name.",
        ToolKind::Report(Report::CompanyOverview),
    ),
    tool(
        Module::Reports,
        "connectwise_member_schedule",
        "A member's day or week",
        "What is on a technician's plate: schedule entries in the period, open tickets they own, hours logged (billable too) and their time sheets. member is an identifier, full name or me; period is today (default), tomorrow, this week, ...",
        ToolKind::Report(Report::MemberSchedule),
    ),
    tool(
        Module::Reports,
        "connectwise_board_standup",
        "Board stand-up",
        "A service board's stand-up: open tickets by status, tickets new and closed since a day (default yesterday), the oldest open and the unassigned. board is its name or id.",
        ToolKind::Report(Report::BoardStandup),
    ),
    tool(
        Module::Reports,
        "connectwise_tickets_at_risk",
        "Tickets at risk",
        "Open tickets past or near their SLA goals: past their resolve-by time, due within the next hours (default 24), and not responded to by their respond-by time. Optionally of one board.",
        ToolKind::Report(Report::TicketsAtRisk),
    ),
    tool(
        Module::Reports,
        "connectwise_agreements_ending",
        "Agreements ending",
        "Agreements whose end date falls in a period (default this month), soonest first; optionally of one company.",
        ToolKind::Report(Report::AgreementsEnding),
    ),
    tool(
        Module::Reports,
        "connectwise_time_report",
        "Time by member or company",
        "Hours logged in a period (default this week) by member or by company, each billable and not, the most first.",
        ToolKind::Report(Report::TimeByPeriod),
    ),
    tool(
        Module::System,
        "connectwise_get_system_info",
        "Test the connection",
        "Check the connection to ConnectWise and report its version. Use it first when other tools fail with connection or authentication errors.",
        ToolKind::SystemInfo,
    ),
    tool(
        Module::Generic,
        "connectwise_find_endpoints",
        "Find ConnectWise endpoints",
        "Find ConnectWise API endpoints by keyword (schedule, agreement additions, project phases, board teams, ...). Read them with connectwise_read.",
        ToolKind::FindEndpoints,
    ),
    tool(
        Module::Generic,
        "connectwise_describe_endpoint",
        "Describe an endpoint",
        "Describe one endpoint: its fields with types and values, child lists, example conditions and call.",
        ToolKind::DescribeEndpoint,
    ),
    tool(
        Module::Generic,
        "connectwise_read",
        "Read any endpoint",
        "Read any ConnectWise path (read-only): a list (/service/tickets), a record (/service/tickets/20001), a child list (/service/tickets/20001/notes) or a count (/service/tickets/count). Lists answer {items, page, pageSize, hasMore, nextPage}.",
        ToolKind::Read,
    )
    .compact(),
];

/// The tool named `name`, also found without its `connectwise_` prefix.
pub fn find(name: &str) -> Option<&'static ToolSpec> {
    CATALOG
        .iter()
        .find(|t| cw_boundary::names_tool(t.name, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_original_catalog_is_present() {
        let mut names: Vec<_> = CATALOG.iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOG.len());
        assert_eq!(
            CATALOG[..30]
                .iter()
                .filter(|t| t.name.starts_with("connectwise_get_"))
                .count(),
            30
        );
        assert!(find("get_tickets").is_some() && find("connectwise_get_tickets").is_some());
        assert!(find("tickets").is_none());
    }

    #[test]
    fn entities_are_found_however_they_are_written() {
        for written in [
            "time_entries",
            "time entries",
            "TimeEntries",
            "time-entry",
            "timeentries",
        ] {
            assert_eq!(
                entity_path(written),
                Some(("time_entries", "/time/entries")),
                "{written}"
            );
        }
        assert_eq!(entity_path("Company").unwrap().0, "companies");
        assert_eq!(entity_path("opportunity").unwrap().0, "opportunities");
        assert_eq!(entity_path("widgets"), None);
    }
}
