// Package ingest finds a business date's input objects under the store
// layout of the contract, validates and decodes each one into per-platform
// tables, and records every object's size and SHA-256 for the manifest.
//
// A file that breaks a table rule is rejected whole (none of its rows are
// used) with the reason the formats package gives, naming object, row and
// column; the rest of the run goes on. A store that cannot be read is an
// error: the run fails rather than mistake an outage for bad input.
//
//	plan, err := ingest.Discover(ctx, st, ingest.Options{Date: "2026-11-26", Scale: 2, Limits: formats.DefaultLimits()})
//	objs := digest.Start(ctx, st, plan.Keys(), 0) // opens and hashes them ahead
//	defer objs.Close()
//	ld := ingest.NewLoader(objs, plan, opt)
//	for _, id := range plan.Platforms {
//		loaded, err := ld.Load(ctx, id, true) // one platform's columns, objects and rejections, its halves at once
//	}
package ingest
