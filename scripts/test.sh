#!/usr/bin/env bash
# Runs the test suites and prints one summary. Usage: scripts/test.sh [suite...]
# Suites: format (clang-format over the C++), unit (GoogleTest), pg (the store suite on a real PostgreSQL),
# redis (the Redis client on a real standalone Redis and a 6-node cluster),
# asan (unit tests and the redis suite under AddressSanitizer/UBSan),
# fuzz (each libFuzzer target replays its corpus, then fuzzes 15 s; make fuzz: 10 min each),
# integration (the real server binary over real sockets), web (Vitest),
# budget (the landing page's gzipped JavaScript in the built web/dist, <= 60 KB),
# e2e (Chromium against the real server), e2e-cluster (the same browser suite
# through HAProxy against three instances sharing a Redis Cluster and
# PostgreSQL, scripts/cluster.sh), containers (the images built from
# deploy/docker/ and run by `podman kube play` from deploy/k8s/ carry browser
# calls through HAProxy and coturn, scripts/container-test.sh). Default: all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
suites=("$@")
((${#suites[@]})) || suites=(format unit pg redis asan fuzz integration web budget e2e e2e-cluster containers)

total_pass=0
total_fail=0
failed_suites=()
summary=()

record() {  # suite pass fail rc
  local suite=$1 pass=$2 fail=$3 rc=$4
  if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi  # a crash or setup failure counts
  if [ "$pass" -eq 0 ] && [ "$fail" -eq 0 ]; then fail=1; echo "test.sh: suite $suite ran no test" >&2; fi
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  ((fail)) && failed_suites+=("$suite")
  summary+=("$(printf '%-12s %5d passed %5d failed' "$suite" "$pass" "$fail")")
}

run_gtest_dir() {  # suite dir
  local suite=$1 dir=$2 pass=0 fail=0 rc=0 out
  shopt -s nullglob
  local bins=("$dir"/unit-*-tests)
  for bin in "${bins[@]}"; do
    out=$("$bin" --gtest_brief=1 2>&1); local r=$?
    echo "$out" | tail -n 30
    local p f
    p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
    ((r)) && rc=$r
  done
  record "$suite" "$pass" "$fail" "$rc"
}

run_redistest() {  # suite build_dir: the *_redistest binaries on a standalone Redis and a cluster (scripts/redis.sh)
  local suite=$1 dir=$2 out r p f bin pass=0 fail=0 rc=0
  for bin in redis_redistest scripts_redistest; do
    cmake --build "$dir" -j 2 --target "$bin" >/dev/null || { fail=$((fail + 1)); rc=1; continue; }
    out=$(scripts/redis.sh run --both -- "$dir/tests/$bin" --gtest_brief=1 2>&1); r=$?
    echo "$out" | grep -v '^{"ts"' | tail -n 30
    p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
    ((r)) && rc=$r
  done
  record "$suite" "$pass" "$fail" "$rc"
}

run_node_suite() {  # suite command...
  local suite=$1; shift
  local log; log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p; s/^ℹ pass \([0-9]*\)$/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p; s/^ℹ fail \([0-9]*\)$/\1/p' "$log" | tail -1)
  rm -f "$log"
  record "$suite" "${p:-0}" "${f:-0}" "$rc"
}

for suite in "${suites[@]}"; do
  echo "=== $suite ==="
  case "$suite" in
    format)
      # clang-format over the C++ (seconds); clang-tidy is `make lint` (minutes when cold).
      out=$(LINT_TIDY=0 scripts/lint.sh server/src server/tests bench 2>&1); r=$?
      echo "$out" | grep -E '^(FAIL|lint)'
      p=$(echo "$out" | sed -n 's/^lint: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
      f=$(echo "$out" | sed -n 's/^lint: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
      record format "${p:-0}" "${f:-0}" "$r" ;;
    unit)
      cmake --build "$BUILD_DIR" -j 2 >/dev/null || { record unit 0 1 1; continue; }
      run_gtest_dir unit "$BUILD_DIR/tests" ;;
    pg)
      cmake --build "$BUILD_DIR" -j 2 --target store_pgtest >/dev/null || { record pg 0 1 1; continue; }
      out=$(scripts/pg.sh run -- "$BUILD_DIR/tests/store_pgtest" --gtest_brief=1 2>&1); r=$?
      echo "$out" | tail -n 30
      p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
      f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
      record pg "${p:-0}" "${f:-0}" "$r" ;;
    redis)
      run_redistest redis "$BUILD_DIR" ;;
    asan)
      asan_dir="${BUILD_DIR}-asan"
      [ -f "$asan_dir/CMakeCache.txt" ] || cmake -S . -B "$asan_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DSERENDIP_SANITIZE=ON -DSERENDIP_BENCH=OFF >/dev/null
      targets=$(cd server/tests/unit && for d in */; do ls "$d"*_test.cpp >/dev/null 2>&1 && echo "unit-${d%/}-tests"; done)
      # shellcheck disable=SC2086
      cmake --build "$asan_dir" -j 2 --target $targets >/dev/null || { record asan 0 1 1; continue; }
      ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 run_gtest_dir asan "$asan_dir/tests"
      ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 run_redistest asan-redis "$asan_dir" ;;
    integration)
      cmake --build "$BUILD_DIR" -j 2 --target serendip-server serendip-load serendip-alloc-counter >/dev/null \
        || { record integration 0 1 1; continue; }
      run_node_suite integration scripts/integration.sh ;;
    web)
      if [ -f web/package.json ]; then
        log=$(mktemp)
        (cd web && npx vitest run 2>&1) | tee "$log"; rc=${PIPESTATUS[0]}
        clean=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +Tests +' | tail -1)
        p=$(echo "$clean" | grep -o '[0-9]* passed' | grep -o '[0-9]*'); f=$(echo "$clean" | grep -o '[0-9]* failed' | grep -o '[0-9]*')
        rm -f "$log"
        record web "${p:-0}" "${f:-0}" "$rc"
      fi ;;
    budget)
      # Bytes, not timings (web/scripts/landing-budget.test.mjs); needs web/dist (make web).
      run_node_suite budget node --test --test-reporter=tap web/scripts/landing-budget.test.mjs ;;
    e2e)
      [ -x scripts/e2e.sh ] && run_node_suite e2e scripts/e2e.sh ;;
    e2e-cluster)
      [ -x scripts/e2e.sh ] && SERENDIP_E2E_CLUSTER=1 run_node_suite e2e-cluster scripts/e2e.sh ;;
    fuzz)
      run_node_suite fuzz scripts/fuzz.sh --seconds "${FUZZ_SMOKE_SECONDS:-15}" ;;
    containers)
      if [ -n "$(command -v podman || command -v apt-get || true)" ]; then
        BUILD_DIR=${BUILD_DIR:-build} run_node_suite containers scripts/container-test.sh
      else
        echo "test.sh: containers skipped: no podman, and no apt-get to install it" >&2
      fi ;;
    *) echo "unknown suite $suite" >&2; exit 2 ;;
  esac
done

echo
echo "=== summary ==="
printf '%s\n' "${summary[@]}"
echo "${total_pass} passed, ${total_fail} failed"
((${#failed_suites[@]} == 0)) || { echo "failed suites: ${failed_suites[*]}"; exit 1; }
