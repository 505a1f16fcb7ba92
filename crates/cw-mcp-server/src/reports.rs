//! The MSP's everyday reports, one call each: a ticket brief, a company overview, a
//! member's day or week, a board's stand-up, agreements ending in a period and time logged
//! by member or company. Each reads what it needs with a few bounded requests (a page of at
//! most 1,000 records each; what did not fit is said), names its inputs as it read them, and
//! answers one object whose text fits the text budget.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use cw_client::conditions::{Expr, Operator, field};
use cw_client::{ApiPath, Client, Query};
use serde_json::{Map, Value, json};

use crate::args::{Arg, Args, IdOrName};
use crate::dates;
use crate::errors::ToolFailure;
use crate::summary::exact;
use crate::{lookup, shape};

/// Which report a tool gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// A ticket, its latest notes, tasks, time, contact, configurations and its company's
    /// open tickets.
    TicketBrief,
    /// A company's status, main contact, open tickets, agreements, devices and recent tickets.
    CompanyOverview,
    /// A member's schedule, open tickets and hours for a day or a week.
    MemberSchedule,
    /// A board's open tickets by status, new and closed since a day, the oldest and the
    /// unassigned.
    BoardStandup,
    /// Open tickets past or near their SLA's respond-by and resolve-by times.
    TicketsAtRisk,
    /// Agreements whose end date falls in a period.
    AgreementsEnding,
    /// Hours logged in a period by member or company, billable and not.
    TimeByPeriod,
}

/// Most records one request of a report reads.
const PAGE: u32 = 1_000;
/// How many records a report's list shows.
const SHOWN: usize = 5;

/// The arguments a report takes, in schema order.
pub fn arguments(report: Report) -> &'static [Arg] {
    match report {
        Report::TicketBrief => &[Arg::Id("ticket_id")],
        Report::CompanyOverview => &[Arg::Id("company_id")],
        Report::MemberSchedule => &[Arg::Member, Arg::Period],
        Report::BoardStandup => &[Arg::Board, Arg::Since],
        Report::TicketsAtRisk => &[Arg::Board, Arg::Within],
        Report::AgreementsEnding => &[Arg::Period, Arg::Id("company_id")],
        Report::TimeByPeriod => &[Arg::Period, Arg::By],
    }
}

/// The argument a report cannot do without.
pub fn required(report: Report) -> Option<Arg> {
    match report {
        Report::TicketBrief => Some(Arg::Id("ticket_id")),
        Report::CompanyOverview => Some(Arg::Id("company_id")),
        Report::MemberSchedule => Some(Arg::Member),
        Report::BoardStandup => Some(Arg::Board),
        Report::TicketsAtRisk | Report::AgreementsEnding | Report::TimeByPeriod => None,
    }
}

/// What a technician asks for, for the report's MCP prompt: `{name}` stands for the argument
/// `name`, `[text]` is left out when the argument it names is not given.
pub fn ask(report: Report) -> &'static str {
    match report {
        Report::TicketBrief => {
            "Give me a brief on ticket {ticket_id}: what it is about, where it stands, who is on it, the latest notes and the time spent."
        }
        Report::CompanyOverview => {
            "Give me an overview of the company {company_id}: its status and main contact, open tickets, agreements and devices."
        }
        Report::MemberSchedule => "What is on {member}'s plate[ for {period}]?",
        Report::BoardStandup => {
            "Run the stand-up for the {board} board[ since {since}]: what is open, new, closed, oldest and unassigned."
        }
        Report::TicketsAtRisk => {
            "Which open tickets[ on the {board} board] are past or near their SLA[ in the next {within} hours]?"
        }
        Report::AgreementsEnding => "Which agreements end[ {period}][ for company {company_id}]?",
        Report::TimeByPeriod => {
            "How many hours were logged[ {period}][ by {by}], billable and not?"
        }
    }
}

/// The period a report covers when the caller names none.
fn default_period(report: Report) -> &'static str {
    match report {
        Report::MemberSchedule => "today",
        Report::AgreementsEnding => "this month",
        _ => "this week",
    }
}

/// Runs `report` with the call's arguments; `now` is what relative dates count from.
pub async fn run(
    report: Report,
    client: &Client,
    args: &Args<'_>,
    now: DateTime<Utc>,
) -> Result<Value, ToolFailure> {
    let reader = Reader { client };
    let today = now.date_naive();
    match report {
        Report::TicketBrief => ticket_brief(&reader, args).await,
        Report::CompanyOverview => company_overview(&reader, args).await,
        Report::MemberSchedule => member_schedule(&reader, args, today).await,
        Report::BoardStandup => board_standup(&reader, args, today).await,
        Report::TicketsAtRisk => tickets_at_risk(&reader, args, now).await,
        Report::AgreementsEnding => agreements_ending(&reader, args, today).await,
        Report::TimeByPeriod => time_by_period(&reader, args, today).await,
    }
}

/// One page of records, and how many match in all.
struct Listed {
    items: Vec<Value>,
    total: u64,
    complete: bool,
}

impl Listed {
    /// The list as a report shows it: how many, the first few, and whether that is all.
    fn shown(&self, keep: impl Fn(&Value) -> Value) -> Value {
        json!({
            "count": self.total,
            "first": self.items.iter().take(SHOWN).map(keep).collect::<Vec<_>>(),
        })
    }
}

/// Reads for a report, its failures phrased for the caller.
struct Reader<'a> {
    client: &'a Client,
}

impl Reader<'_> {
    async fn record(&self, path: &str, id: u64, missing: &str) -> Result<Value, ToolFailure> {
        let path = ApiPath::checked(&format!("{path}/{id}")).map_err(ToolFailure::invalid)?;
        self.client
            .get_value(&path)
            .await
            .map_err(|e| ToolFailure::from_client(e, || missing.to_owned()))
    }

    /// Up to `size` records at `path` matching `conditions`, with how many match in all.
    async fn list(
        &self,
        path: &str,
        conditions: &str,
        fields: &str,
        order_by: &str,
        size: u32,
    ) -> Result<Listed, ToolFailure> {
        let path = ApiPath::checked(path).map_err(ToolFailure::invalid)?;
        let query = Query::new()
            .conditions(conditions)
            .fields(fields)
            .order_by(order_by)
            .page_size(size);
        let failed = |e| ToolFailure::from_client(e, || format!("nothing at {}", path.as_str()));
        let page = self
            .client
            .list_values(&path, &query)
            .await
            .map_err(failed)?;
        let total = match page.has_more {
            false => page.items.len() as u64,
            true => {
                let count = Query::new().conditions(conditions);
                self.client.count_at(&path, &count).await.map_err(failed)?
            }
        };
        Ok(Listed {
            complete: !page.has_more,
            items: page.items,
            total,
        })
    }

    /// How many records at `path` match `conditions`.
    async fn count(&self, path: &str, conditions: &str) -> Result<u64, ToolFailure> {
        let path = ApiPath::checked(path).map_err(ToolFailure::invalid)?;
        self.client
            .count_at(&path, &Query::new().conditions(conditions))
            .await
            .map_err(|e| ToolFailure::from_client(e, || format!("nothing at {}", path.as_str())))
    }
}

async fn ticket_brief(reader: &Reader<'_>, args: &Args<'_>) -> Result<Value, ToolFailure> {
    let id = args.id(Arg::Id("ticket_id"))?;
    let missing = format!("no ticket {id}: check `ticket_id`");
    let ticket = reader.record("/service/tickets", id, &missing).await?;
    let notes = reader
        .list(
            &format!("/service/tickets/{id}/notes"),
            "",
            "id,text,createdBy,dateCreated,internalAnalysisFlag",
            "id desc",
            3,
        )
        .await?;
    let tasks = reader
        .list(
            &format!("/service/tickets/{id}/tasks"),
            "",
            "id,notes,closedFlag,priority",
            "id",
            10,
        )
        .await?;
    let time = reader
        .list(
            "/time/entries",
            &format!("chargeToId = {id} AND chargeToType = \"ServiceTicket\""),
            "member/name,actualHours",
            "id",
            PAGE,
        )
        .await?;
    let mut brief = pick(
        &ticket,
        &[
            "id",
            "summary",
            "status",
            "priority",
            "board",
            "type",
            "company",
            "owner",
            "closedFlag",
            "budgetHours",
            "requiredDate",
            "respondByGoalUTC",
            "resolutionGoalUTC",
        ],
    );
    if let Some(entered) = ticket.pointer("/_info/dateEntered") {
        brief.insert("dateEntered".into(), entered.clone());
    }
    if let Some(text) = ticket["initialDescription"].as_str() {
        brief.insert("description".into(), json!(cut(text, 300)));
    }
    if let Some(contact_id) = ticket.pointer("/contact/id").and_then(Value::as_u64) {
        let contact = reader
            .record(
                "/company/contacts",
                contact_id,
                "the ticket's contact is gone",
            )
            .await
            .ok();
        brief.insert(
            "contact".into(),
            contact.map_or(ticket["contact"].clone(), |c| reach(&c)),
        );
    }
    brief.insert(
        "latestNotes".into(),
        notes.shown(|n| {
            let mut note = pick(n, &["id", "dateCreated", "createdBy"]);
            note.insert(
                "text".into(),
                json!(cut(n["text"].as_str().unwrap_or(""), 240)),
            );
            Value::Object(note)
        }),
    );
    brief.insert("tasks".into(), tasks.shown(Value::clone));
    brief.insert("timeLogged".into(), hours_by_member(&time));
    if let Some(company) = ticket.pointer("/company/id").and_then(Value::as_u64) {
        let open = reader
            .count(
                "/service/tickets",
                &format!("company/id = {company} AND closedFlag = false"),
            )
            .await?;
        brief.insert("companyOpenTickets".into(), json!(open));
    }
    let configurations = reader
        .list(
            &format!("/service/tickets/{id}/configurations"),
            "",
            "",
            "",
            10,
        )
        .await
        .map(|c| c.shown(|r| Value::Object(pick(r, &["id", "deviceIdentifier", "name", "type"]))))
        .unwrap_or(Value::Null);
    brief.insert("configurations".into(), configurations);
    Ok(report("ticket brief", json!({"ticket_id": id}), brief))
}

async fn company_overview(reader: &Reader<'_>, args: &Args<'_>) -> Result<Value, ToolFailure> {
    let id = company_of(reader, args).await?;
    let company = reader
        .record(
            "/company/companies",
            id,
            &format!("no company {id}: check `company_id`"),
        )
        .await?;
    let mut overview = pick(
        &company,
        &[
            "id",
            "identifier",
            "name",
            "status",
            "types",
            "phoneNumber",
            "website",
            "addressLine1",
            "city",
            "state",
            "zip",
        ],
    );
    if let Some(contact_id) = company
        .pointer("/defaultContact/id")
        .and_then(Value::as_u64)
    {
        let contact = reader
            .record("/company/contacts", contact_id, "the main contact is gone")
            .await
            .ok();
        overview.insert(
            "mainContact".into(),
            contact.map_or(company["defaultContact"].clone(), |c| reach(&c)),
        );
    }
    let open = reader
        .list(
            "/service/tickets",
            &format!("company/id = {id} AND closedFlag = false"),
            "id,summary,status/name,priority/name,_info/dateEntered",
            "id desc",
            PAGE,
        )
        .await?;
    overview.insert(
        "openTickets".into(),
        json!({
            "count": open.total,
            "byStatus": tally(&open.items, "status/name"),
            "byPriority": tally(&open.items, "priority/name"),
            "complete": open.complete,
        }),
    );
    let agreements = reader
        .list(
            "/finance/agreements",
            &format!("company/id = {id}"),
            "id,name,type/name,agreementStatus,startDate,endDate,noEndingDateFlag",
            "endDate",
            25,
        )
        .await?;
    overview.insert("agreements".into(), json!(agreements.items));
    let devices = reader
        .list(
            "/company/configurations",
            &format!("company/id = {id}"),
            "id,type/name",
            "id",
            PAGE,
        )
        .await?;
    overview.insert(
        "devices".into(),
        json!({"count": devices.total, "byType": tally(&devices.items, "type/name")}),
    );
    let recent = reader
        .list(
            "/service/tickets",
            &format!("company/id = {id}"),
            "id,summary,status/name,_info/dateEntered",
            "id desc",
            SHOWN as u32,
        )
        .await?;
    overview.insert("recentTickets".into(), json!(recent.items));
    Ok(report(
        "company overview",
        json!({"company_id": id}),
        overview,
    ))
}

async fn member_schedule(
    reader: &Reader<'_>,
    args: &Args<'_>,
    today: NaiveDate,
) -> Result<Value, ToolFailure> {
    let member = member_of(reader, args).await?;
    let id = member["id"].as_u64().unwrap_or(0);
    let (from, to) = period_of(args, Report::MemberSchedule, today)?;
    let within = |field: &str| format!("{field} >= [{from}] AND {field} < [{to}]");
    let schedule = reader
        .list(
            "/schedule/entries",
            &format!("member/id = {id} AND {}", within("dateStart")),
            "id,name,dateStart,dateEnd,objectId,type/name,status/name,where/name,doneFlag",
            "dateStart",
            50,
        )
        .await?;
    let tickets = reader
        .list(
            "/service/tickets",
            &format!("owner/id = {id} AND closedFlag = false"),
            "id,summary,status/name,priority/name,company/name",
            "id desc",
            SHOWN as u32,
        )
        .await?;
    let time = reader
        .list(
            "/time/entries",
            &format!("member/id = {id} AND {}", within("timeStart")),
            "member/name,actualHours,billableOption",
            "id",
            PAGE,
        )
        .await?;
    let sheets = reader
        .list(
            "/time/sheets",
            &format!("member/id = {id} AND dateStart < [{to}] AND dateEnd >= [{from}]"),
            "id,dateStart,dateEnd,status,hours",
            "dateStart",
            10,
        )
        .await
        .map(|s| json!(s.items))
        .unwrap_or(Value::Null);
    let mut plate = Map::new();
    plate.insert(
        "member".into(),
        json!(format!(
            "{} ({})",
            full_name(&member),
            text(&member, "identifier")
        )),
    );
    plate.insert("schedule".into(), json!(schedule.items));
    plate.insert("openTicketsOwned".into(), tickets.shown(Value::clone));
    plate.insert(
        "hoursLogged".into(),
        hours_by_member(&time)["hours"].clone(),
    );
    plate.insert(
        "billableHours".into(),
        exact(time.items.iter().map(billable_hours).sum()),
    );
    plate.insert("timeSheets".into(), sheets);
    let inputs = json!({"member": text(&member, "identifier"), "from": from.to_string(), "to": last_day(to)});
    Ok(report("member schedule", inputs, plate))
}

async fn board_standup(
    reader: &Reader<'_>,
    args: &Args<'_>,
    today: NaiveDate,
) -> Result<Value, ToolFailure> {
    let board = board_of(reader, args).await?;
    let since = match args.string(Arg::Since)? {
        None => today.pred_opt().unwrap_or(today),
        Some(text) => dates::period(text, today).map(|(from, _)| from).ok_or_else(|| {
            ToolFailure::invalid(format!(
                "`since` must be a day: 2026-11-30, today, yesterday, this week or 7 days ago; got {text:?}"
            ))
        })?,
    };
    let fields =
        "id,summary,status/name,priority/name,owner/identifier,company/name,_info/dateEntered";
    let open = reader
        .list(
            "/service/tickets",
            &format!("board/id = {board} AND closedFlag = false"),
            fields,
            "id",
            PAGE,
        )
        .await?;
    let entered = reader
        .list(
            "/service/tickets",
            &format!("board/id = {board} AND _info/dateEntered >= [{since}]"),
            fields,
            "id desc",
            SHOWN as u32,
        )
        .await?;
    let closed = reader
        .list(
            "/service/tickets",
            &format!("board/id = {board} AND closedFlag = true AND closedDate >= [{since}]"),
            "id,summary,closedDate,closedBy,company/name",
            "id desc",
            SHOWN as u32,
        )
        .await?;
    let unassigned: Vec<&Value> = open
        .items
        .iter()
        .filter(|t| t.pointer("/owner/identifier").is_none_or(Value::is_null))
        .collect();
    let mut oldest: Vec<&Value> = open.items.iter().collect();
    oldest.sort_by_key(|t| {
        t.pointer("/_info/dateEntered")
            .and_then(Value::as_str)
            .unwrap_or("")
    });
    let mut standup = Map::new();
    standup.insert("open".into(), json!({"count": open.total, "byStatus": tally(&open.items, "status/name"), "complete": open.complete}));
    standup.insert("newSince".into(), entered.shown(Value::clone));
    standup.insert("closedSince".into(), closed.shown(Value::clone));
    standup.insert(
        "oldestOpen".into(),
        json!(oldest.into_iter().take(3).collect::<Vec<_>>()),
    );
    standup.insert(
        "unassigned".into(),
        json!({"count": unassigned.len(), "first": unassigned.into_iter().take(SHOWN).collect::<Vec<_>>()}),
    );
    Ok(report(
        "board stand-up",
        json!({"board_id": board, "since": since.to_string()}),
        standup,
    ))
}

async fn tickets_at_risk(
    reader: &Reader<'_>,
    args: &Args<'_>,
    now: DateTime<Utc>,
) -> Result<Value, ToolFailure> {
    let within = args.integer(Arg::Within, 1, 720)?.unwrap_or(24);
    let horizon = now + TimeDelta::hours(within as i64);
    let mut inputs = json!({"now": stamp(now), "within_hours": within});
    let mut open = "closedFlag = false".to_owned();
    if args.given(Arg::Board) {
        let board = board_of(reader, args).await?;
        open.push_str(&format!(" AND board/id = {board}"));
        inputs["board_id"] = json!(board);
    }
    let (now, horizon) = (stamp(now), stamp(horizon));
    let fields = "id,summary,status/name,priority/name,owner/identifier,company/name,respondByGoalUTC,resolutionGoalUTC,dateResponded";
    let past = reader
        .list(
            "/service/tickets",
            &format!("{open} AND resolutionGoalUTC < [{now}]"),
            fields,
            "resolutionGoalUTC desc",
            SHOWN as u32,
        )
        .await?;
    let soon = reader
        .list(
            "/service/tickets",
            &format!("{open} AND resolutionGoalUTC >= [{now}] AND resolutionGoalUTC < [{horizon}]"),
            fields,
            "resolutionGoalUTC",
            SHOWN as u32,
        )
        .await?;
    let unanswered = reader
        .list(
            "/service/tickets",
            &format!("{open} AND dateResponded = null AND respondByGoalUTC < [{horizon}]"),
            fields,
            "respondByGoalUTC",
            SHOWN as u32,
        )
        .await?;
    let mut risk = Map::new();
    risk.insert("dueSoon".into(), soon.shown(Value::clone));
    risk.insert("notRespondedInTime".into(), unanswered.shown(Value::clone));
    risk.insert("pastResolveBy".into(), past.shown(Value::clone));
    Ok(report("tickets at risk", inputs, risk))
}

/// A moment as conditions write it: `2026-12-02T09:30:00Z`.
fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

async fn agreements_ending(
    reader: &Reader<'_>,
    args: &Args<'_>,
    today: NaiveDate,
) -> Result<Value, ToolFailure> {
    let (from, to) = period_of(args, Report::AgreementsEnding, today)?;
    let mut conditions = format!("endDate >= [{from}] AND endDate < [{to}]");
    let mut inputs = json!({"from": from.to_string(), "to": last_day(to)});
    if args.given(Arg::Id("company_id")) {
        let company = company_of(reader, args).await?;
        conditions.push_str(&format!(" AND company/id = {company}"));
        inputs["company_id"] = json!(company);
    }
    let ending = reader
        .list(
            "/finance/agreements",
            &conditions,
            "id,name,company/name,type/name,agreementStatus,endDate",
            "endDate",
            100,
        )
        .await?;
    let body = json!({"count": ending.total, "agreements": ending.items});
    Ok(report("agreements ending", inputs, object(body)))
}

async fn time_by_period(
    reader: &Reader<'_>,
    args: &Args<'_>,
    today: NaiveDate,
) -> Result<Value, ToolFailure> {
    let (from, to) = period_of(args, Report::TimeByPeriod, today)?;
    let by = match args
        .string(Arg::By)?
        .map(str::trim)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("member" | "members" | "technician" | "technicians") => "member",
        Some("company" | "companies" | "client" | "clients") => "company",
        Some(other) => {
            return Err(ToolFailure::invalid(format!(
                "`by` must be member or company, got {other:?}"
            )));
        }
    };
    let entries = reader
        .list(
            "/time/entries",
            &format!("timeStart >= [{from}] AND timeStart < [{to}]"),
            &format!("{by}/name,actualHours,billableOption"),
            "id",
            PAGE,
        )
        .await?;
    let key = format!("{by}/name");
    let groups = totals_by(&entries.items, &key, hours);
    let billable_of = totals_by(&entries.items, &key, billable_hours);
    let rows: Vec<Value> = groups
        .iter()
        .map(|(name, hours)| {
            let billable = billable_of
                .iter()
                .find_map(|(n, b)| (n == name).then_some(*b))
                .unwrap_or(0.0);
            json!({by: name, "hours": exact(*hours), "billable": exact(billable), "notBillable": exact(hours - billable)})
        })
        .collect();
    let total: f64 = groups.iter().map(|g| g.1).sum();
    let billable: f64 = billable_of.iter().map(|g| g.1).sum();
    let mut body = Map::new();
    body.insert("entries".into(), json!(entries.total));
    body.insert("hours".into(), exact(total));
    body.insert("billable".into(), exact(billable));
    body.insert("notBillable".into(), exact(total - billable));
    body.insert(
        format!("by{}", if by == "member" { "Member" } else { "Company" }),
        json!(rows),
    );
    if !entries.complete {
        body.insert(
            "partial".into(),
            json!(format!(
                "read the first {} of {} entries: narrow the period",
                entries.items.len(),
                entries.total
            )),
        );
    }
    let inputs = json!({"from": from.to_string(), "to": last_day(to), "by": by});
    Ok(report("time by period", inputs, body))
}

/// A report's answer: its name and inputs first, then what it found.
fn report(name: &str, inputs: Value, body: Map<String, Value>) -> Value {
    let mut answer = Map::new();
    answer.insert("report".into(), json!(name));
    answer.insert("inputs".into(), inputs);
    answer.extend(body);
    Value::Object(answer)
}

/// The period argument (or the report's default) as [first day, day after the last).
fn period_of(
    args: &Args<'_>,
    report: Report,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), ToolFailure> {
    let text = args.string(Arg::Period)?.unwrap_or(default_period(report));
    dates::period(text, today).ok_or_else(|| {
        ToolFailure::invalid(format!(
            "`period` must be a day or a span: today, tomorrow, this week, last week, this month, next month, last 7 days, 2026-12-01 or 2026-12-01..2026-12-07; got {text:?}"
        ))
    })
}

/// The last day of a period that ends before `to`.
fn last_day(to: NaiveDate) -> String {
    to.pred_opt().unwrap_or(to).to_string()
}

/// The company `company_id` names: its id, identifier or exact name.
async fn company_of(reader: &Reader<'_>, args: &Args<'_>) -> Result<u64, ToolFailure> {
    lookup::record_id(
        reader.client,
        args,
        "company_id",
        "/company/companies",
        "company",
    )
    .await
}

/// The member `member` names: an identifier (`mpatel`), a full name (`Marcus Patel`) or an id.
async fn member_of(reader: &Reader<'_>, args: &Args<'_>) -> Result<Value, ToolFailure> {
    let written = match args.id_or_name(Arg::Member) {
        Ok(IdOrName::Id(id)) => {
            return reader
                .record(
                    "/system/members",
                    id,
                    &format!("no member {id}: check `member`"),
                )
                .await;
        }
        Ok(IdOrName::Name(name)) => name,
        Err(_) => {
            return Err(ToolFailure::invalid(
                "`member` is required: the member's identifier (mpatel) or full name (Marcus Patel)",
            ));
        }
    };
    let refused = |e| ToolFailure::invalid(format!("`member` cannot be looked up: {e}"));
    let mut conditions = field("identifier")
        .and_then(|f| f.eq(written))
        .map_err(refused)?;
    if let Some((first, last)) = written.split_once(' ') {
        let named: Expr = field("firstName")
            .and_then(|f| f.compare(Operator::Eq, first.trim()))
            .and_then(|f| Ok(f.and(field("lastName")?.eq(last.trim())?)))
            .map_err(refused)?;
        conditions = conditions.or(named);
    }
    let found = reader
        .list(
            "/system/members",
            &conditions.to_string(),
            "id,identifier,firstName,lastName",
            "id",
            5,
        )
        .await?;
    match found.items.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(ToolFailure::not_found(format!(
            "no member has the identifier or name {written:?}: connectwise_get_members lists them"
        ))),
        several => Err(ToolFailure::invalid(format!(
            "{written:?} is {} members: {}. Give `member` as one of these identifiers.",
            several.len(),
            several
                .iter()
                .map(|m| text(m, "identifier"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The board `board` names, by id or exact name.
async fn board_of(reader: &Reader<'_>, args: &Args<'_>) -> Result<u64, ToolFailure> {
    match args.id_or_name(Arg::Board) {
        Ok(IdOrName::Id(id)) => Ok(id),
        Ok(IdOrName::Name(name)) => {
            lookup::by_name(
                reader.client,
                "/service/boards",
                &["name"],
                "board",
                "board",
                name,
            )
            .await
        }
        Err(_) => Err(ToolFailure::invalid(
            "`board` is required: the board's name (Service Desk) or numeric id",
        )),
    }
}

/// These fields of `record`, where it has them.
fn pick(record: &Value, fields: &[&str]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|f| {
            Some((
                (*f).to_owned(),
                record.get(*f).filter(|v| !v.is_null())?.clone(),
            ))
        })
        .collect()
}

/// A contact as one reaches them: name, title, phone and e-mail (`fullName`, since a text
/// line shows an object with a `name` and plain values as that name alone).
fn reach(contact: &Value) -> Value {
    let mut reach = Map::new();
    reach.insert("fullName".into(), json!(full_name(contact)));
    if let Some(title) = contact["title"].as_str() {
        reach.insert("title".into(), json!(title));
    }
    for item in contact["communicationItems"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let kind = item
            .pointer("/type/name")
            .and_then(Value::as_str)
            .unwrap_or("contact");
        if let Some(value) = item["value"].as_str() {
            reach
                .entry(kind.to_ascii_lowercase())
                .or_insert_with(|| json!(value));
        }
    }
    if let Some(id) = contact.get("id") {
        reach.insert("id".into(), id.clone());
    }
    Value::Object(reach)
}

fn full_name(person: &Value) -> String {
    format!("{} {}", text(person, "firstName"), text(person, "lastName"))
        .trim()
        .to_owned()
}

fn text<'a>(record: &'a Value, key: &str) -> &'a str {
    record.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Each value at `path` among `records` (`(none)` where a record has none) with the total of
/// `weight` over its records, the largest first.
fn totals_by(records: &[Value], path: &str, weight: fn(&Value) -> f64) -> Vec<(String, f64)> {
    let mut totals: Vec<(String, f64)> = Vec::new();
    for record in records {
        let value = shape::at(record, path)
            .and_then(Value::as_str)
            .unwrap_or("(none)");
        match totals.iter_mut().find(|(v, _)| v == value) {
            Some(total) => total.1 += weight(record),
            None => totals.push((value.to_owned(), weight(record))),
        }
    }
    totals.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    totals
}

/// How many records have each value at `path`, the most first.
fn tally(records: &[Value], path: &str) -> Value {
    let counts = totals_by(records, path, |_| 1.0);
    Value::Object(counts.into_iter().map(|(v, n)| (v, exact(n))).collect())
}

/// A time entry's hours.
fn hours(entry: &Value) -> f64 {
    entry["actualHours"].as_f64().unwrap_or(0.0)
}

/// A time entry's hours when they are billable.
fn billable_hours(entry: &Value) -> f64 {
    if entry["billableOption"] == "Billable" {
        hours(entry)
    } else {
        0.0
    }
}

/// Time entries' hours in all and by member, the most first.
fn hours_by_member(time: &Listed) -> Value {
    let by = totals_by(&time.items, "member/name", hours);
    let total: f64 = by.iter().map(|(_, h)| h).sum();
    json!({
        "entries": time.total,
        "hours": exact(total),
        "byMember": Value::Object(by.into_iter().map(|(n, h)| (n, exact(h))).collect()),
    })
}

/// `text` cut to about `chars` characters at a word.
fn cut(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.trim().to_owned();
    }
    let kept: String = text.chars().take(chars).collect();
    let at = kept.rfind(' ').unwrap_or(kept.len());
    format!("{}…", kept[..at].trim_end())
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
