#!/usr/bin/env bash
# Integration tests: drive the real server binary over HTTP and WebSocket
# (server/tests/integration, Node's built-in test runner + ws).
# Usage: scripts/integration.sh [node --test options, e.g. --test-name-pattern=relay]
# Env:   SERENDIP_SERVER_BIN  server executable (default: build/serendip-server)
set -euo pipefail
cd "$(dirname "$0")/.."

# Run inside a private network namespace with only loopback (as root), so no
# test -- coturn relays, testssl.sh, anything -- can send a packet off this machine.
if [ "${SERENDIP_IT_NETNS:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
  exec unshare -n env SERENDIP_IT_NETNS=1 sh -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

bin="${SERENDIP_SERVER_BIN:-build/serendip-server}"
if [ ! -x "$bin" ]; then
  echo "integration: server binary $bin not found (run 'make server' first)" >&2
  exit 1
fi
SERENDIP_SERVER_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export SERENDIP_SERVER_BIN

dir=server/tests/integration
if [ ! -d "$dir/node_modules/ws" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

shopt -s nullglob
files=("$dir"/*.test.mjs)
if ((${#files[@]} == 0)); then
  echo "integration: no test files in $dir" >&2
  exit 1
fi

exec node --test --test-concurrency=1 --test-timeout=60000 --test-reporter=spec "$@" "${files[@]}"
