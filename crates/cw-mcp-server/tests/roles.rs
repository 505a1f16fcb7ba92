//! Calls made for a signed-in user's role (the bridge's `_meta`), against cw-sim: a role
//! narrows the server's policy and names itself in refusals, and `[me]` is the user's member.

use clap::Parser;
use cw_boundary::{CallerIdentity, Roles};
use cw_client::Client;
use cw_mcp_server::ConnectWiseServer;
use cw_mcp_server::access::Access;
use cw_mcp_server::budget::DEFAULT_BUDGET;
use cw_mcp_server::config::Options;
use cw_mcp_server::profiles::Profile;
use cw_mcp_server::server::CallFor;
use cw_sim::SimConfig;
use rmcp::model::CallToolResult;
use serde_json::{Map, Value, json};

const ROLES: &str = r#"{
    "roles": [
        {"name": "techs", "groups": ["cw-techs"], "deny_paths": ["@members"], "deny_tools": ["connectwise_get_contacts"]},
        {"name": "dispatch", "groups": ["cw-dispatch"], "profile": "compact", "deny_modules": ["finance"]},
        {"name": "service-desk", "groups": ["*"], "allow_tools": ["connectwise_get_tickets", "connectwise_member_schedule", "connectwise_get_members"], "deny_modules": ["finance"]}
    ]
}"#;

async fn server(sim: &cw_sim::SimHandle, server_args: &[&str]) -> ConnectWiseServer {
    let options = Options::try_parse_from(
        std::iter::once("cw-mcp-server").chain(server_args.iter().copied()),
    )
    .unwrap();
    let config = sim.client_config();
    let access = Access::from_options(&options, &config.api_url).unwrap();
    let roles = Roles::parse(ROLES)
        .unwrap()
        .roles
        .iter()
        .map(|role| (role.name.clone(), access.narrowed_by(role).unwrap()))
        .collect();
    let mut config = config;
    config.policy = access.paths.clone();
    config.budget.per_minute = 0;
    ConnectWiseServer::with_access(
        Client::new(&config).unwrap(),
        &Profile::parse("all").unwrap(),
        DEFAULT_BUDGET,
        access,
    )
    .with_roles(roles)
}

fn arguments(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

fn text(result: &CallToolResult) -> String {
    result.content[0].as_text().unwrap().text.clone()
}

fn as_user(role: Option<&str>, email: Option<&str>, member: Option<&str>) -> CallFor {
    CallFor {
        credentials: None,
        identity: Some(CallerIdentity {
            role: role.map(str::to_owned),
            email: email.map(str::to_owned),
            member: member.map(str::to_owned),
        }),
    }
}

/// `tool` called with `args` for a user in `role`.
async fn as_role(
    server: &ConnectWiseServer,
    role: &str,
    tool: &str,
    args: Value,
) -> CallToolResult {
    server
        .call_for(tool, &arguments(args), as_user(Some(role), None, None))
        .await
}

#[tokio::test]
async fn a_role_narrows_the_servers_policy_and_names_itself() {
    let sim = cw_sim::start(SimConfig::with_shared_data()).await.unwrap();
    let server = server(&sim, &["--deny-tools", "connectwise_get_agreements"]).await;
    let members = server
        .call(
            "connectwise_get_members",
            &arguments(json!({"pageSize": 1})),
        )
        .await;
    assert_eq!(
        members.is_error,
        Some(false),
        "no role: the server's policy"
    );

    let techs = as_role(&server, "techs", "connectwise_get_members", json!({})).await;
    assert_eq!(techs.is_error, Some(true));
    assert!(
        text(&techs).contains("@members in deny_paths of the role `techs` in CW_ROLES_FILE"),
        "{}",
        text(&techs)
    );
    let contacts = as_role(&server, "techs", "connectwise_get_contacts", json!({})).await;
    assert!(
        text(&contacts).contains("the role `techs` in CW_ROLES_FILE"),
        "{}",
        text(&contacts)
    );
    let agreements = as_role(&server, "techs", "connectwise_get_agreements", json!({})).await;
    assert_eq!(
        agreements.is_error,
        Some(true),
        "a role never widens the server's denials"
    );
    let tickets = as_role(
        &server,
        "techs",
        "connectwise_get_tickets",
        json!({"pageSize": 1}),
    )
    .await;
    assert_eq!(tickets.is_error, Some(false), "{}", text(&tickets));

    let desk = as_role(
        &server,
        "service-desk",
        "connectwise_get_companies",
        json!({}),
    )
    .await;
    assert!(
        text(&desk).contains("only connectwise_get_tickets"),
        "{}",
        text(&desk)
    );
    let unknown = as_role(&server, "admins", "connectwise_get_tickets", json!({})).await;
    assert_eq!(unknown.is_error, Some(true));
    assert!(
        text(&unknown).contains("does not have"),
        "{}",
        text(&unknown)
    );
}

/// The names of the tools listed for `role` (none: no role).
fn listed(server: &ConnectWiseServer, role: Option<&str>) -> Vec<String> {
    let caller = as_user(role, None, None).identity;
    let tools = server.listed_for(caller.as_ref().filter(|_| role.is_some()));
    tools.unwrap().iter().map(|t| t.name.to_string()).collect()
}

#[tokio::test]
async fn each_role_is_listed_only_what_it_may_read_in_its_profile() {
    let sim = cw_sim::start(SimConfig::with_shared_data()).await.unwrap();
    let server = server(&sim, &["--deny-tools", "connectwise_get_agreements"]).await;
    let everyone = listed(&server, None);
    assert!(
        everyone.len() > 40,
        "the server's profile is all: {everyone:?}"
    );
    assert!(everyone.contains(&"connectwise_get_members".into()));
    assert!(!everyone.contains(&"connectwise_get_agreements".into()));

    let techs = listed(&server, Some("techs"));
    for hidden in [
        "connectwise_get_contacts",
        "connectwise_get_members",
        "connectwise_get_agreements",
    ] {
        assert!(
            !techs.contains(&hidden.into()),
            "techs are not listed {hidden}: {techs:?}"
        );
    }
    assert!(techs.contains(&"connectwise_get_tickets".into()));
    assert!(
        techs.contains(&"connectwise_read".into()),
        "a tool of any path stays listed"
    );

    let mut desk = listed(&server, Some("service-desk"));
    desk.sort();
    assert_eq!(
        desk,
        [
            "connectwise_get_members",
            "connectwise_get_tickets",
            "connectwise_member_schedule"
        ],
        "only its allowed tools"
    );

    let dispatch = listed(&server, Some("dispatch"));
    assert!(
        dispatch.len() < 20,
        "its own profile, compact: {dispatch:?}"
    );
    assert!(dispatch.contains(&"connectwise_get_tickets".into()));
    assert!(
        !dispatch.contains(&"connectwise_get_invoices".into()),
        "finance is denied: {dispatch:?}"
    );
    assert!(!dispatch.contains(&"connectwise_get_agreements".into()));
    let called = as_role(
        &server,
        "dispatch",
        "connectwise_get_companies",
        json!({"pageSize": 1}),
    )
    .await;
    assert_eq!(
        called.is_error,
        Some(false),
        "an allowed tool its profile does not list stays callable"
    );

    let unknown = server.listed_for(as_user(Some("admins"), None, None).identity.as_ref());
    assert!(unknown.unwrap_err().message.contains("does not have"));
}

#[test]
fn a_roles_unknown_profile_is_refused_at_start_naming_the_role() {
    let roles =
        Roles::parse(r#"{"roles": [{"name": "ops", "groups": ["*"], "profile": "everything"}]}"#)
            .unwrap();
    let refused = Access::open().narrowed_by(&roles.roles[0]).unwrap_err();
    assert!(
        refused.contains("profile of the role `ops`") && refused.contains("compact"),
        "{refused}"
    );
}

#[tokio::test]
async fn me_is_the_signed_in_users_member() {
    let sim = cw_sim::start(SimConfig::with_shared_data()).await.unwrap();
    let server = server(&sim, &[]).await;
    let owners = server
        .call("connectwise_get_tickets", &arguments(json!({"conditions": "closedFlag = false", "fields": "owner/identifier", "pageSize": 50})))
        .await;
    let owner = owners.structured_content.unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|t| t["owner"]["identifier"].as_str().map(str::to_owned))
        .expect("an open ticket with an owner");
    let email = format!("{owner}@demo-msp.example");
    let mine = json!({"conditions": "owner/identifier = [me] AND closedFlag = false", "fields": "id,owner/identifier"});

    for call in [
        as_user(None, Some(&email), None),
        as_user(
            Some("service-desk"),
            Some("someone@else.example"),
            Some(&owner),
        ),
    ] {
        let result = server
            .call_for("connectwise_get_tickets", &arguments(mine.clone()), call)
            .await;
        assert_eq!(result.is_error, Some(false), "{}", text(&result));
        let items = result.structured_content.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone();
        assert!(
            !items.is_empty()
                && items
                    .iter()
                    .all(|t| t["owner"]["identifier"] == owner.as_str()),
            "{items:?}"
        );
    }
    let plate = server
        .call_for(
            "connectwise_member_schedule",
            &arguments(json!({"member": "me"})),
            as_user(None, Some(&email), None),
        )
        .await;
    assert_eq!(plate.is_error, Some(false), "{}", text(&plate));
    assert!(text(&plate).contains(&owner), "{}", text(&plate));

    let nobody = server
        .call("connectwise_get_tickets", &arguments(mine.clone()))
        .await;
    assert!(
        text(&nobody).contains("comes from no signed-in user"),
        "{}",
        text(&nobody)
    );
    let stranger = server
        .call_for(
            "connectwise_get_tickets",
            &arguments(mine.clone()),
            as_user(None, Some("stranger@msp.example"), None),
        )
        .await;
    assert!(
        text(&stranger)
            .contains("no active ConnectWise member has the primary e-mail stranger@msp.example"),
        "{}",
        text(&stranger)
    );
    let quoted = server
        .call_for(
            "connectwise_get_tickets",
            &arguments(json!({"conditions": "summary contains \"[me]\"", "pageSize": 1})),
            CallFor::default(),
        )
        .await;
    assert_eq!(
        quoted.is_error,
        Some(false),
        "[me] inside quoted text is text: {}",
        text(&quoted)
    );
}
