"""The official MCP SDK's client through a real haproxy (Debian's) in front of two bridge replicas,
with the shipped docker/haproxy.cfg, its servers swapped for loopback ones: on the stateless
2026-07-28 protocol any replica answers any request, so a client's calls spread over both; on the
older session-based protocol the balancer's affinity on Mcp-Session-Id keeps a session on the
replica that holds it, and without that affinity such a client fails."""

import contextlib
import json
import re
import shutil
import socket
import subprocess
import time

import httpx
import pytest
from mcp import Client, MCPError

from conftest import ROOT, running_bridge

HAPROXY_CFG = ROOT / "docker" / "haproxy.cfg"
CALLS = 8


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    """Two demo bridges, each writing its own audit file; yields their ports and audit files."""
    logs = tmp_path_factory.mktemp("replicas")
    audits = [logs / f"audit-{n}.jsonl" for n in range(2)]
    # compose's haproxy checks /health with Host mcp-bridge, which the replicas allow there too.
    env = [{"BRIDGE_AUDIT_LOG": str(audit), "MCP_ALLOWED_HOSTS": "localhost,127.0.0.1,mcp-bridge"} for audit in audits]
    with running_bridge(env[0]) as first, running_bridge(env[1]) as second:
        ports = [int(url.rsplit(":", 1)[1]) for url in (first, second)]
        yield ports, audits


def balancer_config(ports, listen, affinity=True):
    """docker/haproxy.cfg for loopback: no DNS resolvers, the replicas as two servers, and, when
    `affinity` is false, without its stick rules."""
    text = HAPROXY_CFG.read_text()
    text = re.sub(r"\nresolvers network\n(  .*\n)+", "\n", text)
    text = text.replace(" resolvers network init-addr none resolve-prefer ipv4", "")
    text = text.replace("bind :3002", f"bind 127.0.0.1:{listen}")
    servers = "".join(f"  server replica{n} 127.0.0.1:{port} check\n" for n, port in enumerate(ports))
    text, swapped = re.subn(r"  server-template .*\n", servers, text)
    assert swapped == 1, "docker/haproxy.cfg has no server-template line to swap"
    if not affinity:
        text, dropped = re.subn(r"  stick .*\n", "", text)
        assert dropped == 2, "docker/haproxy.cfg has no stick rules to drop"
    return text


@contextlib.contextmanager
def balancer(ports, tmp_path, affinity=True):
    """haproxy on a free loopback port, once it routes /health to both replicas."""
    haproxy = shutil.which("haproxy")
    assert haproxy, "haproxy is missing: apt-get install haproxy (tests/run-all.sh does)"
    listen = free_port()
    config = tmp_path / f"haproxy-{listen}.cfg"
    config.write_text(balancer_config(ports, listen, affinity))
    checked = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    process = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{listen}"
    try:
        # Both replicas answer /health directly; haproxy takes a server once its check has passed.
        deadline = time.monotonic() + 20
        up = 0
        while up < 4:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "haproxy did not route to the replicas within 20 s"
            with contextlib.suppress(httpx.TransportError):
                up = up + 1 if httpx.get(f"{url}/health", timeout=2).status_code == 200 else 0
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool_calls(audit):
    """How many tool calls a replica's audit file records."""
    if not audit.exists():
        return 0
    return sum(1 for line in audit.read_text().splitlines() if json.loads(line).get("tool"))


async def call_tickets(client):
    for n in range(CALLS):
        ticket = await client.call_tool("connectwise_get_ticket", {"ticket_id": 20001 + n})
        assert not ticket.is_error, ticket.content
        assert ticket.structured_content["id"] == 20001 + n


async def served(replicas, tmp_path, mode):
    """How many of one client's calls each replica answered, the client in `mode`."""
    ports, audits = replicas
    before = [tool_calls(audit) for audit in audits]
    with balancer(ports, tmp_path) as url:
        async with Client(f"{url}/mcp", mode=mode) as client:
            if mode == "auto":
                assert client.protocol_version == "2026-07-28"
            assert "connectwise_get_ticket" in {tool.name for tool in (await client.list_tools()).tools}
            await call_tickets(client)
    return [tool_calls(audit) - was for audit, was in zip(audits, before)]


@pytest.mark.anyio
async def test_stateless_clients_need_no_affinity(replicas, tmp_path):
    answered = await served(replicas, tmp_path, "auto")
    assert sum(answered) == CALLS and all(answered), f"each replica answered some of one client's calls: {answered}"


@pytest.mark.anyio
async def test_session_clients_keep_to_their_replica_by_affinity(replicas, tmp_path):
    answered = sorted(await served(replicas, tmp_path, "legacy"))
    assert answered == [0, CALLS], f"one session's calls all went to the replica holding it: {answered}"


@pytest.mark.anyio
async def test_session_clients_fail_without_affinity(replicas, tmp_path):
    """The control: the same balancer without its stick rules sends a session's requests to a
    replica that never opened it."""
    ports, _ = replicas
    with balancer(ports, tmp_path, affinity=False) as url:
        with pytest.RaisesGroup(pytest.RaisesExc(MCPError, match="Session terminated"), flatten_subgroups=True):
            async with Client(f"{url}/mcp", mode="legacy") as client:
                await call_tickets(client)
