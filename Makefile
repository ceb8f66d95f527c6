# The two commands a newcomer needs: `make run` and `make test`.
SWIFT ?= swift
CONFIG ?= $(if $(wildcard config.yaml),config.yaml,config.yaml.example)

.PHONY: deps build run test e2e clean

deps:
	@scripts/install-deps

# An optimised binary at .build/release/claude-code-proxy.
build: deps
	$(SWIFT) build -c release --product claude-code-proxy

# Builds, then serves on config.yaml (or config.yaml.example when there is none).
run: build
	.build/release/claude-code-proxy serve --config $(CONFIG)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The real-client suite: the anthropic SDK and the Claude Code CLI against the built binary.
e2e: deps
	scripts/e2e

clean:
	rm -rf .build .build-*
