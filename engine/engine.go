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
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	started := time.Now()
	j, err := newJob(opt)
	if err != nil {
		return nil, err
	}
	if err := j.uncommit(ctx); err != nil {
		return nil, err
	}
	done, plan, err := j.reconcile(ctx)
	if err != nil {
		return nil, err
	}
	out, err := j.commit(ctx, plan, done)
	if err != nil {
		return nil, err
	}
	opt.Logger.Info("run committed", "date", opt.Date, "exceptions", out.Summary.Exceptions.Total,
		"elapsed", time.Since(started).Round(time.Millisecond))
	return out, nil
}

// job is one run's settings, checked.
type job struct {
	opt  Options
	cfg  config.Config
	day  int32
	sev  map[string]string
	iopt ingest.Options
	ropt reconcile.Options
	st   store.Store
	log  *slog.Logger
}

func newJob(opt Options) (*job, error) {
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
	sev := reconcile.DefaultSeverities()
	for k, v := range cfg.Severities {
		sev[k] = v
	}
	rules, err := reconcile.NewFlowRules(cfg.Flows, cfg.MaxFeeRate)
	if err != nil {
		return nil, fmt.Errorf("configuration: flows: %w", err)
	}
	tol, _ := cfg.BalanceToleranceMinor() // checked by Validate
	return &job{
		opt: opt, cfg: cfg, day: day, sev: sev, st: opt.Store, log: opt.Logger,
		iopt: ingest.Options{Date: opt.Date, Scale: cfg.AmountScale, Limits: cfg.FormatLimits(), Logger: opt.Logger},
		ropt: reconcile.Options{
			Workers: opt.Workers, RunDate: day, Scale: cfg.AmountScale, DateWindowDays: cfg.DateWindowDays,
			Location: cfg.Location(), BalanceTolerance: tol, Severities: sev, Flows: rules, Faults: opt.Faults,
			PartitionRows: opt.PartitionRows,
		},
	}, nil
}

// uncommit removes any earlier run of the date: its manifest first, so
// that no reader trusts what follows, then its outputs and quarantine.
func (j *job) uncommit(ctx context.Context) error {
	if err := j.st.Delete(ctx, ManifestKey(j.opt.Date)); err != nil {
		return fmt.Errorf("remove the previous manifest: %w", err)
	}
	for _, p := range []string{RunPrefix(j.opt.Date), QuarantinePrefix(j.opt.Date)} {
		if err := deleteAll(ctx, j.st, p); err != nil {
			return err
		}
	}
	return nil
}

// reconcile finds the date's inputs and reconciles every platform.
func (j *job) reconcile(ctx context.Context) ([]platformDone, *ingest.Plan, error) {
	plan, err := ingest.Discover(ctx, j.st, j.iopt)
	if err != nil {
		return nil, nil, err
	}
	j.log.Info("inputs found", "date", j.opt.Date, "platforms", len(plan.Platforms), "bad_keys", len(plan.Rejections))
	// Platforms go through load and reconcile a few at a time: a
	// platform's columns live only while it is being reconciled.
	done, err := reconcilePlatforms(ctx, j.st, plan, j.iopt, j.ropt, j.opt.Workers, j.opt.MemoryBytes, j.log, j.finishPlatform)
	return done, plan, err
}

// commit quarantines rejected inputs, then writes the exceptions of what
// names no reconciled platform (the workers wrote the platforms'), the
// summary, the report and, last, the manifest.
func (j *job) commit(ctx context.Context, plan *ingest.Plan, done []platformDone) (*Outcome, error) {
	date, cfg := j.opt.Date, j.cfg
	rows := map[string]int64{}
	for _, t := range formats.Tables() {
		rows[t.String()] = 0 // every table appears in the counts
	}
	objects := slices.Clone(plan.Objects)
	rejections := slices.Clone(plan.Rejections)
	sum := &report.Summary{RunDate: date, EngineVersion: Version, ConfigSHA256: cfg.Hash(), AmountScale: cfg.AmountScale, Rows: rows}
	outs := map[string]platformOut{}
	for _, d := range done {
		for t, n := range d.rows {
			rows[t] += n
		}
		objects = append(objects, d.objects...)
		rejections = append(rejections, d.rejections...)
		outs[d.id] = d.out
		sum.Platforms = append(sum.Platforms, report.Platform{
			PlatformID: d.id, Bank: d.stats.Counts(reconcile.Bank), Ledger: d.stats.Counts(reconcile.Ledger),
		})
	}
	slices.SortFunc(objects, func(a, b ingest.Object) int { return strings.Compare(a.Key, b.Key) })
	slices.SortFunc(rejections, func(a, b ingest.Rejection) int { return strings.Compare(a.Key, b.Key) })
	sum.Inputs = report.InputCounts{Objects: len(objects), Rejected: len(rejections)}

	quarantined, err := quarantine(ctx, j.st, date, rejections)
	if err != nil {
		return nil, err
	}
	// A reconciled platform's rejected inputs are among its exceptions
	// already (finishPlatform); the rest (keys naming no platform that was
	// reconciled) make up platforms of their own.
	orphans := map[string][]ingest.Rejection{}
	for _, rj := range rejections {
		if _, ok := outs[rj.PlatformID]; !ok {
			if _, seen := orphans[rj.PlatformID]; !seen {
				sum.Platforms = append(sum.Platforms, report.Platform{PlatformID: rj.PlatformID})
			}
			orphans[rj.PlatformID] = append(orphans[rj.PlatformID], rj)
		}
		sum.Rejected = append(sum.Rejected, report.Rejected{Key: rj.Key, PlatformID: rj.PlatformID, Reason: rj.Reason.Error()})
	}
	// Platforms in id order; the one without a platform ("" for rejected
	// keys that name none) sorts first.
	slices.SortFunc(sum.Platforms, func(a, b report.Platform) int { return strings.Compare(a.PlatformID, b.PlatformID) })

	man := &report.Manifest{RunDate: date, EngineVersion: Version, ConfigSHA256: sum.ConfigSHA256, Rows: rows, Exceptions: map[string]int{}}
	for _, o := range objects {
		man.Inputs = append(man.Inputs, report.Input{Key: o.Key, SizeBytes: o.SizeBytes, SHA256: o.SHA256, Table: o.Table, Rows: o.Rows, Rejected: o.Rejected})
	}
	man.Outputs = append(man.Outputs, quarantined...)
	sum.Exceptions = report.Counts{ByKind: map[string]int{}, BySeverity: map[string]int{}}
	var all []formats.Exception
	for i := range sum.Platforms {
		p := &sum.Platforms[i]
		out, ok := outs[p.PlatformID]
		if !ok {
			if out, err = j.finishPlatform(ctx, p.PlatformID, nil, orphans[p.PlatformID]); err != nil {
				return nil, err
			}
		}
		p.Verdict, p.Guarantees = out.verdict, out.guarantees
		for _, e := range out.exceptions {
			p.Exceptions.Add(e.Kind, e.Severity)
			sum.Exceptions.Add(e.Kind, e.Severity)
			man.Exceptions[e.Kind]++
		}
		sum.Outputs.Exceptions = append(sum.Outputs.Exceptions, out.keys...)
		man.Outputs = append(man.Outputs, out.outputs...)
		all = append(all, out.exceptions...)
	}
	sum.Outputs.Summary = RunPrefix(date) + "summary.json"
	sum.Outputs.Report = RunPrefix(date) + "report.html"
	sum.Outputs.Manifest = ManifestKey(date)
	for _, f := range []struct {
		key  string
		data []byte
	}{{sum.Outputs.Summary, sum.JSON()}, {sum.Outputs.Report, report.HTML(sum, all, cfg.AmountScale)}} {
		o, err := put(ctx, j.st, f.key, f.data)
		if err != nil {
			return nil, err
		}
		man.Outputs = append(man.Outputs, o)
	}
	if _, err := put(ctx, j.st, sum.Outputs.Manifest, man.JSON()); err != nil {
		return nil, err
	}
	return &Outcome{Summary: sum, Manifest: man, Exceptions: all}, nil
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

// platformOut is one platform's exceptions as the run commits them:
// sorted, judged and written as parts.
type platformOut struct {
	exceptions []formats.Exception
	verdict    report.Verdict
	guarantees report.Guarantees
	keys       []string
	outputs    []report.Output
}

// finishPlatform adds to a platform's exceptions one INPUT_REJECTED for
// each of its rejected inputs, sorts and judges them, and writes them
// under the run's prefix. A worker calls it as soon as the platform is
// reconciled, so that writing overlaps the other platforms' work: the
// files are only trusted once the manifest that lists them exists.
func (j *job) finishPlatform(ctx context.Context, id string, es []formats.Exception, rejections []ingest.Rejection) (platformOut, error) {
	for _, rj := range rejections {
		e := formats.Exception{
			Kind: reconcile.InputRejected, Severity: j.sev[reconcile.InputRejected], RunDate: j.day, FirstSeen: j.day,
			PlatformID: rj.PlatformID, BankID: rj.BankID, SourceKey: rj.Key,
			Detail: fmt.Sprintf("Input %s was quarantined and not reconciled: %s", rj.Key, oneLine(rj.Reason.Error())),
		}
		e.SetID()
		es = append(es, e)
	}
	formats.SortExceptions(es)
	out := platformOut{exceptions: es}
	out.verdict, out.guarantees = report.Judge(es, j.cfg.Verdict, j.cfg.AmountScale)
	var err error
	out.keys, out.outputs, err = writeExceptions(ctx, j.st, j.opt.Date, id, es, j.cfg)
	return out, err
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
