"""OpenWebUI's own code in front of the bridge in demo mode: a chat asks for ACME's open tickets
through each of the three ways to connect (the Python Tool, the OpenAPI tool server and native MCP
over Streamable HTTP). For each, the scripted model's tool call ran against the bridge and the
bridge's answer reached the model and the chat."""

import json

import pytest

from openwebui_harness import WAYS, ScriptedModel, chat, running_openwebui


@pytest.fixture(scope="module")
def openwebui(bridge_url):
    with ScriptedModel() as model, running_openwebui(bridge_url, model) as (url, headers):
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
    assert '"identifier": "ACME"' in content or '"identifier":"ACME"' in content, content[:500]
    assert '"closedFlag": true' not in content and '"closedFlag":true' not in content
    # And the model's answer, made from it, is what the chat shows.
    items = json.loads(content)["items"]
    assert len(items) == 5, "the model's pageSize reached ConnectWise"
    first = items[0]
    assert f"#{first['id']} {first['summary']}" in message["content"], message["content"][:500]
