#!/bin/sh
# Starts coturn with the TURN REST shared secret taken from a mounted secret file, without
# writing the secret into a committed file or onto the command line (where every local
# user can read it in /proc/<pid>/cmdline). coturn has no environment-variable expansion in
# its configuration, so this wrapper appends one `static-auth-secret=` line to a private
# copy of the configuration, on tmpfs, mode 0600, and execs turnserver on that copy.
#
# Usage: run-turnserver.sh [turnserver options...]
# Env:
#   TURN_CONFIG       configuration to start from (default: turnserver.prod.conf next to
#                     this script, else /etc/coturn/turnserver.conf)
#   TURN_SECRET_FILE  file holding the secret, one per line; during a rotation the new and
#                     the old one (default: $CREDENTIALS_DIRECTORY/turn-secret when systemd
#                     passes credentials, else /run/secrets/turn_secret)
#   TURN_RUNTIME_DIR  where the private copy goes (default: $RUNTIME_DIRECTORY from systemd,
#                     else a new directory under ${TMPDIR:-/tmp})
# The secret must be the same value as Serendip's SERENDIP_TURN_SECRET. Generate one with
#   openssl rand -base64 32 | tr -d '\n' > turn_secret
set -euf  # -f: no globbing (secrets are split on whitespace below)

here=$(cd "$(dirname "$0")" && pwd)
config="${TURN_CONFIG:-}"
if [ -z "$config" ]; then
  if [ -f "$here/turnserver.prod.conf" ]; then config="$here/turnserver.prod.conf"; else config=/etc/coturn/turnserver.conf; fi
fi
if [ -n "${TURN_SECRET_FILE:-}" ]; then
  secret_file="$TURN_SECRET_FILE"
elif [ -n "${CREDENTIALS_DIRECTORY:-}" ] && [ -f "$CREDENTIALS_DIRECTORY/turn-secret" ]; then
  secret_file="$CREDENTIALS_DIRECTORY/turn-secret"
else
  secret_file=/run/secrets/turn_secret
fi

[ -r "$config" ] || { echo "run-turnserver: cannot read configuration $config" >&2; exit 1; }
[ -r "$secret_file" ] || { echo "run-turnserver: cannot read the TURN secret file $secret_file" >&2; exit 1; }
# One secret per line. Several lines = several accepted secrets (coturn accepts a credential
# made with any of them): that is how the secret is rotated without refusing anyone.
secrets=$(tr -d '\r' < "$secret_file" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^#/d' -e '/^$/d')
[ -n "$secrets" ] || { echo "run-turnserver: no secret in $secret_file" >&2; exit 1; }
for secret in $secrets; do
  if [ "${#secret}" -lt 16 ]; then
    echo "run-turnserver: a TURN secret in $secret_file is shorter than 16 characters" >&2
    exit 1
  fi
  case "$secret" in
    *[!A-Za-z0-9+/=_.~-]*)
      echo "run-turnserver: use only [A-Za-z0-9+/=_.~-] in TURN secrets (coturn reads them unquoted)" >&2
      exit 1 ;;
  esac
done
if grep -Eq '^[[:space:]]*static-auth-secret' "$config"; then
  echo "run-turnserver: $config already contains static-auth-secret; remove it from the file" >&2
  exit 1
fi

umask 077
if [ -n "${TURN_RUNTIME_DIR:-}" ]; then
  dir="$TURN_RUNTIME_DIR"
  mkdir -p "$dir"
elif [ -n "${RUNTIME_DIRECTORY:-}" ]; then
  dir="${RUNTIME_DIRECTORY%%:*}"
else
  dir=$(mktemp -d "${TMPDIR:-/tmp}/coturn.XXXXXX")
fi
runtime="$dir/turnserver.conf"
{
  cat "$config"
  printf '\n# appended by run-turnserver.sh from %s\n' "$secret_file"
  for secret in $secrets; do printf 'static-auth-secret=%s\n' "$secret"; done
} > "$runtime"
chmod 600 "$runtime"

exec turnserver -c "$runtime" "$@"
