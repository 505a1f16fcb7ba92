"""Shared fixtures: where the built binaries are, and anyio on asyncio."""

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = pathlib.Path(os.environ.get("CW_BIN_DIR", ROOT / "target" / "debug"))


def binary(name: str) -> str:
    path = BIN_DIR / name
    if not path.exists():
        raise RuntimeError(f"{path} is missing: build it first (cargo build --workspace --bins)")
    return str(path)


@pytest.fixture
def anyio_backend():
    return "asyncio"
