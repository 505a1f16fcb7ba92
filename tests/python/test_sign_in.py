"""Sign-in end to end: a real OpenID Provider (oidc-provider, in tests/oidc) on loopback, the real
bridge as its resource server, and the official MCP Python SDK's OAuth client doing dynamic client
registration and the authorization code flow with PKCE and a resource indicator against it, then
calling a tool; the audit line names the signed-in user. Tokens signed with the provider's own key
but wrong in one way each are refused with the right status."""

import asyncio
import contextlib
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import time
import urllib.parse

import httpx
import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

from conftest import DEMO_DATE, binary
from openwebui_harness import ScriptedModel, chat, running_openwebui

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROVIDER = ROOT / "tests" / "oidc"
REDIRECT = "http://127.0.0.1:9/callback"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(command, ready, log, env=None):
    """Runs `command` (its output to the file `log`) until the `ready` URL answers; stops it
    after, and shows its log (pytest prints it when a test fails)."""
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=output, text=True)
    try:
        for _ in range(200):
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} stopped: {log.read_text()}")
            try:
                httpx.get(ready, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)  # polling a port that is not listening yet, not synchronising work
        else:
            raise RuntimeError(f"{ready} never answered")
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)
        print(log.read_text())


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The provider's URL and its private signing key (the test's, handed to it)."""
    assert (PROVIDER / "node_modules" / "oidc-provider").exists(), "npm ci --prefix tests/oidc first (tests/run-all.sh does)"
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key))
    jwk.update(kid="test-key", alg="ES256", use="sig")
    keys = tmp_path_factory.mktemp("oidc") / "jwks.json"
    keys.write_text(json.dumps({"keys": [jwk]}))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [shutil.which("node") or "node", str(PROVIDER / "provider.mjs"), str(port), str(keys)]
    with serving(command, f"{url}/.well-known/openid-configuration", keys.parent / "provider.log"):
        yield url, key


@pytest.fixture(scope="module")
def bridge(provider, tmp_path_factory):
    """The bridge's URL and its audit file, with sign-in against the provider."""
    issuer, _ = provider
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("bridge")
    env = {"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "ERROR", "CW_DEMO_DATE": DEMO_DATE,
           "BRIDGE_OAUTH_ISSUER": issuer, "BRIDGE_PUBLIC_URL": url, "BRIDGE_OAUTH_SCOPES": "connectwise.read",
           "BRIDGE_AUDIT_LOG": str(logs / "audit.jsonl")}
    with serving([binary("cw-bridge"), "--demo", "--port", str(port)], f"{url}/health", logs / "bridge.log", env):
        yield url, logs / "audit.jsonl"


async def sign_in_at(authorization_url, back_to=REDIRECT):
    """Goes through the provider's own login and consent pages as ann, and returns where it
    sends the browser back to (`back_to`, the client's redirect URI) with the code."""
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
        response = await browser.get(authorization_url)
        for _ in range(20):
            location = response.headers.get("location")
            if location:
                location = urllib.parse.urljoin(str(response.url), location)
                if location.startswith(back_to):
                    return location
                response = await browser.get(location)
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
            assert form, response.text[:500]
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text))
            if 'name="login"' in response.text:
                fields.update(login="ann", password="any")
            response = await browser.post(urllib.parse.urljoin(str(response.url), form.group(1)), data=fields)
    raise AssertionError("the provider never sent the browser back")


class Memory:
    """The SDK's token storage, in memory."""
    def __init__(self):
        self.tokens = self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, info):
        self.client = info


@contextlib.asynccontextmanager
async def signed_in_session(url, storage):
    """An MCP session with the bridge at `url` through the official SDK's OAuth client, signed in
    as ann at the provider's own pages (authorization code with PKCE and a resource indicator)."""
    returned = {}

    async def redirect(authorization_url):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(authorization_url).query)
        assert query["resource"] == [f"{url}/mcp"] and query["code_challenge_method"] == ["S256"], query
        returned["location"] = await sign_in_at(authorization_url)

    async def callback():
        query = urllib.parse.parse_qs(urllib.parse.urlparse(returned["location"]).query)
        return AuthorizationCodeResult(code=query["code"][0], state=query.get("state", [None])[0],
                                       iss=query.get("iss", [None])[0])

    auth = OAuthClientProvider(
        server_url=f"{url}/mcp",
        client_metadata=OAuthClientMetadata(client_name="cw sign-in test", redirect_uris=[REDIRECT],
                                            grant_types=["authorization_code", "refresh_token"],
                                            response_types=["code"], scope="openid connectwise.read"),
        storage=storage, redirect_handler=redirect, callback_handler=callback)
    async with httpx2.AsyncClient(auth=auth, timeout=30) as http:
        async with streamable_http_client(f"{url}/mcp", http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


def audit_lines(audit):
    return [json.loads(line) for line in audit.read_text().splitlines()]


@pytest.mark.anyio
async def test_the_sdks_oauth_client_signs_in_and_the_audit_names_the_user(bridge):
    url, audit = bridge
    storage = Memory()
    async with signed_in_session(url, storage) as session:
        result = await session.call_tool("get_companies", {"conditions": "identifier = \"ACME\""})
        assert not result.is_error, result
    token = jwt.decode(storage.tokens.access_token, options={"verify_signature": False})
    assert token["aud"] == f"{url}/mcp" and "connectwise.read" in token["scope"], token
    lines = audit_lines(audit)
    signed_in = [line["caller"]["signedIn"] for line in lines if "signedIn" in line["caller"]]
    assert signed_in and signed_in[-1]["subject"] == "ann" and signed_in[-1]["email"] == "ann@msp.example", lines
    assert signed_in[-1]["groups"] == ["cw-techs"], signed_in[-1]


def test_tokens_wrong_in_one_way_each_are_refused(provider, bridge):
    issuer, key = provider
    url, _ = bridge
    now = int(time.time())
    good = {"iss": issuer, "sub": "ann", "aud": f"{url}/mcp", "exp": now + 300, "iat": now, "scope": "connectwise.read"}

    def call(claims, signer=key, kid="test-key", algorithm="ES256"):
        token = jwt.encode(claims, signer, algorithm=algorithm, headers={"kid": kid})
        return httpx.get(f"{url}/v1/tools", headers={"Authorization": f"Bearer {token}"}, timeout=10)

    assert call(good).status_code == 200
    wrong = {
        "another issuer": {**good, "iss": "https://evil.example"},
        "another resource": {**good, "aud": "https://other.example/mcp"},
        "expired": {**good, "exp": now - 120},
        "not valid yet": {**good, "nbf": now + 600},
    }
    for why, claims in wrong.items():
        answer = call(claims)
        assert answer.status_code == 401 and 'error="invalid_token"' in answer.headers["www-authenticate"], why
    assert call(good, signer=ec.generate_private_key(ec.SECP256R1())).status_code == 401
    assert call(good, kid="rotated-out").status_code == 401
    assert call(good, signer="a-shared-secret-of-thirty-two-bytes-or-more", algorithm="HS256").status_code == 401
    answer = call({**good, "scope": "openid"})
    assert answer.status_code == 403 and 'error="insufficient_scope"' in answer.headers["www-authenticate"]
    answer = httpx.get(f"{url}/v1/tools", timeout=10)
    assert answer.status_code == 401
    assert f'resource_metadata="{url}/.well-known/oauth-protected-resource/mcp"' in answer.headers["www-authenticate"]


def mint(provider, url, **claims):
    """An access token the provider's own key signs, for the bridge at `url`."""
    issuer, key = provider
    now = int(time.time())
    good = {"iss": issuer, "sub": "user", "aud": f"{url}/mcp", "exp": now + 300, "iat": now, "scope": "connectwise.read"}
    return jwt.encode({**good, **claims}, key, algorithm="ES256", headers={"kid": "test-key"})


@pytest.fixture(scope="module")
def ticket_owner(provider, bridge):
    """An active member who owns open tickets in the demo data, read through the plain bridge."""
    url, _ = bridge
    answer = httpx.post(f"{url}/v1/tools/execute", timeout=30,
                        headers={"Authorization": f"Bearer {mint(provider, url)}"},
                        json={"tool_name": "get_tickets", "arguments": {
                            "conditions": "closedFlag = false AND owner/identifier != null", "fields": "owner/identifier"}})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"][0]["owner"]["identifier"]


@pytest.fixture(scope="module")
def role_bridge(provider, ticket_owner, tmp_path_factory):
    """A bridge giving roles from a roles file: dispatchers read with the demo's admin API member
    and are listed every tool, the help desk with its technician member (which ConnectWise's role keeps off the Onboarding
    board) and without contacts' data; ann is mapped to the ticket owner."""
    issuer, _ = provider
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("roles")
    roles = logs / "roles.json"
    roles.write_text(json.dumps({
        "roles": [
            {"name": "dispatch", "groups": ["cw-dispatch"], "credentials": "ADMIN", "profile": "all"},
            {"name": "helpdesk", "groups": ["cw-techs"], "credentials": "DESK", "deny_paths": ["@contacts"]},
        ],
        "members": {"ann@msp.example": ticket_owner},
    }))
    env = {"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "ERROR", "CW_DEMO_DATE": DEMO_DATE,
           "BRIDGE_OAUTH_ISSUER": issuer, "BRIDGE_PUBLIC_URL": url, "BRIDGE_OAUTH_SCOPES": "connectwise.read",
           "BRIDGE_AUDIT_LOG": str(logs / "audit.jsonl"), "CW_CREDENTIALS": "request", "CW_ROLES_FILE": str(roles),
           "CW_ADMIN_COMPANY_ID": "demo", "CW_ADMIN_PUBLIC_KEY": "demo-public", "CW_ADMIN_PRIVATE_KEY": "demo-private",
           "CW_DESK_COMPANY_ID": "demo", "CW_DESK_PUBLIC_KEY": "tech-public", "CW_DESK_PRIVATE_KEY": "tech-private"}
    with serving([binary("cw-bridge"), "--demo", "--port", str(port)], f"{url}/health", logs / "bridge.log", env):
        yield url, logs / "audit.jsonl"


@pytest.mark.anyio
async def test_a_signed_in_user_reads_as_their_role_and_me_is_their_member(role_bridge, ticket_owner):
    url, audit = role_bridge
    async with signed_in_session(url, Memory()) as session:
        plate = await session.call_tool("connectwise_member_schedule", {"member": "me"})
        assert not plate.is_error and ticket_owner in plate.content[0].text, plate.content[0].text
        contacts = await session.call_tool("connectwise_get_contacts", {})
        assert contacts.is_error and "deny_paths of the role `helpdesk`" in contacts.content[0].text, contacts.content
    line = [line for line in audit_lines(audit) if line["tool"] == "connectwise_member_schedule"][-1]
    caller = line["caller"]
    assert caller["role"] == "helpdesk" and caller["member"] == ticket_owner and caller["signedIn"]["subject"] == "ann", caller
    assert caller["publicKeyId"].startswith("pk-") and "tech-public" not in json.dumps(line), caller


@pytest.mark.anyio
async def test_each_role_is_listed_its_own_tools_on_every_route(provider, role_bridge, ticket_owner):
    url, _ = role_bridge
    dispatcher = mint(provider, url, sub="dee", email=f"{ticket_owner}@demo-msp.example", groups=["cw-dispatch"])
    helpdesk = mint(provider, url, sub="hal", email="hal@msp.example", groups=["cw-techs"])

    def listed(token):
        headers = {"Authorization": f"Bearer {token}"}
        tools = httpx.get(f"{url}/v1/tools", headers=headers, timeout=30)
        spec = httpx.get(f"{url}/openapi.json", headers=headers, timeout=30)
        assert tools.status_code == 200 and spec.status_code == 200, (tools.text, spec.text)
        names = {tool["name"] for tool in tools.json()["tools"]}
        assert {path.removeprefix("/v1/tools/") for path in spec.json()["paths"]} == names
        return names

    everything, desk = listed(dispatcher), listed(helpdesk)
    assert len(everything) > 40 and "connectwise_get_invoices" in everything, "the dispatch role's profile is all"
    assert len(desk) < 20 and "connectwise_get_tickets" in desk, "the help desk has the server's, compact"
    assert "connectwise_get_contacts" in everything and "connectwise_get_contacts" not in desk, "@contacts is denied"
    async with signed_in_session(url, Memory()) as session:  # ann, of the help desk
        over_mcp = {tool.name for tool in (await session.list_tools()).tools}
    assert over_mcp == desk


def test_each_role_reads_with_its_own_credential_set_never_the_users(provider, role_bridge, ticket_owner):
    url, audit = role_bridge

    def call(token, arguments, tool="get_tickets", headers=None):
        return httpx.post(f"{url}/v1/tools/execute", timeout=30, json={"tool_name": tool, "arguments": arguments},
                          headers={"Authorization": f"Bearer {token}", **(headers or {})})

    onboarding = {"conditions": 'board/name = "Onboarding"', "fields": "id"}
    dispatcher = mint(provider, url, sub="dee", email=f"{ticket_owner}@demo-msp.example", groups=["cw-dispatch", "cw-techs"])
    helpdesk = mint(provider, url, sub="hal", email="hal@msp.example", groups=["cw-techs"])
    answer = call(dispatcher, onboarding)
    assert answer.status_code == 200 and answer.json()["items"], answer.text
    answer = call(helpdesk, onboarding)
    assert answer.status_code == 200 and answer.json()["items"] == [], "the desk's member sees no Onboarding"
    admin_keys = {"X-CW-Company-Id": "demo", "X-CW-Public-Key": "demo-public", "X-CW-Private-Key": "demo-private"}
    answer = call(helpdesk, onboarding, headers=admin_keys)
    assert answer.json()["items"] == [], "a user's own X-CW-* headers never replace the role's set"

    mine = call(dispatcher, {"conditions": "owner/identifier = [me] AND closedFlag = false", "fields": "id,owner/identifier"})
    items = mine.json()["items"]
    assert items and all(t["owner"]["identifier"] == ticket_owner for t in items), mine.text
    unmapped = call(helpdesk, {"conditions": "owner/identifier = [me]"})
    assert unmapped.status_code == 404 and "hal@msp.example" in unmapped.json()["error"], unmapped.text
    assert 'under "members" in CW_ROLES_FILE' in unmapped.json()["error"], unmapped.text

    outsider = call(mint(provider, url, sub="sam", email="sam@msp.example", groups=["sales"]), onboarding)
    assert outsider.status_code == 403 and outsider.json()["code"] == "no_role", outsider.text
    assert "sales" in outsider.json()["error"], outsider.text
    lines = audit_lines(audit)
    roles = {line["caller"]["signedIn"]["subject"]: line["caller"].get("role") for line in lines if "signedIn" in line["caller"]}
    assert roles["dee"] == "dispatch" and roles["hal"] == "helpdesk", roles
    assert not any(key in json.dumps(lines) for key in ("demo-private", "tech-private", "demo-public", "tech-public"))


def test_openwebuis_own_mcp_oauth_connection_signs_in_and_calls_as_the_user(bridge):
    """OpenWebUI 0.12.4's native MCP connection with auth type oauth_2.1, driven through its own
    routes as its admin page and browser do: it registers itself with the provider (dynamic client
    registration, from the bridge's RFC 9728 metadata), sends the user to the provider's login,
    takes the code back at its callback, and its chat calls the bridge's /mcp with the user's
    token; the bridge's audit names ann."""
    url, audit = bridge
    server = "cw-signed-in"
    with ScriptedModel() as model, running_openwebui(url, model.url, servers=()) as (webui, headers):
        registered = httpx.post(f"{webui}/api/v1/configs/oauth/clients/register", params={"type": "mcp"},
                                headers=headers, timeout=30, json={"url": f"{url}/mcp", "client_id": server})
        assert registered.status_code == 200, registered.text
        connection = {"url": f"{url}/mcp", "path": "", "type": "mcp", "auth_type": "oauth_2.1", "key": "",
                      "config": {"enable": True},
                      "info": {"id": server, "name": "ConnectWise (sign-in)",
                               "oauth_client_info": registered.json()["oauth_client_info"]}}
        saved = httpx.post(f"{webui}/api/v1/configs/tool_servers", headers=headers, timeout=30,
                           json={"TOOL_SERVER_CONNECTIONS": [connection]})
        assert saved.status_code == 200, saved.text
        callback = f"{webui}/oauth/clients/mcp:{server}/callback"
        with httpx.Client(headers=headers, follow_redirects=False, timeout=30) as browser:
            started = browser.get(f"{webui}/oauth/clients/mcp:{server}/authorize")
            assert started.status_code == 302, started.text
            authorization = started.headers["location"]
            query = urllib.parse.parse_qs(urllib.parse.urlparse(authorization).query)
            assert query["resource"] == [f"{url}/mcp"] and query["code_challenge_method"] == ["S256"], query
            back = asyncio.run(sign_in_at(authorization, back_to=callback))
            finished = browser.get(back)
            assert finished.status_code < 400, finished.text
        before = len(audit_lines(audit))
        _, message = chat(webui, headers, f"server:mcp:{server}")
        tool_answers = [m for m in model.requests[-1]["messages"] if m.get("role") == "tool"]
        offered = [tool["function"]["name"] for tool in model.requests[0].get("tools", [])]
        assert tool_answers and "ACME" in json.dumps(tool_answers[-1]["content"]), (offered, message)
    calls = [line for line in audit_lines(audit)[before:] if line.get("tool", "").endswith("get_tickets")]
    assert calls, audit_lines(audit)[before:]
    assert calls[-1]["caller"]["signedIn"]["subject"] == "ann", calls[-1]
    assert calls[-1]["outcome"] == "ok", calls[-1]
