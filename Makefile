# Xã Số — build, run and test on a fresh Debian/Ubuntu machine.
#   make run    install what is missing, build, start the app (headless: `xaso serve` with the web UI)
#   make test   install what is missing, run every test
#   make build  leave the binary at build/bin/xaso
#   make bench  print the performance figures
SHELL := /bin/bash
.DEFAULT_GOAL := build

VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BIN      := build/bin/xaso
DATA     ?= $(HOME)/.local/share/xaso
LISTEN   ?= 127.0.0.1:8420
COMMUNE  ?= 14701
AGENCY   ?= 000.00.31.H42
# A count, not a duration: Go 1.26's fuzz coordinator can fail a target with
# "context deadline exceeded" when a duration ends under load (golang/go#75804).
FUZZTIME ?= 100000x
DESKTOP_BIN ?= build/bin/xaso-desktop
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
export GOTOOLCHAIN ?= auto
# go.mod and go.sum are tidy and a build never rewrites them (a missing
# module is an error, not a silent edit): run `go mod tidy` after a change.
export GOFLAGS ?= -mod=readonly

APT_UPDATED := /tmp/.xaso-apt-updated
# apt waits up to 10 minutes for the dpkg lock: a fresh Ubuntu PC runs
# unattended upgrades at boot, and another install may be under way.
APT_GET := env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600
# apt installs Debian packages that are missing (as root, or through sudo).
define apt
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  [ -f $(APT_UPDATED) ] || { $$SUDO $(APT_GET) update -qq && touch $(APT_UPDATED); }; \
	  echo "installing:$$missing"; \
	  $$SUDO $(APT_GET) install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

# Recipes of the parts, each in its own file: the UI (frontend, desktop), the
# printed forms and reports (PDF tools), the LAN cluster (network namespaces).
include build/frontend.mk build/pdf.mk build/cluster.mk build/hubpg.mk
UI_BUILD    := frontend
EXTRA_TESTS += test-frontend test-ui
EXTRA_BENCH += bench-ui
TEST_DEPS   += deps-pdf deps-cluster deps-pg
EXTRA_TESTS += test-hub-pg
EXTRA_BENCH += bench-hub-pg
EXTRA_BENCH += bench-cluster

.PHONY: deps-go build run test test-go fuzz lint bench bench-core bench-uplink bench-registers soak clean

# Go comes from /usr/local/go or Debian; go.mod's toolchain line fetches the
# exact Go version through the module proxy when Debian's is older.
deps-go:
	$(if $(shell command -v go),,$(call apt,golang-go ca-certificates git))

build: deps-go $(UI_BUILD)
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .
	@echo "built $(BIN) ($(VERSION))"

run: build
	@mkdir -p $(DATA)
	@if [ ! -f $(DATA)/xaso.db ] && [ -z "$$XASO_ADMIN_PASSWORD" ]; then \
	  pw=$$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 14); \
	  umask 077; echo "$$pw" > $(DATA)/admin-password.txt; \
	  echo "Mật khẩu quản trị (admin) lần đầu / first admin password: $$pw  (lưu tại $(DATA)/admin-password.txt)"; \
	  export XASO_ADMIN_PASSWORD=$$pw; \
	fi; \
	if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ -n "$(UI_BUILD)" ]; then \
	  $(MAKE) --no-print-directory desktop && \
	  exec $(DESKTOP_BIN) --data $(DATA) --listen $(LISTEN) --commune $(COMMUNE) --agency $(AGENCY); \
	fi; \
	echo "Mở trình duyệt / open http://$(LISTEN)"; \
	exec $(BIN) serve --data $(DATA) --listen $(LISTEN) --commune $(COMMUNE) --agency $(AGENCY)

lint: deps-go
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...

test-go: deps-go
	go test -count=1 -timeout 12m ./...

# fuzz runs each fuzz target briefly; the seed corpora also run in test-go.
fuzz: deps-go
	@set -eo pipefail; for t in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' app store sync | sed 's/func //' | sort -u); do \
	  pkg=$$(dirname $$(grep -rlE "^func $$t\(" --include='*_test.go' app store sync | head -1)); \
	  echo "fuzz $$t in ./$$pkg ($(FUZZTIME))"; \
	  if ! out=$$(go test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./$$pkg 2>&1); then \
	    echo "$$out" | grep -v '^fuzz: elapsed' ; \
	    f=$$(echo "$$out" | sed -n 's/.*Failing input written to //p'); \
	    if [ -n "$$f" ] && [ -f "$$pkg/$$f" ]; then echo "--- $$pkg/$$f:"; cat "$$pkg/$$f"; fi; \
	    exit 1; \
	  fi; \
	  echo "$$out" | tail -1; \
	done

test: deps-go $(TEST_DEPS) $(UI_BUILD) lint test-go fuzz $(EXTRA_TESTS)
	@echo "make test: all passed"

# bench-core: search and disk at 100k and 1M dossiers (the 1M load takes
# minutes), one desk's commit latency, 16 desks through the service, catch-up
# of 100,000 dossiers by folding and by a state snapshot, then the
# real binary over HTTP: latency, throughput, RSS, start-up, disk per dossier,
# and its peak memory under 100 failed sign-ins at once.
bench-core: deps-go
	go test -run '^$$' -bench 'Search|AppendOne' -benchtime 200x -timeout 40m ./store/ | grep -E '^(Benchmark|ok|FAIL)|loaded'
	go test -run '^$$' -bench 'Receive16' -benchtime 8000x ./app/ | grep -E '^(Benchmark|ok|FAIL)'
	go test -run '^$$' -bench 'CatchUp100k' -benchtime 1x -timeout 20m ./store/ | grep -E '^(Benchmark|ok|FAIL)|figure'
	XASO_BENCH=1 go test -run '^TestBench' -v -count=1 -timeout 30m . | grep -E '^(--- FAIL|ok|FAIL)|figure'
	$(call apt,wrk curl)
	$(MAKE) --no-print-directory build >/dev/null
	bash build/bench/wrk.sh $(BIN)
	bash build/bench/signin.sh $(BIN)

# bench-uplink: an office draining a 100,000-command backlog into a hub over
# HTTP (commands per second, bytes per command on the wire, drain time); 16
# offices pushing into one hub at once; GET /communes p99, disk and RSS with
# the 129 communes of Ninh Bình.
bench-uplink: deps-go
	XASO_BENCH_BACKLOG=100000 go test -run '^$$' -bench 'UplinkDrain' -benchtime 1x -timeout 20m ./sync/hub/ | grep -E '^(Benchmark|ok|FAIL)'
	XASO_BENCH_DOSSIERS=1000 go test -run '^$$' -bench 'SixteenCommunes|CommunesList' -benchtime 1x -timeout 20m ./sync/hub/ | grep -E '^(Benchmark|ok|FAIL)'

EXTRA_BENCH += bench-uplink

# bench-registers: civil-status entries through the real API (old books
# typed twice; births entered at resolution), then a commune's century of
# books (500,000 entries, loaded straight into the store: minutes) searched
# over HTTP (p50, p99), disk per entry and the normalised copy search reads.
bench-registers: deps-go
	XASO_BENCH=1 go test -run '^TestBenchRegisters' -v -count=1 -timeout 60m . | grep -E '^(--- FAIL|ok|FAIL)|figure'
EXTRA_BENCH += bench-registers
bench: bench-core $(EXTRA_BENCH)

# soak: a year of a province in SOAK_MINUTES (default 60): a hub and communes
# of 1-3 PCs as real processes in network namespaces, a desk workload and a
# seeded schedule of faults (SOAK_SEED, printed, replays it), then one PASS or
# FAIL line per invariant and the figures (build/soak/doc.go). A 2-minute run
# is part of test-go. Needs root, iproute2 and /dev/fuse.
soak: deps-go deps-cluster
	@set -o pipefail; m=$${SOAK_MINUTES:-60}; \
	SOAK_MINUTES=$$m go test -run '^TestSoak$$' -v -count=1 -timeout $$(awk "BEGIN{print int($$m*2+15)}")m ./build/soak/ \
	  | grep -E '^(soak|PASS|FAIL|NOT RUN|figure|--- |ok|panic)'

clean:
	rm -rf build/bin build/artifacts
