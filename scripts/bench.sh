#!/usr/bin/env bash
# Prints the benchmark figures: micro-benchmarks of the matchmaker and codec,
# then the end-to-end load benchmark (bench/load/): the real server and the
# epoll floor under the same WebSocket traffic on loopback, then the scale-out
# benchmark: a local cluster (scripts/cluster.sh: three instances, or
# CLUSTER_INSTANCES, a Redis Cluster, PostgreSQL, HAProxy) against one
# in-memory server; then the shared-state Lua scripts alone in a standalone
# Redis; then Lighthouse (mobile profile) on the landing page of
# the built web app (web/dist) served by the real server.
#
# Usage: scripts/bench.sh [micro|load|cluster|scripts|lighthouse|shield]...   (default: all six)
# Env: LOAD_IDLE (idle sockets, default 5000), LOAD_PAIRS (default 200),
#      LOAD_SECONDS (measured seconds per round, default 10), LOAD_ROUNDS (default 3),
#      LOAD_CHURN_PAIRS (pairs in the match churn, default 200),
#      LOAD_SERVER_THREADS (the server's I/O threads, default 1 like the floor)
#      CLUSTER_CHURN_PAIRS (default 200), CLUSTER_RTT_PAIRS (default 8),
#      CLUSTER_SECONDS (measured seconds per run, default 10), CLUSTER_ROUNDS (default 3),
#      CLUSTER_IDLE (idle sockets on one instance, default 2000),
#      CLUSTER_INSTANCES (serendip-server instances in the cluster, 2..9, default 3;
#        the Redis Cluster keeps 3 masters and 3 replicas; e.g. 6 for more instances than cores),
#      CLUSTER_THREADS (each instance's I/O threads; default its share of the cores,
#        nproc / CLUSTER_INSTANCES, at least 1, as each pod of a deployment is sized),
#      CLUSTER_BASE_PORT (default: a free one below 22700),
#      CLUSTER_SINGLE_DB (the in-memory server's database: pg, the cluster's, by default; or sqlite)
#      SCRIPTS_CALLS (calls per script and round, default 100000), SCRIPTS_ROUNDS (default 3),
#      LIGHTHOUSE_RUNS (default 3; the median run is printed), LIGHTHOUSE_DIST (default web/dist)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
parts=("$@")
((${#parts[@]})) || parts=(micro load cluster scripts lighthouse shield)

# Every abuse limit off: the load generator is one host.
LIMITS_OFF=session_per_ip=off,session_per_device=off,connect_per_ip=off,join_per_device=off,next_per_device=off,report_per_device=off

# Stops the processes this script started (their PIDs are in PIDS): SIGTERM,
# then SIGKILL for one still there after 15 s (a server that drained can still
# be flushing a backlog of session writes to its database), and waits for them.
PIDS=()
stop_pids() {
  local pid n
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    n=150
    while ((n-- > 0)) && kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
      sleep 0.1
    done
    if ((n < 0)); then
      echo "bench: process $pid still running 15 s after SIGTERM: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

# The median of the numbers on stdin, one a line (the lower middle one of an even count).
middle() { sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]}'; }

# What is left when the script ends, however it ends: the processes it
# started, the local cluster (stopped by cluster.sh, by PID), temporary files.
CLUSTER_RUN=""
TMP_DIRS=()
cleanup() {
  stop_pids
  if [ -n "$CLUSTER_RUN" ]; then
    scripts/cluster.sh stop "$CLUSTER_RUN" >/dev/null 2>&1 || echo "bench: cluster.sh stop $CLUSTER_RUN failed" >&2
    CLUSTER_RUN=""
  fi
  local d
  for d in "${TMP_DIRS[@]}"; do rm -rf "$d"; done
  TMP_DIRS=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts serendip-server on a free port with ARGS (after the abuse limits);
# sets SERVER_PID and SERVER_PORT. Its log goes to LOG. SERVER_ENV: extra
# environment (NAME=VALUE words) for the server alone.
SERVER_ENV=()
start_server() {  # log args...
  local log=$1
  shift
  env "${SERVER_ENV[@]}" "$BUILD_DIR/serendip-server" --listen=127.0.0.1:0 --captcha=false --rate-limits="$LIMITS_OFF" \
    --messages-per-second=100000 --messages-burst=100000 "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  SERVER_PORT=""
  for _ in $(seq 100); do
    SERVER_PORT="$(grep '"event":"listening"' "$log" | head -1 | sed -n 's/.*"port":\([0-9]*\).*/\1/p' || true)"
    [ -n "$SERVER_PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: the server did not start:" >&2
  cat "$log" >&2
  return 1
}

micro() {
  "$BUILD_DIR/serendip-bench" --benchmark_counters_tabular=true
}

load() {
  local idle="${LOAD_IDLE:-5000}" pairs="${LOAD_PAIRS:-200}" seconds="${LOAD_SECONDS:-10}" rounds="${LOAD_ROUNDS:-3}"
  local churn_pairs="${LOAD_CHURN_PAIRS:-200}"
  local tmp; tmp="$(mktemp -d)"
  TMP_DIRS+=("$tmp")

  # Rounds alternate the floor and the server; the table shows each figure's
  # median (CPU per message varies from run to run with how the two cores are
  # shared between the server and the load generator). Idle memory: round 1.
  for round in $(seq "$rounds"); do
    local round_idle=0
    ((round == 1)) && round_idle="$idle"

    # The floor: the least work a WebSocket relay can do (one thread, epoll).
    "$BUILD_DIR/serendip-floor-relay" 0 >"$tmp/floor.out" 2>&1 &
    local floor_pid=$!
    PIDS+=("$floor_pid")
    for _ in $(seq 50); do grep -q '^listening' "$tmp/floor.out" 2>/dev/null && break; sleep 0.1; done
    "$BUILD_DIR/serendip-load" --kind=floor --port="$(awk '/^listening/ {print $2}' "$tmp/floor.out")" \
      --server-pid="$floor_pid" --idle="$round_idle" --pairs="$pairs" --seconds="$seconds" >"$tmp/floor.$round.txt"
    stop_pids

    # The server with one I/O thread, like the floor (LOAD_SERVER_THREADS to change), under
    # the allocation counter, with every abuse limit off: the load generator is one host.
    SERVER_ENV=(SERENDIP_ALLOC_COUNT_FILE="$tmp/allocs" LD_PRELOAD="$(cd "$BUILD_DIR" && pwd)/libserendip-alloc-counter.so")
    start_server "$tmp/server.log" --database-url="sqlite://$tmp/bench-$round.db" \
      --static-dir="$tmp" --log-level=info --threads="${LOAD_SERVER_THREADS:-1}"
    SERVER_ENV=()
    "$BUILD_DIR/serendip-load" --kind=serendip --port="$SERVER_PORT" --server-pid="$SERVER_PID" \
      --idle="$round_idle" --pairs="$pairs" --seconds="$seconds" --alloc-file="$tmp/allocs" >"$tmp/server.$round.txt"
    stop_pids

    # The match churn (join -> matched -> next -> peer_left -> join): first its floor (the
    # same frames from one epoll thread with a FIFO and nothing else), then one server as
    # `make run` has it: default threads (one per core), SQLite on disk.
    "$BUILD_DIR/serendip-floor-relay" 0 --churn >"$tmp/floor-churn.out" 2>&1 &
    floor_pid=$!
    PIDS+=("$floor_pid")
    for _ in $(seq 50); do grep -q '^listening' "$tmp/floor-churn.out" 2>/dev/null && break; sleep 0.1; done
    "$BUILD_DIR/serendip-load" --scenario=churn --kind=floor --port="$(awk '/^listening/ {print $2}' "$tmp/floor-churn.out")" \
      --server-pid="$floor_pid" --pairs="$churn_pairs" --seconds="$seconds" >"$tmp/floor-churn.$round.txt"
    stop_pids
    start_server "$tmp/churn.log" --database-url="sqlite://$tmp/churn-$round.db" --static-dir="$tmp" \
      --log-level=info --repeat-pair-cooldown-ms=0
    "$BUILD_DIR/serendip-load" --scenario=churn --port="$SERVER_PORT" --server-pid="$SERVER_PID" \
      --pairs="$churn_pairs" --seconds="$seconds" >"$tmp/churn.$round.txt"
    stop_pids
  done

  # median KIND KEY: the median of KEY over the rounds.
  median() { cat "$tmp/$1".*.txt | sed -n "s/^$2=//p" | middle; }
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
  awk -v f="$(median floor latency_p99_us)" -v s="$(median server latency_p99_us)" \
    'BEGIN { if (f > 0) printf "one-way latency p99 ratio serendip / floor: %.2f (target <= 1.5)\n", s / f }'
  echo "Targets: <= 4096 resident bytes per idle socket; 0 allocations per relayed message."
  echo
  echo "Match churn: $churn_pairs pairs (join -> matched -> next -> peer_left -> join), one server, default threads,"
  echo "SQLite on disk, ${seconds}s x $rounds rounds (medians); the floor: the same frames from one epoll thread"
  printf '%-34s %14s %14s\n' "" "churn floor" "serendip"
  printf '%-34s %14s %14s\n' "match cycles / s" "$(median floor-churn match_cycles_per_second)" "$(median churn match_cycles_per_second)"
  printf '%-34s %14s %14s\n' "server CPU us / match cycle" "$(median floor-churn server_cpu_us_per_match)" "$(median churn server_cpu_us_per_match)"
  printf '%-34s %14s %14s\n' "wait join/next -> matched p50 (us)" "$(median floor-churn match_wait_p50_us)" "$(median churn match_wait_p50_us)"
  printf '%-34s %14s %14s\n' "wait join/next -> matched p99 (us)" "$(median floor-churn match_wait_p99_us)" "$(median churn match_wait_p99_us)"
  printf '%-34s %14s %14s\n' "stalls, errors" "$(median floor-churn stalls), $(median floor-churn errors)" "$(median churn stalls), $(median churn errors)"
  awk -v f="$(median floor-churn server_cpu_us_per_match)" -v s="$(median churn server_cpu_us_per_match)" \
    'BEGIN { if (f > 0) printf "churn CPU ratio serendip / floor: %.2f\n", s / f }'
  echo "Targets: <= 40 us of server CPU per match cycle; >= 20,000 match cycles / s."
  stop_pids
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- the scale-out benchmark

# A base port P for scripts/cluster.sh with P..P+21 and the Redis bus ports
# P+10010..P+10015 free, all below the ephemeral range.
free_base_port() {
  local base p busy
  for base in $(shuf -i 120-226 -n 40); do
    base=$((base * 100))
    busy=0
    for p in $(seq "$base" $((base + 21))) $(seq $((base + 10010)) $((base + 10015))); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then busy=1; break; fi
    done
    ((busy)) || { echo "$base"; return 0; }
  done
  echo "bench: no free base port found" >&2
  return 1
}

cluster() {
  local pairs="${CLUSTER_CHURN_PAIRS:-200}" rtt_pairs="${CLUSTER_RTT_PAIRS:-8}" seconds="${CLUSTER_SECONDS:-10}"
  local rounds="${CLUSTER_ROUNDS:-3}" idle="${CLUSTER_IDLE:-2000}" n="${CLUSTER_INSTANCES:-3}"
  [[ "$n" =~ ^[2-9]$ ]] || { echo "bench: CLUSTER_INSTANCES: 2..9 (the relay runs across instances 1 and 2), not '$n'" >&2; return 1; }
  # Each instance gets its share of the machine's cores (the in-memory server, alone, all of
  # them): more I/O threads than cores only adds context switches (run Q: 6 threads on 2 cores
  # cost 20-25 us more server CPU per match cycle, and 15 us more Redis CPU, than 3).
  local threads="${CLUSTER_THREADS:-$(( $(nproc) / n ))}"
  ((threads >= 1)) || threads=1
  local tmp; tmp="$(mktemp -d)"
  TMP_DIRS+=("$tmp")
  chmod 755 "$tmp"  # PostgreSQL (run as postgres when root) must reach the cluster's run directory
  local base="${CLUSTER_BASE_PORT:-}"
  [ -n "$base" ] || base="$(free_base_port)"
  local load="$BUILD_DIR/serendip-load"

  # The cluster: three instances (CLUSTER_INSTANCES; CLUSTER_THREADS each), the Redis
  # Cluster, PostgreSQL and HAProxy, with the abuse limits off, the per-socket
  # message budget raised and no repeat-pair cooldown (the churn pairs the same
  # 400 devices again and again); cluster.sh passes SERENDIP_* settings on to
  # every instance.
  echo "bench: starting the local cluster ($n instances) on ports $base-$((base + 21))" >&2
  CLUSTER_RUN="$tmp/cluster"
  SERENDIP_CAPTCHA=false SERENDIP_RATE_LIMITS="$LIMITS_OFF" SERENDIP_MESSAGES_PER_SECOND=100000 \
    SERENDIP_MESSAGES_BURST=100000 SERENDIP_REPEAT_PAIR_COOLDOWN_MS=0 SERENDIP_LOG_LEVEL=info \
    SERENDIP_THREADS="$threads" BUILD_DIR="$BUILD_DIR" scripts/cluster.sh start --base-port "$base" --instances "$n" --run-dir "$CLUSTER_RUN" --no-install \
    >/dev/null 2>"$tmp/cluster-start.log" || { cat "$tmp/cluster-start.log" >&2; return 1; }
  local servers redis_pids pg haproxy masters=() p
  servers="$(cat "$CLUSTER_RUN"/pids/serendip-*.pid | paste -sd,)"
  redis_pids="$(cat "$CLUSTER_RUN"/redis/redis-*.pid | paste -sd,)"
  pg="$(cat "$CLUSTER_RUN/pg/pid")"
  haproxy="$(cat "$CLUSTER_RUN/pids/haproxy.pid")"
  # The masters' ports, and each Redis node's PID by role: the master holding the matching
  # slot of the churn's mode (it answers {mm:text} without a MOVED), the other masters, the
  # replicas.
  local node_match="" node_other="" node_replica="" pid
  for p in $(seq $((base + 10)) $((base + 15))); do
    pid="$(redis-cli -p "$p" info server | sed -n 's/^process_id:\([0-9]*\).*/\1/p' | tr -d '\r')"
    if [ "$(redis-cli -p "$p" role | head -1)" != master ]; then
      node_replica+=" $pid"
      continue
    fi
    masters+=("$p")
    if redis-cli -p "$p" hget '{mm:text}:stats' matches 2>&1 | grep -q MOVED; then
      node_other+=" $pid"
    else
      node_match+=" $pid"
    fi
  done
  local i1=$((base + 1)) i2=$((base + 2))

  # The in-memory server: one instance, no Redis, one I/O thread per core (the
  # whole machine), the same settings, on the cluster's PostgreSQL: every join's ban
  # check and every session end's counters go to the same database in both, so
  # the two differ by Redis alone (CLUSTER_SINGLE_DB=sqlite: SQLite in a file, as
  # `make run` has it; it cannot keep up with the churn's session writes, and
  # the backlog it flushes after the window is not counted).
  local single_db single_db_pid=()
  if [ "${CLUSTER_SINGLE_DB:-pg}" = sqlite ]; then
    single_db="sqlite://$tmp/single.db"
  else
    single_db="$(cat "$CLUSTER_RUN/pg-url")"
    single_db_pid=(--db-pid="$pg")
    # The cluster's database, so the cluster's audit key (the chain is one).
    SERENDIP_AUDIT_KEY="$(sed -n 's/^SERENDIP_AUDIT_KEY=//p' "$CLUSTER_RUN/secrets.env")"
    export SERENDIP_AUDIT_KEY
  fi
  start_server "$tmp/single.log" --database-url="$single_db" --static-dir="$tmp" \
    --log-level=info --repeat-pair-cooldown-ms=0
  local single_pid=$SERVER_PID single_port=$SERVER_PORT

  # The churn's window hook: the masters' command counters and the match count, at "start" and "end".
  cat >"$tmp/window.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
for p in ${masters[*]}; do redis-cli -p "\$p" info commandstats; done |
  sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),usec=\([0-9]*\).*/\1 \2 \3/p' |
  awk '{c[\$1] += \$2; u[\$1] += \$3} END {for (k in c) print k, c[k], u[k]}' | sort >"$tmp/commands.\$1"
m=\$(redis-cli -c -p ${masters[0]} hget '{mm:text}:stats' matches)
echo "\${m:-0}" >"$tmp/matches.\$1"
# CPU ticks (utime + stime) of the Redis nodes by role.
ticks() { local t=0 p; for p in "\$@"; do t=\$((t + \$(awk '{print \$14 + \$15}' /proc/\$p/stat))); done; echo \$t; }
echo "match \$(ticks $node_match) other \$(ticks $node_other) replica \$(ticks $node_replica)" >"$tmp/nodes.\$1"
EOF
  chmod +x "$tmp/window.sh"

  local round m
  for round in $(seq "$rounds"); do
    echo "bench: scale-out round $round of $rounds" >&2
    # (a) churn through HAProxy; the Redis masters' command counters and the match script's
    # match count are read just before and just after the measured window.
    "$load" --scenario=churn --port="$base" --server-pid="$servers" --redis-pid="$redis_pids" --db-pid="$pg" \
      --proxy-pid="$haproxy" --pairs="$pairs" --seconds="$seconds" --window-hook="$tmp/window.sh" \
      >"$tmp/churn-cluster.$round.txt"
    # Per match: each command's calls (those the match script makes included), and their total;
    # the INFO and HGET calls of window.sh are left out.
    m=$(($(cat "$tmp/matches.end") - $(cat "$tmp/matches.start")))
    # Each line: command, calls per match, microseconds inside Redis per match (INFO commandstats'
    # usec: the command's own time, the commands a script makes counted under their own names too).
    join -a 2 -e 0 -o 0,1.2,1.3,2.2,2.3 "$tmp/commands.start" "$tmp/commands.end" |
      awk -v m="$m" '$1 != "info" {d = $4 - $2; if ($1 == "hget") d -= 2; if (d > 0 && m > 0) {printf "%s %.3f %.2f\n", $1, d / m, ($5 - $3) / m; t += d}}
                     END {if (m > 0) printf "total=%.2f\n", t / m}' >"$tmp/commands.$round.txt"
    echo "matches=$m" >>"$tmp/commands.$round.txt"
    # Redis CPU per match by node role (ticks of 1/CLK_TCK s).
    paste -d' ' "$tmp/nodes.start" "$tmp/nodes.end" |
      awk -v m="$m" -v hz="$(getconf CLK_TCK)" '{if (m > 0) printf "match=%.1f\nother=%.1f\nreplica=%.1f\n",
        ($8 - $2) * 1e6 / hz / m, ($10 - $4) * 1e6 / hz / m, ($12 - $6) * 1e6 / hz / m}' >"$tmp/nodes-cpu.$round.txt"
    # (b) the same churn against the in-memory server.
    "$load" --scenario=churn --port="$single_port" --server-pid="$single_pid" "${single_db_pid[@]}" \
      --pairs="$pairs" --seconds="$seconds" >"$tmp/churn-single.$round.txt"
    # (c) relay round trips: both sides on instance 1, then instance 1 and instance 2.
    "$load" --scenario=rtt --port="$i1" --peer-port="$i1" --server-pid="$servers" --redis-pid="$redis_pids" \
      --pairs="$rtt_pairs" --seconds="$seconds" >"$tmp/rtt-same.$round.txt"
    "$load" --scenario=rtt --port="$i1" --peer-port="$i2" --server-pid="$servers" --redis-pid="$redis_pids" \
      --pairs="$rtt_pairs" --seconds="$seconds" >"$tmp/rtt-cross.$round.txt"
  done
  # Memory per idle socket on one instance that uses Redis (1 relay pair for a second after it).
  "$load" --scenario=relay --port="$i1" --server-pid="$(cat "$CLUSTER_RUN/pids/serendip-1.pid")" --idle="$idle" \
    --pairs=1 --warmup=0.5 --seconds=1 >"$tmp/idle-instance.txt"

  stop_pids
  scripts/cluster.sh stop "$CLUSTER_RUN" >/dev/null 2>&1 || echo "bench: cluster.sh stop failed" >&2
  CLUSTER_RUN=""

  # stat NAME KEY: "median (min-max)" of KEY over the rounds of NAME.
  stat() {
    cat "$tmp/$1".*.txt | sed -n "s/^$2=//p" | sort -g |
      awk '{v[NR]=$1} END {if (!NR) {print "n/a"; exit} m=v[int((NR+1)/2)]; f=(m >= 100 ? "%.0f" : "%.1f");
           if (NR == 1) printf f "\n", m; else printf f " (" f "-" f ")\n", m, v[1], v[NR]}'
  }
  med() { cat "$tmp/$1".*.txt | sed -n "s/^$2=//p" | middle; }
  local row='%-40s %26s %26s\n'
  echo
  echo "Scale-out: $n instances ($threads I/O thread(s) each; the in-memory server: one per core) + Redis Cluster (3 masters, 3 replicas) + PostgreSQL + HAProxy on loopback,"
  echo "$rounds rounds of ${seconds}s: median (min-max)"
  echo
  echo "Match churn, $pairs pairs (join -> matched -> next -> peer_left -> join)"
  printf "$row" "" "$n instances via HAProxy" "one server, in memory"
  printf "$row" "match cycles / s" "$(stat churn-cluster match_cycles_per_second)" "$(stat churn-single match_cycles_per_second)"
  printf "$row" "server CPU us / match cycle" "$(stat churn-cluster server_cpu_us_per_match)" "$(stat churn-single server_cpu_us_per_match)"
  printf "$row" "Redis CPU us / match cycle" "$(stat churn-cluster redis_cpu_us_per_match)" "-"
  printf "$row" "  of which the matching slot's master" "$(stat nodes-cpu match)" "-"
  printf "$row" "  of which the other masters" "$(stat nodes-cpu other)" "-"
  printf "$row" "  of which the replicas" "$(stat nodes-cpu replica)" "-"
  printf "$row" "server + Redis CPU us / match cycle" "$(stat churn-cluster total_cpu_us_per_match)" "$(stat churn-single total_cpu_us_per_match)"
  local single_db_cpu="in the server (SQLite)"
  [ "${CLUSTER_SINGLE_DB:-pg}" = sqlite ] || single_db_cpu="$(stat churn-single db_cpu_us_per_match)"
  printf "$row" "PostgreSQL CPU us / match cycle" "$(stat churn-cluster db_cpu_us_per_match)" "$single_db_cpu"
  printf "$row" "HAProxy CPU us / match cycle" "$(stat churn-cluster proxy_cpu_us_per_match)" "-"
  printf "$row" "wait join/next -> matched p50 (us)" "$(stat churn-cluster match_wait_p50_us)" "$(stat churn-single match_wait_p50_us)"
  printf "$row" "wait join/next -> matched p99 (us)" "$(stat churn-cluster match_wait_p99_us)" "$(stat churn-single match_wait_p99_us)"
  printf "$row" "lost events (a socket re-joined after 3 s)" "$(stat churn-cluster stalls)" "$(stat churn-single stalls)"
  printf "$row" "join/next answered with an error" "$(stat churn-cluster errors)" "$(stat churn-single errors)"
  printf "$row" "Redis commands / match (masters)" "$(stat commands total)" "-"
  echo "  by command (median of rounds):$(cat "$tmp"/commands.*.txt | grep -v '=' |
    awk '{print $1}' | sort -u | while read -r c; do printf ' %s %s' "$c" "$(cat "$tmp"/commands.*.txt | awk -v c="$c" '$1 == c {print $2}' | middle)"; done)"
  echo "  Redis us inside each command per match (a script's time includes its commands'):$(cat "$tmp"/commands.*.txt | grep -v '=' |
    awk '{print $1}' | sort -u | while read -r c; do printf ' %s %s' "$c" "$(cat "$tmp"/commands.*.txt | awk -v c="$c" '$1 == c {print $3}' | middle)"; done)"
  awk -v c="$(med churn-cluster total_cpu_us_per_match)" -v s="$(med churn-single total_cpu_us_per_match)" \
    'BEGIN { if (s > 0) printf "CPU per match, cluster (server + Redis) / in-memory server: %.2f (target <= 3)\n", c / s }'
  # Each round's cluster churn against the in-memory churn run right after it: a machine whose
  # speed drifts between rounds (a busy host) moves both of a round alike.
  local ratios="" c1 s1
  for round in $(seq "$rounds"); do
    c1="$(sed -n 's/^total_cpu_us_per_match=//p' "$tmp/churn-cluster.$round.txt")"
    s1="$(sed -n 's/^total_cpu_us_per_match=//p' "$tmp/churn-single.$round.txt")"
    [ -n "$c1" ] && [ -n "$s1" ] && ratios+="$(awk -v c="$c1" -v s="$s1" 'BEGIN { if (s > 0) printf "%.2f ", c / s }')"
  done
  if [ -n "$ratios" ]; then echo "  the same, round by round (each round's two churns back to back): $ratios(median $(printf '%s\n' $ratios | middle))"; fi
  echo
  echo "Relay ping-pong, $rtt_pairs pairs, one ice message in flight per pair, sides connected to the instances directly"
  printf "$row" "" "same instance" "across instances"
  printf "$row" "round trip p50 (us)" "$(stat rtt-same rtt_p50_us)" "$(stat rtt-cross rtt_p50_us)"
  printf "$row" "round trip p99 (us)" "$(stat rtt-same rtt_p99_us)" "$(stat rtt-cross rtt_p99_us)"
  printf "$row" "relayed messages / s" "$(stat rtt-same relayed_per_second)" "$(stat rtt-cross relayed_per_second)"
  printf "$row" "server CPU us / relayed message" "$(stat rtt-same server_cpu_us_per_message)" "$(stat rtt-cross server_cpu_us_per_message)"
  printf "$row" "Redis CPU us / relayed message" "$(stat rtt-same redis_cpu_us_per_message)" "$(stat rtt-cross redis_cpu_us_per_message)"
  printf "$row" "server + Redis CPU us / message" "$(stat rtt-same total_cpu_us_per_message)" "$(stat rtt-cross total_cpu_us_per_message)"
  awk -v c="$(med rtt-cross rtt_p50_us)" -v s="$(med rtt-same rtt_p50_us)" \
    'BEGIN { printf "Cross-instance relay adds %.0f us to the round trip p50, %.0f us per one-way hop (target <= 300 us)\n", c - s, (c - s) / 2 }'
  echo "Resident bytes / idle socket, one instance with Redis ($idle sockets): $(sed -n 's/^rss_per_idle_socket_bytes=//p' "$tmp/idle-instance.txt")"
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- Lighthouse on the landing page

# Lighthouse 12 with its default mobile profile (simulated slow 4G, 4x CPU
# slowdown) on `/`, served by the real server from the built web app, in
# Debian's Chromium (bench/lighthouse/run.mjs). Targets: docs/performance.md.
lighthouse() {
  local dist="${LIGHTHOUSE_DIST:-web/dist}"
  [ -f "$dist/index.html" ] || { echo "bench: $dist/index.html is missing (make web)" >&2; return 1; }
  [ -d bench/lighthouse/node_modules/lighthouse ] ||
    (cd bench/lighthouse && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  local tmp; tmp="$(mktemp -d)"
  TMP_DIRS+=("$tmp")
  start_server "$tmp/server.log" --database-url="sqlite://$tmp/lighthouse.db" --static-dir="$dist" --log-level=info
  echo
  node bench/lighthouse/run.mjs "http://127.0.0.1:$SERVER_PORT/" --runs="${LIGHTHOUSE_RUNS:-3}" ${LIGHTHOUSE_JSON:+--json="$LIGHTHOUSE_JSON"}
  stop_pids
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- the safety shield's cost

# The on-device classifier's cost per frame on the CPU and WASM backends, in
# headless Chromium against the real server (e2e/bench/shield-cost.bench.mjs,
# through scripts/e2e.sh: a loopback-only namespace). Figures: docs/shield.md.
shield() {
  echo
  echo "Safety shield, per frame (e2e/bench/shield-cost.bench.mjs):"
  local bin="$BUILD_DIR/serendip-server"
  [[ "$bin" = /* ]] || bin="$PWD/$bin"
  SERENDIP_SERVER_BIN="$bin" scripts/e2e.sh bench/shield-cost.bench.mjs | sed -n 's/^# shield /  /p; /^not ok/p'
}

# The shared-state scripts on their own: a standalone redis-server on
# loopback and nothing else running, each script sent SCRIPTS_CALLS calls
# with the arguments the server sends in the churn (400 devices taking turns;
# a language queue that pairs every second join), pipelined by redis-cli
# --pipe. The figure is Redis' own time per call (INFO commandstats: the
# script with the commands it makes), best of SCRIPTS_ROUNDS: what a change
# to a script is worth, without the cluster bench's network and neighbours.
scripts_cost() {
  local n="${SCRIPTS_CALLS:-100000}" rounds="${SCRIPTS_ROUNDS:-3}" tmp port pid
  tmp="$(mktemp -d)"
  TMP_DIRS+=("$tmp")
  port="$(free_base_port)"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$tmp/redis.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo
  echo "Shared-state scripts alone (standalone Redis, $n calls, best of $rounds): Redis time per call"
  local spec label script kind sha best us
  for spec in "abuse.lua match (abuse rules on, rate limits off, as the cluster bench):abuse:off" \
    "abuse.lua match (abuse rules and rate limits on, as deployed):abuse:on" \
    "match_join.lua (one join queued, the next matched):match_join:0"; do
    IFS=: read -r label script kind <<<"$spec"
    sha="$(redis-cli -p "$port" script load "$(cat "server/src/shared_state/lua/$script.lua")")"
    awk -v which="$script" -v kind="$kind" -v sha="$sha" -v n="$n" '
      function resp(argc, a,   out, i) {
        out = "*" argc "\r\n"
        for (i = 1; i <= argc; i++) out = out "$" length(a[i]) "\r\n" a[i] "\r\n"
        printf "%s", out
      }
      BEGIN {
        for (i = 0; i < n; i++) {
          dev = sprintf("%043d", i % 400); now = 1790000000000 + int(i / 10); delete a
          if (which == "abuse") {
            next_ = int(i / 400) % 2; tokens = kind == "on" ? 1000 : 0; burst = kind == "on" ? 100000 : 0
            split("EVALSHA|" sha "|2|ratelimit:device:{" dev "}|abuse:device:{" dev "}|match|" now "|" \
                  (next_ ? "next_per_device" : "join_per_device") "|" tokens "|1000|" burst "|1|0|" \
                  (next_ ? "n" : "j") "|10|60000|0|127.0.0.1|5|600000|0|1|20|86400000|86400000", a, "|")
            resp(25, a)
          } else {
            t = "{mm:text}"
            split("EVALSHA|" sha "|6|" t ":tickets|" t ":pairs|" t ":reported|" t ":seq|" t ":stats|" t ":q:en|" \
                  now "|0123456789abcdef/" (i % 400) "|" dev "|||en|3000|" kind "|64|0|1|u_" substr(dev, 1, 16) \
                  "|127.0.0.1", a, "|")
            resp(22, a)
          }
        }
      }' >"$tmp/calls.resp"
    best=""
    for _ in $(seq "$rounds"); do
      redis-cli -p "$port" flushall >/dev/null
      redis-cli -p "$port" config resetstat >/dev/null
      redis-cli -p "$port" --pipe <"$tmp/calls.resp" >"$tmp/pipe.out" 2>&1 || { cat "$tmp/pipe.out" >&2; return 1; }
      grep -q "errors: 0," "$tmp/pipe.out" || { echo "bench: $script: the calls answered errors" >&2; cat "$tmp/pipe.out" >&2; return 1; }
      us="$(redis-cli -p "$port" info commandstats | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')"
      if [ -z "$best" ] || awk -v a="$us" -v b="$best" 'BEGIN {exit !(a < b)}'; then best="$us"; fi
    done
    printf "  %-78s %6s us\n" "$label" "$best"
  done
  stop_pids
}

for part in "${parts[@]}"; do
  case "$part" in
    micro) micro ;;
    load) load ;;
    cluster) cluster ;;
    lighthouse) lighthouse ;;
    shield) shield ;;
    scripts) scripts_cost ;;
    *) echo "usage: $0 [micro|load|cluster|scripts|lighthouse|shield]..." >&2; exit 2 ;;
  esac
done
