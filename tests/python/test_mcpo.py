"""mcpo (OpenWebUI's MCP-to-OpenAPI proxy, PyPI `mcpo` 0.0.20 as it ships, in its own venv) in front
of the real `cw-mcp-server --demo`: every tool answers through it with the same content as
through our bridge. mcpo keeps only what a tool's output schema names, so this catches output
schemas that do not describe the whole answer."""

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
    def bridge(name, arguments):
        response = httpx.post(f"{bridge_url}/v1/tools/execute", json={"tool_name": name, "arguments": arguments},
                              timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

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
        expected = bridge(name, arguments)
        answer = through_mcpo.json()
        # mcpo writes the optional fields of a described envelope as null where we leave them out.
        answer = {k: v for k, v in answer.items() if v is not None or k in expected}
        if name == "connectwise_get_system_info":
            # Each side runs its own demo simulator, on its own port.
            answer.pop("apiUrl"), expected.pop("apiUrl")
        assert answer == expected, name
        if "items" not in expected and any(arg.endswith("_id") for arg in arguments):
            assert len(answer) > 5, f"{name}: the whole record, not only its id: {answer}"

    ticket = httpx.post(f"{mcpo_url}/connectwise_get_ticket", json={"ticket_id": 12345}).json()
    assert ticket["id"] == 12345 and ticket["summary"] and ticket["company"]["identifier"] == "ACME"
    missing = httpx.post(f"{mcpo_url}/connectwise_get_ticket", json={"ticket_id": 1})
    assert missing.status_code >= 400 and "no ticket 1" in missing.text
