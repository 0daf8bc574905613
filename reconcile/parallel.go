package reconcile

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/recon-dev/recon/formats"
)

// parallelFor runs fn(i) for i in [0, n) on at most workers goroutines.
// Each i is independent; results go to per-i slots chosen by the caller,
// so the order in which they run never shows in the output.
func parallelFor(ctx context.Context, workers, n int, fn func(i int) error) error {
	if workers < 1 {
		workers = 1
	}
	if workers == 1 || n <= 1 {
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			return fn(i)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err() // the caller's context: the group's ends with Wait
}

// parallelRows runs fn over rows [0, n) in chunks of twice the partition
// size, on the run's workers: for passes whose rows are independent and
// whose results go to per-row slots.
func (r *run) parallelRows(ctx context.Context, n int, fn func(lo, hi int)) error {
	chunk := r.rowChunk()
	return parallelFor(ctx, r.opt.Workers, (n+chunk-1)/chunk, func(c int) error {
		fn(c*chunk, min(n, (c+1)*chunk))
		return nil
	})
}

// emitRows runs fn over rows [0, n) in parallelRows' chunks, each chunk
// with a run of its own (its exceptions and day cache), and appends the
// chunks' exceptions to r's in chunk order: the exceptions one fn over all
// the rows would emit, in the same order, for passes that report rows.
func (r *run) emitRows(ctx context.Context, n int, fn func(cr *run, lo, hi int)) error {
	chunk := r.rowChunk()
	outs := make([][]formats.Exception, (n+chunk-1)/chunk)
	err := r.parallelRows(ctx, n, func(lo, hi int) {
		cr := *r
		cr.out, cr.dayr = nil, newDayer(r.opt.Location)
		fn(&cr, lo, hi)
		outs[lo/chunk] = cr.out
	})
	for _, out := range outs {
		r.out = append(r.out, out...)
	}
	return err
}

// rowChunk is the rows of parallelRows' chunks: chunk c starts at row
// c*rowChunk().
func (r *run) rowChunk() int { return 2 * partitionTarget(r.opt) }

// defaultPartitionRows is the rows a partition aims at: some tens of
// thousands, so that its sort and join stay in cache, while small
// platforms are not cut into slivers.
const defaultPartitionRows = 1 << 15

// partitionTarget is the rows a partition aims at under opt.
func partitionTarget(opt Options) int {
	if opt.PartitionRows > 0 {
		return opt.PartitionRows
	}
	return defaultPartitionRows
}

// maxPartitionBits bounds the partitions of one pass at 1024.
const maxPartitionBits = 10

// partitionBits chooses how many hash bits split n rows into partitions of
// about partitionTarget(opt) rows.
func partitionBits(n int, opt Options) uint {
	target := partitionTarget(opt)
	bits := uint(0)
	for bits < maxPartitionBits && n>>bits > target {
		bits++
	}
	return bits
}
