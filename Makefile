# Starling: the two commands are `make demo` and `make test` (see README.md).
JOBS ?= 2
BUILD := build
FUZZ_SECONDS ?= 20
DEMO_DURATION ?= 20s

.PHONY: all deps build release dev asan tsan tsan-all fuzz-build test test-release test-asan test-tsan fuzz demo bench format tidy clean

all: release

deps:
	bash scripts/install-deps.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

dev: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)

fuzz-build: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

build: release

# The whole suite: optimised build, then ASan+UBSan build, then the threaded
# engine under ThreadSanitizer, then short fuzz runs. Run one after the other
# (also under `make -j`): each step builds a tree of its own.
test:
	$(MAKE) --no-print-directory test-release
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-tsan
	$(MAKE) --no-print-directory fuzz
	@echo "make test: all suites passed"

test-release: release
	ctest --preset release -j $(JOBS)
	@$(BUILD)/release/tests/text/twitter_text_conformance_test --gtest_brief=1 | grep '^\[conformance\]' 

test-asan: asan
	ctest --preset asan -j $(JOBS)

# ThreadSanitizer over the code that runs threads: the engine (parallel
# workers, queues, checkpoints), the sources (TCP) and the ingest loop. Only
# those test binaries are built, to keep `make test` within CI's time.
TSAN_TESTS := runtime_test result_bus_test ingest_test record_source_test http_server_test
test-tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS) --target $(TSAN_TESTS)
	ctest --preset tsan -j $(JOBS) -R '^($(subst $(eval) ,|,$(TSAN_TESTS)))$$'

tsan-all: tsan
	ctest --preset tsan -j $(JOBS)

fuzz: fuzz-build
	bash scripts/run-fuzzers.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

demo: release
	@mkdir -p out
	$(BUILD)/release/starling demo --duration $(DEMO_DURATION) --db out/demo.db

bench: release
	bash bench/compare.sh

format:
	find src tests bench fuzz -name '*.cc' -o -name '*.h' | xargs clang-format -i

tidy: dev
	find src -name '*.cc' | xargs clang-tidy -p $(BUILD)/dev --quiet

clean:
	rm -rf $(BUILD) out
