#!/usr/bin/env bash
# A throwaway PostgreSQL for tests: its own data directory, loopback only, a
# free port, trust authentication, gone after `stop`.
#
#   scripts/pg.sh start [DIR]     start a server with its state in DIR (default:
#                                 a new temp dir, printed on stderr); prints the
#                                 URL (postgresql://...) on stdout
#   scripts/pg.sh stop DIR        stop that server by its PID and remove DIR
#   scripts/pg.sh run -- CMD...   start, run CMD with SERENDIP_TEST_PG_URL set,
#                                 stop; exits with CMD's status
#   scripts/pg.sh halt DIR        stop that server (fast shutdown) keeping DIR
#   scripts/pg.sh resume DIR      start it again, same data and port (a restart
#                                 under load: faults-postgres.test.mjs)
#
# `start` returns with the server running in the background (pg_ctl), so it
# also serves long-running setups (scripts/cluster.sh): start, use, stop.
#
# PG_BIN overrides where initdb/pg_ctl/postgres live (default: the newest
# /usr/lib/postgresql/*/bin, else PATH). PG_PORT asks for a port (default: a
# free one picked at random); PG_DB names the database (default:
# serendip_test). initdb refuses to run as root, so as root the cluster
# belongs to the `postgres` user (DIR's parents must let it through).
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
  die "PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)"
}

# Runs a command as the cluster owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Whether PID runs. An exited postmaster whose parent (pg_ctl's, gone) left it
# to init stays a zombie until init reaps it: that counts as stopped.
running() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null || true)
  [ "$state" != Z ]
}

cmd_start() {
  local dir=${1:-}
  local bin; bin=$(find_bin)
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/serendip-pg.XXXXXX")
    echo "pg.sh: state in $dir" >&2
  fi
  mkdir -p "$dir"
  [ -e "$dir/pid" ] && die "$dir already holds a running server"
  if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null || die "no 'postgres' user to own the cluster"
    chown postgres "$dir"
  fi
  chmod 700 "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  mkdir -p "$dir/sock"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir/sock"

  local port tries=0
  while :; do
    if [ -n "${PG_PORT:-}" ]; then
      port=$PG_PORT
      port_in_use "$port" && die "port $port is taken (PG_PORT)"
    else
      port=$((20000 + RANDOM % 20000))
      port_in_use "$port" && continue
    fi
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
         -o "-h 127.0.0.1 -p $port -k $dir/sock -c fsync=on -c synchronous_commit=on" start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    # A port taken between the check and the bind: try another.
    [ "$tries" -lt 5 ] || { cat "$dir/server.log" >&2; die "postgres did not start"; }
  done
  head -1 "$dir/data/postmaster.pid" >"$dir/pid"
  echo "$port" >"$dir/port"
  local db=${PG_DB:-serendip_test}
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" \
    || { cmd_stop "$dir"; die "createdb failed"; }
  echo "postgresql://postgres@127.0.0.1:$port/$db"
}

# Fast shutdown (SIGINT to the postmaster's PID), waits until it has exited.
stop_postmaster() {
  local pid=$1
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    running "$pid" || return 0
    sleep 0.1
  done
  if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
}

cmd_halt() {
  local dir=${1:?usage: pg.sh halt DIR}
  [ -f "$dir/pid" ] || die "no server recorded in $dir"
  stop_postmaster "$(cat "$dir/pid")"
}

cmd_resume() {
  local dir=${1:?usage: pg.sh resume DIR}
  [ -f "$dir/port" ] || die "no server recorded in $dir"
  local bin port; bin=$(find_bin); port=$(cat "$dir/port")
  running "$(cat "$dir/pid")" && die "$dir: the server is running"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-h 127.0.0.1 -p $port -k $dir/sock -c fsync=on -c synchronous_commit=on" start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; die "postgres did not start again"; }
  head -1 "$dir/data/postmaster.pid" >"$dir/pid"
}

cmd_stop() {
  local dir=${1:?usage: pg.sh stop DIR}
  [ -f "$dir/pid" ] || die "no server recorded in $dir"
  # SIGINT is PostgreSQL's fast shutdown: roll back, checkpoint, exit.
  stop_postmaster "$(cat "$dir/pid")"
  rm -rf "$dir"
}

cmd_run() {
  [ "${1:-}" = "--" ] && shift
  [ $# -gt 0 ] || die "usage: pg.sh run -- CMD..."
  local dir url rc=0
  dir=$(mktemp -d "${TMPDIR:-/tmp}/serendip-pg.XXXXXX")
  url=$(cmd_start "$dir") || { rm -rf "$dir"; exit 1; }
  trap 'cmd_stop "$dir"; exit 130' INT TERM
  SERENDIP_TEST_PG_URL="$url" "$@" || rc=$?
  trap - INT TERM
  cmd_stop "$dir"
  return "$rc"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  run) shift; cmd_run "$@" ;;
  halt) shift; cmd_halt "$@" ;;
  resume) shift; cmd_resume "$@" ;;
  *) echo "usage: $0 start [DIR] | stop DIR | run -- CMD... | halt DIR | resume DIR" >&2; exit 2 ;;
esac
