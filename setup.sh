#!/usr/bin/env bash
# ConnectWise MCP: start, stop and look after the docker compose stack.
#
#   ./setup.sh                 the menu
#   ./setup.sh start [--demo] [--profile NAME] [--credentials server|request] [--replicas N]
#                              start, building images if missing (--demo: no credentials needed;
#                              --profile: which tools are listed, e.g. compact, service or all;
#                              --credentials request: each technician's own ConnectWise keys;
#                              --replicas N: N bridges sharing one quota in Redis behind haproxy,
#                              docker/compose.replicas.yml; 1 goes back to the single bridge)
#   ./setup.sh stop | restart | status
#   ./setup.sh update          pull the latest code, rebuild the images, restart
#   ./setup.sh logs [all|bridge|server]
#   ./setup.sh clean [--yes]   remove containers, network and images
#
# It uses `docker compose`, `docker-compose` or `podman-compose`, whichever is
# installed (or the command in $COMPOSE), and exits non-zero when a step fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

BRIDGE_SERVICE=mcp-bridge
# The tool profiles CW_TOOL_PROFILE takes.
PROFILES="compact, service, company, sales, finance, project, time, system, reports, all"
SERVER_SERVICE=connectwise-mcp-server
ENV_FILE=.env

say() { printf '%s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The compose command, as an array.
find_compose() {
  if [ -n "${COMPOSE:-}" ]; then
    read -r -a COMPOSE_CMD <<<"$COMPOSE"
  elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    COMPOSE_CMD=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE_CMD=(docker-compose)
  elif command -v podman-compose >/dev/null 2>&1; then
    COMPOSE_CMD=(podman-compose)
  else
    fail "no compose tool found: install Docker with the compose plugin, docker-compose, or podman-compose"
  fi
}

# How many bridge replicas the stack runs (BRIDGE_REPLICAS in .env; 1: docker-compose.yml).
replicas() {
  env_value BRIDGE_REPLICAS 1
}

# True when the argument is a replica count setup.sh runs: 1 to 10.
replica_count_valid() {
  grep -qE '^([1-9]|10)$' <<<"$1"
}

check_replicas() {
  local count
  count=$(replicas)
  replica_count_valid "$count" || fail "BRIDGE_REPLICAS in $ENV_FILE is '$count': use a number from 1 to 10"
}

# The replicas' Redis takes a password (compose.replicas.yml requires it): a random one is made
# once and kept in .env.
ensure_redis_password() {
  [ -n "$(env_value REDIS_PASSWORD "")" ] && return 0
  set_env_value REDIS_PASSWORD "$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
  say "Made a password for the replicas' Redis (REDIS_PASSWORD in $ENV_FILE)."
}

# The compose command for the stack's shape: one bridge, or replicas with Redis and haproxy.
compose() {
  if [ "$(replicas)" -gt 1 ]; then
    ensure_redis_password
    "${COMPOSE_CMD[@]}" -f docker/compose.replicas.yml --env-file "$ENV_FILE" "$@"
  else
    "${COMPOSE_CMD[@]}" "$@"
  fi
}

# A value from .env, or the default.
env_value() {
  local name=$1 default=$2 value=""
  if [ -f "$ENV_FILE" ]; then
    value=$(grep -E "^[[:space:]]*${name}=" "$ENV_FILE" | tail -n 1 | cut -d= -f2- | tr -d '"'"'" | tr -d '[:space:]')
  fi
  printf '%s' "${value:-$default}"
}

set_env_value() {
  local name=$1 value=$2
  if grep -qE "^[[:space:]]*${name}=" "$ENV_FILE"; then
    sed -i "s|^[[:space:]]*${name}=.*|${name}=${value}|" "$ENV_FILE"
  else
    printf '%s=%s\n' "$name" "$value" >>"$ENV_FILE"
  fi
}

missing_credentials() {
  local name missing=()
  # In request mode every call brings its own keys; the server needs none.
  [ "$(env_value CW_CREDENTIALS server)" = request ] && return 0
  for name in CW_COMPANY_ID CW_PUBLIC_KEY CW_PRIVATE_KEY; do
    [ -n "$(env_value "$name" "")" ] || missing+=("$name")
  done
  printf '%s' "${missing[*]}"
}

# Makes sure .env exists, created from .env.example.
ensure_env_file() {
  if [ ! -f "$ENV_FILE" ]; then
    [ -f .env.example ] || fail ".env.example is missing; cannot create $ENV_FILE"
    cp .env.example "$ENV_FILE"
    chmod 600 "$ENV_FILE"
    say "Created $ENV_FILE from .env.example."
  fi
}

# Makes sure .env exists and either holds credentials or asks for demo mode.
prepare_env() {
  local demo_flag=${1:-}
  ensure_env_file
  if [ "$demo_flag" = "--demo" ]; then
    set_env_value CW_DEMO true
  fi
  local demo missing
  demo=$(env_value CW_DEMO false)
  missing=$(missing_credentials)
  if [ "$demo" = "true" ] || [ -z "$missing" ]; then
    return 0
  fi
  say "ConnectWise credentials are missing in $ENV_FILE: $missing"
  say "Fill them in (see .env.example), or use demo mode with built-in demo data."
  if [ "$INTERACTIVE" = 1 ]; then
    local answer=""
    read -r -p "Start in demo mode now? [y/N] " answer || true
    case "$answer" in
      y | Y | yes | YES)
        set_env_value CW_DEMO true
        say "Demo mode on (CW_DEMO=true in $ENV_FILE)."
        return 0
        ;;
    esac
  else
    say "Or run: ./setup.sh start --demo"
  fi
  return 1
}

health() {
  local port url
  port=$(env_value MCP_PORT 3002)
  url="http://127.0.0.1:${port}/health"
  say "Health ($url):"
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 5 "$url" && { printf '\n'; return 0; }
  else
    # No curl: a plain HTTP/1.0 request through bash's /dev/tcp.
    local answer
    if answer=$(exec 3<>"/dev/tcp/127.0.0.1/${port}" && printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 && cat <&3); then
      printf '%s\n' "${answer##*$'\r\n\r\n'}"
      case "$answer" in "HTTP/1."?" 200"*) return 0 ;; esac
    fi
  fi
  say "The bridge is not healthy or not reachable on port $port."
  return 1
}

do_start() {
  local demo_flag="" profile="" credentials="" replica_count=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --demo) demo_flag=--demo ;;
      --profile)
        [ $# -ge 2 ] || fail "--profile needs a name: $PROFILES, or several separated by commas"
        profile=$2
        shift
        ;;
      --credentials)
        [ $# -ge 2 ] || fail "--credentials needs server or request"
        credentials=$2
        shift
        ;;
      --replicas)
        [ $# -ge 2 ] || fail "--replicas needs a number from 1 to 10"
        replica_count=$2
        shift
        ;;
      *) fail "unknown option '$1' for start: use --demo, --profile NAME, --credentials server|request and --replicas N" ;;
    esac
    shift
  done
  if [ -n "$profile" ] && ! grep -qE "^(${PROFILES//, /|})(,(${PROFILES//, /|}))*$" <<<"$profile"; then
    fail "unknown tool profile '$profile': use $PROFILES, or several separated by commas"
  fi
  case "$credentials" in
    "" | server | request) ;;
    *) fail "unknown credentials mode '$credentials': use server (the keys in $ENV_FILE) or request (each technician's own)" ;;
  esac
  if [ -n "$replica_count" ] && ! replica_count_valid "$replica_count"; then
    fail "--replicas takes a number from 1 to 10 (got '$replica_count')"
  fi
  if [ -n "$replica_count" ]; then
    ensure_env_file
    if [ "$replica_count" != "$(replicas)" ]; then
      # The other shape's containers would hold the port: take them down first.
      compose down --remove-orphans >/dev/null 2>&1 || true
      set_env_value BRIDGE_REPLICAS "$replica_count"
    fi
    say "Bridge replicas: $replica_count (BRIDGE_REPLICAS in $ENV_FILE)."
  fi
  if [ -n "$credentials" ]; then
    ensure_env_file
    set_env_value CW_CREDENTIALS "$credentials"
    say "Credentials: $credentials (CW_CREDENTIALS in $ENV_FILE)."
  fi
  prepare_env "$demo_flag" || return 1
  if [ -n "$profile" ]; then
    set_env_value CW_TOOL_PROFILE "$profile"
    say "Tool profile: $profile (CW_TOOL_PROFILE in $ENV_FILE)."
  fi
  say "Starting the stack (images are built on first start; ./setup.sh update rebuilds them)..."
  compose up -d
  if [ "$(replicas)" -gt 1 ]; then
    say "Started $(replicas) bridge replicas sharing Redis, behind haproxy on http://127.0.0.1:$(env_value MCP_PORT 3002)"
  else
    say "Started. The bridge listens on http://127.0.0.1:$(env_value MCP_PORT 3002)"
  fi
}

do_stop() {
  say "Stopping the stack..."
  compose stop
}

do_restart() {
  say "Restarting the stack..."
  compose restart
}

do_logs() {
  local which=${1:-all} follow=()
  [ -t 1 ] && follow=(--follow)
  case "$which" in
    all) compose logs --tail="${LOG_LINES:-200}" "${follow[@]}" ;;
    bridge) compose logs --tail="${LOG_LINES:-200}" "${follow[@]}" "$BRIDGE_SERVICE" ;;
    server)
      [ "$(replicas)" -gt 1 ] && fail "the replicas' stack has no stdio server service: use logs bridge (each bridge logs its child's lines)"
      compose logs --tail="${LOG_LINES:-200}" "${follow[@]}" "$SERVER_SERVICE"
      ;;
    *) fail "logs takes all, bridge or server (got '$which')" ;;
  esac
}

do_status() {
  compose ps
  health
}

do_update() {
  if [ -d .git ] && command -v git >/dev/null 2>&1 && git remote | grep -q .; then
    say "Pulling the latest code..."
    git pull --ff-only
  fi
  say "Rebuilding the images and restarting..."
  compose build
  compose up -d
}

do_clean() {
  local confirmed=${1:-}
  if [ "$confirmed" != "--yes" ]; then
    local answer=""
    read -r -p "Remove the containers, the network and the built images? [y/N] " answer || true
    case "$answer" in
      y | Y | yes | YES) ;;
      *) say "Nothing removed."; return 0 ;;
    esac
  fi
  say "Removing containers, network and images..."
  compose down --rmi all --volumes --remove-orphans
}

logs_menu() {
  say ""
  say "Logs:"
  say "  1) all"
  say "  2) bridge"
  say "  3) server"
  say "  4) back"
  local choice=""
  read -r -p "Choose [1-4]: " choice || return 0
  case "$choice" in
    1) do_logs all ;;
    2) do_logs bridge ;;
    3) do_logs server ;;
    4) ;;
    *) say "Unknown choice: $choice" ;;
  esac
}

menu() {
  while true; do
    say ""
    say "ConnectWise MCP"
    say "  1) Start"
    say "  2) Stop"
    say "  3) Restart"
    say "  4) Logs"
    say "  5) Status"
    say "  6) Update"
    say "  7) Clean up"
    say "  8) Exit"
    local choice=""
    read -r -p "Choose [1-8]: " choice || { say ""; return 0; }
    case "$choice" in
      1) do_start || say "Start failed." ;;
      2) do_stop || say "Stop failed." ;;
      3) do_restart || say "Restart failed." ;;
      4) logs_menu || say "Logs failed." ;;
      5) do_status || true ;;
      6) do_update || say "Update failed." ;;
      7) do_clean || say "Clean-up failed." ;;
      8) return 0 ;;
      *) say "Unknown choice: $choice (pick 1-8)" ;;
    esac
  done
}

usage() {
  # The comment block at the top of this file, without its comment marks.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

main() {
  local action=${1:-menu}
  if [ "$action" = help ] || [ "$action" = --help ] || [ "$action" = -h ]; then
    usage
    return 0
  fi
  find_compose
  check_replicas
  if [ "$action" = menu ]; then
    INTERACTIVE=1
    menu
    return 0
  fi
  INTERACTIVE=0
  shift
  case "$action" in
    start) do_start "$@" ;;
    stop) do_stop ;;
    restart) do_restart ;;
    logs) do_logs "$@" ;;
    status) do_status ;;
    update) do_update ;;
    clean) do_clean "$@" ;;
    *) usage >&2; fail "unknown action '$action'" ;;
  esac
}

INTERACTIVE=0
main "$@"
