# flexvpnd — build, run and test.
GO          ?= go
BIN         := bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
EXAMPLE     ?= examples/hub.cfg
FUZZTIME    ?= 30s
# VERSION is printed by `flexvpnd --version` and `show version`.
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS     := -X main.version=$(VERSION)
PREFIX      ?= /usr/local
DESTDIR     ?=

.PHONY: all build run test check bench bench-table fuzz clean demo install soak load-tester

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/flexvpnd ./cmd/flexvpnd

# run: start the appliance console with an example startup-config (a copy in
# bin/, so `write memory` never changes the example).
run: build
	cp $(EXAMPLE) $(BIN)/startup-config
	$(BIN)/flexvpnd --startup-config $(BIN)/startup-config

# test: every test this machine allows, after the static checks.
test: check
	$(GO) test -count=1 ./...

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

check: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

# bench: every package's micro-benchmarks, then the side-by-side ones
# (bench-table). bench-table (as root, with strongSwan): flexvpnd against
# charon in network namespaces, BENCH_COUNT runs each, printed as a table
# of medians (docs/BENCHMARKS.md); BENCH_ARGS sizes them, e.g.
# BENCH_ARGS='-bench.held-sas 10000'.
SIDE_BENCH  := ^Benchmark(SetupRate|SetupRateLoadTester|SessionsHeld|ReconnectStorm|Iperf)$$
BENCH_COUNT ?= 3
BENCH_ARGS  ?=
# soak: the long fault tests (issue 7). Rekeys under traffic for 3 minutes
# (CHILD SA lifetime 10 s, IKE SA 30 s, probes every 10 ms both ways) on
# the userspace data plane in namespaces and on the kernel one in the VM.
# Then the fault tests at their long sizes, one package at a time: the
# half-open flood and the garbage for 60 s each, loss and reordering for 3
# minutes, and 1,000 sessions with churn for SOAKTIME (goroutines,
# descriptors and memory flat).
SOAKTIME ?= 30m
soak:
	FLEXVPND_SOAK=1 $(GO) test -count=1 -timeout 20m -v -run '^TestRekeyTraffic(Userspace|InVM)$$' ./engine/dataplane/xfrm/
	FLEXVPND_SOAK=1 FLEXVPND_SOAK_DURATION=$(SOAKTIME) $(GO) test -count=1 -p 1 -v -timeout 90m -run '^TestFault' ./engine ./cmd/flexvpnd

bench:
	$(GO) test -run '^$$' -bench . -skip '$(SIDE_BENCH)' -benchmem -count 5 ./...
	$(MAKE) bench-table

bench-table: load-tester
	@mkdir -p $(BIN)
	$(GO) test -run '^$$' -bench '$(SIDE_BENCH)' -benchtime 1x -count $(BENCH_COUNT) -timeout 90m \
	  ./cmd/flexvpnd -args $(BENCH_ARGS) | tee $(BIN)/bench-side.txt
	$(GO) run ./cmd/flexvpn-benchtable < $(BIN)/bench-side.txt

# load-tester: strongSwan's load-tester plugin, the second initiator of
# BenchmarkSetupRateLoadTester; Debian does not ship it, so it is built
# from the Debian source of the installed strongSwan (root, a few minutes,
# once).
load-tester:
	sh .ci/load-tester.sh

# fuzz: every fuzz target of the module for FUZZTIME each; a failing input
# is saved under the package's testdata/fuzz/ and re-run by every go test.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# demo (as root): a hub and two branches in network namespaces, configured
# by examples/demo/*.cfg; tunnels, show commands and pings, then cleanup.
demo: build
	$(GO) build -o $(BIN)/flexvpnd-demo ./cmd/flexvpnd-demo
	$(BIN)/flexvpnd-demo --flexvpnd $(BIN)/flexvpnd --configs examples/demo

# install: the binary, the systemd unit (ExecStart under PREFIX) and the
# example configs; the service keeps its startup-config and SSH host key in
# /var/lib/flexvpnd (systemd's StateDirectory).
install: build
	install -D -m 0755 $(BIN)/flexvpnd $(DESTDIR)$(PREFIX)/sbin/flexvpnd
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/share/flexvpnd/examples/demo
	sed 's|/usr/local/sbin/flexvpnd|$(PREFIX)/sbin/flexvpnd|' examples/flexvpnd.service \
	  > $(DESTDIR)$(PREFIX)/lib/systemd/system/flexvpnd.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/flexvpnd.service
	install -m 0644 examples/*.cfg $(DESTDIR)$(PREFIX)/share/flexvpnd/examples/
	install -m 0644 examples/demo/*.cfg $(DESTDIR)$(PREFIX)/share/flexvpnd/examples/demo/

clean:
	rm -rf $(BIN)
