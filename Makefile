# Scale: convenience wrapper around CMake. Every target installs what it needs first
# (scripts/setup.sh, a no-op when all is present; SKIP_SETUP=1 skips it).
#
#   make            build (Release) into build/
#   make run        build, create and build the hello function, serve it on 127.0.0.1:8080
#   make test       build with -Werror and run the whole test suite
#   make sanitize   ASan + UBSan build in build-asan/, whole test suite
#   make bench      build and run the benchmarks (bench/README.md)
#   make bench-http `scale run` under wrk: Wasm on both tiers vs a native handler vs nginx
#   make fuzz-short 30 s of each fuzz target (fuzz/README.md)
#   make format / format-check / clean

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE      ?= cmake
BENCH_ARGS ?=
BENCH_HTTP_ARGS ?=
FUZZ_SECONDS ?= 30

# Ninja when it is there, but only for a fresh build directory: CMake refuses to switch the
# generator of an existing one.
generator = $(if $(wildcard $(1)/CMakeCache.txt),,$(if $(shell command -v ninja 2>/dev/null),-G Ninja))

.PHONY: all build setup run test sanitize tsan bench bench-http fuzz-short format format-check clean

all: build

setup:
ifneq ($(SKIP_SETUP),1)
	@bash scripts/setup.sh
endif

build: setup
	$(CMAKE) -S . -B $(BUILD) $(call generator,$(BUILD)) -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build $(BUILD) -j $(JOBS)

# The three commands of Scale's launch: scale new, scale build, scale run. The project lives in
# $(BUILD)/hello (created once, rebuilt every time); the function goes to the local store
# ($$SCALE_HOME, default ~/.config/scale). LISTEN=ADDR:PORT and RUN_ARGS=... change how it serves.
LISTEN   ?= 127.0.0.1:8080
RUN_ARGS ?=
run: build
	@test -f $(BUILD)/hello/scalefile || $(BUILD)/scale new hello -d $(BUILD)/hello
	$(BUILD)/scale build $(BUILD)/hello
	$(BUILD)/scale run hello:latest --listen $(LISTEN) $(RUN_ARGS)

test: setup
	$(CMAKE) -S . -B $(BUILD) $(call generator,$(BUILD)) -DCMAKE_BUILD_TYPE=Release -DSCALE_WERROR=ON
	$(CMAKE) --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# RelWithDebInfo: sanitizer reports with line numbers, and the spec suite still runs quickly.
# No -Werror here: gcc warns spuriously under -fsanitize (-Wmaybe-uninitialized and friends),
# and `make test` already holds the code to -Werror.
sanitize: setup
	$(CMAKE) -S . -B $(ASAN_BUILD) $(call generator,$(ASAN_BUILD)) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCALE_SANITIZE=ON
	$(CMAKE) --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && \
	  ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# ThreadSanitizer over the tests that run many threads (pools, runtime). The AOT tier test is
# left out: under TSan a guard-page fault never reaches Scale's handler, so an out-of-bounds
# access in native code ends the process instead of trapping.
tsan: setup
	$(CMAKE) -S . -B $(TSAN_BUILD) $(call generator,$(TSAN_BUILD)) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCALE_TSAN=ON
	$(CMAKE) --build $(TSAN_BUILD) -j $(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1 \
	  ctest --output-on-failure -R 'pool|runtime'

bench: build
	$(CMAKE) --build $(BUILD) -j $(JOBS) --target bench_all
	python3 bench/run.py --build-dir $(BUILD) $(BENCH_ARGS)
	python3 bench/aot.py --build-dir $(BUILD)
	$(BUILD)/bench/snapshot_bench
	@if [ -x $(BUILD)/bench/function_bench ] && [ -d $(BUILD)/tests/function/guests ]; then \
	  $(BUILD)/bench/function_bench $(BUILD)/tests/function/guests; \
	else echo "function_bench skipped: needs clang + wasi-libc for the test guests"; fi

bench-http: build
	python3 bench/http/run.py --scale $(BUILD)/scale $(BENCH_HTTP_ARGS)

fuzz-short: setup
	bash fuzz/run-short.sh $(FUZZ_SECONDS)

format:
	bash scripts/format.sh

format-check:
	bash scripts/format.sh --check

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
