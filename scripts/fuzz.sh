#!/usr/bin/env bash
# Fuzzing with libFuzzer under ASan/UBSan (make fuzz; a short run in make test).
#
#   scripts/fuzz.sh [--seconds N] [target...]
#
# Targets (server/fuzz/*_fuzz.cpp): decoder (WebSocket messages), jwt (bearer
# tokens), config (flags and SERENDIP_* values), altcha (CAPTCHA payloads),
# http (static file paths, query strings, bearer headers, JSON bodies), admin
# (the admin API's query parameter and JSON member readers, before SQL), ws
# (WebSocket frames through the frame reader, read in pieces).
# Default: all of them, 600 s each (FUZZ_SECONDS overrides the default).
#
# Builds build-fuzz/ with Debian's clang (-DSERENDIP_FUZZ=ON), then for each
# target: replays its committed corpus (server/fuzz/corpus/<target>/) plus seeds
# made from protocol/fixtures, then fuzzes for N seconds, growing a working
# corpus in build-fuzz/corpus/<target>/ (kept between runs). A crash, leak,
# sanitizer report or timeout fails the target; its input is saved in
# build-fuzz/artifacts/<target>/ and printed as a reproduction command. Add
# inputs that found bugs to server/fuzz/corpus/<target>/ so the replay keeps
# them fixed. Prints TAP: "ok N - ..." per target, then "# pass N" / "# fail N".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

seconds=${FUZZ_SECONDS:-600}
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(decoder jwt config altcha http admin ws)

BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: installing clang (Debian package)" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  generator=$(command -v ninja >/dev/null && echo Ninja || echo "Unix Makefiles")
  CXX=clang++ cmake -S . -B "$BUILD" -G "$generator" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSERENDIP_FUZZ=ON -DSERENDIP_TESTS=OFF -DSERENDIP_BENCH=OFF >/dev/null
fi
echo "fuzz.sh: building ${targets[*]} in $BUILD" >&2
cmake --build "$BUILD" -j "${JOBS:-2}" --target "${targets[@]/#/fuzz-}" >"$BUILD/build.log" 2>&1 \
  || { tail -30 "$BUILD/build.log" >&2; echo "Bail out! the fuzz targets did not build"; exit 1; }

# Seeds from the protocol fixtures: every client frame the golden tests use.
seeds=$BUILD/seeds
rm -rf "$seeds"; mkdir -p "$seeds/decoder"
node -e '
  const fs = require("fs"), path = require("path");
  const [dir, out] = process.argv.slice(1);
  let n = 0;
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith("client-") && f.endsWith(".json"))) {
    for (const c of JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")).cases ?? []) {
      if (c.frame === undefined) continue;
      const text = typeof c.frame === "string" ? c.frame : JSON.stringify(c.frame);
      fs.writeFileSync(path.join(out, `fixture-${++n}`), text);
    }
  }' protocol/fixtures "$seeds/decoder"

n=0 pass=0 fail=0
echo "TAP version 13"
for t in "${targets[@]}"; do
  n=$((n + 1))
  bin=$BUILD/fuzz/fuzz-$t
  corpus=$BUILD/corpus/$t artifacts=$BUILD/artifacts/$t
  mkdir -p "$corpus" "$artifacts" "$seeds/$t"
  committed=$ROOT/server/fuzz/corpus/$t
  [ -d "$committed" ] || mkdir -p "$committed"
  log=$BUILD/$t.log
  # Replay first (every committed input, no mutation), then fuzz.
  ok=1
  if ! "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 "$committed" "$seeds/$t" >"$log.replay" 2>&1; then
    ok=0
  elif ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
           -artifact_prefix="$artifacts/" -print_final_stats=1 \
           "$corpus" "$committed" "$seeds/$t" >"$log" 2>&1; then
    ok=0
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" 2>/dev/null | tail -1)
  if ((ok)); then
    pass=$((pass + 1))
    echo "ok $n - fuzz-$t: ${runs:-0} inputs in ${seconds} s, corpus $(find "$corpus" -type f | wc -l), no crash"
  else
    fail=$((fail + 1))
    echo "not ok $n - fuzz-$t"
    for f in "$log.replay" "$log"; do [ -f "$f" ] && grep -E "ERROR|SUMMARY|runtime error|Test unit written|crash|leak" "$f" | head -15 | sed 's/^/  # /'; done
    for a in "$artifacts"/*; do
      [ -f "$a" ] && echo "  # reproduce: $bin $a"
    done
  fi
done
echo "1..$n"
echo "# pass $pass"
echo "# fail $fail"
((fail == 0))
