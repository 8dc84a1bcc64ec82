# flexvpnd — build, run and test.
GO          ?= go
BIN         := bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
EXAMPLE     ?= examples/hub.cfg
FUZZTIME    ?= 30s

.PHONY: all build run test check bench fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/flexvpnd ./cmd/flexvpnd

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

# fuzz: every fuzz target of the module for FUZZTIME each; a failing input
# is saved under the package's testdata/fuzz/ and re-run by every go test.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf $(BIN)
