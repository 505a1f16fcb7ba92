"""The official Python SDK's clients as they ship (mcp 2.3.0): the high-level `mcp.Client` in its
default auto mode (what OpenWebUI 0.12 uses: it probes for the stateless 2026-07-28 protocol
first) and in legacy mode, and the older `ClientSession` with `initialize`, against `/mcp` on the
real bridge and against `cw-mcp-server` over stdio. Each lists the tools, runs a search, a
get-by-id and a failing call."""

import logging
import os
import tempfile

import pytest
from mcp import Client, ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from conftest import binary, quoted_body


def stdio_server():
    return StdioServerParameters(command=binary("cw-mcp-server"), args=["--demo"], cwd=tempfile.gettempdir(),
                                 env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "ERROR"})


async def exercise(client):
    names = {tool.name for tool in (await client.list_tools()).tools}
    assert {"connectwise_get_tickets", "connectwise_get_ticket"} <= names
    search = await client.call_tool("connectwise_get_tickets",
                                    {"conditions": 'company/identifier = "ACME" AND closedFlag = false', "pageSize": 5})
    assert not search.is_error, search.content
    items = search.structured_content["items"]
    assert items and all(item["company"]["identifier"] == "ACME" for item in items)
    ticket = await client.call_tool("connectwise_get_ticket", {"ticket_id": items[0]["id"]})
    assert not ticket.is_error and ticket.structured_content["id"] == items[0]["id"]
    assert ticket.structured_content["summary"]
    missing = await client.call_tool("connectwise_get_ticket", {"ticket_id": 123})
    assert missing.is_error and "no ticket 123" in missing.content[0].text


@pytest.mark.anyio
@pytest.mark.parametrize("mode, version", [("auto", "2026-07-28"), ("legacy", None)])
async def test_client_on_the_bridge(bridge_url, mode, version, caplog):
    caplog.set_level(logging.WARNING)
    async with Client(f"{bridge_url}/mcp", mode=mode) as client:
        if version:
            assert client.protocol_version == version
        await exercise(client)
    # Closing a legacy session sends DELETE; the SDK warns unless it gets 200 or 204.
    assert not [r for r in caplog.records if "termination failed" in r.getMessage()]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_client_over_stdio(mode):
    async with Client(stdio_server(), mode=mode) as client:
        await exercise(client)


@pytest.mark.anyio
async def test_client_session_on_the_bridge(bridge_url, caplog):
    caplog.set_level(logging.WARNING)
    async with streamable_http_client(f"{bridge_url}/mcp") as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await exercise(session)
    assert not [r for r in caplog.records if "termination failed" in r.getMessage()]


@pytest.mark.anyio
async def test_client_session_over_stdio():
    async with stdio_client(stdio_server()) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await exercise(session)


# Arguments for the original tools that need an id, from the demo data.
ORIGINAL_IDS = {"company_id": 2, "ticket_id": 20001, "contact_id": 201, "agreement_id": 100,
                "configuration_id": 5000, "board_id": 1}


async def call_every_original_tool(client, required):
    from test_mcp_stdio import ORIGINAL_TOOLS
    listed = {tool.name for tool in (await client.list_tools()).tools}
    assert len(listed) == 14 and not ORIGINAL_TOOLS <= listed, "the compact profile lists a few of them"
    for name in sorted(ORIGINAL_TOOLS):
        arguments = {arg: ORIGINAL_IDS[arg] for arg in required[name]}
        result = await client.call_tool(name, arguments)
        assert not result.is_error, f"{name} {arguments}: {result.content}"


@pytest.mark.anyio
async def test_every_original_tool_is_callable_under_the_compact_profile_on_mcp_and_stdio(bridge_url):
    # Each tool's required arguments, from a server that lists every tool.
    everything = StdioServerParameters(command=binary("cw-mcp-server"), args=["--demo"], cwd=tempfile.gettempdir(),
                                       env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "ERROR",
                                            "CW_TOOL_PROFILE": "all"})
    async with Client(everything) as client:
        required = {t.name: t.input_schema.get("required", []) for t in (await client.list_tools()).tools}
    async with Client(f"{bridge_url}/mcp") as client:
        await call_every_original_tool(client, required)
    async with Client(stdio_server()) as client:
        await call_every_original_tool(client, required)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_text_answers_alone_for_clients_that_give_a_model_everything(bridge_url, mode):
    # OpenWebUI gives a model the structured JSON beside the text when they differ:
    # /mcp?answers=text leaves it out, so that a small model reads each answer once.
    async with Client(f"{bridge_url}/mcp?answers=text", mode=mode) as client:
        tools = (await client.list_tools()).tools
        assert tools and all(tool.output_schema is None for tool in tools)
        result = await client.call_tool("connectwise_get_tickets", {"conditions": 'company = "ACME"', "pageSize": 2})
        assert not result.is_error and result.structured_content is None
        [text] = [c.text for c in result.content]
        text = quoted_body(text)
        assert text.startswith("Here are tickets 1 to 2 of the ") and text.count("\n- id: ") == 2, text
    async with Client(f"{bridge_url}/mcp", mode=mode) as client:
        tools = (await client.list_tools()).tools
        assert all(tool.output_schema for tool in tools)
