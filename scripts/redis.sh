#!/usr/bin/env bash
# Throwaway Redis servers for tests and local clusters: loopback only, no
# persistence, state in one directory, stopped by the PIDs they recorded.
#
#   scripts/redis.sh run [--cluster|--both] -- CMD...
#       start a standalone server (default), a 6-node cluster (3 masters + 3
#       replicas, --cluster-node-timeout 2000) or both, on free loopback ports in
#       a temp dir; run CMD with
#         SERENDIP_TEST_REDIS_URL          redis://127.0.0.1:PORT (standalone)
#         SERENDIP_TEST_REDIS_CLUSTER_URL  redis+cluster://127.0.0.1:P1,...,P6 (cluster)
#         SERENDIP_TEST_REDIS_DIR          the temp dir
#       then stop what was started and remove the dir. Exits with CMD's status.
#   scripts/redis.sh start [--cluster] DIR BASEPORT
#       start a standalone server on BASEPORT, or a cluster on BASEPORT..BASEPORT+5
#       (cluster bus ports are PORT+10000), state in DIR; prints the URL.
#   scripts/redis.sh stop DIR
#       stop every server recorded in DIR (its pid files), leave DIR in place.
#
# Layout of DIR, which tests may use to kill or restart a node:
#   redis-PORT.conf   the node's configuration (daemonizes, writes the pid file);
#                     `redis-server DIR/redis-PORT.conf` starts the node again
#   redis-PORT.pid    its PID, written by redis-server itself
#   redis-PORT.log    its log
#   nodes-PORT.conf   cluster state (cluster nodes only)
# Only PIDs read from these files are ever signalled, and only after checking
# that the process is a redis-server started from this DIR.
set -euo pipefail

die() { echo "redis.sh: $*" >&2; exit 1; }

command -v redis-server >/dev/null 2>&1 || die "redis-server not found (apt-get install redis-server)"
command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found (apt-get install redis-tools)"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Writes DIR/redis-PORT.conf and starts the node from it.
start_node() {  # dir port cluster(0|1)
  local dir=$1 port=$2 cluster=$3 conf="$1/redis-$2.conf"
  {
    echo "port $port"
    echo "bind 127.0.0.1"
    echo "protected-mode no"
    echo "save ''"
    echo "appendonly no"
    echo "dir $dir"
    echo "daemonize yes"
    echo "pidfile $dir/redis-$port.pid"
    echo "logfile $dir/redis-$port.log"
    if [ "$cluster" = 1 ]; then
      echo "cluster-enabled yes"
      echo "cluster-config-file $dir/nodes-$port.conf"
      echo "cluster-node-timeout 2000"
      # Tests kill masters on purpose; replicas must take over right away.
      echo "cluster-replica-validity-factor 0"
    fi
  } >"$conf"
  redis-server "$conf" >/dev/null || die "redis-server on port $port did not start (see $dir/redis-$port.log)"
}

wait_ping() {  # dir port
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$2" ping 2>/dev/null || true)" = PONG ] && return 0
    sleep 0.1
  done
  tail -n 5 "$1/redis-$2.log" >&2 2>/dev/null || true
  die "redis on port $2 does not answer"
}

# A process is ours when it is a redis-server whose config file lives in DIR.
is_ours() {  # pid dir
  local cmd
  cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  case "$cmd" in *redis-server*) ;; *) return 1 ;; esac
  # redis-server rewrites its title to "redis-server 127.0.0.1:PORT [cluster]";
  # the port and the pid file together identify the node.
  local port; port=$(basename "$3" .pid); port=${port#redis-}
  case "$cmd" in *":$port"*) ;; *) return 1 ;; esac
  # redis-server changes into its `dir`, so its cwd names the directory too.
  [ "$(readlink "/proc/$1/cwd" 2>/dev/null)" = "$2" ]
}

start_standalone() {  # dir port
  start_node "$1" "$2" 0
  wait_ping "$1" "$2"
  echo "redis://127.0.0.1:$2"
}

start_cluster() {  # dir baseport
  local dir=$1 base=$2 ports=() p
  for i in 0 1 2 3 4 5; do ports+=($((base + i))); done
  for p in "${ports[@]}"; do start_node "$dir" "$p" 1; done
  for p in "${ports[@]}"; do wait_ping "$dir" "$p"; done
  local addrs=()
  for p in "${ports[@]}"; do addrs+=("127.0.0.1:$p"); done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
    || { cat "$dir/create.log" >&2; die "cluster create failed"; }
  # Ready: every node says ok and every node sees three masters and three replicas.
  local ok
  for _ in $(seq 1 200); do
    ok=1
    for p in "${ports[@]}"; do
      redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || { ok=0; break; }
      local nodes; nodes=$(redis-cli -p "$p" cluster nodes 2>/dev/null || true)
      [ "$(echo "$nodes" | grep -cE '[ ,]master ' || true)" -eq 3 ] || { ok=0; break; }
      [ "$(echo "$nodes" | grep -cE '[ ,]slave ' || true)" -eq 3 ] || { ok=0; break; }
    done
    [ "$ok" = 1 ] && break
    sleep 0.1
  done
  [ "$ok" = 1 ] || die "cluster did not become ready"
  local IFS=,
  echo "redis+cluster://${addrs[*]}"
}

cmd_start() {
  local cluster=0
  [ "${1:-}" = "--cluster" ] && { cluster=1; shift; }
  local dir=${1:?usage: redis.sh start [--cluster] DIR BASEPORT} base=${2:?usage: redis.sh start [--cluster] DIR BASEPORT}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$cluster" = 1 ]; then start_cluster "$dir" "$base"; else start_standalone "$dir" "$base"; fi
}

cmd_stop() {
  local dir=${1:?usage: redis.sh stop DIR} f pid pids=()
  # The nodes' cwd is the physical path of DIR: compare like with like.
  dir=$(cd "$dir" 2>/dev/null && pwd -P) || return 0
  shopt -s nullglob
  for f in "$dir"/redis-*.pid; do
    pid=$(cat "$f" 2>/dev/null || true)
    [ -n "$pid" ] && is_ours "$pid" "$dir" "$f" && { kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); }
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  return 0
}

# A base port with COUNT free ports (and their cluster bus ports) above it.
# Ports and bus ports (PORT+10000) stay below Linux's ephemeral range (32768+):
# a port some outgoing connection holds answers no connect, so it looks free
# here but cannot be bound.
free_base() {  # count
  local base ok
  for _ in $(seq 1 50); do
    base=$((10000 + RANDOM % 12000))
    ok=1
    for i in $(seq 0 $(($1 - 1))); do
      if port_in_use $((base + i)) || port_in_use $((base + i + 10000)); then ok=0; break; fi
    done
    [ "$ok" = 1 ] && { echo "$base"; return; }
  done
  die "no free ports"
}

cmd_run() {
  local standalone=1 cluster=0
  case "${1:-}" in
    --cluster) standalone=0; cluster=1; shift ;;
    --both) cluster=1; shift ;;
  esac
  [ "${1:-}" = "--" ] && shift
  [ $# -gt 0 ] || die "usage: redis.sh run [--cluster|--both] -- CMD..."
  local dir rc=0
  dir=$(mktemp -d "${TMPDIR:-/tmp}/serendip-redis.XXXXXX")
  trap 'cmd_stop "$dir"; rm -rf "$dir"; exit 130' INT TERM
  # A port taken between the check and the bind: start again on other ports.
  local attempt
  for attempt in 1 2 3; do
    if [ "$standalone" = 1 ]; then
      SERENDIP_TEST_REDIS_URL=$(start_standalone "$dir" "$(free_base 1)") || { cmd_stop "$dir"; rm -rf "${dir:?}"/*; continue; }
      export SERENDIP_TEST_REDIS_URL
    fi
    if [ "$cluster" = 1 ]; then
      SERENDIP_TEST_REDIS_CLUSTER_URL=$(start_cluster "$dir" "$(free_base 6)") || { cmd_stop "$dir"; rm -rf "${dir:?}"/*; continue; }
      export SERENDIP_TEST_REDIS_CLUSTER_URL
    fi
    break
  done
  if [ "$attempt" = 3 ] && [ -z "$(ls "$dir"/redis-*.pid 2>/dev/null)" ]; then
    rm -rf "$dir"
    die "could not start Redis"
  fi
  SERENDIP_TEST_REDIS_DIR="$dir" "$@" || rc=$?
  trap - INT TERM
  cmd_stop "$dir"
  rm -rf "$dir"
  return "$rc"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  run) shift; cmd_run "$@" ;;
  *) echo "usage: $0 run [--cluster|--both] -- CMD... | start [--cluster] DIR BASEPORT | stop DIR" >&2; exit 2 ;;
esac
