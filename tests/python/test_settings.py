"""Every setting is declared once, in the binaries (clap's options, and the client's table that
their --help lists after them). `.env.example` and the operators' guide are written from the real
binaries' --help by settings_doc.py; these tests fail when either differs from what it writes, and
check docker-compose.yml passes .env through instead of restating defaults."""

import os
import pathlib
import re
import subprocess

import pytest

import settings_doc
from conftest import BIN_DIR, binary

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMPOSE_ONLY = {name for name, _, _ in settings_doc.COMPOSE_ONLY}


@pytest.fixture(scope="module")
def settings():
    """{name: default} of every setting the two binaries declare."""
    binary("cw-bridge")
    return {name: default for name, default, _ in settings_doc.all_settings(BIN_DIR)
            if name not in COMPOSE_ONLY}


def env_example():
    """{name: value} of .env.example."""
    return dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", (ROOT / ".env.example").read_text(), re.M))


def test_the_binaries_list_every_setting_in_help(settings):
    # The client's own settings, which it reads from the environment, are in --help too.
    for name in ["CW_MAX_CONCURRENCY", "CW_COALESCE", "CW_REFERENCE_CACHE_SECS", "CW_REQUEST_BUDGET",
                 "CW_BUDGET_WAIT_SECS", "CW_TIMEOUT_SECS", "CW_COMPANY_ID", "CW_TOOL_PROFILE", "MCP_PORT"]:
        assert name in settings, name
    assert settings["CW_REQUEST_BUDGET"] == "600" and settings["CW_CREDENTIALS"] == "server"


def test_env_example_and_the_operators_guide_are_what_the_declarations_write():
    for path, text in settings_doc.documents(BIN_DIR).items():
        assert path.read_text() == text, (
            f"{path.relative_to(ROOT)} is not what the binaries declare: run "
            "python3 tests/python/settings_doc.py --write")


def test_env_example_gives_every_setting_its_default(settings):
    example = env_example()
    assert example.keys() == settings.keys() | COMPOSE_ONLY
    for name, default in settings.items():
        assert example[name] == default, f".env.example sets {name}={example[name]!r}; its default is {default!r}"


def test_the_operators_guide_documents_every_setting(settings):
    text = (ROOT / "docs" / "operators.md").read_text()
    table = text[text.index("| variable |"):]
    table = table[:table.index("\n<!--")]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", "\n".join(line.split("|")[1] for line in table.splitlines()[2:])))
    assert documented == settings.keys() | COMPOSE_ONLY


def test_every_value_in_env_example_is_one_the_binaries_take():
    env = {"PATH": os.environ.get("PATH", ""), **env_example(), "MCP_PORT": "9"}
    # healthcheck parses every option, then only asks a port where nothing listens: a value
    # the options refuse would exit 2 with clap's message instead of 1.
    done = subprocess.run([binary("cw-bridge"), "healthcheck"], env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    # The server reads the client's settings too, and is ready before its closed stdin ends it.
    done = subprocess.run([binary("cw-mcp-server")], env={**env, "CW_DEMO": "true"}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert "cw-mcp-server ready on stdio" in done.stderr, done.stderr


def test_compose_passes_env_through_instead_of_restating_defaults(settings):
    compose = (ROOT / "docker-compose.yml").read_text()
    restated = re.findall(r"\$\{(\w+):-", compose)
    assert set(restated) <= {"MCP_PORT"} | COMPOSE_ONLY, f"docker-compose.yml restates defaults: {restated}"
    assert compose.count("env_file") >= 2, "both services read .env"
