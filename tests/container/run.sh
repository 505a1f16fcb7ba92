#!/usr/bin/env bash
# The deployment, verified for real with podman (no Docker engine runs here):
#   1. the base images the Dockerfiles name are made locally (base-images.sh),
#   2. both images are built from the real Dockerfile.server and Dockerfile.bridge,
#   3. the compose stack is started in demo mode by ./setup.sh through podman-compose,
#   4. /health and a tool call are checked through the published port, the
#      containers are checked to run as non-root, the image healthcheck and the
#      server image's stdio are exercised, and ./setup.sh status / stop / clean run,
#   4b. ./setup.sh start --replicas 2 runs two bridges sharing Redis behind haproxy, checked
#      through the published port,
#   5. everything is torn down, also on failure.
# It runs from a temporary copy of the tracked files, so a developer's .env is never touched.
# Needs root (to install podman, runc and debootstrap from Debian's packages when missing).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

step() { printf '\n--> %s\n' "$*"; }
fail() { printf 'container test FAILED: %s\n' "$*" >&2; exit 1; }

missing=()
for tool in podman runc debootstrap curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "needs ${missing[*]}: install them (apt-get install podman runc debootstrap) or run as root"
  step "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export CONTAINERS_CONF="$repo/tests/container/containers.conf"
compose_bin="$repo/.venv/bin"
[ -x "$compose_bin/podman-compose" ] || fail "podman-compose is missing from .venv (tests/run-all.sh installs tests/python/requirements.txt)"

step "base images"
bash tests/container/base-images.sh

logs=$(mktemp -d)
for kind in server bridge; do
  step "building Dockerfile.$kind"
  image=connectwise-mcp-$kind:latest
  started=$SECONDS
  podman build --format docker --network host -f "Dockerfile.$kind" -t "$image" . >"$logs/build-$kind.log" 2>&1 \
    || { tail -30 "$logs/build-$kind.log"; fail "building $image"; }
  size=$(podman image inspect --format '{{.Size}}' "$image")
  echo "built $image in $((SECONDS - started)) s: $(awk -v b="$size" 'BEGIN {printf "%.1f MB", b / 1e6}')"
  [ "$size" -lt 30000000 ] || fail "$image is $size bytes, over the 30 MB budget"
done

step "the stack from a copy of the project, in demo mode, through ./setup.sh and podman-compose"
project=$(mktemp -d)/connectwise-mcp
mkdir -p "$project"
git ls-files -z | tar --null -T - -cf - | tar -C "$project" -xf -
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$project/.env.example" "$project/.env"
sed -i "s/^MCP_PORT=.*/MCP_PORT=$port/" "$project/.env"
cd "$project"
export PATH="$compose_bin:$PATH"
teardown() {
  (cd "$project" && ./setup.sh clean --yes >/dev/null 2>&1) || true
  podman rm -f connectwise-mcp-bridge >/dev/null 2>&1 || true
}
trap teardown EXIT

./setup.sh start --demo >"$logs/start.log" 2>&1 || { cat "$logs/start.log"; fail "./setup.sh start --demo"; }

base="http://127.0.0.1:$port"
# True once /health answers 200 on the published port (within a minute); the answer is kept.
healthy() {
  for _ in $(seq 1 120); do
    curl -fsS --max-time 2 "$base/health" >"$logs/health.json" 2>/dev/null && return 0
    sleep 0.5
  done
  return 1
}
healthy || { podman logs connectwise-mcp-bridge 2>&1 | tail -20; fail "/health never answered 200 on port $port"; }
echo "health: $(cat "$logs/health.json")"
grep -q '"status":"ok"' "$logs/health.json" || fail "health is not ok"
grep -q '"mode":"demo"' "$logs/health.json" || fail "the stack is not in demo mode"

answer=$(curl -fsS "$base/v1/tools/execute" -H 'Content-Type: application/json' \
  -d '{"tool_name":"connectwise_get_companies","arguments":{"conditions":"identifier=\"ACME\"","pageSize":5}}')
echo "tool call: ${answer:0:120}..."
grep -q '"identifier":"ACME"' <<<"$answer" || fail "the tool call did not return ACME"

step "non-root containers and processes"
# The images hold no shell or coreutils, so the processes are read from the host side.
for container in $(podman ps --format '{{.Names}}' | grep -E 'connectwise'); do
  users=$(podman top "$container" user huser | tail -n +2)
  echo "$container runs as: $(tr -s ' \n' ' ' <<<"$users")"
  [ -n "$users" ] || fail "no process found in $container"
  if grep -qw root <<<"$users"; then fail "$container runs a process as root"; fi
done
podman top connectwise-mcp-bridge user comm | tee "$logs/top.txt"
if awk 'NR > 1 && $1 == "root"' "$logs/top.txt" | grep -q .; then fail "a bridge process runs as root"; fi
grep -q cw-mcp-server "$logs/top.txt" || fail "the bridge's child is not running"

step "the image's healthcheck command, and the server image over stdio"
podman exec connectwise-mcp-bridge cw-bridge healthcheck || fail "cw-bridge healthcheck inside the container"
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
reply=$(printf '%s\n' "$init" | podman run -i --rm connectwise-mcp-server:latest --demo 2>/dev/null | head -n 1)
echo "stdio: ${reply:0:100}..."
grep -q '"serverInfo":{"name":"cw-mcp-server"' <<<"$reply" || fail "the server image did not answer initialize on stdout"

step "./setup.sh status, stop, clean"
./setup.sh status >"$logs/status.log" 2>&1 || { cat "$logs/status.log"; fail "./setup.sh status"; }
grep -q '"status":"ok"' "$logs/status.log" || fail "status did not show the health answer"
./setup.sh stop >/dev/null 2>&1 || fail "./setup.sh stop"
if curl -fsS --max-time 2 "$base/health" >/dev/null 2>&1; then fail "the bridge still answers after stop"; fi

step "two replicas sharing Redis behind haproxy: ./setup.sh start --replicas 2"
./setup.sh start --replicas 2 >"$logs/replicas.log" 2>&1 || { cat "$logs/replicas.log"; fail "./setup.sh start --replicas 2"; }
healthy || { podman ps -a; podman logs connectwise-mcp_load-balancer_1 2>&1 | tail -20; fail "/health never answered 200 through haproxy on port $port"; }
echo "health through haproxy: $(cat "$logs/health.json")"
grep -q '"store":"redis"' "$logs/health.json" || fail "the replicas do not say they share Redis"
running=$(podman ps --format '{{.Names}}' | grep -c 'mcp-bridge' || true)
[ "$running" = 2 ] || { podman ps; fail "$running bridge replicas run, not 2"; }
for container in $(podman ps --format '{{.Names}}' | grep -E 'redis|load-balancer|mcp-bridge'); do
  users=$(podman top "$container" user | tail -n +2)
  echo "$container runs as: $(tr -s ' \n' ' ' <<<"$users")"
  if grep -qw root <<<"$users"; then fail "$container runs a process as root"; fi
done
# Redis takes no command without the password setup.sh made, which no bridge shows.
password=$(grep '^REDIS_PASSWORD=' .env | cut -d= -f2)
[ ${#password} = 48 ] || fail "setup.sh made no REDIS_PASSWORD in .env"
redis=$(podman ps --format '{{.Names}}' | grep redis | head -n 1)
podman exec "$redis" redis-cli ping 2>&1 | grep -q NOAUTH || fail "the replicas' Redis answers without its password"
# Calls round robin over both replicas; each one's child takes its budget turns in Redis.
for n in 1 2 3 4; do
  answer=$(curl -fsS "$base/v1/tools/execute" -H 'Content-Type: application/json' \
    -d "{\"tool_name\":\"connectwise_get_ticket\",\"arguments\":{\"ticket_id\":2000$n}}") || fail "call $n through haproxy"
  grep -q "\"id\":2000$n" <<<"$answer" || fail "call $n through haproxy: ${answer:0:200}"
done
shared=0
for container in $(podman ps --format '{{.Names}}' | grep 'mcp-bridge'); do
  podman exec "$container" cw-bridge healthcheck || fail "$container is not healthy"
done
for _ in $(seq 1 8); do
  curl -fsS --max-time 2 "$base/health" | grep -q '"state":"shared"' && shared=$((shared + 1))
done
[ "$shared" = 8 ] || fail "only $shared of 8 health answers through haproxy say the budget is shared in Redis"
for container in $(podman ps --format '{{.Names}}' | grep 'mcp-bridge'); do
  if podman logs "$container" 2>&1 | grep -qF "$password"; then fail "$container logged the Redis password"; fi
done
if grep -qF "$password" "$logs/health.json" "$logs/replicas.log"; then fail "the Redis password was shown"; fi
./setup.sh status >"$logs/status.log" 2>&1 || { cat "$logs/status.log"; fail "./setup.sh status with replicas"; }
grep -q '"store":"redis"' "$logs/status.log" || fail "status did not show the replicas' health"
./setup.sh stop >/dev/null 2>&1 || fail "./setup.sh stop with replicas"
if curl -fsS --max-time 2 "$base/health" >/dev/null 2>&1; then fail "haproxy still answers after stop"; fi
./setup.sh clean --yes >/dev/null 2>&1 || fail "./setup.sh clean --yes"
if podman ps -a --format '{{.Names}}' | grep -q connectwise; then fail "containers left after clean"; fi
trap - EXIT
echo
echo "container test: 1 passed, 0 failed"
