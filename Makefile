# The two Quick start commands: `make demo` and `make test`. Each sets up what is missing first.
.PHONY: setup demo test bench

setup:
	@bash scripts/setup.sh

demo: setup
	@npm run --silent demo

test: setup
	@npm test

bench: setup
	@npm run bench
