// Package engine runs the nightly job for one business date: it loads the
// date's inputs (ingest), quarantines bad files, reconciles every platform
// (reconcile), and writes the exceptions, summary, report and manifest, in
// that order, to the store. The manifest is the commit marker: it is
// removed first and written last, so a failed or killed run leaves no
// manifest and readers trust nothing of it.
//
//	out, err := engine.Run(ctx, engine.Options{Store: st, Date: "2026-11-26", Config: config.Default()})
package engine
