"""The official Python MCP SDK against the real `cw-mcp-server --demo` over stdio."""

import json
import os
import subprocess
import tempfile

import jsonschema
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

from conftest import ID_SOURCES, SAMPLE_ARGUMENTS, binary

ORIGINAL_TOOLS = {
    "connectwise_get_companies", "connectwise_get_company", "connectwise_get_company_sites",
    "connectwise_get_company_types", "connectwise_get_company_statuses", "connectwise_get_tickets",
    "connectwise_get_ticket", "connectwise_get_ticket_notes", "connectwise_get_ticket_tasks",
    "connectwise_get_ticket_schedules", "connectwise_get_ticket_priorities", "connectwise_get_ticket_sources",
    "connectwise_get_contacts", "connectwise_get_contact", "connectwise_get_contact_types",
    "connectwise_get_opportunities", "connectwise_get_agreements", "connectwise_get_agreement_additions",
    "connectwise_get_invoices", "connectwise_get_expense_entries", "connectwise_get_billing_cycles",
    "connectwise_get_time_entries", "connectwise_get_projects", "connectwise_get_activities",
    "connectwise_get_members", "connectwise_get_configurations", "connectwise_get_configuration",
    "connectwise_get_configuration_types", "connectwise_get_service_boards", "connectwise_get_board_statuses",
}



def server_params(**env):
    # Every tool listed, so that every one is called below.
    base = {"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "WARNING", "CW_TOOL_PROFILE": "all"}
    base.update(env)
    return StdioServerParameters(command=binary("cw-mcp-server"), args=["--demo"], env=base,
                                 cwd=tempfile.gettempdir())


async def call_ok(session, name, arguments):
    result = await session.call_tool(name, arguments)
    assert not result.is_error, f"{name} {arguments}: {result.content}"
    structured = result.structured_content
    # The text is written for a model: it names the records the JSON holds by their ids, in order,
    # as many as fit its budget, and says when it left the rest out.
    text = result.content[0].text
    items = structured.get("items") if isinstance(structured.get("items"), list) else [structured]
    ids = [item["id"] for item in items if isinstance(item, dict) and "id" in item]
    named = next((i for i, id_ in enumerate(ids) if f"id: {id_}" not in text), len(ids))
    assert named > 0 or not ids, f"{name}: {text[:300]}"
    assert named == len(ids) or "left out to keep the answer short" in text, f"{name}: {text[-300:]}"
    return structured


@pytest.mark.anyio
async def test_initialize_list_and_call_every_tool():
    async with stdio_client(server_params()) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert init.server_info.name == "cw-mcp-server"
            assert "[2024-01-31]" in init.instructions
            tools = (await session.list_tools()).tools
            names = {tool.name for tool in tools}
            assert ORIGINAL_TOOLS <= names
            assert len(tools) >= 40
            for tool in tools:
                assert tool.annotations.read_only_hint is True
                assert tool.annotations.destructive_hint is False
                assert tool.output_schema["type"] == "object"

            for tool in tools:
                required = tool.input_schema.get("required", [])
                arguments = {}
                for arg in required:
                    if arg in SAMPLE_ARGUMENTS:
                        arguments[arg] = SAMPLE_ARGUMENTS[arg]
                    else:
                        listing = await call_ok(session, ID_SOURCES[arg], {"pageSize": 1})
                        arguments[arg] = listing["items"][0]["id"]
                structured = await call_ok(session, tool.name, arguments)
                jsonschema.validate(structured, tool.output_schema)
                if "items" in tool.output_schema.get("properties", {}):
                    assert structured["page"] == 1
                    assert isinstance(structured["items"], list)
                    assert "_href" not in json.dumps(structured)
                elif "entity" in required:
                    assert structured["count"] == 1001  # 1,000 from 20001, and ticket 12345
                elif required and required[0].endswith("_id"):
                    assert structured["id"] == arguments[required[0]]

            acme = await call_ok(session, "connectwise_get_companies",
                                 {"conditions": 'identifier="ACME"', "pageSize": 5})
            assert [c["identifier"] for c in acme["items"]] == ["ACME"]
            missing = await session.call_tool("connectwise_get_ticket", {"ticket_id": 123})
            assert missing.is_error
            assert "no ticket 123" in missing.content[0].text
            bad = await session.call_tool("connectwise_get_tickets", {"conditions": "status/name = Open"})
            assert bad.is_error and "syntax error" in bad.content[0].text


@pytest.mark.anyio
async def test_a_request_too_deep_to_parse_is_answered_not_dropped():
    """Nesting past serde_json's 128 levels once made rmcp drop the line and the call hang."""
    deep = 1
    for _ in range(125):
        deep = [deep]
    async with stdio_client(server_params()) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=20) as session:
            await session.initialize()
            with pytest.raises(MCPError) as refused:
                await session.call_tool("connectwise_get_tickets", {"conditions": deep})
            assert "128 levels deep" in refused.value.error.message
            assert "at most 64" in refused.value.error.message
            # The session goes on: the next call is answered as usual.
            await call_ok(session, "connectwise_get_tickets", {"pageSize": 1})


@pytest.mark.anyio
async def test_a_data_group_denies_members_at_every_path_that_serves_them():
    """/system/members denied alone leaves the scheduling path listing members; @members does not."""
    errors = tempfile.TemporaryFile("w+")
    async with stdio_client(server_params(CW_DENY_PATHS="/system/members"), errlog=errors) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            leak = await session.call_tool("connectwise_read", {"path": "/service/scheduling/members/info"})
            assert not leak.is_error and leak.structured_content["items"], leak.content
    errors.seek(0)
    warned = errors.read()
    assert "/service/scheduling/members/info" in warned and "add @members to CW_DENY_PATHS" in warned, warned

    async with stdio_client(server_params(CW_DENY_PATHS="@members")) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            for tool, arguments in [
                ("connectwise_read", {"path": "/service/scheduling/members/info"}),
                ("connectwise_read", {"path": "/system/members/count"}),
                ("connectwise_get_members", {}),
            ]:
                refused = await session.call_tool(tool, arguments)
                assert refused.is_error, (tool, arguments)
                assert "members data, which is denied (@members in CW_DENY_PATHS)" in refused.content[0].text
            await call_ok(session, "connectwise_get_tickets", {"pageSize": 1})


def test_stdout_carries_only_protocol_messages():
    """Even at DEBUG, every stdout line is a JSON-RPC message; logs go to stderr."""
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "connectwise_get_tickets", "arguments": {"pageSize": 2}}},
    ]
    process = subprocess.Popen(
        [binary("cw-mcp-server"), "--demo"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "DEBUG"}, text=True,
        cwd=tempfile.gettempdir())
    lines = []
    for request in requests:
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        if "id" in request:
            lines.append(process.stdout.readline())
    rest, stderr = process.communicate(timeout=20)  # closes stdin: the server sees EOF and exits
    lines += rest.splitlines()
    assert process.returncode == 0
    messages = [json.loads(line) for line in lines if line.strip()]
    assert all(m["jsonrpc"] == "2.0" for m in messages)
    assert [m["id"] for m in messages] == [1, 2]
    assert "DEBUG" in stderr and "demo mode" in stderr


def test_missing_credentials_name_the_variables():
    result = subprocess.run([binary("cw-mcp-server")], capture_output=True, text=True, timeout=20,
                            env={"PATH": os.environ.get("PATH", ""), "CW_PUBLIC_KEY": "x"}, cwd="/")
    assert result.returncode == 2
    assert "CW_COMPANY_ID, CW_PRIVATE_KEY" in result.stderr
    assert "--demo" in result.stderr
    assert result.stdout == ""


def test_help_explains_demo_and_variables():
    result = subprocess.run([binary("cw-mcp-server"), "--help"], capture_output=True, text=True, timeout=20)
    assert result.returncode == 0
    for word in ("--demo", "CW_DEMO", "CW_PRIVATE_KEY", "LOG_LEVEL", "stderr"):
        assert word in result.stdout, word


@pytest.mark.anyio
async def test_each_report_is_a_prompt_naming_the_call_that_answers_it():
    async with stdio_client(server_params()) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            prompts = {prompt.name: prompt for prompt in (await session.list_prompts()).prompts}
            assert set(prompts) == {"ticket_brief", "company_overview", "member_schedule", "board_standup",
                                    "tickets_at_risk", "agreements_ending", "time_report"}
            brief = prompts["ticket_brief"]
            assert [(a.name, a.required) for a in brief.arguments] == [("ticket_id", True)]
            asked = await session.get_prompt("ticket_brief", {"ticket_id": "20001"})
            text = asked.messages[0].content.text
            assert text.startswith("Give me a brief on ticket 20001:"), text
            assert 'Call connectwise_ticket_brief with {"ticket_id":20001}' in text, text
            answer = await session.call_tool("connectwise_ticket_brief", {"ticket_id": 20001})
            assert not answer.is_error and answer.structured_content["id"] == 20001
            assert "latestNotes" in answer.content[0].text
            with pytest.raises(Exception, match="needs `member`"):
                await session.get_prompt("member_schedule", {})


@pytest.mark.anyio
async def test_reference_lists_are_resources_that_agree_with_the_tools():
    async with stdio_client(server_params()) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = {str(r.uri): r for r in (await session.list_resources()).resources}
            assert {"connectwise://service/boards", "connectwise://service/priorities", "connectwise://system/members",
                    "connectwise://company/companies/types", "connectwise://company/contacts/types"} <= set(listed)
            assert all(r.mime_type == "application/json" and r.description for r in listed.values())

            async def resource(uri):
                read = await session.read_resource(uri)
                assert read.ttl_ms == 0 and read.cache_scope == "private", "kept by no client for another member"
                return json.loads(read.contents[0].text)

            priorities = await resource("connectwise://service/priorities")
            by_tool = await call_ok(session, "connectwise_get_ticket_priorities", {"pageSize": 100})
            assert [p["name"] for p in priorities["records"]] == [p["name"] for p in by_tool["items"]]
            boards = (await resource("connectwise://service/boards"))["records"]
            assert len(boards) > 3
            for board in boards:
                statuses = await call_ok(session, "connectwise_get_board_statuses",
                                         {"board_id": board["id"], "pageSize": 100})
                assert sorted(s["name"] for s in board["statuses"]) == sorted(s["name"] for s in statuses["items"])
                assert any(s["closedStatus"] for s in board["statuses"]), board
            members = (await resource("connectwise://system/members"))["records"]
            assert any(m["identifier"] == "mpatel" for m in members)
            with pytest.raises(Exception, match="the resources are connectwise://service/boards"):
                await session.read_resource("connectwise://service/tickets")
