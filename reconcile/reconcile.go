package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
)

// Options are the settings of one platform's reconciliation.
type Options struct {
	Workers          int            // goroutines over partitions; at least 1
	RunDate          int32          // the business date, days since 1970-01-01
	Scale            int            // amount_scale
	DateWindowDays   int            // date_window_days
	Location         *time.Location // business_timezone
	BalanceTolerance int64          // balance_tolerance in minor units
	Severities       map[string]string
	Flows            *FlowRules // nil: DefaultFlowRules()
	// PartitionRows is the rows a matching partition aims at (0: the
	// default). Tests set it low to cut small platforms into many
	// partitions; the result never depends on it.
	PartitionRows int

	// Faults injects bugs for tests that prove the conservation check.
	Faults *Faults

	// keyHash replaces the key hash in tests, to force collisions.
	keyHash func([]byte) uint64
}

// withDefaults fills the options left unset.
func (o Options) withDefaults() Options {
	if o.Workers < 1 {
		o.Workers = 1
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Flows == nil {
		o.Flows = DefaultFlowRules()
	}
	return o
}

// Faults are deliberate bugs, for tests only.
type Faults struct {
	// LoseRow, when it returns true, makes the matcher forget the row: it
	// ends up neither matched nor reported.
	LoseRow func(side Side, row int) bool
}

// Input holds what the reader saw of one platform's transactions,
// counted independently of the matcher, for the conservation check.
type Input struct {
	Rows   [2]int64     // by Side
	Amount [2]money.Sum // by Side
}

// Result is one platform's reconciliation.
type Result struct {
	Exceptions []formats.Exception
	Stats      Stats
}

// Stats counts what became of the platform's transactions.
type Stats struct {
	Rows     [2]int64                  // input rows by Side
	Outcomes [2][numOutcomes]int64     // rows by Side and outcome
	Amounts  [2][numOutcomes]money.Sum // amounts by Side and outcome
	Pairs    int64
}

// SideCounts is what became of one side's rows.
type SideCounts struct {
	Transactions            int64 `json:"transactions"`
	MatchedByReference      int64 `json:"matched_by_reference"`
	MatchedWithoutReference int64 `json:"matched_without_reference"`
	Duplicates              int64 `json:"duplicates"`
	Missing                 int64 `json:"missing"`       // unmatched rows that moved money: MISSING_*
	MovedNothing            int64 `json:"moved_nothing"` // unmatched failed or reversed rows: no exception
}

// Counts returns what became of side s's rows. The counts add up to the
// side's transactions: the conservation check made sure of it.
func (s Stats) Counts(side Side) SideCounts {
	o := s.Outcomes[side]
	return SideCounts{
		Transactions: s.Rows[side], MatchedByReference: o[outRef], MatchedWithoutReference: o[outUnref],
		Duplicates: o[outDup], Missing: o[outMissing], MovedNothing: o[outIdle],
	}
}

// run is the state of one platform's reconciliation.
type run struct {
	p     *Platform
	opt   Options
	loc   *time.Location
	out   []formats.Exception
	dayr  *dayer
	reg   registry
	rules *FlowRules
}

// Reconcile matches the platform's bank and ledger transactions, compares
// balances, checks flows and verifies that every input row is accounted
// for. The exceptions come back in the contract's order. A failed
// conservation check is an error: the caller must not commit.
func Reconcile(ctx context.Context, p *Platform, in Input, opt Options) (*Result, error) {
	opt = opt.withDefaults()
	r := &run{p: p, opt: opt, loc: opt.Location, dayr: newDayer(opt.Location), rules: opt.Flows}
	r.reg = newRegistry(p)
	// Matching, balances and flow rules read the platform and write only
	// their own state: they run at once, each with a run of its own, and
	// their exceptions are joined in a fixed order. A phase that is serial
	// in part (sorting, say) then leaves its core to the others.
	m := newMatching(p)
	phases := []func(r *run) error{
		func(r *run) error {
			if err := r.matchByReference(ctx, m); err != nil {
				return fmt.Errorf("platform %s: match by reference: %w", p.ID, err)
			}
			if err := r.matchWithoutReference(ctx, m); err != nil {
				return fmt.Errorf("platform %s: match without reference: %w", p.ID, err)
			}
			r.injectFaults(m)
			if err := r.reportPairs(ctx, m); err != nil {
				return fmt.Errorf("platform %s: compare pairs: %w", p.ID, err)
			}
			if err := r.reportUnmatched(ctx, m); err != nil {
				return fmt.Errorf("platform %s: report unmatched rows: %w", p.ID, err)
			}
			return nil
		},
		func(r *run) error {
			if err := r.balances(ctx); err != nil {
				return fmt.Errorf("platform %s: balances: %w", p.ID, err)
			}
			return nil
		},
		func(r *run) error {
			if err := r.flows(ctx); err != nil {
				return fmt.Errorf("platform %s: flows: %w", p.ID, err)
			}
			return nil
		},
	}
	runs := make([]*run, len(phases))
	concurrent := 1
	if opt.Workers > 1 {
		concurrent = len(phases) // all at once: the slowest is the critical path
	}
	err := parallelFor(ctx, concurrent, len(phases), func(k int) error {
		pr := *r // the phase's own run: its own exceptions and day cache
		pr.dayr = newDayer(opt.Location)
		runs[k] = &pr
		return phases[k](runs[k])
	})
	if err != nil {
		return nil, err
	}
	for _, pr := range runs {
		r.out = append(r.out, pr.out...)
	}
	stats, err := r.conserve(ctx, m, in)
	if err != nil {
		return nil, fmt.Errorf("platform %s: %w", p.ID, err)
	}
	formats.SortExceptions(r.out)
	return &Result{Exceptions: r.out, Stats: stats}, nil
}

func (r *run) injectFaults(m *matching) {
	f := r.opt.Faults
	if f == nil || f.LoseRow == nil {
		return
	}
	for l, b := range m.lMatch {
		if b >= 0 && (f.LoseRow(Ledger, l) || f.LoseRow(Bank, int(b))) {
			m.lMatch[l] = -1 // the pair is forgotten, its rows with it
		}
	}
	for i := range m.lOut {
		if f.LoseRow(Ledger, i) {
			m.lOut[i] = outIdle // silently dropped: counted as if nothing moved
		}
	}
	for i := range m.bOut {
		if f.LoseRow(Bank, i) {
			m.bOut[i] = outIdle
		}
	}
}

// emit adds an exception, filling the fields every row shares.
func (r *run) emit(e formats.Exception) {
	e.RunDate = r.opt.RunDate
	e.FirstSeen = r.opt.RunDate
	e.PlatformID = r.p.ID
	e.Severity = r.opt.Severities[e.Kind]
	e.SetID()
	r.out = append(r.out, e)
}

// name returns the text of an interned id.
func (r *run) name(id uint32) string { return r.p.Names.Name(id) }

// amt formats minor units at the run's scale.
func (r *run) amt(v int64) string { return money.Format(v, r.opt.Scale) }

// when formats an instant in the business time zone.
func (r *run) when(us int64) string {
	return time.UnixMicro(us).In(r.loc).Format("2006-01-02 15:04:05 MST")
}

// where names the object and row a table row came from.
func (r *run) where(t *Txns, i int) string {
	obj, row := t.Spans.locate(t.orig(i))
	return fmt.Sprintf("%s row %d", r.p.Objects[obj], row)
}
