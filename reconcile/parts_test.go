package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/recon-dev/recon/formats"
)

// splitParts cuts p's transactions into n parts the way a spill does
// (PartOf), each side's rows of a part in the whole table's order.
func splitParts(p *Platform, n int) PartLoader {
	parts := make([][2]*Txns, n)
	for k := range parts {
		parts[k] = [2]*Txns{{Side: Ledger, Spans: p.Ledger.Spans}, {Side: Bank, Spans: p.Bank.Spans}}
	}
	for _, t := range []*Txns{&p.Ledger, &p.Bank} {
		for i := range t.N {
			parts[PartOf(t, i, n)][t.Side].AppendRow(t, i)
		}
	}
	return func(ctx context.Context, k int) (*Txns, *Txns, error) {
		return parts[k][Ledger], parts[k][Bank], nil
	}
}

// appendTable reads rows written as Parquet into p, as a run would.
func appendTable[T any](t testing.TB, p *Platform, tbl formats.Table, rows []T) {
	t.Helper()
	var buf bytes.Buffer
	if err := formats.WriteTable(&buf, tbl, 2, "test", rows); err != nil {
		t.Fatal(err)
	}
	key := tbl.String() + ".parquet"
	obj := p.AddObject(key)
	err := formats.Read(context.Background(), key, bytes.NewReader(buf.Bytes()), int64(buf.Len()), formats.SchemaOf(tbl),
		formats.ReadOptions{Scale: 2, Limits: formats.DefaultLimits()}, func(b *formats.Batch) error { return p.Append(obj, key, "", b) })
	if err != nil {
		t.Fatal(err)
	}
}

// testDay is a day's tables: randomDay's, or flowDay's over the flow
// tests' registry.
type testDay struct {
	bank   []formats.CustodyTxnRow
	ledger []formats.LedgerTxnRow
	cbal   []formats.CustodyBalanceRow
	flows  bool
}

// makeDay makes a flowDay with flows, else a randomDay.
func makeDay(rng *rand.Rand, flows bool) testDay {
	d := testDay{flows: flows}
	if flows {
		d.bank, d.ledger, d.cbal = flowDay(rng)
	} else {
		d.bank, d.ledger = randomDay(rng)
	}
	return d
}

// into loads the day into p, a flow day with the registry and the
// custody balances.
func (d testDay) into(t testing.TB, p *Platform) (*Platform, Input) {
	t.Helper()
	p, in := loadInto(t, p, d.bank, d.ledger)
	if d.flows {
		accounts, loans := registryRows()
		appendTable(t, p, formats.Accounts, accounts)
		appendTable(t, p, formats.Loans, loans)
		appendTable(t, p, formats.CustodyBalances, d.cbal)
	}
	return p, in
}

// sameResult fails the test, saying what, unless got has want's counts
// and exceptions, in order.
func sameResult(t *testing.T, what string, got, want *Result) {
	t.Helper()
	if got.Stats != want.Stats {
		t.Fatalf("%s: stats %+v, want %+v", what, got.Stats, want.Stats)
	}
	if slices.Equal(got.Exceptions, want.Exceptions) {
		return
	}
	for i := range max(len(got.Exceptions), len(want.Exceptions)) {
		var g, w formats.Exception
		if i < len(got.Exceptions) {
			g = got.Exceptions[i]
		}
		if i < len(want.Exceptions) {
			w = want.Exceptions[i]
		}
		if g != w {
			t.Fatalf("%s: exception %d of %d/%d:\n got %+v\nwant %+v", what, i, len(got.Exceptions), len(want.Exceptions), g, w)
		}
	}
}

// flowDay makes a day over the flow tests' registry: bids, fees,
// repayments and the rest between registered and unregistered accounts,
// the ledger's rows mostly mirrored at the bank with a few fields
// changed, references kept, lost or wrong, and custody balances.
func flowDay(rng *rand.Rand) ([]formats.CustodyTxnRow, []formats.LedgerTxnRow, []formats.CustodyBalanceRow) {
	accts := []string{"I1", "I2", "B1", "B2", "OWN", "FEE", "G", "C-I1", "C-B1", "X-INS", "U1"}
	kinds := []string{"deposit", "withdrawal", "bid", "disbursement", "repayment", "fee", "transfer", "refund"}
	loans := []string{"", "L1", "L2", "L9"}
	statuses := []string{"success", "success", "success", "success", "failed", "reversed"}
	amounts := []int64{100, 200, 1_000, 50_000, 100_000}
	base := int64(1_795_000_000_000_000)
	at := func() int64 { return base + (rng.Int64N(5)-2)*43_200_000_000 } // few instants: ties
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return ptr(s)
	}
	var ledger []formats.LedgerTxnRow
	var bank []formats.CustodyTxnRow
	for range rng.IntN(60) {
		l := formats.LedgerTxnRow{PlatformID: "P", TxnID: fmt.Sprintf("T%03d", rng.IntN(80)),
			Payer: accts[rng.IntN(len(accts))], Payee: accts[rng.IntN(len(accts))], Amount: amounts[rng.IntN(len(amounts))],
			Currency: "CNY", Kind: kinds[rng.IntN(len(kinds))], Status: statuses[rng.IntN(len(statuses))], BookedAt: at(),
			LoanID: opt(loans[rng.IntN(len(loans))])}
		if rng.IntN(2) == 0 {
			// An investor's bid on a loan, or its fee, whose cap is a
			// share of its bids on that loan, wherever they are.
			l.Payer, l.LoanID = []string{"I1", "I2"}[rng.IntN(2)], ptr([]string{"L1", "L2"}[rng.IntN(2)])
			l.Payee, l.Kind = "B1", "bid"
			if rng.IntN(3) == 0 {
				l.Payee, l.Kind, l.Amount = "FEE", "fee", []int64{100, 500, 2_000}[rng.IntN(3)]
			}
		}
		ledger = append(ledger, l)
		if rng.IntN(5) == 0 {
			continue // missing at the bank
		}
		b := formats.CustodyTxnRow{BankID: []string{"BK", "BK2"}[rng.IntN(2)], PlatformID: "P", BankTxnID: fmt.Sprintf("K%02d", rng.IntN(20)),
			PlatformTxnID: ptr(l.TxnID), Payer: l.Payer, Payee: l.Payee, Amount: l.Amount, Currency: l.Currency,
			Kind: l.Kind, Status: l.Status, BookedAt: l.BookedAt + rng.Int64N(3)*3_600_000_000, LoanID: l.LoanID}
		switch rng.IntN(8) {
		case 0:
			b.PlatformTxnID = nil
		case 1:
			b.PlatformTxnID = ptr(fmt.Sprintf("X%02d", rng.IntN(5)))
		case 2:
			b.Amount = amounts[rng.IntN(len(amounts))]
		case 3:
			b.Status = statuses[rng.IntN(len(statuses))]
		case 4:
			b.Payee = accts[rng.IntN(len(accts))]
		}
		bank = append(bank, b)
		if rng.IntN(6) == 0 {
			bank = append(bank, b) // the same row again: ties broken by row
		}
	}
	var cbal []formats.CustodyBalanceRow
	for _, a := range accts[:7] {
		for _, bk := range []string{"BK", "BK2"} {
			if rng.IntN(2) == 0 {
				o := rng.Int64N(1_000_000)
				cbal = append(cbal, formats.CustodyBalanceRow{BankID: bk, PlatformID: "P", AccountID: a, AsOf: 20_775,
					Opening: o, Closing: o + []int64{0, 100, -200}[rng.IntN(3)], Currency: "CNY"})
			}
		}
	}
	return bank, ledger, cbal
}

// TestReconcileParts checks that a platform reconciled in parts gives
// Reconcile's result, exception for exception, whatever the number of
// parts: on collision-heavy days (repeated keys, ties for matching
// without reference) and on days that exercise the flow rules, the fee
// cap across parts and the statement breaks.
func TestReconcileParts(t *testing.T) {
	ctx := context.Background()
	for seed := range 200 {
		p, in := makeDay(rand.New(rand.NewPCG(uint64(seed), 17)), seed%2 == 1).into(t, NewPlatform("P"))
		opt := Options{Workers: 1 + seed%2, Scale: 2, DateWindowDays: seed % 3, Location: time.UTC, Severities: DefaultSeverities()}
		if seed%4 == 1 {
			opt.PartitionRows = 2
			opt.Location = time.FixedZone("UTC+8", 8*3600)
		}
		want, err := Reconcile(ctx, p, in, opt)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, n := range []int{1, 2, 3, 7} {
			var fees FeeKeys
			fees.Add(&p.Bank)
			got, err := ReconcileParts(ctx, p, n, splitParts(p, n), nil, fees, in, opt)
			if err != nil {
				t.Fatalf("seed %d, %d parts: %v", seed, n, err)
			}
			sameResult(t, fmt.Sprintf("seed %d, %d parts against the whole", seed, n), got, want)
		}
	}
}

// TestReconcileIgnoresNameIDs reconciles each day twice, the second time
// with every name holding another id (interned first, in a shuffled
// order): the exceptions and counts must not change. Ids are the order
// names were first met in, which the order a platform's tables load in
// decides (ingest's halves and turns); nothing the run writes may hang
// on it.
func TestReconcileIgnoresNameIDs(t *testing.T) {
	ctx := context.Background()
	for seed := range 100 {
		rng := rand.New(rand.NewPCG(uint64(seed), 23))
		day := makeDay(rng, seed%2 == 1)
		p, in := day.into(t, NewPlatform("P"))
		names := make([]string, 0, p.Names.Len()-1)
		for id := 1; id < p.Names.Len(); id++ {
			names = append(names, p.Names.Name(uint32(id)))
		}
		inOrder := slices.Clone(names)
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		if slices.Equal(names, inOrder) {
			slices.Reverse(names)
		}
		q := NewPlatform("P")
		for _, n := range names {
			q.Names.Intern([]byte(n))
		}
		q, qin := day.into(t, q)
		moved := 0
		for id := 1; id < p.Names.Len(); id++ {
			if qid, ok := q.Names.Find(p.Names.Name(uint32(id))); !ok {
				t.Fatalf("seed %d: name %q lost", seed, p.Names.Name(uint32(id)))
			} else if qid != uint32(id) {
				moved++
			}
		}
		if moved == 0 && len(names) > 1 {
			t.Fatalf("seed %d: the shuffle left every id in place", seed)
		}
		opt := Options{Workers: 1 + seed%2, Scale: 2, DateWindowDays: seed % 3, Location: time.UTC, Severities: DefaultSeverities()}
		want, err := Reconcile(ctx, p, in, opt)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		got, err := Reconcile(ctx, q, qin, opt)
		if err != nil {
			t.Fatalf("seed %d, ids shuffled: %v", seed, err)
		}
		sameResult(t, fmt.Sprintf("seed %d, ids shuffled against not", seed), got, want)
	}
}
