# recon: custody fund-flow reconciliation. `make demo` and `make test` are
# all a fresh clone needs; see README.md.

GO        ?= go
BIN       := bin/recon
CACHE     := $(CURDIR)/.cache
TOOLS     := $(CACHE)/bin
STATICCHECK_VERSION := v0.8.2
FUZZTIME  ?= 20s
FUZZMINIMIZE ?= 20x
BENCH_ROWS ?= 10000000
BENCH_RUNS ?= 3
BENCH_SCALE ?= 1000000,10000000,100000000
# bench-scale's runs a size: BENCH_RUNS when given, else 5. A 100M run
# lasts about 22 s on a shared host whose speed drifts by several percent
# over minutes; the median of five steadies the growth it judges.
ifneq ($(findstring $(origin BENCH_RUNS),command line environment),)
BENCH_SCALE_RUNS ?= $(BENCH_RUNS)
else
BENCH_SCALE_RUNS ?= 5
endif
BENCH_MEMORY_MIB ?= 4096
# BENCH_ARGS: more bench flags, e.g. -duckdb=false -recon-args="--memory-limit 4GiB"
BENCH_ARGS ?=

.PHONY: all build demo test test-short lint fmt vet staticcheck tidy-check minio bench bench-scale bench-go fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/recon

## demo: build and run the nightly job on a generated sample store in ./demo
demo: build
	./$(BIN) demo --dir demo

## test: every test with the race detector, MinIO included (built on first use)
test: minio
	RECON_MINIO_BIN=$$(scripts/minio.sh) $(GO) test -race -count=1 -timeout 30m ./...
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

## test-short: the tests without MinIO and the race detector, for quick edits
test-short:
	$(GO) test -short ./...

## lint: gofmt, go vet, staticcheck and go mod tidy must all be clean
lint: fmt vet staticcheck tidy-check

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(TOOLS)/staticcheck
	$(TOOLS)/staticcheck ./...

tidy-check:
	@cp go.mod $(CACHE)/go.mod.bak && cp go.sum $(CACHE)/go.sum.bak
	@$(GO) mod tidy
	@if ! cmp -s go.mod $(CACHE)/go.mod.bak || ! cmp -s go.sum $(CACHE)/go.sum.bak; then \
		cp $(CACHE)/go.mod.bak go.mod; cp $(CACHE)/go.sum.bak go.sum; \
		echo "go mod tidy changes go.mod/go.sum: run it and commit"; exit 1; fi

## minio: build (or reuse) the MinIO server the S3 tests start
minio:
	@mkdir -p $(CACHE)
	@scripts/minio.sh >/dev/null

## bench: the Go benchmarks of the hot paths, then recon against DuckDB on
## a generated store of BENCH_ROWS transactions a side (cached in
## .cache/bench); the last line reads ratio_time=R ratio_rss=M rows=N
bench: build bench-go
	cd bench && CGO_ENABLED=1 $(GO) run . -recon ../$(BIN) -rows $(BENCH_ROWS) -runs $(BENCH_RUNS) $(BENCH_ARGS)

## bench-scale: recon alone at each of BENCH_SCALE rows a side (8 platforms
## each, so platforms grow with the rows) under a --memory-limit of
## BENCH_MEMORY_MIB, BENCH_SCALE_RUNS times a size (5, or BENCH_RUNS when
## given); fails unless time grows no faster than linearly, within
## 20%, every peak RSS stays under the limit, every run of a size writes
## the same outputs (their hash printed) and the exceptions the generator
## seeded come out as often as it says. It prints (then the error, when a
## check fails):
## scale_growth=G limit=1.20 peak_rss_mib=M memory_limit_mib=L
bench-scale: build
	cd bench && CGO_ENABLED=1 $(GO) run . -recon ../$(BIN) -scale $(BENCH_SCALE) -memory-limit-mib $(BENCH_MEMORY_MIB) -runs $(BENCH_SCALE_RUNS) $(BENCH_ARGS)

## bench-go: the Go benchmarks of the hot paths
bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

## fuzz: run every fuzz target (formats, config, statement, ...) for
## FUZZTIME each; a crasher is written under the package's
## testdata/fuzz/<FuzzName>/ and fails the target. New inputs that widen
## coverage are minimized for at most FUZZMINIMIZE executions, so that
## fuzzing is not spent minimizing (the default, 60 s per input, stalls
## targets whose inputs are files of kilobytes).
## Go 1.26 may fail a target with a bare "context deadline exceeded" as
## FUZZTIME ends (golang/go#75804): scripts/fuzz.sh lets that one pass when
## no failing input was written and the corpus replays cleanly.
fuzz:
	@GO=$(GO) scripts/fuzz.sh $(FUZZTIME) $(FUZZMINIMIZE)

clean:
	rm -rf bin demo
