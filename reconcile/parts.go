package reconcile

import (
	"context"
	"fmt"
	"slices"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/internal/mem"
)

// PartOf returns which of n parts row i of t goes to when a platform too
// large for memory is reconciled in parts (ReconcileParts): the part of
// its match key's hash, so that every row of a key, on both sides, meets
// in one part. A bank row without a reference matches nothing by
// reference: it goes by its row, round robin.
//
// The part comes from the hash's low bits: matching inside a part
// partitions by the top bits, which a part's rows would otherwise share.
func PartOf(t *Txns, i, n int) int {
	key := t.Key(i)
	if t.Side == Bank && len(key) == 0 {
		return t.orig(i) % n
	}
	return int(uint64(uint32(hashBytes(key))) * uint64(n) >> 32)
}

// LeftRows keeps the rows matching by reference leaves undecided, in parts
// by their key without reference (what matching without reference
// compares: payer, payee, currency and amount), so that those rows too
// are matched one part in memory at a time: few on a normal day, but
// every row of a day whose bank carries no references.
type LeftRows interface {
	// Keep adds rows of t (indexes, increasing) to leftover part k.
	Keep(ctx context.Context, k int, t *Txns, rows []int32) error
	// Left returns each side's rows of leftover part k, in the order
	// kept, with the whole table's Spans.
	Left(ctx context.Context, k int) (ledger, bank *Txns, err error)
}

// leftInMemory is LeftRows in memory.
type leftInMemory struct {
	parts        [][2]*Txns
	ledger, bank spans
}

func (m *leftInMemory) Keep(_ context.Context, k int, t *Txns, rows []int32) error {
	if m.parts[k][t.Side] == nil {
		m.parts[k][t.Side] = &Txns{Side: t.Side, Spans: t.Spans}
	}
	for _, i := range rows {
		m.parts[k][t.Side].AppendRow(t, int(i))
	}
	return nil
}

func (m *leftInMemory) Left(_ context.Context, k int) (ledger, bank *Txns, err error) {
	out := m.parts[k]
	if out[Ledger] == nil {
		out[Ledger] = &Txns{Side: Ledger, Spans: m.ledger}
	}
	if out[Bank] == nil {
		out[Bank] = &Txns{Side: Bank, Spans: m.bank}
	}
	return out[Ledger], out[Bank], nil
}

// leftPartOf returns which of n leftover parts row i of t goes to: the
// part of its key without reference, from the hash's low bits (matching
// partitions by the top ones).
func leftPartOf(t *Txns, i, n int) int {
	h := unrefKey(t.Payer[i], t.Payee[i], t.Currency[i], t.Amount[i])
	return int(uint64(uint32(h)) * uint64(n) >> 32)
}

// PartLoader returns the transactions of part k of a platform: each
// side's rows of that part (PartOf), in increasing Orig, with the whole
// table's Spans. ReconcileParts asks for each part once and does not
// keep what it gets past the part.
type PartLoader func(ctx context.Context, k int) (ledger, bank *Txns, err error)

// ReconcileParts reconciles a platform whose transactions are too large
// for memory in nparts parts, loading one at a time: the same Result as
// Reconcile on the whole platform, exception for exception.
//
// whole holds everything but the transactions (names, balances, registry,
// objects); its Ledger and Bank are not read. fees are the keys of every
// part's bank transactions (FeeKeys.Add), taken as they were loaded. Per
// part: matching by reference, its pairs and duplicates, the bank's
// movements by account, the day's fee bases and insiders' loans, and the
// flows whose rules need no fee base; the rows left undecided go to left
// (in memory when nil), in nparts leftover parts, and the bank rows whose
// rules need the fee base are kept aside. Then the flows kept aside, now
// that the bases are whole; matching without reference, leftover part by
// leftover part, with its pairs and missing rows; the balances from the
// summed movements; and the conservation check over the whole.
//
// The rows whose rules need the fee base are held in memory: the rows of
// fees, about 6% of the bench's. (The faults of Options.Faults are not
// injected.)
func ReconcileParts(ctx context.Context, whole *Platform, nparts int, load PartLoader, left LeftRows, fees FeeKeys, in Input, opt Options) (*Result, error) {
	opt = opt.withDefaults()
	base := run{p: whole, opt: opt, loc: opt.Location, rules: opt.Flows, reg: newRegistry(whole)}
	names := whole.Names.Len()
	on := func(l, b *Txns) *run {
		p := *whole
		p.Ledger, p.Bank = *l, *b
		r := base
		r.p, r.dayr = &p, newDayer(opt.Location)
		return &r
	}
	fail := func(err error) (*Result, error) { return nil, fmt.Errorf("platform %s: %w", whole.ID, err) }

	bases := newFeeBases(fees, names)
	related := newRelatedLoans()
	moves := newDenseSums(names)

	var out []formats.Exception
	var t tally
	if left == nil {
		left = &leftInMemory{parts: make([][2]*Txns, nparts), ledger: whole.Ledger.Spans, bank: whole.Bank.Spans}
	}
	leftRows := make([][]int32, nparts)
	waiting := &Txns{Side: Bank, Spans: whole.Bank.Spans} // bank rows whose rules need the fee base
	var needs []bool
	for k := range nparts {
		l, b, err := load(ctx, k)
		if err != nil {
			return fail(err)
		}
		r := on(l, b)
		m := newMatching(r.p)
		if err := r.matchByReference(ctx, m); err != nil {
			return fail(fmt.Errorf("part %d: match by reference: %w", k, err))
		}
		if err := r.reportPairs(ctx, m); err != nil {
			return fail(fmt.Errorf("part %d: compare pairs: %w", k, err))
		}
		if err := r.reportDuplicates(ctx, m); err != nil {
			return fail(fmt.Errorf("part %d: report duplicates: %w", k, err))
		}
		t.part(r, m)
		for _, side := range []Side{Ledger, Bank} {
			if err := keepLeft(ctx, left, r.side(side), m.out(side), leftRows); err != nil {
				return fail(fmt.Errorf("part %d: %w", k, err))
			}
		}
		pm, err := r.bankMoves(ctx)
		if err != nil {
			return fail(err)
		}
		moves.merge(pm)
		r.daySums(bases, related)
		needs = mem.Grow(needs[:0], b.N)[:b.N]
		clear(needs)
		if err := r.checkFlows(ctx, bases, func(i int) bool {
			needs[i] = r.needsBase(i) // rows apart: the chunks' goroutines write their own
			return !needs[i]
		}); err != nil {
			return fail(err)
		}
		for i, wait := range needs {
			if wait {
				waiting.AppendRow(b, i)
			}
		}
		out = append(out, r.out...)
	}
	r := on(&Txns{Side: Ledger}, waiting)
	if err := r.checkFlows(ctx, bases, nil); err != nil {
		return fail(err)
	}
	out = append(out, r.out...)

	// What no part decided, leftover part by leftover part, each in the
	// whole table's order: the order matching without reference breaks
	// its last ties in.
	for k := range nparts {
		l, b, err := left.Left(ctx, k)
		if err != nil {
			return fail(fmt.Errorf("leftover part %d: %w", k, err))
		}
		r = on(l.sortedByOrig(), b.sortedByOrig())
		m := newMatching(r.p)
		if err := r.matchWithoutReference(ctx, m); err != nil {
			return fail(fmt.Errorf("match without reference: %w", err))
		}
		if err := r.reportPairs(ctx, m); err != nil {
			return fail(fmt.Errorf("leftover part %d: compare pairs: %w", k, err))
		}
		if err := r.reportMissing(ctx, m); err != nil {
			return fail(fmt.Errorf("leftover part %d: report missing rows: %w", k, err))
		}
		t.addRest(r, m)
		out = append(out, r.out...)
	}

	w := base
	w.dayr = newDayer(opt.Location)
	w.balancesFrom(moves)
	w.emitRelated(related)
	out = append(out, w.out...)

	st, err := t.check(out, in, opt.Scale)
	if err != nil {
		return fail(err)
	}
	formats.SortExceptions(out)
	return &Result{Exceptions: out, Stats: st}, nil
}

// keepLeft hands the rows of t that matching by reference left
// undecided (out) to left, by leftover part; rows is scratch, a slice
// per part.
func keepLeft(ctx context.Context, left LeftRows, t *Txns, out []outcome, rows [][]int32) error {
	return ByPart(t, rows, func(i int) bool { return out[i] == outNone }, leftPartOf,
		func(k int, rs []int32) error { return left.Keep(ctx, k, t, rs) })
}

// ByPart hands the rows of t that keep accepts (every row, when keep is
// nil) to give, part by part, as partOf places them among len(rows)
// parts, each part's rows in increasing order; parts with no rows are
// skipped. rows is scratch, a slice per part, emptied first.
func ByPart(t *Txns, rows [][]int32, keep func(i int) bool, partOf func(t *Txns, i, n int) int, give func(k int, rows []int32) error) error {
	for k := range rows {
		rows[k] = rows[k][:0]
	}
	for i := range t.N {
		if keep == nil || keep(i) {
			k := partOf(t, i, len(rows))
			rows[k] = append(rows[k], int32(i))
		}
	}
	for k, rs := range rows {
		if len(rs) > 0 {
			if err := give(k, rs); err != nil {
				return err
			}
		}
	}
	return nil
}

// tally is the conservation check of a platform reconciled in parts: what
// each part decided and left, then what became of what they left.
type tally struct {
	st           Stats
	byRef, unref int64
	left         Input // rows and amounts the parts left undecided, by side
	rest         Stats // what became of them
	errs         []error
}

func (t *tally) fail(format string, args ...any) {
	t.errs = append(t.errs, conservationError(format, args...))
}

// part counts a part's rows (matching by reference decided or left them).
func (t *tally) part(r *run, m *matching) {
	byRef, unref := r.conservePairs(m, t.fail)
	t.byRef += byRef
	t.unref += unref
	for _, side := range []Side{Ledger, Bank} {
		tx, out := r.side(side), m.out(side)
		t.st.Rows[side] += int64(tx.N)
		for i := range tx.N {
			switch o := out[i]; o {
			case outRef, outDup:
				t.st.Outcomes[side][o]++
				t.st.Amounts[side][o].Add(tx.Amount[i])
			case outNone:
				t.left.Rows[side]++
				t.left.Amount[side].Add(tx.Amount[i])
			default:
				t.fail("%s row %s: %s after matching by reference", side, r.where(tx, i), outcomeNames[o])
			}
		}
	}
}

// addRest counts the rows of a leftover part, once decided: together,
// they must be the rows the parts left (check), every one decided.
func (t *tally) addRest(r *run, m *matching) {
	byRef, unref := r.conservePairs(m, t.fail)
	t.byRef += byRef
	t.unref += unref
	for _, side := range []Side{Ledger, Bank} {
		r.countSide(side, m, &t.rest, t.fail)
	}
}

// check finishes the conservation check against what the readers saw
// and returns the platform's Stats.
func (t *tally) check(out []formats.Exception, in Input, scale int) (Stats, error) {
	for _, side := range []Side{Ledger, Bank} {
		checkTotals(side, t.rest.Rows[side], &t.rest, t.left, scale, t.fail)
		for o := range numOutcomes {
			t.st.Outcomes[side][o] += t.rest.Outcomes[side][o]
			t.st.Amounts[side][o].AddSum(t.rest.Amounts[side][o])
		}
		checkTotals(side, t.st.Rows[side], &t.st, in, scale, t.fail)
	}
	t.errs = append(t.errs, checkOutcomes(out, &t.st, t.byRef, t.unref)...)
	return t.st, joinConservation(t.errs)
}

// AppendRow appends row i of src, with its index in the whole table.
func (t *Txns) AppendRow(src *Txns, i int) {
	t.ID.Append(src.ID.At(i))
	if t.Side == Bank {
		t.Ref.Append(src.Ref.At(i))
		t.Bank = append(t.Bank, src.Bank[i])
	}
	t.Payer, t.Payee = append(t.Payer, src.Payer[i]), append(t.Payee, src.Payee[i])
	t.Currency, t.Loan = append(t.Currency, src.Currency[i]), append(t.Loan, src.Loan[i])
	t.Amount, t.Fee, t.BookedAt = append(t.Amount, src.Amount[i]), append(t.Fee, src.Fee[i]), append(t.BookedAt, src.BookedAt[i])
	t.Kind, t.Status = append(t.Kind, src.Kind[i]), append(t.Status, src.Status[i])
	t.Orig = append(t.Orig, int64(src.orig(i)))
	t.N++
}

// sortedByOrig returns t's rows in increasing Orig.
func (t *Txns) sortedByOrig() *Txns {
	rows := make([]int, t.N)
	for i := range rows {
		rows[i] = i
	}
	slices.SortFunc(rows, func(a, b int) int { return int(t.Orig[a] - t.Orig[b]) })
	s := &Txns{Side: t.Side, Spans: t.Spans, Orig: []int64{}}
	for _, i := range rows {
		s.AppendRow(t, i)
	}
	return s
}
