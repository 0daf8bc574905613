package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/fixtures"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/store"
)

func cmdVersion(stdout io.Writer) error {
	fmt.Fprintf(stdout, "recon %s (%s %s/%s)\n", engine.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// demoScenarios are the scenario platforms of `recon demo`.
var demoScenarios = []string{"ponzi", "diversion", "self-financing", "guarantee", "clean", "breaks"}

const demoDate = "2026-11-26"

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("demo", &c)
	dir := fs.String("dir", "demo", "directory of the sample store")
	workers := fs.Int("workers", 0, "parallel workers (0: the number of CPUs)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo: unexpected argument %q", fs.Arg(0))
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	st, err := store.NewLocal(*dir)
	if err != nil {
		return err
	}
	cfg := config.Default()
	opt := fixtures.DefaultOptions()
	opt.Date, opt.Platforms, opt.Scenarios, opt.Version = demoDate, 3, demoScenarios, engine.Version
	opt.Investors, opt.Transactions = 200, 5000
	if _, err := fixtures.Generate(ctx, st, opt); err != nil {
		return fmt.Errorf("demo: generate the sample store: %w", err)
	}
	log.Info("sample store generated", "dir", st.String(), "platforms", opt.Platforms+len(opt.Scenarios))
	out, err := engine.Run(ctx, engine.Options{Store: st, Date: demoDate, Config: cfg, Workers: *workers, Logger: log})
	if err != nil {
		return err
	}
	out.Summary.WriteText(stdout, st.String())
	fmt.Fprintf(stdout, "\nOpen the report: %s\n", filepath.Join(st.String(), filepath.FromSlash(out.Summary.Outputs.Report)))
	fmt.Fprintf(stdout, "Query the exceptions: duckdb -c \"SELECT kind, severity, count(*) FROM '%s' GROUP BY ALL\"\n",
		filepath.Join(st.String(), "runs", "date="+demoDate, "exceptions", "*", "*.parquet"))
	return nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("run", &c)
	root := fs.String("root", "", "store root: a directory, file://DIR or s3://BUCKET/PREFIX")
	date := fs.String("date", "", "business date YYYY-MM-DD")
	cfgPath := fs.String("config", "", "YAML configuration file (default: the built-in defaults)")
	workers := fs.Int("workers", 0, "parallel workers (0: the number of CPUs)")
	failOn := fs.String("fail-on", "", "exit 3 if exceptions of this severity or worse exist: critical, high, medium, low, info")
	printConfig := fs.Bool("print-config", false, "print the effective configuration and exit")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	memFlag := fs.String("memory-limit", "", "memory the run may use, e.g. 4GiB (default: half the machine's RAM)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return usagef("%v", err)
	}
	if *printConfig {
		_, err := stdout.Write(cfg.YAML())
		return err
	}
	if *root == "" || *date == "" {
		return usagef("run: --root and --date are required")
	}
	if _, err := engine.ParseDate(*date); err != nil {
		return usagef("run: %v", err)
	}
	failRank := -1
	if *failOn != "" {
		if failRank = config.SeverityRank(*failOn); failRank < 0 {
			return usagef("run: --fail-on %q: want one of %v", *failOn, config.SeverityNames())
		}
	}
	if *workers < 0 {
		return usagef("run: --workers must not be negative")
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	memLimit, err := memoryLimit(*memFlag)
	if err != nil {
		return err
	}
	st, err := store.OpenURL(ctx, *root, os.Getenv)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	out, err := engine.Run(ctx, engine.Options{Store: st, Date: *date, Config: cfg, Workers: *workers, Logger: log, MemoryBytes: memLimit})
	if err != nil {
		return err
	}
	if peak := peakRSS(); peak > memLimit {
		// Parts bound a platform's transactions, not the rest of it.
		log.Warn("the run held more memory than --memory-limit: a platform's names, balances and registry, "+
			"and a row group of each table being decoded, stay in memory however many its parts",
			"peak_rss_bytes", peak, "memory_limit_bytes", memLimit)
	}
	out.Summary.WriteText(stdout, st.String())
	if failRank >= 0 {
		var n int
		for sev, count := range out.Summary.Exceptions.BySeverity {
			if r := config.SeverityRank(sev); r >= 0 && r <= failRank {
				n += count
			}
		}
		if n > 0 {
			return fmt.Errorf("%w: %d exceptions of severity %s or worse", errFailOn, n, *failOn)
		}
	}
	return nil
}

func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("gen", &c)
	d := fixtures.DefaultOptions()
	root := fs.String("root", "", "store root: a directory, file://DIR or s3://BUCKET/PREFIX")
	date := fs.String("date", d.Date, "business date YYYY-MM-DD")
	platforms := fs.Int("platforms", d.Platforms, "clean platforms")
	investors := fs.Int("investors", d.Investors, "investors per clean platform")
	txns := fs.Int("transactions", d.Transactions, "custody transactions per clean platform")
	seed := fs.Uint64("seed", d.Seed, "random seed: the same seed gives the same files")
	scenarios := fs.String("scenario", "", "comma-separated scenario platforms: "+strings.Join(fixtures.ScenarioNames(), ", "))
	scale := fs.Int("scale", d.Scale, "amount scale of the written money columns")
	anomalyEvery := fs.Int("anomaly-every", 0, "break every Nth movement of the clean platforms (for benchmarks; 0: none)")
	genWorkers := fs.Int("workers", 0, "platforms generated at once (0: the number of CPUs)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *root == "" {
		return usagef("gen: --root is required")
	}
	if _, err := engine.ParseDate(*date); err != nil {
		return usagef("gen: %v", err)
	}
	if *platforms < 0 || *investors < 1 || *txns < 1 {
		return usagef("gen: --platforms must not be negative, --investors and --transactions must be at least 1")
	}
	opt := fixtures.Options{Date: *date, Platforms: *platforms, Investors: *investors, Transactions: *txns, Seed: *seed,
		Scale: *scale, Timezone: config.Default().BusinessTimezone, Version: engine.Version,
		AnomalyEvery: *anomalyEvery, Workers: *genWorkers}
	if *scenarios != "" {
		opt.Scenarios = strings.Split(*scenarios, ",")
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	st, err := store.OpenURL(ctx, *root, os.Getenv)
	if err != nil {
		return err
	}
	exp, err := fixtures.Generate(ctx, st, opt)
	if err != nil {
		return err
	}
	log.Info("store generated", "root", st.String(), "platforms", len(exp.Platforms), "expected_exceptions", len(exp.Exceptions))
	fmt.Fprintf(stdout, "generated %d platforms for %s under %s; expectation: %s\n", len(exp.Platforms), *date, st.String(), fixtures.ExpectedKey(*date))
	return nil
}

func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("validate", &c)
	table := fs.String("table", "", "table of the files when their path does not say: custody_transactions, ledger_transactions, custody_balances, ledger_balances, accounts, loans")
	cfgPath := fs.String("config", "", "YAML configuration file (amount_scale and limits)")
	strict := fs.Bool("strict", false, "exit 1 when the custody files given break a bank statement (opening plus the day's movements is not the closing)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("validate: name at least one file")
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return usagef("%v", err)
	}
	var forced *formats.Table
	if *table != "" {
		t, ok := tableNamed(*table)
		if !ok {
			return usagef("validate: unknown table %q", *table)
		}
		forced = &t
	}
	bad := 0
	stmts := ingest.NewStatements()
	for _, path := range fs.Args() {
		rows, t, err := validateFile(ctx, stmts, path, forced, cfg)
		if err != nil && !ingest.IsInputError(err) {
			return err
		}
		if err != nil {
			bad++
			fmt.Fprintf(stdout, "REJECTED %s\n  %s\n", path, strings.ReplaceAll(err.Error(), "\n", "\n  "))
			continue
		}
		fmt.Fprintf(stdout, "OK %s: %s, %d rows\n", path, t, rows)
	}
	breaks, err := stmts.Breaks(ctx, cfg.AmountScale)
	if err != nil {
		return err
	}
	for _, e := range breaks {
		fmt.Fprintf(stdout, "WARNING %s: %s\n", e.Kind, e.Detail)
	}
	switch {
	case bad > 0:
		return fmt.Errorf("%d of %d files would be rejected", bad, fs.NArg())
	case len(breaks) > 0 && *strict:
		return fmt.Errorf("%d statement breaks (--strict)", len(breaks))
	}
	return nil
}

func validateFile(ctx context.Context, stmts *ingest.Statements, path string, forced *formats.Table, cfg config.Config) (int64, formats.Table, error) {
	f, size, closer, err := openInput(ctx, path)
	if err != nil {
		return 0, 0, err
	}
	defer closer.Close()
	loc, ok := ingest.Locate(filepath.ToSlash(path))
	if ok && forced == nil {
		if err := ingest.CheckLayout(filepath.ToSlash(path)); err != nil {
			return 0, loc.Table, err
		}
	}
	switch {
	case forced != nil:
		loc.Table = *forced
	case !ok:
		t, err := guessTable(path, f, size)
		if err != nil {
			return 0, 0, err
		}
		loc.Table = t
	}
	rows, err := stmts.Validate(ctx, path, f, size, loc, readOptions(cfg))
	return rows, loc.Table, err
}

// openInput opens a file to validate: a local path, file://PATH, or
// s3://BUCKET/KEY (read with ranged requests, settings from the AWS_*
// variables, as the run reads its inputs). The caller closes the closer.
func openInput(ctx context.Context, path string) (io.ReaderAt, int64, io.Closer, error) {
	rest, ok := strings.CutPrefix(path, "s3://")
	if !ok {
		return openLocalFile(strings.TrimPrefix(path, "file://"))()
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if bucket == "" || key == "" {
		return nil, 0, nil, usagef("validate: %q names no object (want s3://BUCKET/KEY)", path)
	}
	st, err := store.OpenURL(ctx, "s3://"+bucket, os.Getenv)
	if err != nil {
		return nil, 0, nil, err
	}
	obj, err := st.Open(ctx, key)
	if err != nil {
		return nil, 0, nil, err
	}
	return obj, obj.SizeBytes(), obj, nil
}

// tableNamed returns the table a --table flag names.
func tableNamed(name string) (formats.Table, bool) {
	for _, t := range formats.Tables() {
		if t.String() == name {
			return t, true
		}
	}
	return 0, false
}

// guessTable tells a loose file's table by its columns; a file whose
// columns fit no table (or more than one) is an input error.
func guessTable(name string, r io.ReaderAt, size int64) (formats.Table, error) {
	names, err := formats.ColumnNames(name, r, size)
	if err != nil {
		return 0, err
	}
	t, err := ingest.GuessTable(names)
	if err != nil {
		return 0, &formats.Error{Key: name, RowGroup: -1, Err: errors.Join(formats.ErrMissingColumn, err)}
	}
	return t, nil
}

// readOptions are the settings validation reads files with.
func readOptions(cfg config.Config) formats.ReadOptions {
	return formats.ReadOptions{Scale: cfg.AmountScale, Limits: cfg.FormatLimits()}
}

// startCPUProfile profiles the process until the returned function is
// called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
