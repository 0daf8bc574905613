package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/recon-dev/recon/formats"
)

// benchDay is a clean day of n movements on both sides, with a registry
// that allows them: the shape of the benchmark store.
func benchDay(b *testing.B, n int) (*Platform, Input) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var bank []formats.CustodyTxnRow
	var ledger []formats.LedgerTxnRow
	for i := range n {
		inv, card := fmt.Sprintf("I%05d", rng.IntN(n/20+1)), ""
		card = inv + "-CARD"
		ref := fmt.Sprintf("T%09d", i)
		at := int64(1_795_000_000_000_000) + rng.Int64N(80_000_000_000)
		amount := 100 + rng.Int64N(1_000_000)
		bank = append(bank, formats.CustodyTxnRow{BankID: "B", PlatformID: "P", BankTxnID: "K" + ref, PlatformTxnID: ptr(ref),
			Payer: card, Payee: inv, Amount: amount, Currency: "CNY", Kind: "deposit", Status: "success", BookedAt: at})
		ledger = append(ledger, formats.LedgerTxnRow{PlatformID: "P", TxnID: ref,
			Payer: card, Payee: inv, Amount: amount, Currency: "CNY", Kind: "deposit", Status: "success", BookedAt: at + 1000})
	}
	p, in := load(b, "P", bank, ledger)
	var accounts []formats.AccountRow
	for i := range n/20 + 1 {
		inv := fmt.Sprintf("I%05d", i)
		accounts = append(accounts, formats.AccountRow{PlatformID: "P", AccountID: inv, Role: "investor", HolderID: "H" + inv},
			formats.AccountRow{PlatformID: "P", AccountID: inv + "-CARD", Role: "external", HolderID: "H" + inv})
	}
	var buf bytes.Buffer
	if err := formats.WriteTable(&buf, formats.Accounts, 2, "bench", accounts); err != nil {
		b.Fatal(err)
	}
	obj := p.AddObject("accounts.parquet")
	err := formats.Read(context.Background(), "a.parquet", bytes.NewReader(buf.Bytes()), int64(buf.Len()), formats.SchemaOf(formats.Accounts),
		formats.ReadOptions{Scale: 2, Limits: formats.DefaultLimits()}, func(bt *formats.Batch) error { return p.Append(obj, "a.parquet", "", bt) })
	if err != nil {
		b.Fatal(err)
	}
	return p, in
}

func benchOptions() Options {
	return Options{Workers: 2, Scale: 2, DateWindowDays: 1, Location: time.UTC, Severities: DefaultSeverities()}
}

// BenchmarkMatchByReference is the partition and hash join of 200k rows a
// side.
func BenchmarkMatchByReference(b *testing.B) {
	p, _ := benchDay(b, 200_000)
	opt := benchOptions()
	b.ResetTimer()
	for range b.N {
		r := &run{p: p, opt: opt, loc: time.UTC, dayr: newDayer(time.UTC)}
		m := newMatching(p)
		if err := r.matchByReference(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*400_000), "ns/row")
}

// BenchmarkBalances is the balance aggregation of 200k movements.
func BenchmarkBalances(b *testing.B) {
	p, _ := benchDay(b, 200_000)
	opt := benchOptions()
	opt.Flows = DefaultFlowRules()
	b.ResetTimer()
	for range b.N {
		r := &run{p: p, opt: opt, loc: time.UTC, dayr: newDayer(time.UTC), rules: opt.Flows, reg: newRegistry(p)}
		if err := r.balances(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*200_000), "ns/row")
}

// BenchmarkReconcile is a whole platform: matching, comparisons,
// balances, flows and the conservation check, 200k rows a side.
func BenchmarkReconcile(b *testing.B) {
	p, in := benchDay(b, 200_000)
	opt := benchOptions()
	b.ResetTimer()
	for range b.N {
		res, err := Reconcile(context.Background(), p, in, opt)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Exceptions) != 0 {
			b.Fatalf("%d exceptions on a clean day: %s", len(res.Exceptions), res.Exceptions[0].Detail)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*400_000), "ns/row")
}
