"""Each technician's own ConnectWise keys and the operator's policy, through `/mcp` with the
official SDK's client in both its modes and through the OpenWebUI Tool's user valves, against
the real bridge in demo mode with CW_CREDENTIALS=request."""

import json
import re

import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from conftest import load_tools_module, running_bridge

ADMIN = {"X-CW-Company-Id": "demo", "X-CW-Public-Key": "demo-public", "X-CW-Private-Key": "demo-private"}
TECH = {"X-CW-Company-Id": "demo", "X-CW-Public-Key": "tech-public", "X-CW-Private-Key": "tech-private"}
ONBOARDING = {"conditions": 'board/name = "Onboarding"', "fields": "id"}
KEYS = ("demo-public", "demo-private", "tech-public", "tech-private")


@pytest.fixture(scope="module")
def audit_log(tmp_path_factory):
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


@pytest.fixture(scope="module")
def request_bridge(audit_log):
    env = {"CW_CREDENTIALS": "request", "BRIDGE_AUDIT_LOG": str(audit_log), "CW_DENY_TOOLS": "connectwise_get_contacts"}
    with running_bridge(env=env) as url:
        yield url


async def call(url, mode, headers, tool, arguments):
    transport = streamable_http_client(f"{url}/mcp", http_client=create_mcp_http_client(headers=headers))
    async with Client(transport, mode=mode) as client:
        return await client.call_tool(tool, arguments)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_mcp_calls_run_with_the_callers_own_keys(request_bridge, mode):
    admin = await call(request_bridge, mode, ADMIN, "connectwise_get_tickets", ONBOARDING)
    assert not admin.is_error and admin.structured_content["items"], admin.content
    tech = await call(request_bridge, mode, TECH, "connectwise_get_tickets", ONBOARDING)
    assert not tech.is_error and tech.structured_content["items"] == [], "the technician's role hides Onboarding"
    finance = await call(request_bridge, mode, TECH, "connectwise_get_agreements", {})
    assert finance.is_error and "security role" in finance.content[0].text
    missing = await call(request_bridge, mode, {"X-CW-Company-Id": "demo"}, "connectwise_get_tickets", {})
    assert missing.is_error
    assert "lacks X-CW-Public-Key, X-CW-Private-Key" in missing.content[0].text, missing.content[0].text
    denied = await call(request_bridge, mode, TECH, "connectwise_get_contacts", {})
    assert denied.is_error and "operator's access policy" in denied.content[0].text


@pytest.mark.anyio
async def test_the_tool_sends_each_technicians_user_valves(request_bridge, audit_log):
    tools = load_tools_module().Tools()
    tools.valves.CONNECTWISE_BRIDGE_URL = request_bridge

    def user(**valves):
        return {"id": "user-7", "email": "ann@msp.example", "name": "Ann", "role": "user",
                "valves": tools.UserValves(**valves)}

    metadata = {"chat_id": "chat-9"}
    admin = await tools.get_tickets(conditions=ONBOARDING["conditions"], page_size=5, __metadata__=metadata,
                                    __user__=user(CW_COMPANY_ID="demo", CW_PUBLIC_KEY="demo-public",
                                                  CW_PRIVATE_KEY="demo-private"))
    assert re.search(r"^- id: \d+", admin, re.M), admin
    tech = await tools.get_tickets(conditions=ONBOARDING["conditions"], page_size=5, __metadata__=metadata,
                                   __user__=user(CW_COMPANY_ID="demo", CW_PUBLIC_KEY="tech-public",
                                                 CW_PRIVATE_KEY="tech-private"))
    assert tech.startswith("No tickets match."), tech
    missing = await tools.get_tickets(__user__=user(), __metadata__=metadata)
    assert missing.startswith("Error (HTTP 401, missing_credentials)") and "user valves" in missing, missing
    assert "BRIDGE_API_KEY" not in missing, "the hint is about the technician's keys, not the bridge's"

    lines = [json.loads(line) for line in audit_log.read_text().splitlines()]
    from_the_tool = [line for line in lines if line["caller"].get("chatId") == "chat-9"]
    assert len(from_the_tool) == 3, lines
    for line in from_the_tool:
        assert line["caller"]["userEmail"] == "ann@msp.example" and line["caller"]["userId"] == "user-7"
    assert [line["outcome"] for line in from_the_tool] == ["ok", "ok", "missing_credentials"]
    assert from_the_tool[1]["caller"]["publicKeyId"] != from_the_tool[0]["caller"]["publicKeyId"]
    written = audit_log.read_text()
    assert not [key for key in KEYS if key in written], "no key in the audit trail"


@pytest.mark.anyio
async def test_prompts_and_resources_through_the_bridge_with_the_callers_own_keys(request_bridge):
    async def board_names(headers):
        transport = streamable_http_client(f"{request_bridge}/mcp", http_client=create_mcp_http_client(headers=headers))
        async with Client(transport) as client:
            prompts = {prompt.name for prompt in (await client.list_prompts()).prompts}
            assert "ticket_brief" in prompts and "board_standup" in prompts
            asked = await client.get_prompt("board_standup", {"board": "Service Desk"})
            assert "connectwise_board_standup" in asked.messages[0].content.text
            assert "connectwise://service/boards" in {str(r.uri) for r in (await client.list_resources()).resources}
            read = await client.read_resource("connectwise://service/boards")
            return {board["name"] for board in json.loads(read.contents[0].text)["records"]}

    admin, tech = await board_names(ADMIN), await board_names(TECH)
    assert "Onboarding" in admin and "Service Desk" in admin
    assert "Onboarding" not in tech and "Service Desk" in tech, "each reads the boards their own role shows"
    transport = streamable_http_client(f"{request_bridge}/mcp", http_client=create_mcp_http_client(headers=TECH))
    async with Client(transport) as client:
        with pytest.raises(Exception, match="no resource connectwise://service/tickets; the resources are"):
            await client.read_resource("connectwise://service/tickets")


@pytest.mark.anyio
async def test_no_log_level_prints_a_callers_keys(tmp_path):
    log = tmp_path / "bridge.log"
    env = {"CW_CREDENTIALS": "request", "LOG_LEVEL": "trace", "BRIDGE_AUDIT_LOG": "stderr"}
    with open(log, "w") as stderr, running_bridge(env=env, stderr=stderr) as url:
        answer = await call(url, "auto", ADMIN, "connectwise_get_tickets", ONBOARDING)
        assert not answer.is_error
        tools = load_tools_module().Tools()
        tools.valves.CONNECTWISE_BRIDGE_URL = url
        user = {"name": "Jane", "valves": tools.UserValves(
            CW_COMPANY_ID="demo", CW_PUBLIC_KEY="tech-public", CW_PRIVATE_KEY="tech-private")}
        assert "tickets" in await tools.get_tickets(__user__=user)
    text = log.read_text()
    # Trace is on (the client's requests and the child's own traces are there), keys are not.
    assert "ConnectWise answered" in text and "TRACE" in text, text[:2000]
    for key in KEYS:
        assert key not in text, f"{key} is in the trace log"
