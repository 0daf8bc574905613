package reconcile

import (
	"context"

	"golang.org/x/sync/errgroup"
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
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fn(i)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// partitionBits chooses how many hash bits split n rows so that a
// partition holds some tens of thousands of rows (its sort and join stay
// in cache) while small platforms are not cut into slivers.
func partitionBits(n int) uint {
	bits := uint(0)
	for bits < 10 && n>>bits > 1<<15 {
		bits++
	}
	return bits
}
