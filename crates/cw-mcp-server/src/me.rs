//! `[me]`: the signed-in user as a ConnectWise member. In conditions
//! (`owner/identifier = [me]`) it becomes the member's identifier, quoted; as `member`
//! (`me`) the identifier itself. The member is the one the operator mapped the user to, or
//! the one whose primary e-mail is the user's verified e-mail.

use std::borrow::Cow;

use cw_boundary::CallerIdentity;
use cw_client::conditions::{Operator, field};
use cw_client::{ApiPath, Client, Query};
use serde_json::{Map, Value};

use crate::args::Arg;
use crate::dates::{bracketed, is_conditions};
use crate::errors::ToolFailure;

/// True when `inside` (a bracket's text) means the caller.
fn means_me(inside: &str) -> bool {
    inside.trim().eq_ignore_ascii_case("me")
}

/// True when a `member` value means the caller.
fn member_is_me(value: &str) -> bool {
    let value = value.trim();
    ["me", "myself", "[me]"]
        .iter()
        .any(|word| value.eq_ignore_ascii_case(word))
}

/// The arguments with `[me]` and `member: me` written as the caller's member identifier;
/// borrowed when they do not mention the caller. A call that does, made for no one (no
/// signed-in user) or for a user no member matches, fails saying how to name the member.
pub async fn resolve<'a>(
    arguments: &'a Map<String, Value>,
    caller: Option<&CallerIdentity>,
    client: &Client,
) -> Result<Cow<'a, Map<String, Value>>, ToolFailure> {
    if rewritten(arguments, "").is_none() {
        return Ok(Cow::Borrowed(arguments));
    }
    let identifier = member_identifier(caller, client).await?;
    if !identifier
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c))
    {
        return Err(ToolFailure::invalid(format!(
            "the signed-in user's member identifier {identifier:?} is not one ConnectWise writes (letters, digits, . _ @ -): name the member instead"
        )));
    }
    Ok(rewritten(arguments, &identifier).map_or(Cow::Borrowed(arguments), Cow::Owned))
}

/// The arguments with the caller written as `identifier` (quoted in conditions); `None` when
/// they do not mention the caller.
fn rewritten(arguments: &Map<String, Value>, identifier: &str) -> Option<Map<String, Value>> {
    let quoted = format!("\"{identifier}\"");
    let mut resolved: Option<Map<String, Value>> = None;
    for (key, value) in arguments {
        let Value::String(text) = value else { continue };
        let written = if key == Arg::Member.name() && member_is_me(text) {
            identifier.to_owned()
        } else if is_conditions(key)
            && let Cow::Owned(written) =
                bracketed(text, |inside| means_me(inside).then(|| quoted.clone()))
        {
            written
        } else {
            continue;
        };
        resolved
            .get_or_insert_with(|| arguments.clone())
            .insert(key.clone(), Value::String(written));
    }
    resolved
}

/// The caller's member identifier: the operator's mapping, else the active member whose
/// primary e-mail is the caller's.
async fn member_identifier(
    caller: Option<&CallerIdentity>,
    client: &Client,
) -> Result<String, ToolFailure> {
    let caller = caller.filter(|c| c.member.is_some() || c.email.is_some()).ok_or_else(|| {
        ToolFailure::invalid(
            "[me] stands for the signed-in user, and this call comes from no signed-in user (sign-in is set up on the bridge with BRIDGE_OAUTH_ISSUER). Name the member instead: owner/identifier = \"jsmith\", or member: jsmith",
        )
    })?;
    if let Some(member) = &caller.member {
        return Ok(member.clone());
    }
    let email = caller.email.as_deref().unwrap_or_default();
    let refused = |e| ToolFailure::invalid(format!("[me] cannot be looked up: {e}"));
    let conditions = field("primaryEmail")
        .and_then(|f| f.compare(Operator::Eq, email))
        .and_then(|f| Ok(f.and(field("inactiveFlag")?.compare(Operator::Eq, false)?)))
        .map_err(refused)?;
    let query = Query::new()
        .conditions(conditions)
        .fields("identifier")
        .page_size(2);
    let page = client
        .list_values(&ApiPath::collection("/system/members"), &query)
        .await
        .map_err(|e| {
            let mut failure = ToolFailure::from_client(e, || "no member list to search".into());
            failure.message.push_str(
                ". [me] finds the signed-in user among the members by e-mail; the operator can map the user to a member under \"members\" in CW_ROLES_FILE instead",
            );
            failure
        })?;
    match page.items.as_slice() {
        [one] => one["identifier"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ToolFailure::not_found("the member found for [me] has no identifier")),
        [] => Err(ToolFailure::not_found(format!(
            "no active ConnectWise member has the primary e-mail {email}, the signed-in user's: the operator maps users to members under \"members\" in CW_ROLES_FILE. Until then, name the member: owner/identifier = \"jsmith\""
        ))),
        _ => Err(ToolFailure::invalid(format!(
            "several active ConnectWise members have the primary e-mail {email}: the operator maps the user to one under \"members\" in CW_ROLES_FILE. Until then, name the member: owner/identifier = \"jsmith\""
        ))),
    }
}
