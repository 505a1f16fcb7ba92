"""OpenWebUI itself (PyPI `open-webui`, pinned in tests/python/openwebui/requirements.txt, in its own
.venv-openwebui) in front of the bridge, driven as a user's chat drives it, with a small scripted
OpenAI-compatible model: its first answer calls a ConnectWise tool, its second quotes what the tool
returned. Used by test_openwebui.py and by tests/openwebui/screenshot.py."""

import contextlib
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from conftest import ROOT

OPENWEBUI = os.environ.get("CW_OPENWEBUI", str(ROOT / ".venv-openwebui" / "bin" / "open-webui"))
MODEL = "scripted-connectwise"
QUESTION = "Show me all open tickets for ACME"
CONDITIONS = 'company/identifier = "ACME" AND closedFlag = false'
# The Python Tool's id in OpenWebUI, and the ids of the bridge's two tool-server connections.
PYTHON_TOOL = "connectwise"
OPENAPI_SERVER = "connectwise-openapi"
MCP_SERVER = "connectwise-mcp"
# The three ways to connect, as OpenWebUI names the tools a chat may use.
WAYS = {
    "python-tool": PYTHON_TOOL,
    "openapi-tool-server": f"server:{OPENAPI_SERVER}",
    "mcp-streamable-http": f"server:mcp:{MCP_SERVER}",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScriptedModel:
    """An OpenAI-compatible chat model that calls the ticket search tool, then quotes its answer."""

    def __init__(self):
        self.requests = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = json.dumps({"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "test"}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                model.requests.append(request)
                delta, finish = model.reply(request)
                chunks = [{"choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                          {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}]
                self.send_response(200)
                if request.get("stream"):
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for chunk in chunks:
                        chunk.update({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": MODEL})
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                else:
                    message = {"role": "assistant", **delta}
                    body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": MODEL,
                                       "choices": [{"index": 0, "message": message, "finish_reason": finish}]})
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(body.encode())
                self.close_connection = True

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def reply(request):
        """The first turn calls the ticket search; the turn after a tool answer quotes it."""
        tool_answers = [m for m in request.get("messages", []) if m.get("role") == "tool"]
        if tool_answers:
            content = tool_answers[-1].get("content")
            if not isinstance(content, str):
                content = json.dumps(content)
            return {"content": ScriptedModel.quote(content)}, "stop"
        offered = [t["function"] for t in request.get("tools", [])]
        search = next((f for f in offered if f["name"].endswith("get_tickets")), None)
        if search is None:
            return {"content": "No ConnectWise tool was offered."}, "stop"
        # Five tickets, under the page-size name this tool declares (the Python Tool's is page_size).
        declared = search.get("parameters", {}).get("properties", {})
        arguments = {"conditions": CONDITIONS, ("page_size" if "page_size" in declared else "pageSize"): 5}
        call = {"index": 0, "id": f"call_{uuid.uuid4().hex[:8]}", "type": "function",
                "function": {"name": search["name"], "arguments": json.dumps(arguments)}}
        return {"role": "assistant", "content": "", "tool_calls": [call]}, "tool_calls"

    @staticmethod
    def quote(content):
        """The tool's answer as a model would put it: one line per ticket it returned."""
        items = tickets_in(content)
        if not items:
            return f"ConnectWise answered: {content[:400]}"
        lines = [f"- #{t['id']} {t['summary']} ({t['status']})" for t in items]
        return f"ConnectWise answered with {len(items)} of ACME's open tickets:\n\n" + "\n".join(lines)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def tickets_in(content):
    """The tickets a tool answer holds, from its JSON (the OpenAPI tool server's answers) or from
    its text lines (`- id: 20001; summary: ...; status: New; company: ACME Corporation (ACME); ...`,
    the answers written for a model, where `All of these have company: ...` gives what every line
    shares): each as {id, summary, status, company, closed}."""
    try:
        parsed = json.loads(content)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("results"), list):
        # OpenWebUI's MCP client gives the model the text and, when it differs, the JSON too.
        texts = [r for r in parsed["results"] if isinstance(r, str)]
        return tickets_in(texts[0]) if texts else tickets_in(json.dumps(parsed["results"][0]))
    if isinstance(parsed, dict) and isinstance(parsed.get("items"), list):
        return [{"id": t["id"], "summary": t["summary"], "status": t["status"]["name"],
                 "company": t["company"]["identifier"], "closed": t["closedFlag"]}
                for t in parsed["items"]]
    def pairs(text):
        return dict(part.split(": ", 1) for part in text.split("; ") if ": " in part)

    found = []
    shared = {}
    for line in content.splitlines():
        if line.startswith("All of these have ") and line.endswith("."):
            shared = pairs(line.removeprefix("All of these have ")[:-1])
        if not line.startswith("- id: "):
            continue
        fields = {**shared, **pairs(line[2:])}
        company = fields.get("company", "")
        found.append({"id": int(fields["id"]), "summary": fields.get("summary"), "status": fields.get("status"),
                      "company": company[company.rfind("(") + 1:-1] if company.endswith(")") else company,
                      "closed": fields.get("closedFlag") == "true"})
    return found


@contextlib.contextmanager
def running_openwebui(bridge_url, model_url, settings=None, servers=(OPENAPI_SERVER, MCP_SERVER), plain_model=None):
    """OpenWebUI on a free loopback port, its OpenAI connection at `model_url` (the scripted model's
    or a real llama-server's `/v1`), with the bridge as an OpenAPI tool server and as an MCP
    server, and `connectwise_tools.py` installed as a Tool; `settings` adds to its environment.
    `servers` names the tool-server connections to make: OpenWebUI offers a model the tools of
    every enabled connection, whichever the chat selects. `plain_model` names a model to be
    offered no built-in tools (memory, notes, calendar, ...), which OpenWebUI otherwise adds to
    every native chat: about 5,700 prompt tokens a turn. Yields (url, headers)."""
    if not os.path.exists(OPENWEBUI):
        raise RuntimeError(f"{OPENWEBUI} is missing: tests/run-all.sh installs OpenWebUI into .venv-openwebui")
    port = free_port()
    data = tempfile.mkdtemp(prefix="openwebui-")
    connections = [
        {"url": bridge_url, "path": "openapi.json", "type": "openapi", "auth_type": "none", "key": "",
         "config": {"enable": True}, "info": {"id": OPENAPI_SERVER, "name": "ConnectWise (OpenAPI)"}},
        # Text answers alone: OpenWebUI would give the model the structured JSON beside the text.
        {"url": f"{bridge_url}/mcp?answers=text", "path": "", "type": "mcp", "auth_type": "none", "key": "",
         "config": {"enable": True}, "info": {"id": MCP_SERVER, "name": "ConnectWise (MCP)"}},
    ]
    connections = [c for c in connections if c["info"]["id"] in servers]
    environment = {
        "PATH": os.environ.get("PATH", ""), "HOME": data, "DATA_DIR": data, "WEBUI_SECRET_KEY": "test-only",
        "WEBUI_AUTH": "False", "OFFLINE_MODE": "true", "HF_HUB_OFFLINE": "1", "ENABLE_OLLAMA_API": "false",
        "OPENAI_API_BASE_URL": model_url, "OPENAI_API_KEY": "scripted",
        "RAG_EMBEDDING_ENGINE": "openai", "ENABLE_VERSION_UPDATE_CHECK": "false",
        "ENABLE_TITLE_GENERATION": "false", "ENABLE_FOLLOW_UP_GENERATION": "false",
        "ENABLE_TAGS_GENERATION": "false", "ENABLE_AUTOCOMPLETE_GENERATION": "false",
        "TOOL_SERVER_CONNECTIONS": json.dumps(connections), "GLOBAL_LOG_LEVEL": "WARNING",
        **(settings or {}),
    }
    log = open(os.path.join(data, "openwebui.log"), "w")
    process = subprocess.Popen([OPENWEBUI, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=data, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, f"OpenWebUI exited; see {log.name}"
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"OpenWebUI did not start within 180 s; see {log.name}"
            time.sleep(0.5)
        # Without WEBUI_AUTH the sign-in gives the single admin's token.
        token = httpx.post(f"{url}/api/v1/auths/signin", json={"email": "", "password": ""}, timeout=30).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        if plain_model:
            created = httpx.post(f"{url}/api/v1/models/create", headers=headers, timeout=30, json={
                "id": plain_model, "name": plain_model, "base_model_id": None, "params": {},
                "meta": {"capabilities": {"builtin_tools": False}}})
            assert created.status_code == 200, created.text
        source = (ROOT / "connectwise_tools.py").read_text()
        created = httpx.post(f"{url}/api/v1/tools/create", headers=headers, timeout=60, json={
            "id": PYTHON_TOOL, "name": "ConnectWise", "content": source,
            "meta": {"description": "ConnectWise Manage, read-only"}})
        assert created.status_code == 200, created.text
        valves = httpx.post(f"{url}/api/v1/tools/id/{PYTHON_TOOL}/valves/update", headers=headers, timeout=30,
                            json={"CONNECTWISE_BRIDGE_URL": bridge_url})
        assert valves.status_code == 200, valves.text
        yield url, headers
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def chat(url, headers, tool_id, question=QUESTION, model=MODEL, timeout=120):
    """Asks `model` `question` in a new saved chat with one tool selected, as the web page does, and
    waits up to `timeout` seconds until the answer is complete (past it, the chat is stopped).
    Returns (chat_id, the finished assistant message)."""
    assistant_id, user_id = str(uuid.uuid4()), str(uuid.uuid4())
    started = httpx.post(f"{url}/api/chat/completions", headers=headers, timeout=60, json={
        "model": model, "stream": True, "messages": [{"role": "user", "content": question}],
        "tool_ids": [tool_id], "params": {"function_calling": "native"},
        # A new saved chat (parent_id null) answered in the background, as for the web page, whose
        # socket session this stands in for; OpenWebUI runs native tools only in a saved chat.
        "parent_id": None, "id": assistant_id, "session_id": f"test-{uuid.uuid4().hex}",
        "user_message": {"id": user_id, "role": "user", "content": question, "parentId": None,
                         "childrenIds": [], "models": [model], "timestamp": int(time.time())},
    })
    assert started.status_code == 200, started.text
    chat_id = started.json()["chat_id"]
    deadline = time.monotonic() + timeout
    while True:
        saved = httpx.get(f"{url}/api/v1/chats/{chat_id}", headers=headers, timeout=30).json()
        message = saved["chat"]["history"]["messages"].get(assistant_id, {})
        if message.get("done"):
            return chat_id, message
        if time.monotonic() >= deadline:
            # Stopped as the page's stop button does: the chat would go on calling the model.
            httpx.post(f"{url}/api/tasks/chat/{chat_id}/stop", headers=headers, timeout=30)
            raise AssertionError(f"the answer did not finish: {message}")
        time.sleep(0.25)
