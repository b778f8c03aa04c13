# Serendip: `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
BUILD_DIR ?= build
JOBS ?= 2
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")

.PHONY: all build server web run test test-unit test-integration test-web test-e2e bench clean deps deps-test

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

run: build
	./$(BUILD_DIR)/serendip-server

test: deps-test server web
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@scripts/test.sh

test-unit: deps-test $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target serendip-unit-tests
	@scripts/test.sh unit

test-integration: deps-test server
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target serendip-load serendip-alloc-counter
	@scripts/test.sh integration

test-web: deps-test
	@scripts/test.sh web

test-e2e: deps-test server web
	@scripts/test.sh e2e

bench: deps-test $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target serendip-bench serendip-server serendip-load serendip-floor-relay serendip-alloc-counter
	@scripts/bench.sh

clean:
	rm -rf $(BUILD_DIR) web/dist
