"""OpenWebUI's own code in front of the bridge in demo mode: a chat asks for ACME's open tickets
through each of the three ways to connect (the Python Tool, the OpenAPI tool server and native MCP
over Streamable HTTP). For each, the scripted model's tool call ran against the bridge and the
bridge's answer reached the model and the chat. Then, with the bridge reading ConnectWise with each
technician's own keys, the Tool sends the keys a user set in its user valves, and OpenWebUI's
forwarded user headers name the user in the bridge's audit trail."""

import hashlib
import json

import httpx
import pytest

from conftest import running_bridge
from openwebui_harness import PYTHON_TOOL, WAYS, ScriptedModel, chat, running_openwebui, tickets_in


@pytest.fixture(scope="module")
def openwebui(bridge_url):
    with ScriptedModel() as model, running_openwebui(bridge_url, model.url) as (url, headers):
        yield url, headers, model


@pytest.mark.parametrize("way", list(WAYS))
def test_a_chat_runs_the_tool_against_the_bridge(openwebui, way):
    url, headers, model = openwebui
    before = len(model.requests)
    chat_id, message = chat(url, headers, WAYS[way])
    turns = model.requests[before:]
    assert len(turns) >= 2, f"{way}: the model was asked {len(turns)} times"
    offered = [t["function"]["name"] for t in turns[0].get("tools", [])]
    assert any(name.endswith("get_tickets") for name in offered), offered
    # The second turn carries the tool's answer: ACME's open tickets, as the bridge answers them.
    tool_messages = [m for m in turns[-1]["messages"] if m.get("role") == "tool"]
    assert tool_messages, f"{way}: no tool answer reached the model"
    content = tool_messages[-1]["content"]
    content = content if isinstance(content, str) else json.dumps(content)
    # JSON from the OpenAPI tool server; text written for a model from the Tool and from MCP (asked
    # for with /mcp?answers=text: OpenWebUI 0.12.4 would add the structured JSON beside the text).
    items = tickets_in(content)
    assert items and all(t["company"] == "ACME" and not t["closed"] for t in items), content[:500]
    assert (way == "openapi-tool-server") == content.lstrip().startswith("{"), content[:200]
    # And the model's answer, made from it, is what the chat shows.
    assert len(items) == 5, "the model's pageSize reached ConnectWise"
    first = items[0]
    assert f"#{first['id']} {first['summary']}" in message["content"], message["content"][:500]


@pytest.fixture(scope="module")
def per_request(tmp_path_factory):
    audit = tmp_path_factory.mktemp("openwebui-audit") / "audit.jsonl"
    bridge_env = {"CW_CREDENTIALS": "request", "BRIDGE_AUDIT_LOG": str(audit)}
    with running_bridge(env=bridge_env) as bridge, ScriptedModel() as model, \
            running_openwebui(bridge, model.url, {"ENABLE_FORWARD_USER_INFO_HEADERS": "true"}) as (url, headers):
        yield url, headers, audit


def audit_lines(audit, chat_id):
    return [line for line in map(json.loads, audit.read_text().splitlines()) if line["caller"].get("chatId") == chat_id]


def test_each_technician_reads_connectwise_with_their_own_keys(per_request):
    url, headers, audit = per_request
    # The technician's own keys, set as in Settings > Tools > ConnectWise > user valves.
    valves = {"CW_COMPANY_ID": "demo", "CW_PUBLIC_KEY": "tech-public", "CW_PRIVATE_KEY": "tech-private"}
    saved = httpx.post(f"{url}/api/v1/tools/id/{PYTHON_TOOL}/valves/user/update", headers=headers, json=valves,
                       timeout=30)
    assert saved.status_code == 200, saved.text
    chat_id, message = chat(url, headers, WAYS["python-tool"])
    assert "ConnectWise answered with 5 of ACME's open tickets" in message["content"], message["content"][:500]
    [line] = audit_lines(audit, chat_id)
    assert line["outcome"] == "ok" and line["tool"] == "connectwise_get_tickets"
    expected = "pk-" + hashlib.sha256(b"tech-public").hexdigest()[:12]
    assert line["caller"]["publicKeyId"] == expected and line["caller"]["companyId"] == "demo"
    user = line["caller"]["userId"]
    assert user and line["caller"]["userEmail"], line["caller"]

    # A tool server connection carries no technician's keys: refused, and the forwarded user named.
    chat_id, message = chat(url, headers, WAYS["openapi-tool-server"])
    [line] = audit_lines(audit, chat_id)
    assert line["surface"] == "openapi" and line["outcome"] == "missing_credentials", line
    assert line["caller"]["userId"] == user and line["caller"]["userEmail"], line["caller"]
    assert "tech-private" not in audit.read_text()
