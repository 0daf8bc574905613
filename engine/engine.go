package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/reconcile"
	"github.com/recon-dev/recon/report"
	"github.com/recon-dev/recon/store"
)

// Version is the engine version recorded in every output.
const Version = "0.1.0"

// ErrFailed wraps every error of a run that committed nothing.
var ErrFailed = errors.New("run failed, nothing committed")

// Options configure a run.
type Options struct {
	Store   store.Store
	Date    string // business date YYYY-MM-DD
	Config  config.Config
	Workers int          // 0: the number of CPUs
	Logger  *slog.Logger // nil: discard

	// MemoryBytes is the memory budget of the platforms in flight (0: no
	// budget): fewer are loaded at once when they are large. The process's
	// soft memory limit is the caller's to set (cmd/recon does).
	MemoryBytes int64

	// PartitionRows overrides the rows a matching partition aims at, for
	// tests that prove the output does not depend on it (0: default).
	PartitionRows int

	// Faults injects bugs, for tests of the conservation check.
	Faults *reconcile.Faults
}

// Outcome is what a committed run wrote.
type Outcome struct {
	Summary    *report.Summary
	Manifest   *report.Manifest
	Exceptions []formats.Exception
}

// RunPrefix returns the key prefix of a date's outputs.
func RunPrefix(date string) string { return "runs/date=" + date + "/" }

// ManifestKey returns the key of a date's manifest.
func ManifestKey(date string) string { return RunPrefix(date) + report.ManifestName }

// QuarantinePrefix returns the key prefix of a date's rejected inputs.
func QuarantinePrefix(date string) string { return "quarantine/date=" + date + "/" }

// ParseDate checks a business date and returns its day number.
func ParseDate(date string) (int32, error) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil || t.Format(time.DateOnly) != date {
		return 0, fmt.Errorf("business date %q is not YYYY-MM-DD", date)
	}
	return int32(t.Unix() / 86400), nil
}

// Run performs the nightly job. On error nothing is committed: the date's
// manifest does not exist, whatever else was written.
func Run(ctx context.Context, opt Options) (*Outcome, error) {
	out, err := run(ctx, opt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFailed, err)
	}
	return out, nil
}

func run(ctx context.Context, opt Options) (*Outcome, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	cfg := opt.Config
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	for kind := range cfg.Severities {
		if !slices.Contains(reconcile.Kinds(), kind) {
			return nil, fmt.Errorf("configuration: severities: unknown exception kind %q", kind)
		}
	}
	day, err := ParseDate(opt.Date)
	if err != nil {
		return nil, err
	}
	st := opt.Store
	started := time.Now()

	// Un-commit any earlier run of the date before touching its outputs.
	if err := st.Delete(ctx, ManifestKey(opt.Date)); err != nil {
		return nil, fmt.Errorf("remove the previous manifest: %w", err)
	}
	for _, p := range []string{RunPrefix(opt.Date), QuarantinePrefix(opt.Date)} {
		if err := deleteAll(ctx, st, p); err != nil {
			return nil, err
		}
	}

	tol, _ := cfg.BalanceToleranceMinor()
	iopt := ingest.Options{Date: opt.Date, Scale: cfg.AmountScale, Limits: cfg.FormatLimits(), Workers: opt.Workers, Logger: log}
	plan, err := ingest.Discover(ctx, st, iopt)
	if err != nil {
		return nil, err
	}
	log.Info("inputs found", "date", opt.Date, "platforms", len(plan.Platforms), "bad_keys", len(plan.Rejections))

	sev := reconcile.DefaultSeverities()
	for k, v := range cfg.Severities {
		sev[k] = v
	}
	rules, err := reconcile.NewFlowRules(cfg.Flows, cfg.MaxFeeRate)
	if err != nil {
		return nil, fmt.Errorf("configuration: flows: %w", err)
	}
	ropt := reconcile.Options{
		Workers: opt.Workers, RunDate: day, Scale: cfg.AmountScale, DateWindowDays: cfg.DateWindowDays,
		Location: cfg.Location(), BalanceTolerance: tol, Severities: sev, Flows: rules, Faults: opt.Faults,
		PartitionRows: opt.PartitionRows,
	}
	// Platforms go through load and reconcile one per worker at a time:
	// a platform's columns live only while it is being reconciled.
	done, err := reconcilePlatforms(ctx, st, plan, iopt, ropt, opt.Workers, opt.MemoryBytes, log)
	if err != nil {
		return nil, err
	}

	rows := map[string]int64{}
	objects := slices.Clone(plan.Objects)
	rejections := slices.Clone(plan.Rejections)
	sum := &report.Summary{RunDate: opt.Date, EngineVersion: Version, ConfigSHA256: cfg.Hash(), AmountScale: cfg.AmountScale, Rows: rows}
	byPlatform := map[string][]formats.Exception{}
	var platformIDs []string
	for _, d := range done {
		for t, n := range d.rows {
			rows[t] += n
		}
		objects = append(objects, d.objects...)
		rejections = append(rejections, d.rejections...)
		byPlatform[d.id] = d.exceptions
		platformIDs = append(platformIDs, d.id)
		sum.Platforms = append(sum.Platforms, report.Platform{
			PlatformID: d.id, Bank: d.stats.Counts(reconcile.Bank), Ledger: d.stats.Counts(reconcile.Ledger),
		})
	}
	for _, t := range formats.Tables() {
		rows[t.String()] += 0 // every table appears in the counts
	}
	slices.SortFunc(objects, func(a, b ingest.Object) int { return strings.Compare(a.Key, b.Key) })
	slices.SortFunc(rejections, func(a, b ingest.Rejection) int { return strings.Compare(a.Key, b.Key) })
	sum.Inputs = report.InputCounts{Objects: len(objects), Rejected: len(rejections)}
	quarantined, err := quarantine(ctx, st, opt.Date, rejections)
	if err != nil {
		return nil, err
	}
	for _, rj := range rejections {
		e := formats.Exception{
			Kind: reconcile.InputRejected, Severity: sev[reconcile.InputRejected], RunDate: day, FirstSeen: day,
			PlatformID: rj.PlatformID, BankID: rj.BankID, SourceKey: rj.Key,
			Detail: fmt.Sprintf("Input %s was quarantined and not reconciled: %s", rj.Key, oneLine(rj.Reason.Error())),
		}
		e.SetID()
		if _, ok := byPlatform[rj.PlatformID]; !ok {
			platformIDs = append(platformIDs, rj.PlatformID)
			sum.Platforms = append(sum.Platforms, report.Platform{PlatformID: rj.PlatformID})
		}
		byPlatform[rj.PlatformID] = append(byPlatform[rj.PlatformID], e)
		sum.Rejected = append(sum.Rejected, report.Rejected{Key: rj.Key, PlatformID: rj.PlatformID, Reason: rj.Reason.Error()})
	}
	sortPlatforms(sum, platformIDs)

	man := &report.Manifest{
		RunDate: opt.Date, EngineVersion: Version, ConfigSHA256: sum.ConfigSHA256,
		Rows: rows, Exceptions: map[string]int{},
	}
	for _, o := range objects {
		man.Inputs = append(man.Inputs, report.Input{Key: o.Key, SizeBytes: o.SizeBytes, SHA256: o.SHA256, Table: o.Table, Rows: o.Rows, Rejected: o.Rejected})
	}
	man.Outputs = append(man.Outputs, quarantined...)
	var all []formats.Exception
	for i := range sum.Platforms {
		p := &sum.Platforms[i]
		es := byPlatform[p.PlatformID]
		formats.SortExceptions(es)
		p.Verdict, p.Guarantees = report.Judge(es, cfg.Verdict, cfg.AmountScale)
		for _, e := range es {
			p.Exceptions.Add(e.Kind, e.Severity)
			sum.Exceptions.Add(e.Kind, e.Severity)
			man.Exceptions[e.Kind]++
		}
		keys, outs, err := writeExceptions(ctx, st, opt.Date, p.PlatformID, es, cfg)
		if err != nil {
			return nil, err
		}
		sum.Outputs.Exceptions = append(sum.Outputs.Exceptions, keys...)
		man.Outputs = append(man.Outputs, outs...)
		all = append(all, es...)
	}
	if sum.Exceptions.ByKind == nil {
		sum.Exceptions = report.Counts{ByKind: map[string]int{}, BySeverity: map[string]int{}}
	}
	sum.Outputs.Summary = RunPrefix(opt.Date) + "summary.json"
	sum.Outputs.Report = RunPrefix(opt.Date) + "report.html"
	sum.Outputs.Manifest = ManifestKey(opt.Date)

	o, err := put(ctx, st, sum.Outputs.Summary, sum.JSON())
	if err != nil {
		return nil, err
	}
	man.Outputs = append(man.Outputs, o)
	o, err = put(ctx, st, sum.Outputs.Report, report.HTML(sum, all, cfg.AmountScale))
	if err != nil {
		return nil, err
	}
	man.Outputs = append(man.Outputs, o)
	if _, err := put(ctx, st, sum.Outputs.Manifest, man.JSON()); err != nil {
		return nil, err
	}
	log.Info("run committed", "date", opt.Date, "exceptions", sum.Exceptions.Total, "elapsed", time.Since(started).Round(time.Millisecond))
	return &Outcome{Summary: sum, Manifest: man, Exceptions: all}, nil
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

func sortPlatforms(sum *report.Summary, ids []string) {
	// Platforms in id order; the one without a platform ("" for rejected
	// keys that name none) sorts first.
	byID := map[string]report.Platform{}
	for _, p := range sum.Platforms {
		byID[p.PlatformID] = p
	}
	slices.Sort(ids)
	sum.Platforms = sum.Platforms[:0]
	for _, id := range ids {
		sum.Platforms = append(sum.Platforms, byID[id])
	}
}

// writeExceptions writes one platform's exceptions as parts of at most
// ExceptionsPerPart rows; a platform without exceptions gets one empty
// part, so every reconciled platform has a file to open.
func writeExceptions(ctx context.Context, st store.Store, date, platform string, es []formats.Exception, cfg config.Config) ([]string, []report.Output, error) {
	var keys []string
	var outs []report.Output
	per := cfg.ExceptionsPerPart
	for part, start := 0, 0; start < len(es) || part == 0; part, start = part+1, start+per {
		end := min(start+per, len(es))
		var buf bytes.Buffer
		if err := formats.WriteExceptions(&buf, es[start:end], cfg.AmountScale, Version); err != nil {
			return nil, nil, err
		}
		key := fmt.Sprintf("%sexceptions/platform=%s/part-%05d.parquet", RunPrefix(date), platform, part)
		o, err := put(ctx, st, key, buf.Bytes())
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, key)
		outs = append(outs, o)
	}
	return keys, outs, nil
}

func put(ctx context.Context, st store.Store, key string, data []byte) (report.Output, error) {
	if err := st.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return report.Output{}, fmt.Errorf("write %s: %w", key, err)
	}
	sum := sha256.Sum256(data)
	return report.Output{Key: key, SizeBytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}, nil
}

func deleteAll(ctx context.Context, st store.Store, prefix string) error {
	objs, err := st.List(ctx, prefix)
	if err != nil {
		return fmt.Errorf("list %s: %w", prefix, err)
	}
	for _, o := range objs {
		if err := st.Delete(ctx, o.Key); err != nil {
			return fmt.Errorf("remove stale output: %w", err)
		}
	}
	return nil
}
