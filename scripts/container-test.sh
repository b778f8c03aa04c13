#!/usr/bin/env bash
# The container test (make test, suite `containers`): the images, run the way
# the Kubernetes manifests run them, carry real calls.
#
# 1. scripts/images.sh --prebuilt builds serendip:test and serendip-coturn:test
#    from the Dockerfiles, packaging the binary and web app `make test` has just
#    built (compiling in the image is `make images`), and checks them (non-root,
#    no compiler, --version).
# 2. In a network namespace that has only loopback: PostgreSQL and a Redis
#    Cluster (scripts/pg.sh, scripts/redis.sh), three server pods and one coturn
#    pod started by `podman kube play` from deploy/k8s/serendip.yaml,
#    deploy/k8s/config.yaml and deploy/k8s/coturn.yaml (same image, arguments,
#    environment from the ConfigMap and Secret, user, read-only root, dropped
#    capabilities, volumes), and HAProxy (deploy/haproxy/haproxy.cfg) in front.
# 3. The browser tests of a call and of the TURN relay (e2e/tests/video-call,
#    e2e/tests/privacy) run against HAProxy, in Debian's Chromium.
#
# What the test changes in the manifests so that podman (4.3, Debian 12) can
# play them on one machine, and nothing else: one replica per Deployment, three
# Deployments (serendip-1..3) with their own listen port, host networking
# instead of Services (so the container ports are dropped), coturn's DaemonSet
# played as a Deployment, the names made unique to this run, the image tag
# `test`, and loopback addresses in the ConfigMaps (coturn gets a loopback test
# configuration in place of the production one).
#
# Usage: scripts/container-test.sh [e2e test files, relative to e2e/]
# Env: BUILD_DIR (default build). Prints node's TAP, ending in "# pass N" / "# fail N".
# Where no container engine can be installed, prints why and "# pass 0 / # fail 0"
# after "# SKIP".
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
BUILD_DIR=${BUILD_DIR:-build}

say() { echo "container-test: $*" >&2; }

if [ "${SERENDIP_CT_NETNS:-}" != 1 ]; then
  if ! command -v podman >/dev/null && ! command -v apt-get >/dev/null; then
    say "no podman and no apt-get to install it: the container test cannot run here"
    echo "# SKIP no container engine can be installed"
    exit 0
  fi
  # Outside the namespace: the image builds need Debian's package registry.
  scripts/images.sh --tag test --prebuilt "$BUILD_DIR" --check >&2
  command -v haproxy >/dev/null || scripts/bootstrap.sh cluster >&2
  exec unshare -n env SERENDIP_CT_NETNS=1 sh -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

[ -n "${CONTAINERS_CONF:-}" ] || { [ -f "$root/.cache/images/containers.conf" ] && export CONTAINERS_CONF="$root/.cache/images/containers.conf"; }

tmp="$(mktemp -d)"
chmod 711 "$tmp"  # PostgreSQL runs as its own user and passes through
run_id="ct$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
lb_port=18080 stats_port=18084 redis_base=18090 pg_port=18100 metrics_base=18110 turn_port=3478
haproxy_pid=""
played=()

cleanup() {
  set +e
  if [ -n "$haproxy_pid" ]; then kill "$haproxy_pid" 2>/dev/null; wait "$haproxy_pid" 2>/dev/null; fi
  local f
  for f in "${played[@]}"; do podman kube down "$f" >/dev/null 2>&1; done
  podman secret rm "serendip-secrets-$run_id" >/dev/null 2>&1
  [ -f "$tmp/pg/pid" ] && "$root/scripts/pg.sh" stop "$tmp/pg" >/dev/null 2>&1
  compgen -G "$tmp/redis/redis-*.pid" >/dev/null && "$root/scripts/redis.sh" stop "$tmp/redis" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

rand() { head -c 48 /dev/urandom | base64 | tr -d '=+/\n' | cut -c1-"$1"; }

# ---------------------------------------------------------------- PostgreSQL, Redis

say "starting PostgreSQL and a Redis Cluster on loopback"
mkdir -p "$tmp/redis"
PG_PORT=$pg_port PG_DB=serendip scripts/pg.sh start "$tmp/pg" >"$tmp/pg-url" 2>"$tmp/pg.log" \
  || { cat "$tmp/pg.log" >&2; exit 1; }
scripts/redis.sh start --cluster "$tmp/redis" "$redis_base" >"$tmp/redis-url" 2>"$tmp/redis.log" \
  || { cat "$tmp/redis.log" >&2; exit 1; }
redis_url="redis+cluster://127.0.0.1:$redis_base"
for p in $(seq $((redis_base + 1)) $((redis_base + 5))); do redis_url+=",127.0.0.1:$p"; done

# ---------------------------------------------------------------- secrets

# The Secret of docs/deploy.md, as a podman secret (kube play reads
# secretKeyRef and secret volumes from one: a JSON object of base64 values).
turn_secret=$(rand 40)
admin="ct-admin:$(rand 24)"
python3 - "$tmp/secrets.json" "$tmp/tls.json" <<EOF
import base64, json, sys
b = lambda v: base64.b64encode(v.encode()).decode()
json.dump({k: b(v) for k, v in {
    "jwt-secret": "$(rand 48)",
    "turn-secret": "$turn_secret",
    "audit-key": "$(rand 48)",
    "database-url": "$(cat "$tmp/pg-url")",
    "redis-url": "$redis_url",
    "admin-bootstrap": "$admin",
}.items()}, open(sys.argv[1], "w"))
EOF
podman secret create "serendip-secrets-$run_id" "$tmp/secrets.json" >/dev/null
rm -f "$tmp/secrets.json"
# coturn's secret volumes: podman 4.3 writes them base64-encoded and ignores
# `items`, so the test mounts the same files from the host (hostPath) instead.
mkdir -p "$tmp/coturn-tls"
(umask 022; printf '%s\n' "$turn_secret" >"$tmp/turn_secret")

# ---------------------------------------------------------------- manifests

# Rewrites a manifest for podman on one machine (see the header); prints YAML.
cat >"$tmp/adapt.py" <<'EOF'
import re, sys
kind, src, run_id, name = sys.argv[1:5]
text = open(src).read()
docs = [d for d in re.split(r"^---\n", text, flags=re.M) if re.search(r"^kind: (Deployment|DaemonSet)$", d, re.M)]
assert len(docs) == 1, f"{src}: one workload expected"
d = docs[0]
d = re.sub(r"^kind: DaemonSet$", "kind: Deployment", d, flags=re.M)
d = re.sub(r"^  name: \S+$", f"  name: {name}", d, count=1, flags=re.M)
d = re.sub(r"^  replicas: \d+$", "  replicas: 1", d, flags=re.M)
if "  replicas:" not in d:
    d = d.replace("\nspec:\n", "\nspec:\n  replicas: 1\n", 1)
d = re.sub(r"^(\s+image: )(serendip(?:-coturn)?)$", r"\1localhost/\2:test", d, flags=re.M)
d = re.sub(r"^(\s+)automountServiceAccountToken: false$", r"\1hostNetwork: true\n\1automountServiceAccountToken: false", d, flags=re.M) if "hostNetwork:" not in d else d
d = re.sub(r"^          ports:\n(?:            .*\n|              .*\n)+", "", d, flags=re.M)
d = re.sub(r"^      nodeSelector:\n(?:        .*\n)+", "", d, flags=re.M)
if kind == "coturn":  # the secret volumes from the host (see above)
    tmp = sys.argv[5]
    d = re.sub(r"^(        - name: turn-secret\n)          secret:\n(?:            .*\n|              .*\n|                .*\n)+",
               rf"\1          hostPath:\n            path: {tmp}/turn_secret\n            type: File\n", d, flags=re.M)
    d = re.sub(r"^(        - name: tls\n)          secret:\n(?:            .*\n|              .*\n|                .*\n)+",
               rf"\1          hostPath:\n            path: {tmp}/coturn-tls\n            type: Directory\n", d, flags=re.M)
    d = re.sub(r"^(\s+)mountPath: /run/secrets/turn$", r"\1mountPath: /run/secrets/turn/turn_secret", d, flags=re.M)
    assert "secret:" not in d, "coturn.yaml: a secret volume the test does not replace"
else:
    d = re.sub(r"^(\s+name): serendip-secrets$", rf"\1: serendip-secrets-{run_id}", d, flags=re.M)
d = d.replace("name: serendip-config\n", f"name: {name}-config\n").replace("name: coturn-config\n", f"name: {name}-config\n")
sys.stdout.write(d)
EOF

# A ConfigMap named NAME-config from deploy/k8s/config.yaml's keys, with these overrides.
configmap() {  # name KEY=VALUE...
  local name=$1; shift
  python3 - "$root/deploy/k8s/config.yaml" "$name" "$@" <<'EOF'
import re, sys
src, name, *overrides = sys.argv[1:]
data = dict(re.findall(r'^  (SERENDIP_[A-Z_]+): "(.*)"$', open(src).read(), re.M))
for o in overrides:
    k, v = o.split("=", 1)
    data[k] = v
print(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:")
for k, v in data.items():
    print(f"  {k}: {v!r}".replace("'", '"'))
EOF
}

play() {  # file [args...]
  local f=$1; shift
  played+=("$f")
  podman kube play "$@" "$f" >"$f.out" 2>&1 || { grep -v systemd "$f.out" >&2; say "podman kube play $(basename "$f") failed"; exit 1; }
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true; }

wait_ready() {  # name url
  local n=300
  while ((n-- > 0)); do
    [ "$(http_code "$2")" = 200 ] && return 0
    sleep 0.1
  done
  say "$1 did not become ready: its log:"
  podman logs --tail 30 "$1-pod-0-serendip" >&2 || true
  exit 1
}

# ---------------------------------------------------------------- coturn

say "starting coturn from deploy/k8s/coturn.yaml"
{
  echo "apiVersion: v1"
  echo "kind: ConfigMap"
  echo "metadata:"
  echo "  name: coturn-$run_id-config"
  echo "data:"
  echo "  turnserver.prod.conf: |"
  # deploy/coturn/turnserver.test.conf's settings for loopback: the production
  # file relays only to public addresses and needs a certificate.
  for line in listening-ip=127.0.0.1 relay-ip=127.0.0.1 "listening-port=$turn_port" min-port=49160 max-port=49400 \
              fingerprint use-auth-secret realm=serendip.test no-tls no-dtls no-cli allow-loopback-peers; do
    echo "    $line"
  done
} >"$tmp/coturn-config.yaml"
python3 "$tmp/adapt.py" coturn deploy/k8s/coturn.yaml "$run_id" "coturn-$run_id" "$tmp" >"$tmp/coturn.yaml"
play "$tmp/coturn.yaml" --configmap "$tmp/coturn-config.yaml"
n=100
until ss -lnu | grep -q "127.0.0.1:$turn_port "; do
  ((n-- > 0)) || { podman logs --tail 30 "coturn-$run_id-pod-0-coturn" >&2; say "coturn did not listen"; exit 1; }
  sleep 0.1
done

# ---------------------------------------------------------------- the server pods

origins="http://127.0.0.1:$lb_port,http://localhost:$lb_port"
turn_urls="turn:127.0.0.1:$turn_port?transport=udp,turn:127.0.0.1:$turn_port?transport=tcp"
for i in 1 2 3; do
  name="serendip-$run_id-$i"
  say "starting $name from deploy/k8s/serendip.yaml"
  {
    # Host networking: each pod its own public and metrics port (the manifest's
    # 0.0.0.0:9090 is per pod IP in Kubernetes, one address here).
    configmap "$name" "SERENDIP_LISTEN=127.0.0.1:$((lb_port + i))" "SERENDIP_METRICS_LISTEN=127.0.0.1:$((metrics_base + i))" \
      "SERENDIP_ALLOWED_ORIGINS=$origins" \
      SERENDIP_TRUSTED_PROXIES=127.0.0.1 "SERENDIP_TURN_URLS=$turn_urls" SERENDIP_LOG_LEVEL=warn \
      SERENDIP_DRAIN_GRACE_MS=2000 "SERENDIP_RATE_LIMITS=session_per_ip=off,connect_per_ip=off"
    echo "---"
    python3 "$tmp/adapt.py" serendip deploy/k8s/serendip.yaml "$run_id" "$name"
  } >"$tmp/$name.yaml"
  play "$tmp/$name.yaml"
  # The first creates the schema and the first admin; the others find them.
  [ "$i" = 1 ] && wait_ready "$name" "http://127.0.0.1:$((lb_port + i))/readyz"
done
for i in 2 3; do wait_ready "serendip-$run_id-$i" "http://127.0.0.1:$((lb_port + i))/readyz"; done
# /metrics on the metrics port only, as in the cluster (not through the public port).
for i in 1 2 3; do
  scraped=$(curl -sf --max-time 5 "http://127.0.0.1:$((metrics_base + i))/metrics" || true)
  grep -q '^serendip_' <<<"$scraped" || { say "serendip-$run_id-$i: no /metrics on its metrics port $((metrics_base + i))"; exit 1; }
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$((lb_port + i))/metrics")
  [ "$code" = 404 ] || { say "serendip-$run_id-$i: /metrics on the public port answered $code, not 404"; exit 1; }
done

# What the manifests promised, as podman runs it.
for i in 1 2 3; do
  c="serendip-$run_id-$i-pod-0-serendip"
  shown=$(podman inspect "$c" --format '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}')
  [ "$shown" = "10001:10001 true" ] || { say "$c runs as '$shown', not 10001:10001 with a read-only root"; exit 1; }
done

# ---------------------------------------------------------------- HAProxy

LB_LISTEN="127.0.0.1:$lb_port" LB_STATS="127.0.0.1:$stats_port" \
  LB_SERVER_1="127.0.0.1:$((lb_port + 1))" LB_SERVER_2="127.0.0.1:$((lb_port + 2))" LB_SERVER_3="127.0.0.1:$((lb_port + 3))" \
  haproxy -f deploy/haproxy/haproxy.cfg -db >"$tmp/haproxy.log" 2>&1 &
haproxy_pid=$!
n=100
until [ "$(curl -s --max-time 2 "http://127.0.0.1:$stats_port/stats;csv" | grep -c '^serendip,serendip-[0-9]*,.*,UP,')" = 3 ]; do
  ((n-- > 0)) || { cat "$tmp/haproxy.log" >&2; say "HAProxy did not see three pods up"; exit 1; }
  sleep 0.1
done
say "three pods, coturn, PostgreSQL and Redis up behind http://127.0.0.1:$lb_port"

# ---------------------------------------------------------------- the browser tests

[ -d e2e/node_modules/playwright-core ] || (cd e2e && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
cd e2e
if [ "$#" -eq 0 ]; then set -- tests/video-call.test.mjs tests/privacy.test.mjs; fi
rc=0
SERENDIP_BASE_URL="http://127.0.0.1:$lb_port" SERENDIP_E2E_ADMIN="$admin" SERENDIP_E2E_TURN=1 \
  node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
  for i in 1 2 3; do
    echo "container-test: serendip-$i (last 20 lines):" >&2
    podman logs --tail 20 "serendip-$run_id-$i-pod-0-serendip" >&2 || true
  done
  echo "container-test: coturn (last 20 lines):" >&2
  podman logs --tail 20 "coturn-$run_id-pod-0-coturn" >&2 || true
fi
exit "$rc"
