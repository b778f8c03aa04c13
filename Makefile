# Serendip: `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
BUILD_DIR ?= build
JOBS ?= 2
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")
# One GoogleTest binary per folder of server/tests/unit that has tests (see server/tests/CMakeLists.txt).
UNIT_TEST_TARGETS := $(foreach d,$(wildcard server/tests/unit/*/),$(if $(wildcard $(d)*_test.cpp),unit-$(notdir $(d:/=))-tests))
# make lint LINT_PATHS="server/src/core server/src/abuse" lints only those folders.
LINT_PATHS ?=

.PHONY: all build server web images fuzz run run-cluster test test-unit test-integration test-web test-e2e bench lint clean deps deps-test

all: build

deps:
	@scripts/bootstrap.sh build

deps-test:
	@scripts/bootstrap.sh test

$(BUILD_DIR)/CMakeCache.txt:
	@cmake -S . -B $(BUILD_DIR) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

server: $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target serendip-server

web:
	@if [ -f web/package.json ]; then cd web && npm run --silent build; fi

build: deps server web

# The container images (serendip, serendip-coturn) with podman or docker, compiled
# inside the image from this checkout; --check: non-root, no compiler, --version.
images:
	@scripts/images.sh --check

# libFuzzer under ASan/UBSan, every target for FUZZ_SECONDS (default 600) each
# (scripts/fuzz.sh; make test replays the corpora and fuzzes 15 s each).
fuzz:
	@scripts/fuzz.sh

run: build
	./$(BUILD_DIR)/serendip-server

# Three instances behind HAProxy on http://localhost:8080, with a Redis Cluster and
# PostgreSQL, all on loopback (scripts/cluster.sh); Ctrl-C stops everything.
run-cluster: build
	@BUILD_DIR=$(BUILD_DIR) scripts/cluster.sh run

test: deps-test server web
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@scripts/test.sh

test-unit: deps-test $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target $(UNIT_TEST_TARGETS)
	@BUILD_DIR=$(BUILD_DIR) scripts/test.sh unit

test-integration: deps-test server
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target serendip-load serendip-alloc-counter serendip-floor-relay
	@scripts/test.sh integration

test-web: deps-test
	@scripts/test.sh web

test-e2e: deps-test server web
	@scripts/test.sh e2e e2e-cluster

bench: deps-test web $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target serendip-bench serendip-server serendip-load serendip-floor-relay serendip-alloc-counter
	@scripts/bench.sh

# clang-format check and clang-tidy (scripts/lint.sh); clang-tidy results are cached in $(BUILD_DIR)/lint-cache.
lint: deps-test
	@BUILD_DIR=$(BUILD_DIR) LINT_JOBS=$(JOBS) scripts/lint.sh $(LINT_PATHS)

clean:
	rm -rf $(BUILD_DIR) web/dist
