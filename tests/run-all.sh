#!/usr/bin/env bash
# Runs every test of the project: Rust unit, integration and end-to-end tests,
# then the Python tests that drive the real binaries with third-party clients.
# Usage: tests/run-all.sh        (from anywhere; needs cargo and python3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "building the binaries"
cargo build --workspace --bins --locked

step "Rust tests"
cargo test --workspace --locked

step "Python test environment (.venv, pinned in tests/python/requirements.txt)"
stamp=.venv/.requirements
if [ ! -x .venv/bin/python ] || ! cmp -s tests/python/requirements.txt "$stamp"; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
  cp tests/python/requirements.txt "$stamp"
fi

step "mcpo's environment (.venv-mcpo, pinned in tests/python/mcpo/requirements.txt)"
mcpo_stamp=.venv-mcpo/.requirements
if [ ! -x .venv-mcpo/bin/mcpo ] || ! cmp -s tests/python/mcpo/requirements.txt "$mcpo_stamp"; then
  python3 -m venv .venv-mcpo
  .venv-mcpo/bin/pip install --quiet --disable-pip-version-check -r tests/python/mcpo/requirements.txt
  cp tests/python/mcpo/requirements.txt "$mcpo_stamp"
fi

step "deployment: images, compose stack and setup.sh with podman"
if [ "${CW_SKIP_CONTAINERS:-}" = 1 ]; then
  echo "skipped because CW_SKIP_CONTAINERS=1 (for quick local runs; CI always runs it)"
else
  tests/container/run.sh
fi

step "Python tests"
CW_BIN_DIR="$PWD/target/debug" .venv/bin/python -m pytest -q -p no:cacheprovider tests/python
