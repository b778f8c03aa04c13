#!/usr/bin/env bash
# Prints the benchmark figures (micro-benchmarks of the matchmaker and codec).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
"$BUILD_DIR/serendip-bench" --benchmark_counters_tabular=true "$@"
