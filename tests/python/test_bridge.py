"""Third-party clients against the real `cw-bridge --demo`: the MCP SDK's
Streamable HTTP client on /mcp, and an OpenAPI 3.1 validator on /openapi.json."""

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from openapi_spec_validator import validate



@pytest.mark.anyio
async def test_mcp_streamable_http_lists_and_calls_tools(bridge_url):
    async with streamable_http_client(f"{bridge_url}/mcp") as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert init.server_info.name == "cw-bridge"
            tools = (await session.list_tools()).tools
            assert {"connectwise_read", "connectwise_get_companies"} <= {tool.name for tool in tools}
            assert all(tool.annotations.read_only_hint for tool in tools)
            # A tool the compact profile does not list is still callable.
            sites = await session.call_tool("connectwise_get_company_sites", {"company_id": 2})
            assert not sites.is_error and sites.structured_content["items"]
            result = await session.call_tool(
                "connectwise_get_companies", {"conditions": 'identifier="ACME"', "pageSize": 5})
            assert not result.is_error
            assert result.structured_content["items"][0]["identifier"] == "ACME"
            missing = await session.call_tool("connectwise_get_ticket", {"ticket_id": 123})
            assert missing.is_error and "no ticket 123" in missing.content[0].text


def test_mcp_refuses_unknown_host_names(bridge_url):
    response = httpx.post(f"{bridge_url}/mcp", headers={"Host": "evil.example", "Accept": "application/json, text/event-stream"},
                          json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                              "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
    assert response.status_code == 403
    allowed = httpx.post(f"{bridge_url}/mcp", headers={"Host": "connectwise-mcp-bridge:3002", "Accept": "application/json, text/event-stream"},
                         json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                             "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
    assert allowed.status_code == 200, "the docker service name is allowed by default"


def test_openapi_document_is_valid_3_1_with_every_tool(bridge_url):
    spec = httpx.get(f"{bridge_url}/openapi.json").json()
    validate(spec)  # raises on any violation of the OpenAPI 3.1 schema
    assert spec["openapi"] == "3.1.0"
    tools = httpx.get(f"{bridge_url}/v1/tools").json()["tools"]
    operations = {op["post"]["operationId"] for op in spec["paths"].values()}
    assert operations == {tool["name"] for tool in tools}
    assert "$ref" not in str(spec)
    # Every operation can be called the way OpenWebUI calls it: POST the JSON body to its path.
    ticket = httpx.post(f"{bridge_url}/v1/tools/connectwise_get_ticket", json={"ticket_id": 20001}).json()
    assert ticket["id"] == 20001
