package engine

import (
	"context"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/reconcile"
	"github.com/recon-dev/recon/store"
)

// platformDone is what is kept of a platform once it is reconciled: its
// exceptions and counts, not its columns.
type platformDone struct {
	id         string
	exceptions []formats.Exception
	stats      reconcile.Stats
	objects    []ingest.Object
	rejections []ingest.Rejection
	rows       map[string]int64
}

// reconcilePlatforms loads and reconciles every platform of the plan, at
// most workers platforms at a time, and returns the results in platform
// order.
func reconcilePlatforms(ctx context.Context, st store.Store, plan *ingest.Plan, iopt ingest.Options, ropt reconcile.Options, workers int, log *slog.Logger) ([]platformDone, error) {
	done := make([]platformDone, len(plan.Platforms))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(workers, 1))
	for i, id := range plan.Platforms {
		g.Go(func() error {
			start := time.Now()
			loaded, err := ingest.LoadPlatform(gctx, st, plan, id, iopt)
			if err != nil {
				return err
			}
			loadTime := time.Since(start)
			res, err := reconcile.Reconcile(gctx, loaded.Platform, loaded.Input, ropt)
			if err != nil {
				return err
			}
			done[i] = platformDone{id: id, exceptions: res.Exceptions, stats: res.Stats,
				objects: loaded.Objects, rejections: loaded.Rejections, rows: loaded.Rows}
			log.Info("platform reconciled", "platform", id, "bank_rows", res.Stats.Rows[reconcile.Bank],
				"ledger_rows", res.Stats.Rows[reconcile.Ledger], "exceptions", len(res.Exceptions),
				"load", loadTime.Round(time.Millisecond), "reconcile", (time.Since(start) - loadTime).Round(time.Millisecond))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return done, nil
}
