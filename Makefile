# Starling: the two commands are `make demo` and `make test` (see README.md).
JOBS ?= 2
BUILD := build
FUZZ_SECONDS ?= 15
DEMO_PORT ?= 8080
# libmongoc (linked into every starling binary) makes a shared-memory file
# /dev/shm/mongoc-PID for its counters when it loads; a process killed with
# SIGKILL (the recovery tests kill many) leaves it, and a later process
# given the same PID then warns on stderr ("Falling back to malloc for
# counters"), which tests that read stderr trip on. The counters are
# diagnostics only: off for the tests.
export MONGOC_DISABLE_SHM := 1

.PHONY: all deps build release dev asan tsan tsan-all fuzz-build test check test-release test-web test-asan test-tsan fuzz demo web bench format tidy clean

all: release

deps:
	bash scripts/install-deps.sh

# The page (web/dist) comes first: the C++ build compiles it into `starling`.
release: deps web
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

dev: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

asan: deps web
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

tsan: deps web
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)

fuzz-build: asan

build: release

# The whole suite: optimised build, then ASan+UBSan build, then the threaded
# engine under ThreadSanitizer, then short fuzz runs. Run one after the other
# (also under `make -j`): each step builds a tree of its own.
# Each step prints the time it starts (CI stops at 90 minutes).
TEST_STEPS := check test-release test-web test-asan test-tsan fuzz
test:
	@start=$$(date +%s); for step in $(TEST_STEPS); do \
	  echo "make test: $$step (at $$(( $$(date +%s) - start )) s)"; \
	  $(MAKE) --no-print-directory $$step || exit 1; \
	done; echo "make test: all suites passed in $$(( $$(date +%s) - start )) s"

# The layer order of includes and the format of every C++ file.
check: deps
	bash scripts/check-layers.sh
	bash scripts/check-format.sh

test-release: release
	ctest --preset release -j $(JOBS)
	@$(BUILD)/release/tests/text/twitter_text_conformance_test --gtest_brief=1 | grep '^\[conformance\]' 

# The dashboard page in headless Chromium against a live `starling demo`.
test-web: release web
	bash tests/web/run_browser_test.sh $(BUILD)/release/starling $(BUILD)/test-artifacts/web

# The dashboard page: npm packages (once per lockfile), then the static build
# in web/dist that the C++ build compiles into `starling`.
web: deps web/dist/index.html

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

web/dist/index.html: web/node_modules/.package-lock.json web/build.mjs $(wildcard web/src/*)
	cd web && npm run --silent build

test-asan: asan
	ctest --preset asan -j $(JOBS)

# ThreadSanitizer over the code that runs threads: the engine (parallel
# workers, queues, checkpoints), the sources (TCP; a provider's health read
# by the dashboard while it runs), the ingest loop and the server stores
# (PostgreSQL writes a batch in the background while the next fills). Only
# those test binaries are built, to keep `make test` within CI's time.
TSAN_TESTS := runtime_test result_bus_test ingest_test record_source_test file_blocks_test http_server_test \
              x_source_test server_stores_test kafka_source_test kafka_sink_test kafka_pipeline_test
test-tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS) --target $(TSAN_TESTS)
	ctest --preset tsan -j $(JOBS) -R '^($(subst $(eval) ,|,$(TSAN_TESTS)))$$'

tsan-all: tsan
	ctest --preset tsan -j $(JOBS)

fuzz: fuzz-build
	bash scripts/run-fuzzers.sh $(BUILD)/asan $(FUZZ_SECONDS)

# Runs until Ctrl-C; open the dashboard URL it prints (DEMO_PORT=0: any free port).
demo: release web
	@mkdir -p out
	$(BUILD)/release/starling demo --port $(DEMO_PORT) --db out/demo.db

bench: release
	bash bench/compare.sh

format:
	find src tests bench fuzz -name '*.cc' -o -name '*.h' | xargs $$(command -v clang-format-14 || echo clang-format) -i

tidy: dev
	find src -name '*.cc' | xargs clang-tidy -p $(BUILD)/dev --quiet

clean:
	rm -rf $(BUILD) out
