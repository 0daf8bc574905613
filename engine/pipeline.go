package engine

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/recon-dev/recon/digest"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/reconcile"
	"github.com/recon-dev/recon/store"
)

// memoryPerInputByte estimates the memory a platform takes while it is
// reconciled, per byte of its zstd Parquet inputs: its columns decoded
// (about 5x) plus the matching's working arrays (measured on the
// benchmark store: ~60 MB of inputs, ~450 MB at the peak).
const memoryPerInputByte = 8

// wholePerInputByte is what a platform reconciled whole and alone takes
// at its peak, per byte of its inputs, with some room: 100M rows a side
// over 8 platforms peak at 3.6 GiB for 652 MB of inputs each, 5.9x. A
// platform reconciles whole while this fits the memory limit, else in
// parts spilled to disk, several times slower. (memoryPerInputByte, which
// shares the budget among platforms, is the more cautious.)
const wholePerInputByte = 6.5

// maxParts bounds the parts of a platform reconciled in parts.
const maxParts = 64

// platformDone is what is kept of a platform once it is reconciled: its
// exceptions and counts, not its columns.
type platformDone struct {
	id         string
	out        platformOut // its exceptions, written
	stats      reconcile.Stats
	objects    []ingest.Object
	rejections []ingest.Rejection
	rows       map[string]int64
}

// finishFunc completes a reconciled platform's exceptions with those of
// its rejected inputs and writes them (job.finishPlatform).
type finishFunc func(ctx context.Context, id string, es []formats.Exception, rejections []ingest.Rejection) (platformOut, error)

// reconcilePlatforms loads and reconciles every platform of the plan,
// with as many workers going through the platforms in turn, and returns
// the results in platform order. A worker keeps a reconciled platform's
// columns only to fill them with its next platform's, and counts them in
// the budget until then, so at most workers platforms' columns are in
// memory at once, within the budget.
func reconcilePlatforms(ctx context.Context, st store.Store, plan *ingest.Plan, iopt ingest.Options, ropt reconcile.Options, workers int, memoryBytes int64, log *slog.Logger,
	finish finishFunc) ([]platformDone, error) {
	done := make([]platformDone, len(plan.Platforms))
	// Inputs whose keys break the layout but name a platform count among
	// that platform's rejections.
	badKeys := map[string][]ingest.Rejection{}
	for _, rj := range plan.Rejections {
		badKeys[rj.PlatformID] = append(badKeys[rj.PlatformID], rj)
	}
	// Platforms in flight share the memory budget: a worker waits for room
	// for the platform's estimate before loading it (a platform larger
	// than the whole budget runs alone).
	var budget *semaphore.Weighted
	if memoryBytes > 0 {
		budget = semaphore.NewWeighted(memoryBytes)
	}
	// Platforms larger than the budget spill their parts to a temporary
	// directory, made when the first needs it.
	var spillDir tempDir
	defer spillDir.remove()
	next := make(chan int, len(plan.Platforms))
	for i := range plan.Platforms {
		next <- i
	}
	close(next)
	// A worker that runs out of platforms leaves its recycled platform
	// here, with the rest of its loader's memory, for a worker that has
	// none: when platforms are so large that one runs at a time, the
	// worker that waited loads its platform into the memory of the one
	// that went before, rather than fresh.
	spares := make(chan *ingest.Leftovers, max(workers, 1))
	g, gctx := errgroup.WithContext(ctx)
	// One hasher for all workers: it takes the objects' SHA-256 16 at a
	// time, ahead of the workers reading them.
	objs := digest.Start(gctx, st, plan.Keys(), 0)
	defer objs.Close()
	for range min(max(workers, 1), len(plan.Platforms)) {
		g.Go(func() error {
			loader := ingest.NewLoader(objs, plan, iopt)
			// held is the budget this worker holds: its platform's while it
			// is reconciled, then its recycled platform's, whose memory the
			// next platform reuses.
			var held int64
			defer func() {
				if lo := loader.Leave(); lo != nil {
					select {
					case spares <- lo:
					default:
					}
				}
				if budget != nil {
					budget.Release(held)
				}
			}()
			for i := range next {
				if err := gctx.Err(); err != nil {
					return err
				}
				id := plan.Platforms[i]
				estimate := plan.SizeBytes(id) * memoryPerInputByte
				weight := min(estimate, memoryBytes)
				// A platform larger than the budget is reconciled in parts,
				// each about a quarter of the budget (the rest: its names,
				// balances and registry, the fee rows that wait for their
				// base, the heap's slack), its transactions on local disk.
				// (A third, on the 100M store under 2 GiB, peaked at
				// 1886-2090 MiB over five runs; a quarter at 1843-1857.)
				parts := 0
				if memoryBytes > 0 && float64(plan.SizeBytes(id))*wholePerInputByte > float64(memoryBytes) {
					parts = int(min((4*estimate+memoryBytes-1)/memoryBytes, maxParts))
					if estimate/int64(parts) > memoryBytes {
						log.Warn("memory limit below what a part of the platform takes: the run may use more than the limit",
							"platform", id, "parts", parts, "estimate_bytes", estimate, "memory_limit_bytes", memoryBytes)
					}
				}
				if budget != nil {
					switch {
					case weight <= held:
						budget.Release(held - weight)
					case budget.TryAcquire(weight - held):
					default:
						// Waiting while holding would deadlock workers that
						// each hold part of the budget: let go of everything.
						loader.Drop()
						budget.Release(held)
						held = 0
						if err := budget.Acquire(gctx, weight); err != nil {
							return err
						}
					}
					held = weight
				}
				if !loader.HasSpare() {
					select {
					case lo := <-spares:
						loader.Take(lo)
					default:
					}
				}
				// A platform's two halves decode at once (ingest.Loader.Load)
				// unless the run has one worker: with one worker, one
				// processor.
				parallel := workers > 1
				start := time.Now()
				var loaded *ingest.Loaded
				var res *reconcile.Result
				var loadTime time.Duration
				var err error
				if parts > 0 {
					log.Info("platform larger than the memory limit: reconciled in parts, spilled to disk",
						"platform", id, "parts", parts, "estimate_bytes", estimate, "memory_limit_bytes", memoryBytes)
					loaded, res, loadTime, err = reconcileInParts(gctx, loader, id, parts, parallel, &spillDir, ropt)
				} else {
					loaded, err = loader.Load(gctx, id, parallel)
					if err == nil {
						loadTime = time.Since(start)
						res, err = reconcile.Reconcile(gctx, loaded.Platform, loaded.Input, ropt)
					}
				}
				if err != nil {
					return err
				}
				reconcileTime := time.Since(start) - loadTime
				// The exceptions are written while the worker goes on to load
				// its next platform into this one's columns: they hold copies
				// of the rows' text and views of names that recycling leaves
				// untouched (Dict.Reuse). At 100M, where platforms go one at
				// a time, that is ~0.1 s a platform on a core that would
				// otherwise wait.
				if parts == 0 {
					loader.Recycle(loaded.Platform)
				}
				g.Go(func() error {
					out, err := finish(gctx, id, res.Exceptions, append(slices.Clone(badKeys[id]), loaded.Rejections...))
					if err != nil {
						return err
					}
					done[i] = platformDone{id: id, out: out, stats: res.Stats,
						objects: loaded.Objects, rejections: loaded.Rejections, rows: loaded.Rows}
					log.Info("platform reconciled", "platform", id, "bank_rows", res.Stats.Rows[reconcile.Bank],
						"ledger_rows", res.Stats.Rows[reconcile.Ledger], "exceptions", len(res.Exceptions),
						"load", loadTime.Round(time.Millisecond), "reconcile", reconcileTime.Round(time.Millisecond))
					return nil
				})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return done, nil
}

// reconcileInParts loads platform id in parts spilled to dir (its halves
// at once with parallel), reconciles it part by part and removes the parts.
func reconcileInParts(ctx context.Context, loader *ingest.Loader, id string, parts int, parallel bool, dir *tempDir,
	ropt reconcile.Options) (*ingest.Loaded, *reconcile.Result, time.Duration, error) {
	start := time.Now()
	d, err := dir.get()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("engine: spill directory: %w", err)
	}
	pt, err := loader.LoadParts(ctx, id, parts, d, parallel)
	if err != nil {
		return nil, nil, 0, err
	}
	loadTime := time.Since(start)
	res, err := reconcile.ReconcileParts(ctx, pt.Platform, parts, pt.Part, pt, pt.Fees, pt.Input, ropt)
	if cerr := pt.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("engine: remove spill files: %w", cerr)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	return &pt.Loaded, res, loadTime, nil
}

// tempDir is a temporary directory made when first asked for, by any of
// the workers.
type tempDir struct {
	once sync.Once
	dir  string
	err  error
}

func (t *tempDir) get() (string, error) {
	t.once.Do(func() { t.dir, t.err = os.MkdirTemp("", "recon-spill-") })
	return t.dir, t.err
}

// remove removes the directory, if made, once no worker uses it.
func (t *tempDir) remove() {
	if t.dir != "" {
		os.RemoveAll(t.dir)
	}
}
