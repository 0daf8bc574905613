package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/recon-dev/recon/formats"
)

// TestAdopt checks that decoding the ledger, its balances and the
// registry into a platform of their own and adopting it, at once or in
// steps (the ledger's transactions while the rest is decoded), gives the
// very platform appending them would have: the same names with the same
// ids, the same columns and objects.
func TestAdopt(t *testing.T) {
	appendTable := func(p *Platform, tbl formats.Table, key string, buf *bytes.Buffer) {
		obj := p.AddObject(key)
		err := formats.Read(context.Background(), key, bytes.NewReader(buf.Bytes()), int64(buf.Len()), formats.SchemaOf(tbl),
			formats.ReadOptions{Scale: 2, Limits: formats.DefaultLimits(), Prepare: p.Prepare}, func(b *formats.Batch) error {
				return p.Append(obj, key, "", b)
			})
		if err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for range 50 {
		bank, ledger := randomDay(rng)
		// Names only the ledger has, and some both have.
		for i := range ledger {
			if rng.IntN(3) == 0 {
				ledger[i].Payee = "L-" + ledger[i].Payee
			}
		}
		split := rng.IntN(len(ledger) + 1)

		b, l1, l2 := encode(t, formats.CustodyTransactions, bank), encode(t, formats.LedgerTransactions, ledger[:split]), encode(t, formats.LedgerTransactions, ledger[split:])
		// Balances and registry rows of the ledger's accounts and some new.
		var lbal []formats.LedgerBalanceRow
		var accts []formats.AccountRow
		var loans []formats.LoanRow
		for i, r := range ledger {
			if rng.IntN(2) == 0 {
				lbal = append(lbal, formats.LedgerBalanceRow{PlatformID: "P", AccountID: r.Payee, Closing: int64(i), Currency: r.Currency})
				accts = append(accts, formats.AccountRow{PlatformID: "P", AccountID: fmt.Sprint("A-", i), Role: "investor", HolderID: r.Payer})
				loans = append(loans, formats.LoanRow{PlatformID: "P", LoanID: fmt.Sprint("LN-", i%5), Borrower: r.Payee, Principal: 100, Currency: r.Currency})
			}
		}
		lb, ac, ln := encode(t, formats.LedgerBalances, lbal), encode(t, formats.Accounts, accts), encode(t, formats.Loans, loans)

		seq := NewPlatform("P")
		appendTable(seq, formats.CustodyTransactions, "b.parquet", b)
		appendTable(seq, formats.LedgerTransactions, "l1.parquet", l1)
		appendTable(seq, formats.LedgerTransactions, "l2.parquet", l2)
		appendTable(seq, formats.LedgerBalances, "lb.parquet", lb)
		appendTable(seq, formats.Accounts, "ac.parquet", ac)
		appendTable(seq, formats.Loans, "ln.parquet", ln)

		for _, steps := range []bool{false, true} {
			adopted, side := NewPlatform("P"), NewPlatform("P")
			appendTable(adopted, formats.CustodyTransactions, "b.parquet", b)
			appendTable(side, formats.LedgerTransactions, "l1.parquet", l1)
			appendTable(side, formats.LedgerTransactions, "l2.parquet", l2)
			var a Adoption
			var wg sync.WaitGroup
			if steps {
				// The ledger's transactions are adopted while the side
				// goes on with its other tables, as ingest does.
				view := side.Names.Snapshot()
				wg.Go(func() { a.TakeLedger(adopted, view, &side.Ledger) })
			}
			appendTable(side, formats.LedgerBalances, "lb.parquet", lb)
			appendTable(side, formats.Accounts, "ac.parquet", ac)
			appendTable(side, formats.Loans, "ln.parquet", ln)
			wg.Wait()
			a.Finish(adopted, side)
			checkAdopted(t, seq, adopted)
		}
	}
}

// checkAdopted checks that adopted is the platform seq: the same names
// with the same ids, the same columns and objects.
func checkAdopted(t *testing.T, seq, adopted *Platform) {
	t.Helper()
	if !reflect.DeepEqual(seq.LBal, adopted.LBal) || !reflect.DeepEqual(seq.Acc, adopted.Acc) || !reflect.DeepEqual(seq.Loans, adopted.Loans) {
		t.Fatalf("balances or registry differ:\n got %+v %+v %+v\nwant %+v %+v %+v", adopted.LBal, adopted.Acc, adopted.Loans, seq.LBal, seq.Acc, seq.Loans)
	}

	if want, got := seq.Names.names(), adopted.Names.names(); !reflect.DeepEqual(want, got) {
		t.Fatalf("names:\n got %q\nwant %q", got, want)
	}
	for i, name := range seq.Names.names() {
		if id, ok := adopted.Names.Find(name); !ok || id != uint32(i) {
			t.Fatalf("Find(%q) = %d, %v; want %d", name, id, ok, i)
		}
	}
	if !reflect.DeepEqual(seq.Objects, adopted.Objects) {
		t.Fatalf("objects %q, want %q", adopted.Objects, seq.Objects)
	}
	for _, pair := range [][2]*Txns{{&seq.Bank, &adopted.Bank}, {&seq.Ledger, &adopted.Ledger}} {
		want, got := *pair[0], *pair[1]
		if want.N != got.N || !reflect.DeepEqual(want.Spans, got.Spans) ||
			!reflect.DeepEqual(want.Payer, got.Payer) || !reflect.DeepEqual(want.Payee, got.Payee) ||
			!reflect.DeepEqual(want.Currency, got.Currency) || !reflect.DeepEqual(want.Loan, got.Loan) ||
			!reflect.DeepEqual(want.Amount, got.Amount) || !reflect.DeepEqual(want.Kind, got.Kind) {
			t.Fatalf("%v side differs:\n got %+v\nwant %+v", want.Side, got, want)
		}
		for i := range want.N {
			if want.ID.String(i) != got.ID.String(i) {
				t.Fatalf("%v row %d: id %q, want %q", want.Side, i, got.ID.String(i), want.ID.String(i))
			}
		}
	}
}

// encode writes rows as a Parquet table.
func encode[T any](t *testing.T, tbl formats.Table, rows []T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	if err := formats.WriteTable(&buf, tbl, 2, "test", rows); err != nil {
		t.Fatal(err)
	}
	return &buf
}
