"""Every setting is declared once, in the binaries (clap's options, and the client's table that
their --help lists after them); .env.example, the operators' guide and docker-compose.yml are
checked here against what the real binaries' --help says, so none of them can drift."""

import os
import pathlib
import re
import subprocess

import pytest

from conftest import binary

ROOT = pathlib.Path(__file__).resolve().parents[2]
# What only docker compose reads: the address it publishes the bridge on.
COMPOSE_ONLY = {"BRIDGE_BIND"}


def declared(program):
    """{name: default} of every setting `program --help` declares ('' where none)."""
    text = subprocess.run([binary(program), "--help"], env={"PATH": os.environ.get("PATH", "")},
                          capture_output=True, text=True, check=True).stdout
    settings = {}
    for block in re.split(r"\n(?= +-)", text):
        env = re.search(r"\[env: (\w+)=?\]", block)
        if env:
            default = re.search(r"\[default: ([^\]]*)\]", block)
            settings[env.group(1)] = default.group(1).strip('"') if default else ""
    for name, default in re.findall(r"^  (CW_\w+): .*?(?:\[default: ([^\]]*)\])?$", text, re.M):
        settings[name] = default
    return settings


@pytest.fixture(scope="module")
def settings():
    server, bridge = declared("cw-mcp-server"), declared("cw-bridge")
    for name in server.keys() & bridge.keys():
        assert server[name] == bridge[name], f"{name}: the two binaries' defaults differ"
    return {**server, **bridge}


def env_example():
    """{name: (value, commented out)} of .env.example: a setting without a default that an empty
    value would not leave unset (a path) is written commented out, with an example."""
    found = re.findall(r"^(# )?([A-Z][A-Z0-9_]+)=(.*)$", (ROOT / ".env.example").read_text(), re.M)
    return {name: (value, bool(comment)) for comment, name, value in found}


def test_the_binaries_list_every_setting_in_help(settings):
    # The client's own settings, which it reads from the environment, are in --help too.
    for name in ["CW_MAX_CONCURRENCY", "CW_COALESCE", "CW_REFERENCE_CACHE_SECS", "CW_REQUEST_BUDGET",
                 "CW_BUDGET_WAIT_SECS", "CW_TIMEOUT_SECS", "CW_COMPANY_ID", "CW_TOOL_PROFILE", "MCP_PORT"]:
        assert name in settings, name
    assert settings["CW_REQUEST_BUDGET"] == "600" and settings["CW_CREDENTIALS"] == "server"


def test_env_example_gives_every_setting_its_default(settings):
    example = env_example()
    assert example.keys() == settings.keys() | COMPOSE_ONLY, (
        f"only in .env.example: {sorted(example.keys() - settings.keys() - COMPOSE_ONLY)}; "
        f"missing there: {sorted(settings.keys() - example.keys())}")
    for name, default in settings.items():
        value, commented = example[name]
        if commented:
            assert not default, f".env.example comments {name} out; give its default, {default}"
        else:
            assert value == default, f".env.example sets {name}={value!r}; its default is {default!r}"


def test_the_operators_guide_documents_every_setting(settings):
    text = (ROOT / "docs" / "operators.md").read_text()
    table = text[text.index("| variable |"):]
    table = table[:table.index("\n\n")]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", "\n".join(line.split("|")[1] for line in table.splitlines()[2:])))
    assert documented == settings.keys() | COMPOSE_ONLY, (
        f"documented but not declared: {sorted(documented - settings.keys() - COMPOSE_ONLY)}; "
        f"declared but not documented: {sorted(settings.keys() - documented)}")


def test_compose_passes_env_through_instead_of_restating_defaults(settings):
    compose = (ROOT / "docker-compose.yml").read_text()
    restated = re.findall(r"\$\{(\w+):-", compose)
    assert set(restated) <= {"MCP_PORT"} | COMPOSE_ONLY, f"docker-compose.yml restates defaults: {restated}"
    assert compose.count("env_file") >= 2, "both services read .env"
