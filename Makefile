# The two Quick start commands: `make demo` and `make test`. Each sets up what is missing first.
# `make image-check` builds the Docker image and runs it against the fake platforms (as root; README
# "Docker and compose").
.PHONY: setup demo test bench image-check

setup:
	@bash scripts/setup.sh

demo: setup
	@npm run --silent demo

test: setup
	@npm test

bench: setup
	@npm run bench

image-check:
	@bash scripts/check-image.sh
