package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

const date = "2026-11-26"

// comparable are the kinds both reconciliations report the same way.
var comparable = []string{"MISSING_AT_BANK", "MISSING_IN_LEDGER", "AMOUNT_MISMATCH", "STATUS_MISMATCH", "ACCOUNT_BALANCE_MISMATCH"}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "duckdb" {
		if err := duckdbMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench duckdb:", err)
			os.Exit(1)
		}
		return
	}
	if err := benchMain(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type measure struct {
	wall   time.Duration
	cpu    time.Duration // user and system time
	rssKiB int64
}

func benchMain() error {
	recon := flag.String("recon", "../bin/recon", "recon binary")
	rows := flag.Int("rows", 10_000_000, "transactions per side")
	platforms := flag.Int("platforms", 8, "platforms the rows are spread over")
	runs := flag.Int("runs", 3, "alternating runs of each engine")
	cache := flag.String("cache", "../.cache/bench", "where generated stores are kept between runs")
	threads := flag.Int("threads", 2, "DuckDB threads and recon workers")
	extra := flag.String("recon-args", "", "extra arguments for recon run, space-separated")
	withDuck := flag.Bool("duckdb", true, "run DuckDB too (false: recon alone, for sizes DuckDB is not compared at)")
	scale := flag.String("scale", "", "comma-separated sizes (rows a side, e.g. 1000000,10000000,100000000): run recon alone at each and check that time grows no faster than linearly, within 20%")
	memMiB := flag.Int64("memory-limit-mib", 0, "with -scale: recon's --memory-limit in MiB, which every run's peak RSS must stay under (0: none)")
	flag.Parse()
	ctx := context.Background()
	if *scale != "" {
		return scaleMain(ctx, scaleOptions{recon: *recon, sizes: *scale, platforms: *platforms, runs: *runs,
			cache: *cache, threads: *threads, extra: *extra, memoryMiB: *memMiB})
	}

	root, err := storeRoot(*cache, *rows, *platforms)
	if err != nil {
		return err
	}
	if err := ensureStore(ctx, *recon, root, *rows, *platforms); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	duckOut := filepath.Join(root, "..", fmt.Sprintf("duckdb-out-rows=%d", *rows))
	var rs, ds []measure
	var reconCounts, duckCounts map[string]int
	for i := range *runs {
		m, err := measureCmd(ctx, *recon, reconArgs(root, *threads, *extra)...)
		if err != nil {
			return fmt.Errorf("recon run: %w", err)
		}
		rs = append(rs, m)
		fmt.Printf("run %d recon  %7.2f s  %6d MiB  %7.2f cpu-s\n", i+1, m.wall.Seconds(), m.rssKiB/1024, m.cpu.Seconds())
		if !*withDuck {
			continue
		}
		m, err = measureCmd(ctx, self, "duckdb", "-root", root, "-out", duckOut, "-threads", fmt.Sprint(*threads))
		if err != nil {
			return fmt.Errorf("duckdb: %w", err)
		}
		ds = append(ds, m)
		fmt.Printf("run %d duckdb %7.2f s  %6d MiB  %7.2f cpu-s\n", i+1, m.wall.Seconds(), m.rssKiB/1024, m.cpu.Seconds())
	}
	if reconCounts, err = readReconCounts(root); err != nil {
		return err
	}
	if !*withDuck {
		mr := median(rs)
		fmt.Printf("\nrecon  median %.2f s, peak RSS %d MiB\n", mr.wall.Seconds(), maxRSS(rs)/1024)
		for _, k := range comparable {
			fmt.Printf("  %-26s recon %8d\n", k, reconCounts[k])
		}
		fmt.Printf("recon_time=%.3f recon_rss_mib=%d rows=%d\n", mr.wall.Seconds(), maxRSS(rs)/1024, *rows)
		return nil
	}
	if duckCounts, err = readDuckCounts(duckOut); err != nil {
		return err
	}
	mr, md := median(rs), median(ds)
	fmt.Printf("\nrecon  median %.2f s, peak RSS %d MiB\n", mr.wall.Seconds(), maxRSS(rs)/1024)
	fmt.Printf("duckdb median %.2f s, peak RSS %d MiB\n", md.wall.Seconds(), maxRSS(ds)/1024)
	same := true
	for _, k := range comparable {
		ok := "same"
		if reconCounts[k] != duckCounts[k] {
			ok, same = "DIFFERENT", false
		}
		fmt.Printf("  %-26s recon %8d  duckdb %8d  %s\n", k, reconCounts[k], duckCounts[k], ok)
	}
	fmt.Printf("ratio_time=%.3f ratio_rss=%.3f rows=%d\n", mr.wall.Seconds()/md.wall.Seconds(),
		float64(maxRSS(rs))/float64(maxRSS(ds)), *rows)
	if !same {
		return errors.New("recon and DuckDB found different numbers of breaks")
	}
	return nil
}

// storeRoot is where the store of rows a side over platforms is cached.
func storeRoot(cache string, rows, platforms int) (string, error) {
	return filepath.Abs(filepath.Join(cache, fmt.Sprintf("rows=%d,platforms=%d", rows, platforms)))
}

// reconArgs are the arguments of one measured recon run.
func reconArgs(root string, threads int, extra string) []string {
	args := []string{"run", "--root", root, "--date", date, "--workers", fmt.Sprint(threads), "--log-level", "warn"}
	return append(args, strings.Fields(extra)...)
}

// ensureStore generates the store unless a complete one is cached.
func ensureStore(ctx context.Context, recon, root string, rows, platforms int) error {
	marker := filepath.Join(root, ".complete")
	if _, err := os.Stat(marker); err == nil {
		fmt.Printf("store %s (cached)\n", root)
		return nil
	}
	if err := os.RemoveAll(root); err != nil {
		return err
	}
	per := max(rows/platforms, 1)
	investors := max(per/25, 10)
	fmt.Printf("generating %d transactions per side over %d platforms into %s\n", rows, platforms, root)
	start := time.Now()
	cmd := exec.CommandContext(ctx, recon, "gen", "--root", root, "--date", date, "--platforms", fmt.Sprint(platforms),
		"--investors", fmt.Sprint(investors), "--transactions", fmt.Sprint(per), "--anomaly-every", "1000", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("recon gen: %w", err)
	}
	fmt.Printf("generated in %.1f s\n", time.Since(start).Seconds())
	return os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
}

// measureCmd runs a command and returns its wall time, processor time
// and peak RSS.
func measureCmd(ctx context.Context, name string, args ...string) (measure, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return measure{}, fmt.Errorf("%v: %s", err, stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return measure{}, errors.New("no rusage")
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return measure{wall: wall, cpu: cpu, rssKiB: ru.Maxrss}, nil
}

func median(ms []measure) measure {
	s := slices.Clone(ms)
	slices.SortFunc(s, func(a, b measure) int { return int(a.wall - b.wall) })
	return s[len(s)/2]
}

// medianCPU returns the median processor time of ms.
func medianCPU(ms []measure) time.Duration {
	s := make([]time.Duration, len(ms))
	for i, m := range ms {
		s[i] = m.cpu
	}
	slices.Sort(s)
	return s[len(s)/2]
}

func maxRSS(ms []measure) int64 {
	var m int64
	for _, x := range ms {
		m = max(m, x.rssKiB)
	}
	return m
}

func readReconCounts(root string) (map[string]int, error) {
	data, err := os.ReadFile(filepath.Join(root, "runs", "date="+date, "summary.json"))
	if err != nil {
		return nil, err
	}
	var s struct {
		Exceptions struct {
			ByKind map[string]int `json:"by_kind"`
		} `json:"exceptions"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return s.Exceptions.ByKind, nil
}
