# wpm — front door. `make run` and `make test` each set up, build and run from a fresh Debian 12.
# `make build` / `make run` install only the build dependencies (scripts/setup.sh build);
# `make test` / `make bench` also install the test and benchmark tools (scripts/setup.sh test).
JOBS ?= 2
PYTHON := /usr/bin/python3
RELEASE := build/release
ASAN := build/asan

.PHONY: all setup setup-build setup-test build build-asan test layering unit integration fuzz \
	run bench clean

all: build

setup: setup-test

setup-build:
	@bash scripts/setup.sh build

setup-test:
	@bash scripts/setup.sh test

# Release build: the binary lands at build/release/wpm. No tests: GoogleTest is a test tool.
build: setup-build
	@cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release -DWPM_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(RELEASE) --target wpm -j$(JOBS)

# Sanitizer build (ASan + UBSan) used by the whole test suite.
build-asan: setup-test
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
	  -DWPM_SANITIZE=ON -DWPM_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(ASAN) -j$(JOBS)

unit: build-asan
	@cd $(ASAN) && ctest --output-on-failure -j$(JOBS) --timeout 300

integration: build-asan
	@WPM_BIN=$(CURDIR)/$(ASAN)/wpm $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# libFuzzer on the HTTP request parser (clang): chunked vs whole input must agree.
FUZZ_RUNS ?= 200000
fuzz: setup-test
	@mkdir -p build/fuzz
	@clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I. \
	  workers/request_parser.cc tests/fuzz/request_parser_fuzz.cc -o build/fuzz/request_parser_fuzz
	@rm -rf build/fuzz/corpus && cp -r tests/fuzz/corpus build/fuzz/corpus
	@build/fuzz/request_parser_fuzz -runs=$(FUZZ_RUNS) build/fuzz/corpus 2>&1 | tail -1

# The folder DAG (core <- workers, loadgen, supervisor, reports <- bench <- cli) on #include
# lines and CMake link edges.
layering:
	@bash scripts/check_layering.sh

test: layering unit integration fuzz

run: build
	@$(RELEASE)/wpm bench

# Micro-benchmarks and side-by-side macro benchmarks; figures go to docs/PERFORMANCE.md.
bench: setup-test
	@cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release -DWPM_BUILD_TESTS=ON >/dev/null
	@cmake --build $(RELEASE) -j$(JOBS)
	@bash scripts/bench.sh $(RELEASE)

clean:
	rm -rf build wpm-report
