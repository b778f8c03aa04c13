#!/usr/bin/env bash
# Builds the two container images (make images): serendip (server + web app,
# deploy/docker/serendip.Dockerfile) and serendip-coturn
# (deploy/docker/coturn.Dockerfile), with podman or docker, whichever works
# here (podman is installed from Debian's packages when neither does).
#
#   scripts/images.sh [--tag T] [--prebuilt BUILD_DIR] [--check]
#
#   --tag T        image tag (default latest): serendip:T, serendip-coturn:T
#   --prebuilt D   package D/serendip-server and web/dist (as built by make) instead of
#                  compiling them in the image: for the container test, which runs
#                  the binary `make test` has just built (same Debian 12 packages)
#   --check        after building, check the images: no compiler in the runtime
#                  image, it runs as a non-root user, `serendip-server --version`
#                  works in it; print their sizes
#
# Base images: SERENDIP_IMAGE_BASE (runtime, default docker.io/library/debian:12-slim),
# SERENDIP_IMAGE_BUILD_BASE (compiler stage, default docker.io/library/debian:12) and
# SERENDIP_IMAGE_NODE (web stage, default docker.io/library/node:20-bookworm-slim).
# Where a default cannot be pulled (no access to a public container registry),
# the script makes its own: a Debian 12 root file system from Debian's package
# registry with mmdebstrap (localhost/serendip-debian:12), and for the web stage
# that base plus this machine's Node, if it is 20 or later
# (localhost/serendip-node:20). SERENDIP_CONTAINER_ENGINE=podman|docker chooses.
# Prints one line per image: name, size.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

die() { echo "images.sh: $*" >&2; exit 1; }
say() { echo "images.sh: $*" >&2; }

TAG=latest
PREBUILT=""
CHECK=0
while (($#)); do
  case "$1" in
    --tag) TAG=${2:?--tag needs a value}; shift 2 ;;
    --prebuilt) PREBUILT=${2:?--prebuilt needs a build directory}; shift 2 ;;
    --check) CHECK=1; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (--help)" ;;
  esac
done

CACHE=$ROOT/.cache/images
mkdir -p "$CACHE"

# ---------------------------------------------------------------- the engine

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

engine_works() {  # engine
  case "$1" in
    docker) command -v docker >/dev/null && timeout 20 docker info >/dev/null 2>&1 ;;
    podman) command -v podman >/dev/null && timeout 60 podman info >/dev/null 2>&1 ;;
  esac
}

pick_engine() {
  if [ -n "${SERENDIP_CONTAINER_ENGINE:-}" ]; then
    ENGINE=$SERENDIP_CONTAINER_ENGINE
  elif command -v podman >/dev/null; then
    ENGINE=podman
  elif engine_works docker; then
    ENGINE=docker
  else
    ENGINE=podman
  fi
  if [ "$ENGINE" = podman ]; then
    local missing=()
    for p in podman runc uidmap fuse-overlayfs catatonit; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if ((${#missing[@]})); then
      command -v apt-get >/dev/null || die "podman is missing and this is not a Debian system: install podman or docker"
      say "installing ${missing[*]} (Debian packages)"
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$CACHE/apt.log" 2>&1 \
        || { tail -20 "$CACHE/apt.log" >&2; die "could not install ${missing[*]}"; }
    fi
    # Machines that forbid raising resource limits, or whose cgroups crun
    # cannot drive, need runc, cgroupfs and no default ulimits. Used only
    # when the operator has no containers.conf of their own in the environment.
    if [ -z "${CONTAINERS_CONF:-}" ]; then
      cat >"$CACHE/containers.conf" <<'EOF'
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
EOF
      export CONTAINERS_CONF=$CACHE/containers.conf
    fi
  fi
  engine_works "$ENGINE" || die "$ENGINE does not work here ($ENGINE info failed)"
}

have_image() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

# True when IMAGE is here or can be pulled (a minute at most).
obtain() {  # image
  have_image "$1" && return 0
  timeout 120 "$ENGINE" pull -q "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------- base images

# Debian 12 from Debian's own package registry: mmdebstrap (minbase; its default
# mirror, with bookworm-updates and bookworm-security), imported.
debian_base() {
  local img=localhost/serendip-debian:12
  if ! have_image "$img"; then
    if ! command -v mmdebstrap >/dev/null; then
      say "installing mmdebstrap (Debian package)"
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mmdebstrap >"$CACHE/apt.log" 2>&1 \
        || { tail -20 "$CACHE/apt.log" >&2; die "could not install mmdebstrap"; }
    fi
    say "building $img with mmdebstrap (about a minute)"
    local tar=$CACHE/debian-12-rootfs.tar
    # Slim, like debian:12-slim: no manuals, documentation or translations,
    # no package lists (the Dockerfiles run apt-get update first).
    as_root mmdebstrap --variant=minbase \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
      bookworm "$tar" >"$CACHE/mmdebstrap.log" 2>&1 \
      || { tail -20 "$CACHE/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
    "$ENGINE" import -q "$tar" "$img" >/dev/null
    rm -f "$tar"
  fi
  echo "$img"
}

# The web stage's Node: this machine's, on the Debian base (Vite needs 20+).
node_image() {  # base
  local img=localhost/serendip-node:20 base=$1
  have_image "$img" && { echo "$img"; return; }
  local node major npm_dir
  node=$(command -v node) || die "no Node image can be pulled and this machine has no Node: install Node 20 or later"
  major=$(node -p 'process.versions.node.split(".")[0]')
  ((major >= 20)) || die "no Node image can be pulled and this machine's Node is $(node --version); Vite needs Node 20 or later"
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  [ -f "$npm_dir/package.json" ] || die "cannot find npm's directory (from $(command -v npm))"
  say "building $img from $base and this machine's Node $(node --version)"
  local ctx=$CACHE/node-context
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$(readlink -f "$node")" "$ctx/node"
  cp -a "$npm_dir" "$ctx/npm"
  # The certificate authorities this machine's Node trusts beyond the system's
  # (a TLS-inspecting proxy in front of the npm registry, say): the web stage's
  # npm must trust them too. Only this build-stage image holds them.
  local ca
  ca=$(npm config get cafile 2>/dev/null || true)
  [ -f "$ca" ] || ca=${NODE_EXTRA_CA_CERTS:-}
  if [ -n "$ca" ] && [ -f "$ca" ]; then cp "$ca" "$ctx/build-ca.pem"; else : >"$ctx/build-ca.pem"; fi
  cat >"$ctx/Dockerfile" <<'EOF'
ARG BASE
FROM ${BASE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY build-ca.pem /usr/local/share/build-ca.pem
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/build-ca.pem
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
EOF
  "$ENGINE" build -q --network=host --build-arg BASE="$base" -t "$img" "$ctx" >/dev/null
  rm -rf "$ctx"
  echo "$img"
}

# ---------------------------------------------------------------- build

pick_engine
say "engine: $ENGINE ($("$ENGINE" --version))"

BASE=${SERENDIP_IMAGE_BASE:-docker.io/library/debian:12-slim}
BUILD_BASE=${SERENDIP_IMAGE_BUILD_BASE:-docker.io/library/debian:12}
NODE_IMAGE=${SERENDIP_IMAGE_NODE:-docker.io/library/node:20-bookworm-slim}
if ! obtain "$BASE"; then
  [ -z "${SERENDIP_IMAGE_BASE:-}" ] || die "cannot find or pull $BASE"
  BASE=$(debian_base)
  say "$ENGINE cannot pull debian:12-slim here: using $BASE"
fi
if [ -n "$PREBUILT" ]; then
  BUILD_BASE=$BASE
  NODE_IMAGE=$BASE
else
  if ! obtain "$BUILD_BASE"; then
    [ -z "${SERENDIP_IMAGE_BUILD_BASE:-}" ] || die "cannot find or pull $BUILD_BASE"
    BUILD_BASE=$(debian_base)
  fi
  if ! obtain "$NODE_IMAGE"; then
    [ -z "${SERENDIP_IMAGE_NODE:-}" ] || die "cannot find or pull $NODE_IMAGE"
    NODE_IMAGE=$(node_image "$(debian_base)")
  fi
fi

args=(--network=host --build-arg "BASE=$BASE" --build-arg "BUILD_BASE=$BUILD_BASE" --build-arg "NODE_IMAGE=$NODE_IMAGE")
prebuilt_dir=$ROOT/deploy/docker/prebuilt
rm -rf "$prebuilt_dir"
if [ -n "$PREBUILT" ]; then
  [[ "$PREBUILT" = /* ]] || PREBUILT=$ROOT/$PREBUILT
  [ -x "$PREBUILT/serendip-server" ] || die "$PREBUILT/serendip-server not found (make server)"
  [ -f "$ROOT/web/dist/index.html" ] || die "web/dist not built (make web)"
  mkdir -p "$prebuilt_dir"
  strip -o "$prebuilt_dir/serendip-server" "$PREBUILT/serendip-server"
  cp -a "$ROOT/web/dist" "$prebuilt_dir/web"
  # The country database bootstrap.sh fetched, if any (docs/regions.md).
  if [ -f "$ROOT/data/geoip-country.mmdb" ]; then cp "$ROOT/data/geoip-country.mmdb" "$prebuilt_dir/"; fi
  args+=(--build-arg PREBUILT=1)
  trap 'rm -rf "$prebuilt_dir"' EXIT
elif command -v npm >/dev/null; then
  # The registry this machine's npm uses (a mirror, say), for the web stage.
  args+=(--build-arg "NPM_REGISTRY=$(npm config get registry)")
fi

build() {  # name dockerfile
  local name=$1 file=$2 start=$SECONDS
  say "building $name:$TAG ($file)"
  "$ENGINE" build "${args[@]}" -f "$file" -t "localhost/$name:$TAG" . >"$CACHE/build-$name.log" 2>&1 \
    || { tail -40 "$CACHE/build-$name.log" >&2; die "$name did not build (log: .cache/images/build-$name.log)"; }
  say "$name:$TAG built in $((SECONDS - start)) s"
}
build serendip-coturn deploy/docker/coturn.Dockerfile
build serendip deploy/docker/serendip.Dockerfile

size() { "$ENGINE" image inspect --format '{{.Size}}' "$1"; }

if ((CHECK)); then
  img=localhost/serendip:$TAG
  run=("$ENGINE" run --rm --network=none --entrypoint /bin/sh "$img" -c)
  version=$("$ENGINE" run --rm --network=none "$img" --version) || die "serendip-server --version failed in $img"
  say "$img: $version"
  user=$("${run[@]}" 'id -u')
  [ "$user" != 0 ] || die "$img runs as root"
  compilers=$("${run[@]}" 'for c in cc gcc g++ c++ clang cpp make cmake; do command -v $c; done; true')
  [ -z "$compilers" ] || die "$img holds a compiler or build tool: $compilers"
  cuser=$("$ENGINE" run --rm --network=none --entrypoint /bin/sh "localhost/serendip-coturn:$TAG" -c 'id -u')
  [ "$cuser" != 0 ] || die "serendip-coturn:$TAG runs as root"
  say "checked: runs as uid $user (coturn $cuser), no compiler, --version works"
fi
for name in serendip serendip-coturn; do
  printf '%s:%s %s MB\n' "$name" "$TAG" "$(( $(size "localhost/$name:$TAG") / 1000000 ))"
done
