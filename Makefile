# Everyday commands. The test command is ./scripts/test (README.md); CI
# runs it through .ci/run.

.PHONY: build test screenshots

# The toolchain go.mod names (see README.md, Install).
export GOTOOLCHAIN ?= go1.26.10

build:
	go build -o roster ./cmd/roster

test:
	./scripts/test

# screenshots writes full-page PNGs of the console's main pages to
# docs/screenshots, taken by the browser tests as they walk the seed flow
# and a product's connected applications (needs Chromium: apt-get install
# chromium).
screenshots:
	ROSTER_REQUIRE_BROWSER=1 ROSTER_SCREENSHOTS=$(CURDIR)/docs/screenshots go test -run 'TestConsoleEndToEnd|TestConsoleConnectorsInBrowser' -count=1 ./cmd/roster
