package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
)

// ErrConservation means the engine lost or invented a row: a bug, never
// bad input. A run that sees it must not commit.
var ErrConservation = errors.New("conservation check failed")

var outcomeNames = [numOutcomes]string{"undecided", "matched by reference", "matched without reference", "duplicate", "missing", "moved nothing"}

// conserve checks that every input row of both sides ended in exactly one
// outcome that the output accounts for: counts and sums per side agree
// with what the reader saw, both sides of every pair agree, and each
// duplicate and missing row has its exception.
func (r *run) conserve(ctx context.Context, m *matching, in Input) (Stats, error) {
	var st Stats
	// The two sides and the pairs are checked at once, each task with its
	// own errors, joined in a fixed order.
	var taskErrs [3][]error
	var byRef, unref int64
	err := parallelFor(ctx, r.opt.Workers, 3, func(k int) error {
		fail := func(format string, args ...any) {
			taskErrs[k] = append(taskErrs[k], conservationError(format, args...))
		}
		if k == 2 {
			byRef, unref = r.conservePairs(m, fail)
		} else {
			r.conserveSide([]Side{Ledger, Bank}[k], m, in, &st, fail)
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	errs := slices.Concat(taskErrs[0], taskErrs[1], taskErrs[2])
	errs = append(errs, checkOutcomes(r.out, &st, byRef, unref)...)
	return st, joinConservation(errs)
}

// joinConservation joins a conservation check's errors, the first ten
// of them.
func joinConservation(errs []error) error {
	if len(errs) > 10 {
		errs = append(errs[:10], fmt.Errorf("... and %d more", len(errs)-10))
	}
	return errors.Join(errs...)
}

// checkTotals checks side's rows (the matcher holds rows of them) and
// its amounts by outcome, st's, against what the readers saw.
func checkTotals(side Side, rows int64, st *Stats, in Input, scale int, fail func(string, ...any)) {
	if in.Rows[side] != rows {
		fail("%s: the readers saw %d rows, the matcher holds %d", side, in.Rows[side], rows)
	}
	var total money.Sum
	for o := range numOutcomes {
		total.AddSum(st.Amounts[side][o])
	}
	if total != in.Amount[side] {
		fail("%s: the readers saw amounts totalling %s, the outcomes total %s", side, in.Amount[side].Format(scale), total.Format(scale))
	}
}

// checkOutcomes checks a platform's outcome counts against its pairs
// (byRef and unref of them) and its exceptions out, and sets st.Pairs.
func checkOutcomes(out []formats.Exception, st *Stats, byRef, unref int64) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, conservationError(format, args...)) }
	for _, side := range []Side{Ledger, Bank} {
		if st.Outcomes[side][outRef] != byRef || st.Outcomes[side][outUnref] != unref {
			fail("%s: %d rows matched by reference and %d without, but there are %d and %d pairs",
				side, st.Outcomes[side][outRef], st.Outcomes[side][outUnref], byRef, unref)
		}
	}
	st.Pairs = byRef + unref
	kinds := map[string]int64{}
	for i := range out {
		kinds[out[i].Kind]++
	}
	for _, c := range []struct {
		kind string
		side Side
		o    outcome
	}{
		{MissingAtBank, Ledger, outMissing}, {MissingInLedger, Bank, outMissing},
		{DuplicateInLedger, Ledger, outDup}, {DuplicateAtBank, Bank, outDup},
	} {
		if kinds[c.kind] != st.Outcomes[c.side][c.o] {
			fail("%d %s exceptions for %d %s rows that are %s", kinds[c.kind], c.kind, st.Outcomes[c.side][c.o], c.side, outcomeNames[c.o])
		}
	}
	return errs
}

func conservationError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConservation}, args...)...)
}

// conserveSide counts one side's rows and amounts by outcome into st
// (its own entries only), failing on a row left undecided or one that
// moved money and is accounted for nowhere, and on totals that differ
// from what the readers saw.
func (r *run) conserveSide(side Side, m *matching, in Input, st *Stats, fail func(string, ...any)) {
	r.countSide(side, m, st, fail)
	checkTotals(side, st.Rows[side], st, in, r.opt.Scale, fail)
}

// countSide is conserveSide without the totals: it adds to st.
func (r *run) countSide(side Side, m *matching, st *Stats, fail func(string, ...any)) {
	t, out := r.side(side), m.out(side)
	st.Rows[side] += int64(t.N)
	// Counted in locals, added to st at the end: through st, each row's
	// sum would go to memory and back.
	var counts [numOutcomes]int64
	var sums [numOutcomes]money.Sum
	for i := range t.N {
		o := out[i]
		if o == outNone || o >= numOutcomes {
			fail("%s row %d (%s) was never decided", side, i, r.where(t, i))
			continue
		}
		if o == outIdle && t.Status[i] == formats.StatusSuccess {
			fail("%s row %s moved money but is neither matched nor reported", side, r.where(t, i))
		}
		counts[o]++
		sums[o].Add(t.Amount[i])
	}
	for o := range numOutcomes {
		st.Outcomes[side][o] += counts[o]
		st.Amounts[side][o].AddSum(sums[o])
	}
}

// conservePairs checks that both rows of every pair agree on how they
// were matched and that no bank row is in two pairs, and counts the pairs
// matched by reference and without.
func (r *run) conservePairs(m *matching, fail func(string, ...any)) (byRef, unref int64) {
	bankPaired := make([]bool, r.p.Bank.N)
	for l, b := range m.lMatch {
		if b < 0 {
			continue
		}
		lo, bo := m.lOut[l], m.bOut[b]
		switch {
		case bankPaired[b]:
			fail("bank row %d is matched twice", b)
		case lo != bo || (lo != outRef && lo != outUnref):
			fail("pair ledger %d / bank %d is %s / %s", l, b, outcomeNames[lo], outcomeNames[bo])
		case lo == outRef:
			byRef++
		default:
			unref++
		}
		bankPaired[b] = true
	}
	return byRef, unref
}
