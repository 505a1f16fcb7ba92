//! cw-client against cw-sim over real loopback HTTP: every endpoint, the
//! conditions grammar, paging, each error class, retries, and read-only.

use std::sync::Arc;
use std::time::Duration;

use cw_client::resources::*;
use cw_client::{ApiPath, Client, Config, Error, Query, RetryPolicy, Secret};
use cw_sim::{Dataset, Fault, FaultBody, SimConfig, SimHandle};
use serde_json::Value;

fn dataset() -> Arc<Dataset> {
    Dataset::shared()
}

async fn sim() -> SimHandle {
    cw_sim::start(SimConfig::with_shared_data()).await.unwrap()
}

fn fast_retries(mut config: Config) -> Config {
    config.retry = RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    config
}

fn client(sim: &SimHandle) -> Client {
    Client::new(&fast_retries(sim.client_config())).unwrap()
}

/// Every request a test made was a GET.
fn assert_read_only(sim: &SimHandle) {
    let counts = sim.journal().method_counts();
    assert!(
        sim.journal().only_gets(),
        "non-GET requests reached the simulator: {counts:?}"
    );
    assert!(sim.journal().total() > 0, "the test made no request at all");
}

fn records(key: &str) -> Vec<Value> {
    dataset().table(key).unwrap().records().to_vec()
}

#[tokio::test]
async fn every_collection_lists_counts_and_round_trips() {
    let sim = sim().await;
    let client = client(&sim);
    macro_rules! check {
        ($($marker:ty),*) => {$({
            let expected = records(<$marker as Collection>::PATH);
            let page = client.list::<$marker>(&Query::new().page_size(1000)).await.unwrap();
            assert_eq!(page.items.len(), expected.len().min(1000), "{}", <$marker as Collection>::PATH);
            assert!(!expected.is_empty(), "{} has demo data", <$marker as Collection>::PATH);
            // Nothing lost: typed records serialize back to exactly what was sent.
            for (typed, raw) in page.items.iter().zip(&expected) {
                assert_eq!(&serde_json::to_value(typed).unwrap(), raw);
            }
            let count = client.count::<$marker>(&Query::new()).await.unwrap();
            assert_eq!(count, expected.len() as u64);
        })*};
    }
    check!(
        Companies,
        CompanyTypes,
        CompanyStatuses,
        Contacts,
        ContactTypes,
        Configurations,
        ConfigurationTypes,
        Tickets,
        Priorities,
        Sources,
        Boards,
        Opportunities,
        Activities,
        Agreements,
        Invoices,
        BillingCycles,
        ExpenseEntries,
        TimeEntries,
        Projects,
        Members
    );
    assert_read_only(&sim);
}

#[tokio::test]
async fn every_record_type_is_fetched_by_id() {
    let sim = sim().await;
    let client = client(&sim);
    macro_rules! check {
        ($($marker:ty),*) => {$({
            let first = records(<$marker as Collection>::PATH)[0].clone();
            let id = first["id"].as_u64().unwrap();
            let record = client.get::<$marker>(id).await.unwrap();
            assert_eq!(serde_json::to_value(record).unwrap(), first);
        })*};
    }
    check!(
        Companies,
        Contacts,
        Configurations,
        Tickets,
        Boards,
        Opportunities,
        Activities,
        Agreements,
        Invoices,
        ExpenseEntries,
        TimeEntries,
        Projects,
        Members
    );
    let ticket = client.get::<Tickets>(20_001).await.unwrap();
    assert_eq!(ticket.id, 20_001);
    assert!(ticket.summary.is_some() && ticket.board.is_some() && ticket.info.is_some());
    assert_read_only(&sim);
}

#[tokio::test]
async fn child_collections_belong_to_their_parent() {
    let sim = sim().await;
    let client = client(&sim);
    let notes = client
        .list_children::<TicketNotes>(20_001, &Query::new())
        .await
        .unwrap();
    assert!(!notes.items.is_empty());
    assert!(notes.items.iter().all(|n| n.ticket_id == Some(20_001)));
    let tasks = client
        .list_children::<TicketTasks>(20_002, &Query::new().page_size(100))
        .await
        .unwrap();
    assert!(tasks.items.iter().all(|t| t.ticket_id == Some(20_002)));
    let expected_schedules = records("/service/tickets/scheduleentries")
        .iter()
        .filter(|s| s["objectId"] == 20_003)
        .count();
    let schedules = client
        .list_children::<TicketScheduleEntries>(20_003, &Query::new())
        .await
        .unwrap();
    assert_eq!(schedules.items.len(), expected_schedules);
    let sites = client
        .list_children::<CompanySites>(2, &Query::new())
        .await
        .unwrap();
    assert_eq!(sites.items.len(), 2, "ACME has two sites");
    let statuses = client
        .list_children::<BoardStatuses>(1, &Query::new())
        .await
        .unwrap();
    assert_eq!(statuses.items.len(), 6);
    assert!(
        statuses
            .items
            .iter()
            .all(|s| s.board.as_ref().and_then(|b| b.id) == Some(1))
    );
    let additions = client
        .list_children::<AgreementAdditions>(100, &Query::new())
        .await
        .unwrap();
    assert!(
        !additions.items.is_empty() && additions.items.iter().all(|a| a.agreement_id == Some(100))
    );
    let second_page = client
        .list_children::<TicketNotes>(20_001, &Query::new().page(2).page_size(1))
        .await;
    assert!(second_page.is_ok());
    let count = client
        .count_at(
            &ApiPath::children("/service/tickets", 20_001, "notes"),
            &Query::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        count as usize,
        records("/service/tickets/notes")
            .iter()
            .filter(|n| n["ticketId"] == 20_001)
            .count()
    );
    // A missing parent is a 404 that names it.
    match client.list_children::<TicketNotes>(1, &Query::new()).await {
        Err(Error::NotFound(body)) => assert_eq!(body.message, "Ticket 1 not found"),
        other => panic!("{other:?}"),
    }
    assert_read_only(&sim);
}

/// Counts through the API against counts computed here from the raw data.
#[tokio::test]
async fn conditions_select_what_they_say() {
    let sim = sim().await;
    let client = client(&sim);
    let tickets = records("/service/tickets");
    let by = |f: &dyn Fn(&Value) -> bool| tickets.iter().filter(|t| f(t)).count() as u64;
    let lower = |v: &Value| v.as_str().unwrap_or_default().to_lowercase();
    let cases: Vec<(&str, u64)> = vec![
        (
            r#"company/identifier = "ACME""#,
            by(&|t| t["company"]["identifier"] == "ACME"),
        ),
        (
            r#"company/identifier = "acme""#,
            by(&|t| t["company"]["identifier"] == "ACME"),
        ),
        ("closedFlag = false", by(&|t| t["closedFlag"] == false)),
        (
            "closedFlag = true AND board/id = 1",
            by(&|t| t["closedFlag"] == true && t["board"]["id"] == 1),
        ),
        (
            "board/id in (2, 3)",
            by(&|t| t["board"]["id"] == 2 || t["board"]["id"] == 3),
        ),
        (
            "board/id not in (2, 3)",
            by(&|t| t["board"]["id"] != 2 && t["board"]["id"] != 3),
        ),
        (
            r#"status/name in ("New", "In Progress")"#,
            by(&|t| t["status"]["name"] == "New" || t["status"]["name"] == "In Progress"),
        ),
        (
            r#"summary contains "printer""#,
            by(&|t| lower(&t["summary"]).contains("printer")),
        ),
        (
            r#"summary not contains "printer""#,
            by(&|t| !lower(&t["summary"]).contains("printer")),
        ),
        (
            r#"summary like "printer%""#,
            by(&|t| lower(&t["summary"]).starts_with("printer")),
        ),
        (
            r#"summary like '*password*'"#,
            by(&|t| lower(&t["summary"]).contains("password")),
        ),
        (
            r#"summary not like "%password%""#,
            by(&|t| !lower(&t["summary"]).contains("password")),
        ),
        ("id >= 20100 and id < 20200", 100),
        ("id = 20001 or id = 20002 or id = 99", 2),
        (
            "(id = 20001 or id = 20002) and closedFlag = true",
            by(&|t| (t["id"] == 20001 || t["id"] == 20002) && t["closedFlag"] == true),
        ),
        ("owner = null", by(&|t| t.get("owner").is_none())),
        ("owner != null", by(&|t| t.get("owner").is_some())),
        (
            "budgetHours > 5.5",
            by(&|t| t["budgetHours"].as_f64().unwrap() > 5.5),
        ),
        (
            "_info/dateEntered >= [2026-06-01]",
            by(&|t| t["_info"]["dateEntered"].as_str().unwrap() >= "2026-06-01"),
        ),
        (
            "dateEntered < [2026-06-01T00:00:00Z]",
            by(&|t| t["_info"]["dateEntered"].as_str().unwrap() < "2026-06-01"),
        ),
    ];
    for (conditions, expected) in cases {
        let query = Query::new().conditions(conditions);
        let count = client.count::<Tickets>(&query).await.unwrap();
        assert_eq!(count, expected, "{conditions}");
        let page = client
            .list::<Tickets>(&query.page_size(1000))
            .await
            .unwrap();
        assert_eq!(page.items.len() as u64, expected, "{conditions}");
    }
    // childConditions reach into arrays; customFieldConditions test each custom field.
    let contacts = client
        .list::<Contacts>(
            &Query::new()
                .child_conditions(r#"communicationItems/value like "%@acme.example""#)
                .page_size(1000),
        )
        .await
        .unwrap();
    assert!(
        contacts.items.len() >= 4
            && contacts
                .items
                .iter()
                .all(|c| c.company.as_ref().unwrap().id == Some(2))
    );
    let gold = records("/company/companies")
        .iter()
        .filter(|c| c["customFields"][0]["value"] == "Gold")
        .count();
    let companies = client
        .count::<Companies>(
            &Query::new().custom_field_conditions(r#"caption = "Support Tier" AND value = "Gold""#),
        )
        .await
        .unwrap();
    assert_eq!(companies as usize, gold);
    assert_read_only(&sim);
}

#[tokio::test]
async fn order_by_and_fields_shape_the_answer() {
    let sim = sim().await;
    let client = client(&sim);
    let query = Query::new()
        .order_by("company/name desc, id asc")
        .fields("id,summary,company/name")
        .page_size(50);
    let page = client
        .list_values(&ApiPath::collection("/service/tickets"), &query)
        .await
        .unwrap();
    let names: Vec<String> = page
        .items
        .iter()
        .map(|t| t["company"]["name"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        names.windows(2).all(|w| w[0] >= w[1]),
        "sorted by company name descending"
    );
    for ticket in &page.items {
        let keys: Vec<&str> = ticket
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["id", "summary", "company"]);
        assert_eq!(ticket["company"].as_object().unwrap().len(), 1);
    }
    assert_read_only(&sim);
}

#[tokio::test]
async fn pages_follow_link_headers_to_the_last() {
    let sim = sim().await;
    let client = client(&sim);
    let first = client
        .list::<Tickets>(&Query::new().page_size(300))
        .await
        .unwrap();
    assert!(first.has_more);
    assert_eq!((first.next_page, first.last_page), (Some(2), Some(4)));
    let last = client
        .list::<Tickets>(&Query::new().page_size(300).page(4))
        .await
        .unwrap();
    assert!(!last.has_more);
    // 1,000 numbered from 20001, and ticket 12345.
    assert_eq!(last.items.len(), 101);
    let all = client
        .list_all::<Tickets>(&Query::new().page_size(250), 10)
        .await
        .unwrap();
    let ids: Vec<u64> = all.iter().map(|t| t.id).collect();
    let expected: Vec<u64> = records("/service/tickets")
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, expected, "every ticket once, in order");
    let capped = client
        .list_all::<Tickets>(&Query::new().page_size(100), 3)
        .await
        .unwrap_err();
    assert!(capped.to_string().contains("more than 3 pages"), "{capped}");
    // Forward-only paging (pageId) walks the same records.
    let forward = client
        .list_all::<Tickets>(&Query::new().page_size(400).page_id(0), 10)
        .await
        .unwrap();
    assert_eq!(forward.len(), expected.len());
    let journal = sim.journal().entries();
    assert!(
        journal
            .iter()
            .any(|e| e.header("pagination-type") == Some("forward-only"))
    );
    assert_read_only(&sim);
}

#[tokio::test]
async fn requests_carry_the_documented_headers_and_no_secret_is_journaled() {
    let sim = sim().await;
    let client = client(&sim);
    client.system_info().await.unwrap();
    let info = client.company_info().await.unwrap();
    assert_eq!(info.codebase, "v4_6_release/");
    let entry = sim
        .journal()
        .entries()
        .into_iter()
        .find(|e| e.path.ends_with("/system/info"))
        .unwrap();
    assert_eq!(entry.path, "/v4_6_release/apis/3.0/system/info");
    assert_eq!(
        entry.header("accept"),
        Some("application/vnd.connectwise.com+json; version=2023.2")
    );
    assert_eq!(entry.header("clientid"), Some(cw_sim::DEMO_CLIENT_ID));
    assert!(entry.header("authorization").is_none());
    assert_read_only(&sim);
}

#[tokio::test]
async fn each_error_class_maps_to_its_type() {
    let sim = sim().await;
    let client = client(&sim);
    // 404 from a missing record.
    match client.get::<Tickets>(1).await {
        Err(Error::NotFound(body)) => assert_eq!(
            (body.code.as_str(), body.message.as_str()),
            ("NotFound", "Ticket 1 not found")
        ),
        other => panic!("{other:?}"),
    }
    // 401 from wrong credentials, with no secret in the message.
    let mut wrong = sim.client_config();
    wrong.private_key = Secret::new("not-the-key");
    let err = Client::new(&wrong)
        .unwrap()
        .list::<Tickets>(&Query::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("CW_PRIVATE_KEY")
            && !text.contains("not-the-key")
            && !text.contains("demo-public"),
        "{text}"
    );
    // 401 for a clientId that is not a GUID.
    let mut no_guid = sim.client_config();
    no_guid.client_id = "mcp-connectwise-server".into();
    assert!(matches!(
        Client::new(&no_guid).unwrap().system_info().await,
        Err(Error::Unauthorized { .. })
    ));
    // 400, 403 and other statuses from injected faults keep ConnectWise's body.
    sim.faults().add(Fault::status(400).times(1));
    assert!(
        matches!(client.list::<Tickets>(&Query::new()).await, Err(Error::BadRequest(b)) if b.message.contains("400"))
    );
    sim.faults().add(Fault::status(403).times(1));
    assert!(matches!(
        client.list::<Tickets>(&Query::new()).await,
        Err(Error::Forbidden(_))
    ));
    sim.faults().add(Fault::status(409).times(1));
    assert!(matches!(
        client.list::<Tickets>(&Query::new()).await,
        Err(Error::Status { status: 409, .. })
    ));
    // A redirect is not followed: to a path the caller never asked for (members) nor anywhere.
    sim.journal().clear();
    sim.faults().add(
        Fault::redirect(format!(
            "{}/v4_6_release/apis/3.0/system/members",
            sim.url()
        ))
        .on_path("/service/tickets")
        .times(1),
    );
    let redirected = client.list::<Tickets>(&Query::new()).await;
    assert!(
        matches!(&redirected, Err(Error::InvalidResponse { status: 302, reason }) if reason.contains("not followed") && reason.contains("CW_API_URL")),
        "{redirected:?}"
    );
    let paths: Vec<String> = sim
        .journal()
        .entries()
        .iter()
        .map(|e| e.path.clone())
        .collect();
    assert!(
        paths.len() == 1 && paths[0].ends_with("/service/tickets"),
        "{paths:?}"
    );
    // Bodies that are not the expected JSON.
    sim.faults()
        .add(Fault::status(200).body(FaultBody::NotJson).times(1));
    assert!(matches!(
        client.list::<Tickets>(&Query::new()).await,
        Err(Error::InvalidResponse { status: 200, .. })
    ));
    sim.faults()
        .add(Fault::status(200).body(FaultBody::Truncated).times(1));
    assert!(matches!(
        client.list::<Tickets>(&Query::new()).await,
        Err(Error::InvalidResponse { .. })
    ));
    // Bad requests never leave the client.
    let before = sim.journal().total();
    assert!(matches!(
        client
            .list::<Tickets>(&Query::new().conditions("summary = open"))
            .await,
        Err(Error::Conditions { .. })
    ));
    assert!(matches!(
        client.list::<Tickets>(&Query::new().page_size(5000)).await,
        Err(Error::InvalidRequest(_))
    ));
    let long = format!("summary contains \"{}\"", "x".repeat(3000));
    assert!(
        matches!(client.list::<Tickets>(&Query::new().conditions(long)).await, Err(Error::InvalidRequest(m)) if m.contains("2,000"))
    );
    assert_eq!(
        sim.journal().total(),
        before,
        "nothing was sent for invalid requests"
    );
    assert_read_only(&sim);
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_reported() {
    let sim = sim().await;
    let mut config = fast_retries(sim.client_config());
    config.timeout = Duration::from_millis(200);
    let client = Client::new(&config).unwrap();
    sim.faults()
        .add(Fault::delay(Duration::from_secs(2)).times(1));
    let err = client.system_info().await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(err.to_string().contains("CW_TIMEOUT_SECS"));
    // The stalled request is journaled only once the simulator answers it.
    assert!(sim.journal().only_gets());
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut refused = config.clone();
    refused.api_url = format!("http://127.0.0.1:{port}");
    refused.retry.max_retries = 1;
    let err = Client::new(&refused)
        .unwrap()
        .system_info()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(err.to_string().contains("CW_API_URL"));
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_within_bounds() {
    let sim = sim().await;
    let client = client(&sim);
    // 429 twice with Retry-After: 0, then success.
    sim.faults().add(Fault::status(429).retry_after(0).times(2));
    client.system_info().await.unwrap();
    let statuses: Vec<u16> = sim.journal().entries().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
    // 503 twice, then success.
    sim.journal().clear();
    sim.faults().add(Fault::status(503).times(2));
    client.system_info().await.unwrap();
    assert_eq!(sim.journal().total(), 3);
    // 502 for ever: 1 try + 3 retries, then the error.
    sim.journal().clear();
    sim.faults().add(Fault::status(502).on_path("/system/info"));
    assert!(matches!(
        client.system_info().await,
        Err(Error::Server { status: 502, .. })
    ));
    assert_eq!(sim.journal().total(), 4);
    sim.faults().clear();
    // A Retry-After longer than the cap goes straight back to the caller.
    sim.journal().clear();
    sim.faults()
        .add(Fault::status(429).retry_after(120).times(1));
    match client.system_info().await {
        Err(Error::RateLimited { retry_after, body }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
            assert!(body.message.contains("Too many requests"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.journal().total(), 1);
    // 4xx other than 429 is never retried.
    sim.journal().clear();
    client.get::<Tickets>(1).await.unwrap_err();
    assert_eq!(sim.journal().total(), 1);
    assert_read_only(&sim);
}

#[tokio::test]
async fn the_simulator_itself_answers_like_connectwise() {
    let sim = sim().await;
    cw_client::init_tls();
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}/v4_6_release/apis/3.0{path}", sim.url());
    let auth = |r: reqwest::RequestBuilder| {
        r.basic_auth("demo+demo-public", Some("demo-private"))
            .header("clientId", cw_sim::DEMO_CLIENT_ID)
    };
    let answer = |r: reqwest::Response| async move {
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    let (status, body) = answer(
        auth(http.get(url("/service/tickets?pageSize=1001")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "OutOfRange");
    assert_eq!(body["errors"][0]["field"], "pageSize");
    let (status, body) = answer(
        auth(http.get(url("/service/tickets?conditions=summary%20%3D%20Open")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("InvalidObject"))
    );
    assert!(body["message"].as_str().unwrap().contains("at byte 10"));
    let (status, body) = answer(http.get(url("/service/tickets")).send().await.unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("Unauthorized")));
    let (status, _) = answer(
        auth(http.get(format!("{}/v2025_1/apis/3.0/system/info", sim.url())))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "any codebase segment is served");
    let (status, _) = answer(
        auth(http.get(url("/service/nothing")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    // A write is refused, and the journal shows it: the read-only check can fail.
    let status = auth(http.post(url("/service/tickets")))
        .body("{}")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 405);
    assert!(!sim.journal().only_gets());
    assert_eq!(sim.journal().method_counts().get("POST"), Some(&1));
}

#[tokio::test]
async fn data_is_deterministic_and_realistic() {
    let again = Dataset::generate(cw_sim::DEFAULT_SEED, 1.0, cw_sim::data::time::FIXED_NOW);
    for (key, count) in dataset().counts() {
        assert_eq!(
            again.table(key).unwrap().records(),
            dataset().table(key).unwrap().records(),
            "{key}"
        );
        assert!(count > 0, "{key} is empty");
    }
    let counts: std::collections::HashMap<_, _> = dataset().counts().into_iter().collect();
    assert_eq!(counts["/company/companies"], 50);
    // 200 drawn at random, and one for the company the draws left without any.
    assert_eq!(counts["/company/contacts"], 201);
    assert!(
        records("/finance/agreements")
            .iter()
            .all(|a| a["contact"]["id"].is_u64())
    );
    assert_eq!(counts["/service/tickets"], 1001);
    assert!(counts["/service/tickets/notes"] > 1000);
    let members = records("/system/members");
    assert!(
        members.iter().any(|m| m["inactiveFlag"] == true)
            && members.iter().any(|m| m["inactiveFlag"] == false)
    );
    let acme = &records("/company/companies")[0];
    assert_eq!(
        (acme["identifier"].as_str(), acme["name"].as_str()),
        (Some("ACME"), Some("ACME Corporation"))
    );
    let ticket = &records("/service/tickets")[0];
    assert!(
        ticket["company"]["_info"]["company_href"]
            .as_str()
            .unwrap()
            .contains("/apis/3.0//company/companies/")
    );
    assert!(
        ticket["_info"]["dateEntered"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let different = Dataset::generate(7, 0.1, cw_sim::data::time::FIXED_NOW);
    assert_eq!(different.table("/service/tickets").unwrap().len(), 101);
}
