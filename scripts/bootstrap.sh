#!/usr/bin/env bash
# Installs what Serendip needs on Debian 12, quietly and idempotently.
# Usage: scripts/bootstrap.sh [build|test|bench|cluster]
#   build: compilers, Boost 1.81, OpenSSL, SQLite, libpq, hiredis (+ web app deps)
#   cluster: build + Redis, PostgreSQL and HAProxy for make run-cluster (scripts/cluster.sh)
#   test:  build + GoogleTest, Redis, coturn, PostgreSQL, HAProxy, Chromium for end-to-end tests,
#          clang-format and clang-tidy for make lint, faketime (libfaketime) for the clock-fault tests
set -euo pipefail
what="${1:-build}"
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libpq-dev libhiredis-dev libsodium-dev libargon2-dev libmaxminddb-dev
  nodejs)
test_pkgs=(libgtest-dev libgmock-dev libbenchmark-dev redis-server coturn postgresql
  chromium iproute2 util-linux openssl procps curl sqlite3 fonts-noto-color-emoji testssl.sh prometheus
  clang-format clang-tidy haproxy libmaxmind-db-writer-perl faketime)
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

# Vite 8 needs Node 20.19+ or 22.12+; Debian 12's own nodejs is 18. Say so now,
# in one line, rather than let the web build fail later.
if [ -f web/package.json ] && ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
    process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' 2>/dev/null; then
  echo "bootstrap: Node $(node --version 2>/dev/null || echo "is missing") is too old for the web app: Vite needs Node 20.19+ or 22.12+ (Debian 12's nodejs is 18); install Node 22 LTS from the Node.js project's downloads and run this again" >&2
  exit 1
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

# The country database behind region-aware matching (docs/regions.md):
# ip-location-db's geo-whois-asn-country (CC0; NRO data, CC BY 4.0), from npm, pinned.
# Refreshed when older than 30 days; a failed fetch is not fatal (regions then come
# from the browsers' time zones). SERENDIP_GEOIP_DB points the server at another file.
geoip_pkg="@ip-location-db/geo-whois-asn-country-mmdb@${SERENDIP_GEOIP_VERSION:-2.3.2026061719}"
geoip_db=data/geoip-country.mmdb
if [ -z "$(find "$geoip_db" -mtime -30 2>/dev/null)" ]; then
  echo "bootstrap: fetching the country database ($geoip_pkg)"
  tmp=$(mktemp -d)
  if (cd "$tmp" && npm pack --silent --loglevel=error "$geoip_pkg" >/dev/null 2>&1) &&
    tar -xzf "$tmp"/*.tgz -C "$tmp" package/geo-whois-asn-country.mmdb 2>/dev/null; then
    mkdir -p data
    mv "$tmp/package/geo-whois-asn-country.mmdb" "$geoip_db.tmp" && touch "$geoip_db.tmp" && mv "$geoip_db.tmp" "$geoip_db"
  else
    echo "bootstrap: could not fetch $geoip_pkg; regions will come from browsers' time zones" >&2
  fi
  rm -rf "$tmp"
fi
