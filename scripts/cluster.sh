#!/usr/bin/env bash
# A local Serendip cluster on loopback, in one command (make run-cluster):
# a Redis Cluster (3 masters, 3 replicas, scripts/redis.sh), a PostgreSQL
# (scripts/pg.sh), three serendip-server instances (or --instances N) sharing
# both, and HAProxy (deploy/haproxy/haproxy.cfg) in front: round robin, no
# affinity.
#
#   scripts/cluster.sh [run] [OPTIONS]    start everything, print the URL, stay in the
#                                         foreground; Ctrl-C (or SIGTERM) stops it all
#   scripts/cluster.sh start [OPTIONS]    start everything, print the run directory on
#                                         stdout, return (the processes keep running)
#   scripts/cluster.sh stop RUNDIR        stop what that run started, by PID
#
# Options:
#   --base-port P   ports from P (default 8080): P HAProxy, P+1..P+N the instances,
#                   P+4 HAProxy's stats page (P+21 when N > 3), P+10..P+15 Redis
#                   (bus ports +10000), P+20 PostgreSQL
#   --instances N   how many serendip-server instances, 1..9 (default 3, or the
#                   environment's SERENDIP_CLUSTER_INSTANCES); the Redis Cluster
#                   keeps its 3 masters and 3 replicas whatever N is
#   --run-dir DIR   where pid files, logs and the generated secrets go
#                   (default: a new /tmp/serendip-cluster.XXXXXX)
#   --no-install    do not run scripts/bootstrap.sh cluster first
#
# Environment: BUILD_DIR (default build) holds serendip-server, or
# SERENDIP_SERVER_BIN names the executable; the web app is served from web/dist. SERENDIP_ADMIN_BOOTSTRAP=user:password creates a first
# admin (given to instance 1 only, which starts before the others). Other
# SERENDIP_* settings in the environment reach every instance, except the ones
# this script sets (listen, origins, proxies, secrets, Redis, database).
# SERENDIP_DRAIN_GRACE_MS defaults to 2000 here so that Ctrl-C is quick.
# REDIS_SH overrides scripts/redis.sh.
#
# Everything listens on 127.0.0.1 only. Every process is started in its own
# session (setsid) so that the terminal's Ctrl-C reaches this script alone,
# which then stops them in order: HAProxy, the instances (they drain), then
# PostgreSQL and Redis. The database starts empty on every run; the JWT secret
# is generated per run into RUNDIR/secrets.env (mode 600, removed at stop).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

die() { echo "cluster.sh: $*" >&2; exit 1; }
say() { echo "cluster.sh: $*" >&2; }

REDIS_SH=${REDIS_SH:-$ROOT/scripts/redis.sh}
PG_SH=$ROOT/scripts/pg.sh
HAPROXY_CFG=$ROOT/deploy/haproxy/haproxy.cfg
INSTANCES=${SERENDIP_CLUSTER_INSTANCES:-3}

# ---------------------------------------------------------------- helpers

# True while PID runs the program named COMM (guards against a reused PID).
alive_as() {  # pid comm
  local pid=$1 comm=$2 actual
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  actual=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [ "$actual" = "$comm" ] || return 1
  # An exited process not yet reaped (a zombie) is gone.
  [ "$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

# A process just started with `setsid PROG ... &` runs PROG once setsid has
# exec'd it: waits (up to 5 s) until PID is COMM, or fails if it died first.
became() {  # pid comm
  local n=50
  while ((n-- > 0)); do
    alive_as "$1" "$2" && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Sends SIG (unless it is "-": already sent) to the process in PIDFILE if it
# still is COMM, waits up to SECONDS for it to go, then SIGKILLs it. Removes
# the pid file.
stop_pidfile() {  # pidfile comm signal seconds
  local file=$1 comm=$2 sig=$3 secs=$4 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if alive_as "$pid" "$comm"; then
    [ "$sig" = - ] || kill "-$sig" "$pid" 2>/dev/null || true
    local n=$((secs * 10))
    while ((n-- > 0)) && alive_as "$pid" "$comm"; do sleep 0.1; done
    if alive_as "$pid" "$comm"; then
      say "$comm ($pid) still running after ${secs}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

http_code() {  # url
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------- stop

# Stops everything RUNDIR records, in order. Safe to run twice, and on a run
# that started only partly.
stop_all() {  # rundir
  local run=$1 grace_s
  grace_s=$(( ($(cat "$run/drain-grace-ms" 2>/dev/null || echo 10000) + 999) / 1000 ))
  stop_pidfile "$run/pids/haproxy.pid" haproxy TERM 5
  # The instances' program name, as /proc/PID/comm shows it.
  local comm
  comm=$(cat "$run/server-comm" 2>/dev/null || echo serendip-server)
  # The instances drain in parallel: SIGTERM to all, then wait for each.
  local f
  for f in "$run"/pids/serendip-*.pid; do
    [ -f "$f" ] || continue
    alive_as "$(cat "$f")" "$comm" && kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$run"/pids/serendip-*.pid; do
    [ -f "$f" ] || continue
    # A second SIGTERM would cut the drain short: wait only.
    stop_pidfile "$f" "$comm" - $((grace_s + 5))
  done
  # PostgreSQL and Redis side by side (each takes seconds).
  local pg_stop=""
  if [ -f "$run/pg/pid" ]; then
    { "$PG_SH" stop "$run/pg" || say "pg.sh stop failed"; } &
    pg_stop=$!
  fi
  if compgen -G "$run/redis/redis-*.pid" >/dev/null; then
    "$REDIS_SH" stop "$run/redis" || say "redis.sh stop failed"
  fi
  if [ -n "$pg_stop" ]; then wait "$pg_stop" || true; fi
  rm -f "$run/secrets.env" "$run/cluster.pid" "$run/pg-url"
}

cmd_stop() {
  local run=${1:?usage: cluster.sh stop RUNDIR}
  [ -d "$run" ] || die "$run: no such run directory"
  local sup
  sup=$(cat "$run/cluster.pid" 2>/dev/null || true)
  if [ -n "$sup" ] && [ "$sup" != "$$" ] && kill -0 "$sup" 2>/dev/null \
     && tr '\0' ' ' <"/proc/$sup/cmdline" 2>/dev/null | grep -q 'cluster\.sh'; then
    # A foreground run: it stops its own processes when told to.
    kill -TERM "$sup"
    local n=600
    while ((n-- > 0)) && kill -0 "$sup" 2>/dev/null; do sleep 0.1; done
  fi
  stop_all "$run"
  say "stopped (logs kept in $run/logs)"
}

# ---------------------------------------------------------------- start

BASE=8080
RUN=""
SLEEP_PID=""
COMM=serendip-server
INSTALL=1

parse_opts() {
  while (($#)); do
    case "$1" in
      --base-port) BASE=${2:?--base-port needs a value}; shift 2 ;;
      --base-port=*) BASE=${1#*=}; shift ;;
      --run-dir) RUN=${2:?--run-dir needs a value}; shift 2 ;;
      --run-dir=*) RUN=${1#*=}; shift ;;
      --instances) INSTANCES=${2:?--instances needs a value}; shift 2 ;;
      --instances=*) INSTANCES=${1#*=}; shift ;;
      --no-install) INSTALL=0; shift ;;
      *) die "unknown option $1 (see the header of $0)" ;;
    esac
  done
  [[ "$INSTANCES" =~ ^[1-9]$ ]] || die "--instances (or SERENDIP_CLUSTER_INSTANCES): 1..9, not '$INSTANCES'"
  local top=$(($(stats_offset) > 20 ? $(stats_offset) : 20))
  [[ "$BASE" =~ ^[0-9]+$ ]] && ((BASE >= 1024 && BASE + top <= 55535)) || die "--base-port: 1024..$((55535 - top))"
}

# HAProxy's stats page: P+4, or P+21 when the instances take P+4.
stats_offset() { if ((INSTANCES > 3)); then echo 21; else echo 4; fi; }

# Starts every part; on any failure stops what it started and exits non-zero.
start_all() {
  if ((INSTALL)); then scripts/bootstrap.sh cluster; fi
  local build=${BUILD_DIR:-build}
  [[ "$build" = /* ]] || build=$ROOT/$build
  local bin=${SERENDIP_SERVER_BIN:-$build/serendip-server}
  COMM=$(basename "$bin" | cut -c1-15)
  [ -x "$bin" ] || die "$bin not found: build it first (make build, or BUILD_DIR=...)"
  command -v haproxy >/dev/null || die "haproxy not installed (scripts/bootstrap.sh cluster)"
  command -v curl >/dev/null || die "curl not installed"
  [ -x "$REDIS_SH" ] || die "$REDIS_SH not found: it starts the Redis Cluster"
  [ -f "${SERENDIP_STATIC_DIR:-$ROOT/web/dist}/index.html" ] || say "web/dist/index.html missing: the web app is not built (make web)"

  local lb_port=$BASE stats_port=$((BASE + $(stats_offset))) redis_base=$((BASE + 10)) pg_port=$((BASE + 20))
  local p
  for p in "$lb_port" $(seq $((BASE + 1)) $((BASE + INSTANCES))) "$stats_port" \
           $(seq "$redis_base" $((redis_base + 5))) $(seq $((redis_base + 10000)) $((redis_base + 10005))) "$pg_port"; do
    port_in_use "$p" && die "port $p is taken (another cluster running? choose --base-port)"
  done

  if [ -z "$RUN" ]; then
    RUN=$(mktemp -d "${TMPDIR:-/tmp}/serendip-cluster.XXXXXX")
  fi
  mkdir -p "$RUN"
  RUN=$(cd "$RUN" && pwd)
  [ -e "$RUN/cluster.pid" ] || [ -e "$RUN/pids/haproxy.pid" ] && die "$RUN holds a running cluster (cluster.sh stop $RUN)"
  # As root, PostgreSQL runs as `postgres` and must reach RUNDIR/pg.
  chmod 755 "$RUN"
  mkdir -p "$RUN/pids" "$RUN/logs"
  local grace=${SERENDIP_DRAIN_GRACE_MS:-2000}
  echo "$grace" >"$RUN/drain-grace-ms"
  echo "$COMM" >"$RUN/server-comm"

  # The secrets every instance must share (tokens signed by one are checked
  # by another; the audit chain one appends to, another verifies). Never in
  # the repository: generated here, for this run.
  (umask 077; printf 'SERENDIP_JWT_SECRET=%s\nSERENDIP_AUDIT_KEY=%s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$RUN/secrets.env")
  local jwt audit_key
  jwt=$(sed -n 's/^SERENDIP_JWT_SECRET=//p' "$RUN/secrets.env")
  audit_key=$(sed -n 's/^SERENDIP_AUDIT_KEY=//p' "$RUN/secrets.env")

  # PostgreSQL (one database for every instance) and the Redis Cluster, side
  # by side: initdb takes seconds.
  say "starting PostgreSQL on 127.0.0.1:$pg_port and a Redis Cluster on 127.0.0.1:$redis_base-$((redis_base + 5))"
  (PG_PORT=$pg_port PG_DB=serendip exec setsid "$PG_SH" start "$RUN/pg") >"$RUN/pg-url" 2>"$RUN/logs/pg-start.log" &
  local pg_start=$!
  mkdir -p "$RUN/redis"
  local redis_rc=0
  setsid "$REDIS_SH" start --cluster "$RUN/redis" "$redis_base" >"$RUN/logs/redis-start.log" 2>&1 || redis_rc=$?
  local pg_rc=0
  wait "$pg_start" || pg_rc=$?
  ((pg_rc == 0)) || { cat "$RUN/logs/pg-start.log" >&2; say "PostgreSQL did not start"; }
  ((redis_rc == 0)) || { cat "$RUN/logs/redis-start.log" >&2; say "the Redis Cluster did not start"; }
  ((pg_rc == 0 && redis_rc == 0)) || return 1
  local db_url
  db_url=$(cat "$RUN/pg-url")
  local redis_url="redis+cluster://127.0.0.1:$redis_base"
  for p in $(seq $((redis_base + 1)) $((redis_base + 5))); do redis_url+=",127.0.0.1:$p"; done
  if ! "$bin" --redis-url="$redis_url" --help >/dev/null 2>&1; then
    # A server whose settings refuse the redis+cluster:// scheme: the same seeds
    # as redis://, from which its client detects the cluster (CLUSTER SLOTS).
    redis_url="redis://${redis_url#redis+cluster://}"
    say "this serendip-server refuses redis+cluster:// URLs; giving it $redis_url"
  fi

  # The instances. Instance 1 first: it creates the schema, the device-key
  # secret and the bootstrap admin; the others find them.
  local origins="http://localhost:$lb_port,http://127.0.0.1:$lb_port"
  local i port
  for i in $(seq 1 "$INSTANCES"); do
    port=$((BASE + i))
    mkdir -p "$RUN/serendip-$i"
    local admin=()
    if [ "$i" -ne 1 ]; then admin=(-u SERENDIP_ADMIN_BOOTSTRAP); fi
    (cd "$RUN/serendip-$i" && exec setsid env "${admin[@]}" \
        SERENDIP_LISTEN="127.0.0.1:$port" \
        SERENDIP_ALLOWED_ORIGINS="$origins" \
        SERENDIP_TRUSTED_PROXIES=127.0.0.1 \
        SERENDIP_JWT_SECRET="$jwt" \
        SERENDIP_AUDIT_KEY="$audit_key" \
        SERENDIP_REDIS_URL="$redis_url" \
        SERENDIP_DATABASE_URL="$db_url" \
        SERENDIP_STATIC_DIR="${SERENDIP_STATIC_DIR:-$ROOT/web/dist}" \
        SERENDIP_DRAIN_GRACE_MS="$grace" \
        "$bin") >"$RUN/logs/serendip-$i.log" 2>&1 &
    echo $! >"$RUN/pids/serendip-$i.pid"
    became $! "$COMM" || { cat "$RUN/logs/serendip-$i.log" >&2; die "instance $i did not start"; }
    if [ "$i" -eq 1 ]; then wait_ready 1 "$port" || return 1; fi
  done
  for i in $(seq 2 "$INSTANCES"); do wait_ready "$i" $((BASE + i)) || return 1; done

  # HAProxy: a server line per LB_SERVER_<i> set (the config has 1..9).
  local servers=()
  for i in $(seq 1 "$INSTANCES"); do servers+=("LB_SERVER_$i=127.0.0.1:$((BASE + i))"); done
  env -u LB_SERVER_1 -u LB_SERVER_2 -u LB_SERVER_3 -u LB_SERVER_4 -u LB_SERVER_5 -u LB_SERVER_6 \
    -u LB_SERVER_7 -u LB_SERVER_8 -u LB_SERVER_9 \
    LB_LISTEN="127.0.0.1:$lb_port" LB_STATS="127.0.0.1:$stats_port" "${servers[@]}" \
    setsid haproxy -f "$HAPROXY_CFG" -db >"$RUN/logs/haproxy.log" 2>&1 &
  echo $! >"$RUN/pids/haproxy.pid"
  became $! haproxy || { cat "$RUN/logs/haproxy.log" >&2; die "haproxy did not start"; }
  # Ready when it answers and its checks see every instance up (rise 2 x inter 1s).
  local n=100
  while ((n-- > 0)); do
    alive_as "$(cat "$RUN/pids/haproxy.pid")" haproxy || { cat "$RUN/logs/haproxy.log" >&2; die "haproxy exited"; }
    if [ "$(http_code "http://127.0.0.1:$lb_port/readyz")" = 200 ] \
       && [ "$(curl -s --max-time 2 "http://127.0.0.1:$stats_port/stats;csv" | grep -c '^serendip,serendip-[0-9]*,.*,UP,')" = "$INSTANCES" ]; then
      break
    fi
    sleep 0.1
  done
  ((n > 0)) || die "HAProxy did not see the instances up within 10 s ($RUN/logs/haproxy.log)"

  cat >"$RUN/cluster.env" <<EOF
URL=http://localhost:$lb_port
LB_PORT=$lb_port
STATS_PORT=$stats_port
INSTANCE_PORTS="$(seq -s ' ' $((BASE + 1)) $((BASE + INSTANCES)))"
REDIS_PORTS="$(seq -s ' ' "$redis_base" $((redis_base + 5)))"
PG_PORT=$pg_port
EOF
  chmod 644 "$RUN/cluster.env"
}

wait_ready() {  # instance port
  local i=$1 port=$2 pid n=300
  pid=$(cat "$RUN/pids/serendip-$i.pid")
  while ((n-- > 0)); do
    if ! alive_as "$pid" "$COMM"; then
      tail -n 20 "$RUN/logs/serendip-$i.log" >&2
      say "instance $i exited during start ($RUN/logs/serendip-$i.log)"
      return 1
    fi
    [ "$(http_code "http://127.0.0.1:$port/readyz")" = 200 ] && return 0
    sleep 0.1
  done
  tail -n 20 "$RUN/logs/serendip-$i.log" >&2
  say "instance $i not ready on port $port after 30 s"
  return 1
}

instances_lines() {
  if ((INSTANCES == 1)); then
    echo "  HAProxy (round robin, no affinity) -> 1 instance on 127.0.0.1:$((BASE + 1))"
    echo "  metrics:              http://127.0.0.1:$((BASE + 1))/metrics"
  else
    echo "  HAProxy (round robin, no affinity) -> $INSTANCES instances on 127.0.0.1:$((BASE + 1))-$((BASE + INSTANCES))"
    echo "  metrics per instance: http://127.0.0.1:$((BASE + 1))/metrics ... http://127.0.0.1:$((BASE + INSTANCES))/metrics"
  fi
}

print_banner() {
  local lb=$BASE
  cat <<EOF

Serendip cluster is up: http://localhost:$lb
$(instances_lines)
  HAProxy stats:        http://127.0.0.1:$((BASE + $(stats_offset)))/stats
  Redis Cluster:        127.0.0.1:$((BASE + 10))-$((BASE + 15))  (redis-cli -c -p $((BASE + 10)))
  PostgreSQL:           postgresql://postgres@127.0.0.1:$((BASE + 20))/serendip (empty at every start)
  logs:                 $RUN/logs/ (serendip-N.log, haproxy.log), Redis in $RUN/redis/, PostgreSQL in $RUN/pg/server.log
EOF
  if [ -n "${SERENDIP_ADMIN_BOOTSTRAP:-}" ]; then
    echo "  moderators:           http://localhost:$lb/admin (admin ${SERENDIP_ADMIN_BOOTSTRAP%%:*} created)"
  else
    echo "  moderators:           http://localhost:$lb/admin; to log in, start with"
    echo "                        SERENDIP_ADMIN_BOOTSTRAP=admin:<a password of 8+ characters> make run-cluster"
  fi
}

cmd_start() {  # detached
  parse_opts "$@"
  trap 'rc=$?; if ((rc)) && [ -n "$RUN" ]; then stop_all "$RUN"; fi' EXIT
  start_all
  trap - EXIT
  print_banner >&2
  echo "  stop with:            scripts/cluster.sh stop $RUN" >&2
  echo "$RUN"
}

cmd_run() {  # foreground
  parse_opts "$@"
  local stopping=0
  on_stop() {
    ((stopping)) && return
    stopping=1
    trap '' INT TERM
    [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
    echo >&2
    say "stopping"
    [ -n "$RUN" ] && stop_all "$RUN"
    say "stopped (logs kept in $RUN/logs)"
  }
  trap 'on_stop; exit 130' INT
  trap 'on_stop; exit 143' TERM
  trap 'rc=$?; on_stop; exit $rc' EXIT
  start_all
  echo $$ >"$RUN/cluster.pid"
  print_banner
  echo "  stop with Ctrl-C (or scripts/cluster.sh stop $RUN)"
  echo
  # Watch the instances; one that dies (a crash, or a kill -9 you tried) is
  # reported once and the rest keeps running.
  local -A reported=()
  local i pid
  while :; do
    for i in $(seq 1 "$INSTANCES"); do
      pid=$(cat "$RUN/pids/serendip-$i.pid" 2>/dev/null || true)
      if [ -z "${reported[$i]:-}" ] && ! alive_as "$pid" "$COMM"; then
        say "instance $i ($pid) is gone; see $RUN/logs/serendip-$i.log"
        reported[$i]=1
      fi
    done
    sleep 1 &
    SLEEP_PID=$!
    wait "$SLEEP_PID" || true
    SLEEP_PID=
  done
}

case "${1:-run}" in
  run) shift || true; cmd_run "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  --*) cmd_run "$@" ;;
  *) echo "usage: $0 [run|start] [--base-port P] [--instances N] [--run-dir DIR] [--no-install] | stop RUNDIR" >&2; exit 2 ;;
esac
