# gradual: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash

.PHONY: build idl test demo lint fmt soak

## build: the program .so (target/deploy/gradual.so) and its IDL (target/idl/gradual.json)
build:
	scripts/build.sh

## idl: regenerate the IDL and copy it to idl/gradual.json (commit the result)
idl: build
	cp target/idl/gradual.json idl/gradual.json

## demo: a whole task lifecycle with 5 nodes (one cheats) over 3 rounds, in-process on the real .so
demo: build
	source scripts/env.sh && cargo run --quiet -p gradual-cli -- demo --nodes 5 --rounds 3

## test: build, then every test (program unit/property tests + integration tests on the .so)
test: build
	scripts/test.sh

## lint: rustfmt and clippy, as CI runs them
lint:
	source scripts/env.sh && cargo fmt --all --check && cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

## soak: real-time soak on solana-test-validator (SOAK_NODES=16 SOAK_ROUNDS=5 by default)
soak: build
	scripts/soak.sh
