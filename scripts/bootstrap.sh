#!/usr/bin/env bash
# Installs what Serendip needs on Debian 12, quietly and idempotently.
# Usage: scripts/bootstrap.sh [build|test|bench|cluster]
#   build: compilers, Boost 1.81, OpenSSL, SQLite, libpq, hiredis (+ web app deps)
#   cluster: build + Redis, PostgreSQL and HAProxy for make run-cluster (scripts/cluster.sh)
#   test:  build + GoogleTest, Redis, coturn, PostgreSQL, HAProxy, Chromium for end-to-end tests,
#          clang-format and clang-tidy for make lint
set -euo pipefail
what="${1:-build}"
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libpq-dev libhiredis-dev libsodium-dev libargon2-dev
  nodejs)
test_pkgs=(libgtest-dev libgmock-dev libbenchmark-dev redis-server coturn postgresql
  chromium iproute2 util-linux openssl procps curl sqlite3 fonts-noto-color-emoji testssl.sh prometheus
  clang-format clang-tidy haproxy)
cluster_pkgs=(redis-server redis-tools postgresql haproxy curl)

pkgs=("${build_pkgs[@]}")
case "$what" in
  build) ;;
  test|bench) pkgs+=("${test_pkgs[@]}") ;;
  cluster) pkgs+=("${cluster_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench|cluster]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The web app and the end-to-end tests are npm projects with committed lock files.
npm_ci() {
  local dir="$1"
  [ -f "$dir/package.json" ] || return 0
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "bootstrap: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
npm_ci web
if [ "$what" = test ] || [ "$what" = bench ]; then
  npm_ci server/tests/integration
  npm_ci e2e
fi
