#!/usr/bin/env bash
# Browser end-to-end tests: the real server and Debian's Chromium, inside a
# private network namespace that has only loopback, so no packet leaves the
# machine. Needs build/serendip-server and the built web app (web/dist), root
# (for unshare -n), chromium, iproute2 and curl (scripts/bootstrap.sh test).
# Usage: scripts/e2e.sh [test files...]   (default: every e2e/tests/*.test.mjs)
# Prints node's test runner TAP, ending in "# pass N" / "# fail N".
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ "${SERENDIP_E2E_NETNS:-}" != 1 ]; then
  # Re-run this script inside a fresh network namespace with loopback up.
  exec unshare -n env SERENDIP_E2E_NETNS=1 sh -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

server="$root/build/serendip-server"
static="$root/web/dist"
[ -x "$server" ] || { echo "e2e: $server is missing (make server)" >&2; exit 1; }
[ -f "$static/index.html" ] || { echo "e2e: $static is missing (make web)" >&2; exit 1; }
[ -d "$root/e2e/node_modules/playwright-core" ] || (cd "$root/e2e" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# A free port in this (otherwise empty) namespace.
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
origin="http://127.0.0.1:$port"

SERENDIP_LISTEN="127.0.0.1:$port" \
SERENDIP_ALLOWED_ORIGINS="$origin" \
SERENDIP_DATABASE_URL="sqlite://$tmp/e2e.db" \
SERENDIP_LOG_LEVEL="${SERENDIP_LOG_LEVEL:-warn}" \
SERENDIP_DRAIN_GRACE_MS=200 \
  "$server" --static-dir="$static" >"$tmp/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 100); do
  curl -fsS "$origin/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "e2e: server exited:" >&2; cat "$tmp/server.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$origin/healthz" >/dev/null || { echo "e2e: server not healthy:" >&2; cat "$tmp/server.log" >&2; exit 1; }

cd "$root/e2e"
if [ "$#" -eq 0 ]; then set -- tests/*.test.mjs; fi
rc=0
SERENDIP_BASE_URL="$origin" node --test --test-concurrency=1 --test-reporter=tap "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "e2e: server log (last 40 lines):" >&2
  tail -n 40 "$tmp/server.log" >&2 || true
fi
exit "$rc"
