#!/usr/bin/env bash
# Prints the benchmark figures: micro-benchmarks of the matchmaker and codec,
# then the end-to-end load benchmark (bench/load/): the real server and the
# epoll floor under the same WebSocket traffic on loopback.
#
# Usage: scripts/bench.sh [micro|load]...   (default: both)
# Env: LOAD_IDLE (idle sockets, default 5000), LOAD_PAIRS (default 200),
#      LOAD_SECONDS (measured seconds per round, default 10), LOAD_ROUNDS (default 3),
#      LOAD_SERVER_THREADS (the server's I/O threads, default 1 like the floor)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
parts=("$@")
((${#parts[@]})) || parts=(micro load)

micro() {
  "$BUILD_DIR/serendip-bench" --benchmark_counters_tabular=true
}

load() {
  local idle="${LOAD_IDLE:-5000}" pairs="${LOAD_PAIRS:-200}" seconds="${LOAD_SECONDS:-10}" rounds="${LOAD_ROUNDS:-3}"
  local tmp; tmp="$(mktemp -d)"
  trap 'pkill -P $$ serendip-floor 2>/dev/null; pkill -P $$ serendip-server 2>/dev/null; rm -rf "$tmp"' RETURN

  # Rounds alternate the floor and the server; the table shows each figure's
  # median (CPU per message varies from run to run with how the two cores are
  # shared between the server and the load generator). Idle memory: round 1.
  for round in $(seq "$rounds"); do
    local round_idle=0
    ((round == 1)) && round_idle="$idle"

    # The floor: the least work a WebSocket relay can do (one thread, epoll).
    "$BUILD_DIR/serendip-floor-relay" 0 >"$tmp/floor.out" 2>&1 &
    local floor_pid=$!
    for _ in $(seq 50); do grep -q '^listening' "$tmp/floor.out" 2>/dev/null && break; sleep 0.1; done
    "$BUILD_DIR/serendip-load" --kind=floor --port="$(awk '/^listening/ {print $2}' "$tmp/floor.out")" \
      --server-pid="$floor_pid" --idle="$round_idle" --pairs="$pairs" --seconds="$seconds" >"$tmp/floor.$round.txt"
    kill "$floor_pid"; wait "$floor_pid" 2>/dev/null || true

    # The server with one I/O thread, like the floor (LOAD_SERVER_THREADS to change), under
    # the allocation counter, with every abuse limit off: the load generator is one host.
    SERENDIP_ALLOC_COUNT_FILE="$tmp/allocs" LD_PRELOAD="$PWD/$BUILD_DIR/libserendip-alloc-counter.so" \
      "$BUILD_DIR/serendip-server" --listen=127.0.0.1:0 --database-url="sqlite://$tmp/bench-$round.db" \
      --static-dir="$tmp" --log-level=info --captcha=false --threads="${LOAD_SERVER_THREADS:-1}" \
      --rate-limits=session_per_ip=off,session_per_device=off,connect_per_ip=off,join_per_device=off,next_per_device=off,report_per_device=off \
      --messages-per-second=100000 --messages-burst=100000 >"$tmp/server.log" 2>&1 &
    local server_pid=$! server_port=""
    for _ in $(seq 100); do
      server_port="$(grep '"event":"listening"' "$tmp/server.log" | head -1 | sed -n 's/.*"port":\([0-9]*\).*/\1/p' || true)"
      [ -n "$server_port" ] && break
      sleep 0.1
    done
    [ -n "$server_port" ] || { echo "bench: the server did not start:" >&2; cat "$tmp/server.log" >&2; return 1; }
    "$BUILD_DIR/serendip-load" --kind=serendip --port="$server_port" --server-pid="$server_pid" \
      --idle="$round_idle" --pairs="$pairs" --seconds="$seconds" --alloc-file="$tmp/allocs" >"$tmp/server.$round.txt"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  done

  # median KIND KEY: the median of KEY over the rounds.
  median() { cat "$tmp/$1".*.txt | sed -n "s/^$2=//p" | sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]}'; }
  first() { sed -n "s/^$2=//p" "$tmp/$1.1.txt"; }
  local f_cpu s_cpu
  f_cpu="$(median floor server_cpu_us_per_message)"; s_cpu="$(median server server_cpu_us_per_message)"
  echo
  echo "End-to-end load: $pairs pairs ping-ponging ice messages, ${seconds}s x $rounds rounds (medians), $idle idle sockets, loopback"
  printf '%-34s %14s %14s\n' "" "epoll floor" "serendip"
  printf '%-34s %14s %14s\n' "relayed messages / s" "$(median floor relayed_per_second)" "$(median server relayed_per_second)"
  printf '%-34s %14s %14s\n' "server CPU us / relayed message" "$f_cpu" "$s_cpu"
  printf '%-34s %14s %14s\n' "one-way latency p50 (us)" "$(median floor latency_p50_us)" "$(median server latency_p50_us)"
  printf '%-34s %14s %14s\n' "one-way latency p99 (us)" "$(median floor latency_p99_us)" "$(median server latency_p99_us)"
  printf '%-34s %14s %14s\n' "resident bytes / idle socket" "$(first floor rss_per_idle_socket_bytes)" "$(first server rss_per_idle_socket_bytes)"
  printf '%-34s %14s %14s\n' "heap allocations / message" "n/a" "$(median server server_allocations_per_message)"
  awk -v f="$f_cpu" -v s="$s_cpu" 'BEGIN { printf "CPU ratio serendip / floor: %.2f (target <= 1.5)\n", s / f }'
  echo "Targets: <= 4096 resident bytes per idle socket; 0 allocations per relayed message."
}

for part in "${parts[@]}"; do
  case "$part" in
    micro) micro ;;
    load) load ;;
    *) echo "usage: $0 [micro|load]..." >&2; exit 2 ;;
  esac
done
