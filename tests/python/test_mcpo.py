"""mcpo (OpenWebUI's MCP-to-OpenAPI proxy, PyPI `mcpo` 0.0.20 as it ships, in its own venv) in front
of the real `cw-mcp-server --demo`: every tool answers through it with the same content as
through our bridge. mcpo 0.0.20 passes on a tool's text content (and ignores structured content),
so its callers get the model-readable text the bridge gives for `Accept: text/plain`; the JSON
behind it is checked against each output schema in test_mcp_stdio."""

import os
import socket
import subprocess
import tempfile
import time

import httpx
import pytest

from conftest import DEMO_DATE, ID_SOURCES, ROOT, SAMPLE_ARGUMENTS, binary

MCPO = os.environ.get("CW_MCPO", str(ROOT / ".venv-mcpo" / "bin" / "mcpo"))


@pytest.fixture(scope="module")
def mcpo_url():
    if not os.path.exists(MCPO):
        raise RuntimeError(f"{MCPO} is missing: tests/run-all.sh installs it into .venv-mcpo")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    environment = {"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "ERROR", "CW_DEMO_DATE": DEMO_DATE}
    process = subprocess.Popen([MCPO, "--host", "127.0.0.1", "--port", str(port), "--",
                                binary("cw-mcp-server"), "--demo"],
                               cwd=tempfile.gettempdir(), env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"mcpo exited: {process.stderr.read()}"
            try:
                if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "mcpo did not serve /openapi.json within 60 s"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_every_tool_answers_through_mcpo_as_through_the_bridge(bridge_url, mcpo_url):
    def bridge(name, arguments, accept="application/json"):
        response = httpx.post(f"{bridge_url}/v1/tools/execute", json={"tool_name": name, "arguments": arguments},
                              headers={"Accept": accept}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json() if accept == "application/json" else response.text

    def without_api_url(text):
        # Each side runs its own demo simulator, on its own port.
        return [line for line in text.splitlines() if "127.0.0.1:" not in line]

    tools = httpx.get(f"{bridge_url}/v1/tools").json()["tools"]
    operations = httpx.get(f"{mcpo_url}/openapi.json").json()["paths"]
    for tool in tools:
        name = tool["name"]
        assert f"/{name}" in operations, name
        arguments = {}
        for arg in tool["inputSchema"].get("required", []):
            arguments[arg] = SAMPLE_ARGUMENTS.get(arg) or bridge(ID_SOURCES[arg], {"pageSize": 1})["items"][0]["id"]
        if "pageSize" in tool["inputSchema"]["properties"]:
            arguments["pageSize"] = 3
        through_mcpo = httpx.post(f"{mcpo_url}/{name}", json=arguments, timeout=30)
        assert through_mcpo.status_code == 200, f"{name}: {through_mcpo.text}"
        answer = through_mcpo.json()
        assert isinstance(answer, str), f"{name}: mcpo passes on the text content: {answer!r}"
        assert without_api_url(answer) == without_api_url(bridge(name, arguments, "text/plain")), name
        if "pageSize" not in tool["inputSchema"]["properties"]:
            # A record by id: its text names it.
            for arg, value in arguments.items():
                assert str(value) in answer, f"{name}: {arg} {value} is not in {answer!r}"

    ticket = httpx.post(f"{mcpo_url}/connectwise_get_ticket", json={"ticket_id": 12345}).json()
    assert "12345" in ticket and "ACME" in ticket and "summary" in ticket
    missing = httpx.post(f"{mcpo_url}/connectwise_get_ticket", json={"ticket_id": 1})
    assert missing.status_code >= 400 and "no ticket 1" in missing.text
