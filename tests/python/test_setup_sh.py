"""setup.sh through its real prompts (a pseudo-terminal) and its arguments, against a stand-in
`docker` that records what it was asked and a stand-in bridge that answers /health."""

import http.server
import json
import os
import pathlib
import shutil
import socket
import stat
import subprocess
import threading

import pexpect
import pytest

from conftest import ROOT

FAKE_DOCKER = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$RECORD"
if [ -n "${FAIL_ON:-}" ] && [[ "$*" == *"$FAIL_ON"* ]]; then echo "stand-in failure: $*" >&2; exit 3; fi
case "$*" in
  "compose version") [ -n "${NO_COMPOSE_PLUGIN:-}" ] && exit 1; echo "Docker Compose version v2.29.0" ;;
  *" ps"|"ps") echo "NAME                     STATUS"; echo "connectwise-mcp-bridge   Up (healthy)" ;;
  *logs*) echo "bridge | listening" ;;
esac
exit 0
"""

CREDENTIALS = "CW_COMPANY_ID=acme\nCW_PUBLIC_KEY=pub\nCW_PRIVATE_KEY=priv\n"


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"status": "ok", "service": "connectwise-mcp-bridge"}).encode()
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def health_port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Project:
    """A copy of setup.sh and .env.example with stand-in tools on PATH."""

    def __init__(self, root: pathlib.Path, tools=("docker",)):
        self.dir = root / "project"
        self.bin = root / "bin"
        self.dir.mkdir()
        self.bin.mkdir()
        for name in ("setup.sh", ".env.example"):
            shutil.copy(ROOT / name, self.dir / name)
        self.record = root / "record.txt"
        self.record.touch()
        for tool in tools:
            path = self.bin / tool
            path.write_text(FAKE_DOCKER if tool == "docker" else FAKE_DOCKER.replace('"$*"', f'"{tool} $*"', 1))
            path.chmod(path.stat().st_mode | stat.S_IEXEC)
        self.env = {"PATH": f"{self.bin}:/usr/bin:/bin", "RECORD": str(self.record), "HOME": str(root), "TERM": "dumb"}

    def write_env(self, text):
        (self.dir / ".env").write_text(text)

    def run(self, *args, stdin="", **env):
        return subprocess.run(["./setup.sh", *args], cwd=self.dir, input=stdin, capture_output=True, text=True,
                              env={**self.env, **env}, timeout=30)

    def calls(self):
        return self.record.read_text().splitlines()


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path)


def test_every_argument_runs_its_compose_command(project, health_port):
    project.write_env(CREDENTIALS + f"MCP_PORT={health_port}\n")
    expectations = [
        (["start"], ["compose up -d"]),
        (["stop"], ["compose stop"]),
        (["restart"], ["compose restart"]),
        (["logs"], ["compose logs --tail=200"]),
        (["logs", "bridge"], ["compose logs --tail=200 mcp-bridge"]),
        (["logs", "server"], ["compose logs --tail=200 connectwise-mcp-server"]),
        (["status"], ["compose ps"]),
        (["update"], ["compose build", "compose up -d"]),
        (["clean", "--yes"], ["compose down --rmi all --volumes --remove-orphans"]),
    ]
    for args, expected in expectations:
        project.record.write_text("")
        result = project.run(*args)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        assert [c for c in project.calls() if c != "compose version"] == expected, args
    status = project.run("status")
    assert '"status": "ok"' in status.stdout and f"127.0.0.1:{health_port}/health" in status.stdout


def test_status_fails_when_the_bridge_is_down(project):
    project.write_env(CREDENTIALS + f"MCP_PORT={free_port()}\n")
    result = project.run("status")
    assert result.returncode == 1
    assert "not healthy or not reachable" in result.stdout


def test_health_works_without_curl(tmp_path, health_port):
    project = Project(tmp_path)
    no_curl = tmp_path / "no-curl"
    no_curl.mkdir()
    for directory in ("/usr/bin", "/bin"):
        for name in os.listdir(directory):
            if name != "curl" and not (no_curl / name).exists():
                (no_curl / name).symlink_to(os.path.join(directory, name))
    project.write_env(CREDENTIALS + f"MCP_PORT={health_port}\n")
    result = project.run("status", PATH=f"{project.bin}:{no_curl}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"service": "connectwise-mcp-bridge"' in result.stdout


def test_missing_env_is_created_and_the_missing_credentials_named(project):
    result = project.run("start")
    assert result.returncode == 1
    assert "Created .env from .env.example" in result.stdout
    assert "CW_COMPANY_ID CW_PUBLIC_KEY CW_PRIVATE_KEY" in result.stdout
    assert "./setup.sh start --demo" in result.stdout
    assert (project.dir / ".env").exists()
    assert oct((project.dir / ".env").stat().st_mode & 0o777) == "0o600"
    assert "compose up -d" not in project.calls()
    demo = project.run("start", "--demo")
    assert demo.returncode == 0, demo.stderr
    assert "CW_DEMO=true" in (project.dir / ".env").read_text()
    assert "compose up -d" in project.calls()


def test_start_sets_the_tool_profile(project):
    project.write_env(CREDENTIALS)
    result = project.run("start", "--profile", "service,company")
    assert result.returncode == 0, result.stderr
    assert "CW_TOOL_PROFILE=service,company" in (project.dir / ".env").read_text()
    assert "compose up -d" in project.calls()
    both = project.run("start", "--demo", "--profile", "all")
    assert both.returncode == 0, both.stderr
    env = (project.dir / ".env").read_text()
    assert "CW_TOOL_PROFILE=all" in env and "CW_DEMO=true" in env
    wrong = project.run("start", "--profile", "everything")
    assert wrong.returncode == 1
    assert "unknown tool profile 'everything': use compact, service" in wrong.stderr
    assert project.run("start", "--profile").returncode == 1
    assert project.run("start", "--fast").returncode == 1


def test_start_sets_the_credentials_mode(project):
    result = project.run("start", "--credentials", "request")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CW_CREDENTIALS=request" in (project.dir / ".env").read_text()
    assert "compose up -d" in project.calls(), "request mode needs no server keys"
    wrong = project.run("start", "--credentials", "header")
    assert wrong.returncode == 1 and "unknown credentials mode 'header'" in wrong.stderr
    assert project.run("start", "--credentials").returncode == 1
    back = project.run("start", "--credentials", "server")
    assert back.returncode == 1 and "credentials are missing" in back.stdout


def test_failures_and_bad_arguments_exit_non_zero(project):
    project.write_env(CREDENTIALS)
    failed = project.run("start", FAIL_ON="up")
    assert failed.returncode != 0 and "stand-in failure" in failed.stderr
    unknown = project.run("launch")
    assert unknown.returncode == 1 and "unknown action 'launch'" in unknown.stderr
    assert project.run("logs", "everything").returncode == 1
    assert project.run("help").returncode == 0
    declined = project.run("clean", stdin="n\n")
    assert declined.returncode == 0 and "Nothing removed." in declined.stdout
    assert not any(c.startswith("compose down") for c in project.calls())


def subproject(tmp_path, name, tools=("docker",)):
    (tmp_path / name).mkdir()
    return Project(tmp_path / name, tools=tools)


def test_the_compose_tool_is_found_in_order(tmp_path):
    plugin = subproject(tmp_path, "a")
    plugin.write_env(CREDENTIALS)
    assert plugin.run("stop").returncode == 0 and "compose stop" in plugin.calls()

    legacy = subproject(tmp_path, "b", tools=("docker", "docker-compose"))
    legacy.write_env(CREDENTIALS)
    assert legacy.run("stop", NO_COMPOSE_PLUGIN="1").returncode == 0
    assert "docker-compose stop" in legacy.calls()

    podman = subproject(tmp_path, "c", tools=("podman-compose",))
    podman.write_env(CREDENTIALS)
    assert podman.run("stop").returncode == 0
    assert "podman-compose stop" in podman.calls()

    nothing = subproject(tmp_path, "d", tools=())
    result = nothing.run("stop")  # /usr/bin and /bin hold no compose tool
    assert result.returncode == 1 and "no compose tool found" in result.stderr


def test_every_menu_choice_through_the_real_prompts(project, health_port):
    project.write_env(f"MCP_PORT={health_port}\n")
    shell = pexpect.spawn("./setup.sh", cwd=str(project.dir), env=project.env, encoding="utf-8", timeout=15)
    menu = r"Choose \[1-8\]: "

    def choose(choice):
        shell.expect(menu)
        shell.sendline(choice)

    choose("1")
    shell.expect(r"Start in demo mode now\? \[y/N\] ")
    shell.sendline("y")
    shell.expect("Demo mode on")
    choose("2")
    choose("3")
    choose("4")
    shell.expect(r"Choose \[1-4\]: ")
    shell.sendline("2")
    choose("4")
    shell.expect(r"Choose \[1-4\]: ")
    shell.sendline("4")
    choose("5")
    shell.expect('"status": "ok"')
    choose("6")
    choose("7")
    shell.expect(r"\[y/N\] ")
    shell.sendline("n")
    shell.expect("Nothing removed.")
    choose("7")
    shell.expect(r"\[y/N\] ")
    shell.sendline("y")
    choose("9")
    shell.expect("Unknown choice: 9")
    choose("8")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 0
    calls = [c for c in project.calls() if c != "compose version"]
    assert calls == [
        "compose up -d", "compose stop", "compose restart", "compose logs --tail=200 --follow mcp-bridge",
        "compose ps", "compose build", "compose up -d", "compose down --rmi all --volumes --remove-orphans",
    ]


def test_start_with_replicas_runs_the_replicas_stack_with_a_redis_password(project, health_port):
    project.write_env(CREDENTIALS + f"MCP_PORT={health_port}\n")
    replicas = "compose -f docker/compose.replicas.yml --env-file .env"
    started = project.run("start", "--replicas", "2")
    assert started.returncode == 0, started.stdout + started.stderr
    env = (project.dir / ".env").read_text()
    assert "BRIDGE_REPLICAS=2" in env
    password = [line.split("=", 1)[1] for line in env.splitlines() if line.startswith("REDIS_PASSWORD=")]
    assert len(password) == 1 and len(password[0]) == 48 and set(password[0]) <= set("0123456789abcdef"), env
    assert password[0] not in started.stdout + started.stderr, "the password is never printed"
    # The single bridge's stack is taken down first: it would hold the port.
    assert [c for c in project.calls() if c != "compose version"] == ["compose down --remove-orphans", f"{replicas} up -d"]
    assert "Started 2 bridge replicas" in started.stdout

    project.record.write_text("")
    for args, expected in [(["stop"], f"{replicas} stop"), (["status"], f"{replicas} ps"),
                           (["logs", "bridge"], f"{replicas} logs --tail=200 mcp-bridge"),
                           (["start"], f"{replicas} up -d")]:
        result = project.run(*args)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        assert project.calls()[-1] == expected, args
    assert f"REDIS_PASSWORD={password[0]}" in (project.dir / ".env").read_text(), "made once, then kept"
    server_logs = project.run("logs", "server")
    assert server_logs.returncode == 1 and "use logs bridge" in server_logs.stderr

    project.record.write_text("")
    back = project.run("start", "--replicas", "1")
    assert back.returncode == 0, back.stderr
    assert [c for c in project.calls() if c != "compose version"] == [f"{replicas} down --remove-orphans", "compose up -d"]
    assert "BRIDGE_REPLICAS=1" in (project.dir / ".env").read_text()


def test_a_wrong_replica_count_is_refused_with_the_range(project):
    project.write_env(CREDENTIALS)
    for wrong in ("0", "11", "two", "-1"):
        result = project.run("start", "--replicas", wrong)
        assert result.returncode == 1 and "a number from 1 to 10" in result.stderr, (wrong, result.stderr)
    missing = project.run("start", "--replicas")
    assert missing.returncode == 1 and "--replicas needs a number" in missing.stderr
    project.write_env(CREDENTIALS + "BRIDGE_REPLICAS=many\n")
    hand_written = project.run("status")
    assert hand_written.returncode == 1 and "BRIDGE_REPLICAS in .env is 'many'" in hand_written.stderr
    assert [c for c in project.calls() if c != "compose version"] == []
