"""Shared fixtures: where the built binaries are, running bridges, anyio on asyncio."""

import contextlib
import os
import pathlib
import subprocess
import tempfile

import httpx
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = pathlib.Path(os.environ.get("CW_BIN_DIR", ROOT / "target" / "debug"))


def binary(name: str) -> str:
    path = BIN_DIR / name
    if not path.exists():
        raise RuntimeError(f"{path} is missing: build it first (cargo build --workspace --bins)")
    return str(path)


@contextlib.contextmanager
def running_bridge(env=None, api_key=None):
    """Starts `cw-bridge --demo --port 0`, waits until its child serves, yields its URL, stops it."""
    environment = {"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "ERROR", **(env or {})}
    if api_key:
        environment["BRIDGE_API_KEY"] = api_key
    process = subprocess.Popen([binary("cw-bridge"), "--demo", "--port", "0"], stdout=subprocess.PIPE, text=True,
                               cwd=tempfile.gettempdir(), env=environment)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # /v1/tools waits while the child starts, so one call is the readiness check.
        assert httpx.get(f"{url}/v1/tools", headers=headers, timeout=30).status_code == 200
        yield url
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0


@pytest.fixture(scope="session")
def bridge_url():
    with running_bridge() as url:
        yield url


@pytest.fixture
def anyio_backend():
    return "asyncio"
