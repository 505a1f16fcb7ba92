"""connectwise_tools.py checked the way OpenWebUI reads it, and run against a real `cw-bridge --demo`."""

import ast
import asyncio
import inspect
import json
import re
import socket
import typing

import httpx
import pytest
from pydantic import Field, create_model

from conftest import ROOT, load_tools_module, quoted_body, running_bridge

TOOL_FILE = ROOT / "connectwise_tools.py"
TWINS = {"order_by": "orderBy", "page_size": "pageSize", "child_conditions": "childConditions",
         "custom_field_conditions": "customFieldConditions", "group_by": "groupBy"}


MODULE = load_tools_module()


def tool_methods():
    return {name: member for name, member in inspect.getmembers(MODULE.Tools, inspect.iscoroutinefunction)
            if not name.startswith("_")}


def openwebui_spec(name, method):
    """The function spec OpenWebUI derives: the docstring up to the first :param/:return as the
    description, `:param x:` lines as parameter descriptions, type hints for types, and every
    parameter whose name starts with `__` left out; then an OpenAI-style function."""
    doc = inspect.getdoc(method) or ""
    description = re.split(r":param|:return", doc, maxsplit=1)[0].strip()
    param_docs = dict(re.findall(r":param (\w+):\s*(.+)", doc))
    hints = typing.get_type_hints(method)
    fields = {}
    for parameter in inspect.signature(method).parameters.values():
        if parameter.name == "self" or parameter.name.startswith("__"):
            continue
        assert parameter.name in hints, f"{name}({parameter.name}) has no type hint"
        assert parameter.name in param_docs, f"{name}({parameter.name}) has no :param line"
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[parameter.name] = (hints[parameter.name], Field(default, description=param_docs[parameter.name]))
    extra = set(param_docs) - set(fields)
    assert not extra, f"{name} documents parameters it does not have: {extra}"
    schema = create_model(name, **fields).model_json_schema()
    return {"name": name, "description": description, "parameters": schema}


def test_frontmatter_and_imports_follow_openwebui_conventions():
    source = TOOL_FILE.read_text()
    frontmatter = ast.get_docstring(ast.parse(source))
    for key in ("title", "author", "version", "license", "description", "required_open_webui_version"):
        assert re.search(rf"^{key}: \S", frontmatter, re.M), key
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= {"json", "typing", "aiohttp", "pydantic"}, imported
    valves = MODULE.Tools.Valves()
    assert valves.CONNECTWISE_BRIDGE_URL == "http://connectwise-mcp-bridge:3002"
    assert valves.BRIDGE_API_KEY == "" and valves.TIMEOUT_SECONDS == 60


def test_every_method_yields_a_complete_function_spec():
    for name, method in tool_methods().items():
        spec = openwebui_spec(name, method)
        assert len(spec["description"]) > 20, name
        assert "__event_emitter__" not in spec["parameters"]["properties"], name
        for param, schema in spec["parameters"]["properties"].items():
            assert schema.get("description"), f"{name}.{param}"
            assert schema.get("type") in {"string", "integer"}, f"{name}.{param}: {schema}"
        assert typing.get_type_hints(method)["return"] is str, name


def test_the_file_covers_the_whole_catalog(bridge_url):
    tools = {t["name"]: t for t in httpx.get(f"{bridge_url}/v1/tools").json()["tools"]}
    methods = tool_methods()
    method_for = {name: name.removeprefix("connectwise_") for name in tools}
    missing = [tool for tool, method in method_for.items() if method not in methods]
    assert not missing, f"connectwise_tools.py lacks methods for {missing}"
    assert set(methods) == set(method_for.values()), "every method calls a real tool"
    for tool_name, tool in tools.items():
        spec = openwebui_spec(method_for[tool_name], methods[method_for[tool_name]])
        accepted = set(tool["inputSchema"]["properties"])
        for param in spec["parameters"]["properties"]:
            assert TWINS.get(param, param) in accepted, f"{tool_name} does not take {param}"
        required = set(tool["inputSchema"].get("required", []))
        assert required <= set(spec["parameters"].get("required", [])), tool_name


class Recorder:
    def __init__(self):
        self.events = []

    async def __call__(self, event):
        self.events.append(event)


async def call(tools, name, **arguments):
    recorder = Recorder()
    text = await getattr(tools, name)(**arguments, __event_emitter__=recorder)
    assert isinstance(text, str)
    statuses = [e["data"] for e in recorder.events if e["type"] == "status"]
    assert statuses[0]["done"] is False and statuses[0]["description"].endswith("…"), statuses
    assert statuses[-1]["done"] is True
    return quoted_body(text)


def test_the_tool_fits_the_token_budget():
    # OpenWebUI sends every method's spec to the model on every chat turn.
    specs = [openwebui_spec(name, method) for name, method in tool_methods().items()]
    size = len(json.dumps(specs))
    assert size <= 10_000, f"{size} bytes of function specs, over the 10,000-byte budget"


def listed_ids(text):
    """The record ids a list answer's lines name (`- id: 20001; summary: ...`)."""
    return [int(n) for n in re.findall(r"^- id: (\d+)", text, re.M)]


@pytest.mark.anyio
async def test_every_method_answers_from_the_bridge(bridge_url):
    tools = MODULE.Tools()
    tools.valves.CONNECTWISE_BRIDGE_URL = bridge_url
    # Answers are text written for a model: how many match, then a line per record.
    notes = await call(tools, "read", path="/service/tickets/20001/notes", page_size=2)
    assert notes.startswith("Here are records 1 to 2"), notes
    assert len(listed_ids(notes)) == 2, notes
    tickets = await call(tools, "get_tickets", page_size=2)
    assert re.match(r"Here are tickets 1 to 2 of the \d+ that match:\n", tickets), tickets
    first = listed_ids(tickets)[0]
    ticket = await call(tools, "get_ticket", ticket_id=first)
    assert ticket.startswith(f"id: {first}\n") and "summary: " in ticket, ticket
    latest = await call(tools, "get_ticket_notes", ticket_id=20001, order_by="id desc", page_size=1)
    assert len(listed_ids(latest)) == 1 and "text: " in latest, latest
    # Figures, not records: the server adds them up.
    hours = await call(tools, "summarize", entity="time_entries", group_by="member/name", sum="actualHours")
    assert re.match(r"\d+ time entries: actualHours total [\d.]+, average", hours), hours
    assert re.search(r"^By member/name, the most actualHours first \(\d+ groups\):\n- \w", hours, re.M), hours
    contacts = await call(tools, "get_contacts", conditions='company/identifier = "ACME"', page_size=2)
    assert len(listed_ids(contacts)) == 2, contacts
    shared = re.search(r"^All of these have (.*)\.$", contacts, re.M)
    assert shared and "company: ACME Corporation (ACME)" in shared.group(1).split("; "), contacts
    acme = await call(tools, "get_companies", conditions='identifier = "ACME"')
    assert acme.startswith("Here is the only match:\n") and "name: ACME Corporation" in acme, acme
    for method, noun in [("get_configurations", "configurations"), ("get_agreements", "agreements"),
                         ("get_opportunities", "opportunities"), ("get_projects", "projects"),
                         ("get_time_entries", "time entries"), ("get_schedule_entries", "schedule entries"),
                         ("get_members", "members")]:
        text = await call(tools, method, page_size=3)
        # Time entries lead with their hours over every match and by member ("how many hours",
        # "who logged most" are what is asked).
        if method == "get_time_entries":
            lead = r"^In all: [\d.]+ actualHours over the \d+ time entries that match.\nBy member, the most actualHours first: [^\n]+\.\n"
            assert re.match(lead, text), text
            text = re.sub(lead, "", text)
        assert text.startswith(f"Here are {noun} 1 to 3") and len(listed_ids(text)) == 3, (method, text)
    this_week = await call(tools, "get_time_entries", conditions="timeStart >= [this week]", page_size=1)
    assert re.match(r"In all: [\d.]+ actualHours over the (\d+) time entries that match.\n"
                    r"By member, the most actualHours first: [^\n]+\.\n"
                    r"\1 time entries match in all. The first of them:", this_week), this_week
    # How many match is in every list's first line.
    open_acme = await call(tools, "get_tickets", conditions='company = "ACME" AND status = "open"', page_size=1)
    all_acme = await call(tools, "get_tickets", conditions='company/identifier = "ACME"', page_size=1)
    counted = [int(re.match(r"(\d+) tickets match in all", text).group(1)) for text in (open_acme, all_acme)]
    assert 0 < counted[0] < counted[1], "some of ACME's tickets are open, not all"


@pytest.mark.anyio
async def test_errors_come_back_as_text_a_model_can_act_on(bridge_url):
    tools = MODULE.Tools()
    tools.valves.CONNECTWISE_BRIDGE_URL = bridge_url
    text = await call(tools, "get_ticket", ticket_id=123)
    assert text.startswith("Error (HTTP 404, not_found): no ticket 123"), text
    text = await call(tools, "get_tickets", conditions="status/name = Open")
    assert text.startswith("Error (HTTP 400, invalid_arguments)") and "syntax error" in text, text
    text = await call(tools, "get_tickets", page_size=5000)
    assert "pageSize" in text, text

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    tools.valves.CONNECTWISE_BRIDGE_URL = f"http://127.0.0.1:{port}"
    text = await call(tools, "get_tickets")
    assert text.startswith("Error: cannot reach the ConnectWise bridge") and "CONNECTWISE_BRIDGE_URL" in text, text

    # A server that accepts and never answers.
    silent = await asyncio.start_server(lambda r, w: asyncio.sleep(30), "127.0.0.1", 0)
    async with silent:
        tools.valves.CONNECTWISE_BRIDGE_URL = f"http://127.0.0.1:{silent.sockets[0].getsockname()[1]}"
        tools.valves.TIMEOUT_SECONDS = 1
        text = await call(tools, "get_tickets")
    assert text.startswith("Error: the ConnectWise bridge did not answer within 1 s"), text


@pytest.mark.anyio
async def test_the_api_key_valve_is_sent_and_a_wrong_key_is_explained():
    with running_bridge(api_key="k-123") as url:
        tools = MODULE.Tools()
        tools.valves.CONNECTWISE_BRIDGE_URL = url
        text = await call(tools, "get_ticket", ticket_id=20001)
        assert text.startswith("Error (HTTP 401, unauthorized)") and "BRIDGE_API_KEY valve" in text, text
        tools.valves.BRIDGE_API_KEY = "k-123"
        assert (await call(tools, "get_ticket", ticket_id=20001)).startswith("id: 20001\n")


@pytest.mark.anyio
async def test_a_missing_or_failing_event_emitter_is_harmless(bridge_url):
    tools = MODULE.Tools()
    tools.valves.CONNECTWISE_BRIDGE_URL = bridge_url
    assert quoted_body(await tools.get_ticket(ticket_id=20001)).startswith("id: 20001\n")

    async def broken(_event):
        raise RuntimeError("display gone")

    assert quoted_body(await tools.get_ticket(ticket_id=20001, __event_emitter__=broken)).startswith("id: 20001\n")
