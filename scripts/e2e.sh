#!/usr/bin/env bash
# Browser end-to-end tests: the real server and Debian's Chromium, inside a
# private network namespace that has only loopback, so no packet leaves the
# machine. Needs build/serendip-server and the built web app (web/dist), root
# (for unshare -n), chromium, iproute2 and curl (scripts/bootstrap.sh test).
# coturn (turnserver), when installed, runs beside the server on loopback so
# that "hide my IP address" (relay only) is tested through a real TURN relay.
# Usage: scripts/e2e.sh [test files...]   (default: every e2e/tests/*.test.mjs)
# SERENDIP_E2E_CLUSTER=1 runs them against the local cluster instead of one
# server: three instances sharing a Redis Cluster and PostgreSQL behind
# HAProxy (scripts/cluster.sh), so every page load, token, socket and admin
# call may land on a different instance.
# SERENDIP_SERVER_BIN and SERENDIP_STATIC_DIR name another server executable
# and web build (defaults: build/serendip-server, web/dist).
# Prints node's test runner TAP, ending in "# pass N" / "# fail N".
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ "${SERENDIP_E2E_NETNS:-}" != 1 ]; then
  # Re-run this script inside a fresh network namespace with loopback up.
  exec unshare -n env SERENDIP_E2E_NETNS=1 sh -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

server="${SERENDIP_SERVER_BIN:-$root/build/serendip-server}"
static="${SERENDIP_STATIC_DIR:-$root/web/dist}"
[ -x "$server" ] || { echo "e2e: $server is missing (make server)" >&2; exit 1; }
[ -f "$static/index.html" ] || { echo "e2e: $static is missing (make web)" >&2; exit 1; }
[ -d "$root/e2e/node_modules/playwright-core" ] || (cd "$root/e2e" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

tmp="$(mktemp -d)"
server_pid=""
turn_pid=""
cluster_dir=""
stop_pid() {
  local pid=$1
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then return 0; fi
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  [ -n "$cluster_dir" ] && "$root/scripts/cluster.sh" stop "$cluster_dir" >/dev/null 2>&1
  stop_pid "$server_pid"
  stop_pid "$turn_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# A free port in this (otherwise empty) namespace.
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port="$(free_port)"
origin="http://127.0.0.1:$port"

turn_env=()
if command -v turnserver >/dev/null 2>&1; then
  turn_port="$(free_port)"
  turn_secret="e2e-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  {
    echo "listening-ip=127.0.0.1"
    echo "relay-ip=127.0.0.1"
    echo "listening-port=$turn_port"
    echo "min-port=49160"
    echo "max-port=49400"
    echo "fingerprint"
    echo "use-auth-secret"
    echo "static-auth-secret=$turn_secret"
    echo "realm=serendip.test"
    echo "no-tls"
    echo "no-dtls"
    echo "no-cli"
    echo "# Test only: lets the relay reach peers on 127.0.0.1. Never in production."
    echo "allow-loopback-peers"
  } >"$tmp/turnserver.conf"
  turnserver -c "$tmp/turnserver.conf" --log-file="$tmp/turn.log" --simple-log --no-stdout-log \
    --pidfile="$tmp/turn.pid" >/dev/null 2>&1 &
  turn_pid=$!
  for _ in $(seq 50); do
    ss -ltn 2>/dev/null | grep -q "127.0.0.1:$turn_port " && break
    sleep 0.1
  done
  turn_env=(SERENDIP_TURN_SECRET="$turn_secret"
    SERENDIP_TURN_URLS="turn:127.0.0.1:$turn_port?transport=udp,turn:127.0.0.1:$turn_port?transport=tcp"
    SERENDIP_E2E_TURN=1)
fi

# The first admin account, for the dashboard tests (e2e/tests/admin.test.mjs).
admin="e2e-admin:$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

if [ "${SERENDIP_E2E_CLUSTER:-}" = 1 ]; then
  # The namespace is empty: the cluster's fixed ports are free.
  base=18080
  origin="http://127.0.0.1:$base"
  cluster_dir="$tmp/cluster"
  # PostgreSQL runs as its own user: it must be able to pass through $tmp
  # (traverse only: the directory listing stays private).
  chmod 711 "$tmp"
  env "${turn_env[@]}" \
    SERENDIP_ADMIN_BOOTSTRAP="$admin" \
    SERENDIP_LOG_LEVEL="${SERENDIP_LOG_LEVEL:-warn}" \
    SERENDIP_RATE_LIMITS="session_per_ip=off,connect_per_ip=off" \
    SERENDIP_SERVER_BIN="$server" \
    "$root/scripts/cluster.sh" start --base-port "$base" --run-dir "$cluster_dir" --no-install >/dev/null \
    || { echo "e2e: the cluster did not start" >&2; exit 1; }
  for _ in $(seq 100); do
    curl -fsS "$origin/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "$origin/readyz" >/dev/null || { echo "e2e: the cluster is not ready" >&2; exit 1; }
else
  env "${turn_env[@]}" \
    SERENDIP_ADMIN_BOOTSTRAP="$admin" \
    SERENDIP_LISTEN="127.0.0.1:$port" \
    SERENDIP_ALLOWED_ORIGINS="$origin" \
    SERENDIP_DATABASE_URL="sqlite://$tmp/e2e.db" \
    SERENDIP_LOG_LEVEL="${SERENDIP_LOG_LEVEL:-warn}" \
    SERENDIP_DRAIN_GRACE_MS=200 \
    SERENDIP_RATE_LIMITS="session_per_ip=off,connect_per_ip=off" \
    "$server" --static-dir="$static" >"$tmp/server.log" 2>&1 &
  server_pid=$!

  for _ in $(seq 100); do
    curl -fsS "$origin/healthz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { echo "e2e: server exited:" >&2; cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS "$origin/healthz" >/dev/null || { echo "e2e: server not healthy:" >&2; cat "$tmp/server.log" >&2; exit 1; }
fi

cd "$root/e2e"
if [ "$#" -eq 0 ]; then set -- tests/*.test.mjs; fi
rc=0
# A test that hangs (a page waiting for something that never comes) fails after 5 minutes
# instead of holding the whole run.
env "${turn_env[@]}" SERENDIP_BASE_URL="$origin" SERENDIP_E2E_ADMIN="$admin" \
  node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
  if [ -n "$cluster_dir" ]; then
    for log in "$cluster_dir"/logs/serendip-*.log; do
      echo "e2e: $(basename "$log") (last 20 lines):" >&2
      tail -n 20 "$log" >&2 || true
    done
  else
    echo "e2e: server log (last 40 lines):" >&2
    tail -n 40 "$tmp/server.log" >&2 || true
  fi
  [ -f "$tmp/turn.log" ] && { echo "e2e: coturn log (last 20 lines):" >&2; tail -n 20 "$tmp/turn.log" >&2; }
fi
exit "$rc"
