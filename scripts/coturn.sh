#!/usr/bin/env bash
# A throwaway coturn (turnserver) on loopback, for tests and `make run`.
#
# Usage:
#   scripts/coturn.sh start          start one; prints KEY=VALUE lines (eval-able):
#                                      TURN_DIR TURN_PID TURN_PORT TURN_TLS_PORT
#                                      TURN_LOG TURN_SECRET TURN_URLS
#   scripts/coturn.sh stop [DIR]     stop the one whose state is in DIR (default: $TURN_DIR)
#                                    by its PID, and remove DIR
#   scripts/coturn.sh urls PORT TLS_PORT   the SERENDIP_TURN_URLS value for those ports
#
# Env for start:
#   SERENDIP_TURN_SECRET   shared secret (the same one the Serendip server gets); a random
#                          one is made (and printed) when unset
#   COTURN_CONFIG          configuration (default: deploy/coturn/turnserver.test.conf)
#   COTURN_PORT, COTURN_TLS_PORT   fixed ports (default: free ones, picked here)
#   COTURN_MIN_PORT, COTURN_MAX_PORT   relay port range (default: 49152-65535)
#   COTURN_DIR             state directory (default: a new one under ${TMPDIR:-/tmp})
#   COTURN_HOST            host name put in TURN_URLS (default: 127.0.0.1)
# Extra arguments after `start` are passed to turnserver.
#
# The state directory holds a self-signed certificate for the TLS listener, a private
# (0600) copy of the configuration with the secret, turnserver.log and pid.
# Example:
#   eval "$(scripts/coturn.sh start)"
#   SERENDIP_TURN_SECRET=$TURN_SECRET SERENDIP_TURN_URLS=$TURN_URLS build/serendip-server
#   scripts/coturn.sh stop "$TURN_DIR"
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

die() { echo "coturn.sh: $*" >&2; exit 1; }

urls() {
  local host="${COTURN_HOST:-127.0.0.1}" p="$1" t="$2"
  echo "stun:$host:$p,turn:$host:$p?transport=udp,turn:$host:$p?transport=tcp,turns:$host:$t?transport=tcp"
}

# A port free for both TCP and UDP on loopback, below the ephemeral range (32768+) so that
# the kernel does not hand it out as a source port meanwhile.
port_in_use() {
  ss -Htuan 2>/dev/null | awk '{print $5}' | grep -Eq "[:.]$1\$"
}
pick_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    if ! port_in_use "$p" && [ "$p" != "${1:-}" ]; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

alive() { # pid dir: the process is ours (a turnserver started with our config)
  [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q -- "turnserver -c $2/turnserver.conf"
}

start() {
  command -v turnserver >/dev/null || die "turnserver not found (apt-get install coturn)"
  command -v openssl >/dev/null || die "openssl not found"
  local config="${COTURN_CONFIG:-$root/deploy/coturn/turnserver.test.conf}"
  [ -r "$config" ] || die "cannot read $config"
  local secret="${SERENDIP_TURN_SECRET:-}"
  [ -n "$secret" ] || secret="$(openssl rand -hex 24)"
  case "$secret" in *[!A-Za-z0-9+/=_.~-]*) die "use only [A-Za-z0-9+/=_.~-] in SERENDIP_TURN_SECRET" ;; esac

  umask 077
  local dir="${COTURN_DIR:-}"
  if [ -n "$dir" ]; then mkdir -p "$dir"; else dir="$(mktemp -d "${TMPDIR:-/tmp}/serendip-coturn.XXXXXX")"; fi
  dir="$(cd "$dir" && pwd)"
  chmod 700 "$dir"

  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"


  local attempt port tls pid
  for attempt in 1 2 3 4 5; do
    port="${COTURN_PORT:-$(pick_port)}"
    tls="${COTURN_TLS_PORT:-$(pick_port "$port")}"
    {
      cat "$config"
      printf '\n# added by scripts/coturn.sh\nlistening-port=%s\ntls-listening-port=%s\n' "$port" "$tls"
      printf 'min-port=%s\nmax-port=%s\n' "${COTURN_MIN_PORT:-49152}" "${COTURN_MAX_PORT:-65535}"
      printf 'cert=%s\npkey=%s\nstatic-auth-secret=%s\n' "$dir/cert.pem" "$dir/key.pem" "$secret"
    } > "$dir/turnserver.conf"
    rm -f "$dir/turnserver.log"
    # The log and pid file go on the command line (a log-file line in the configuration
    # would override it); the user database is a private file (nothing is stored in it).
    setsid turnserver -c "$dir/turnserver.conf" --log-file="$dir/turnserver.log" --simple-log \
      --no-stdout-log --pidfile="$dir/turnserver.pid" --userdb="$dir/turndb" "$@" \
      >"$dir/stdout.log" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$dir/pid"
    local ready=0
    for _ in $(seq 1 100); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if grep -q "Cannot bind" "$dir/turnserver.log" 2>/dev/null; then break; fi
      if grep -q "Total General servers" "$dir/turnserver.log" 2>/dev/null &&
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
        (exec 3<>"/dev/tcp/127.0.0.1/$tls") 2>/dev/null; then
        ready=1
        break
      fi
      sleep 0.05
    done
    if [ "$ready" = 1 ] && ! grep -Eqi "cannot bind|address already in use|CONFIG ERROR|CONFIGURATION ALERT" "$dir/turnserver.log"; then
      cat <<EOF
TURN_DIR=$dir
TURN_PID=$pid
TURN_PORT=$port
TURN_TLS_PORT=$tls
TURN_LOG=$dir/turnserver.log
TURN_SECRET=$secret
TURN_URLS='$(urls "$port" "$tls")'
EOF
      return 0
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ -n "${COTURN_PORT:-}" ] || [ "$attempt" = 5 ]; then
      echo "coturn.sh: turnserver did not come up; last lines of its log:" >&2
      tail -n 20 "$dir/turnserver.log" >&2 2>/dev/null || true
      tail -n 5 "$dir/stdout.log" >&2 2>/dev/null || true
      rm -rf "$dir"
      exit 1
    fi
  done
}

stop() {
  local dir="${1:-${TURN_DIR:-}}"
  [ -n "$dir" ] || die "usage: $0 stop DIR (or set TURN_DIR)"
  [ -d "$dir" ] || return 0
  dir="$(cd "$dir" && pwd)"
  [ -f "$dir/turnserver.conf" ] || die "$dir does not look like a coturn.sh state directory"
  local pid
  pid="$(cat "$dir/pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && alive "$pid" "$dir"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      alive "$pid" "$dir" || break
      sleep 0.1
    done
    if alive "$pid" "$dir"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -rf "$dir"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  urls) [ $# = 2 ] || die "usage: $0 urls PORT TLS_PORT"; urls "$1" "$2" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
