package ingest_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/recon-dev/recon/digest"
	"github.com/recon-dev/recon/fixtures"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/store"
)

// TestLoadParallel loads every platform of a store (clean ones, one with
// its ledger in three parts, the last rejected, one with a rejected file, one with fee and loan
// flows, two whose transactions come in row groups of a few rows, a row of
// a later group bad: in the ledger's of one, another platform's row,
// rejected as it is appended; in the custody's of the other, a value no
// table allows, rejected as the group is decoded) both ways, the halves one at a time and at once, into fresh
// and into recycled platforms, over and over: the platforms come out the
// same, names and their ids, every column, objects, rejections and counts,
// however the halves' goroutines happen to run.
func TestLoadParallel(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	const date = "2026-11-26"
	_, err = fixtures.Generate(ctx, st, fixtures.Options{Date: date, Platforms: 3, Investors: 40, Transactions: 600, Seed: 8,
		Scenarios: []string{"input-rejected", "ponzi", "amount-mismatch"}})
	if err != nil {
		t.Fatal(err)
	}
	// A platform whose ledger comes in three parts, the last rejected
	// after two of its row groups are read: the second's rows may not all
	// be appended yet.
	part := filepath.Join(dir, "ledger/transactions/date="+date+"/platform=P001/part-00000.parquet")
	data, err := os.ReadFile(part)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(strings.Replace(part, "part-00000", "part-00001", 1), data, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := parquetRows[formats.LedgerTxnRow](t, part)
	bad[100].PlatformID = "P002"
	rewrite(t, strings.Replace(part, "part-00000", "part-00002", 1), formats.LedgerTransactions, bad)
	// Platforms whose transactions come in row groups of 40 rows, a row of
	// the third group bad.
	file := func(pattern string) string {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil || len(m) != 1 {
			t.Fatalf("%s: %v, %v", pattern, m, err)
		}
		return m[0]
	}
	for _, id := range []string{"P002", "P003"} {
		ledger := file("ledger/transactions/date=" + date + "/platform=" + id + "/part-00000.parquet")
		custody := file("custody/transactions/date=" + date + "/bank=*/platform=" + id + "/part-00000.parquet")
		lrows, crows := parquetRows[formats.LedgerTxnRow](t, ledger), parquetRows[formats.CustodyTxnRow](t, custody)
		if id == "P002" {
			lrows[90].PlatformID = "P003" // rejected as appended
		} else {
			crows[85].Kind = "bogus" // rejected as decoded
		}
		rewrite(t, ledger, formats.LedgerTransactions, lrows)
		rewrite(t, custody, formats.CustodyTransactions, crows)
	}

	opt := ingest.Options{Date: date, Scale: 2, Limits: formats.DefaultLimits()}
	plan, err := ingest.Discover(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Platforms) < 6 {
		t.Fatalf("%d platforms", len(plan.Platforms))
	}
	checkKeysOrder(t, plan)
	for round := range 4 {
		objsOne, objsTwo := digest.Start(ctx, st, plan.Keys(), 0), digest.Start(ctx, st, plan.Keys(), 0)
		one, two := ingest.NewLoader(objsOne, plan, opt), ingest.NewLoader(objsTwo, plan, opt)
		for _, id := range plan.Platforms {
			a, err := one.Load(ctx, id, false)
			if err != nil {
				t.Fatal(err)
			}
			b, err := two.Load(ctx, id, true)
			if err != nil {
				t.Fatal(err)
			}
			samePlatform(t, id, a, b)
			if round > 0 {
				continue
			}
			switch id {
			case "P001":
				parts := 0
				for _, o := range a.Objects {
					if o.Table == formats.LedgerTransactions.String() {
						parts++
					}
				}
				if parts != 3 || len(a.Rejections) != 1 || a.Platform.Ledger.N != 2*len(bad) {
					t.Fatalf("P001: %d ledger parts, %d rejected, %d ledger rows; want 3, 1 and %d", parts, len(a.Rejections), a.Platform.Ledger.N, 2*len(bad))
				}
			case "P002", "P003":
				if len(a.Rejections) != 1 || a.Rejections[0].Table != map[string]formats.Table{"P002": formats.LedgerTransactions, "P003": formats.CustodyTransactions}[id] {
					t.Fatalf("%s: rejections %+v; want its transactions file with the bad row", id, a.Rejections)
				}
			}
			one.Recycle(a.Platform)
			two.Recycle(b.Platform)
		}
		objsOne.Close()
		objsTwo.Close()
	}
}

// parquetRows reads the rows of the Parquet file at path.
func parquetRows[T any](t *testing.T, path string) []T {
	t.Helper()
	rows, err := parquet.ReadFile[T](path)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// rewrite writes rows over the Parquet file at path, in row groups of 40.
func rewrite[T any](t *testing.T, path string, tbl formats.Table, rows []T) {
	t.Helper()
	var buf bytes.Buffer
	if err := formats.WriteTableRowGroups(&buf, tbl, 2, "test", rows, 40); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadTakesLeftovers hands a loader's memory over to another, as a
// worker that runs out of platforms does for one that has none: the
// loader that takes it loads the next platform into it, and the platform
// comes out as a fresh loader's does.
func TestLoadTakesLeftovers(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const date = "2026-11-26"
	if _, err := fixtures.Generate(ctx, st, fixtures.Options{Date: date, Platforms: 2, Investors: 40, Transactions: 600, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	opt := ingest.Options{Date: date, Scale: 2, Limits: formats.DefaultLimits()}
	plan, err := ingest.Discover(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	objs := digest.Start(ctx, st, plan.Keys(), 0)
	defer objs.Close()
	objsFresh := digest.Start(ctx, st, plan.Keys(), 0)
	defer objsFresh.Close()
	first, second := plan.Platforms[0], plan.Platforms[1]
	done, waited, fresh := ingest.NewLoader(objs, plan, opt), ingest.NewLoader(objs, plan, opt), ingest.NewLoader(objsFresh, plan, opt)
	if lo := done.Leave(); lo != nil {
		t.Fatal("a loader that holds no recycled platform left some memory")
	}
	a, err := done.Load(ctx, first, true)
	if err != nil {
		t.Fatal(err)
	}
	done.Recycle(a.Platform)
	lo := done.Leave()
	if lo == nil || done.HasSpare() {
		t.Fatal("Leave kept the loader's memory")
	}
	waited.Take(lo)
	if !waited.HasSpare() {
		t.Fatal("Take did not give the loader the other's platform")
	}
	b, err := waited.Load(ctx, second, true)
	if err != nil {
		t.Fatal(err)
	}
	if b.Platform != a.Platform {
		t.Error("the platform was not loaded into the recycled one")
	}
	c, err := fresh.Load(ctx, second, true)
	if err != nil {
		t.Fatal(err)
	}
	samePlatform(t, second, c, b)
}

func samePlatform(t *testing.T, id string, a, b *ingest.Loaded) {
	t.Helper()
	pa, pb := a.Platform, b.Platform
	if pa.Names.Len() != pb.Names.Len() {
		t.Fatalf("%s: %d names one way, %d the other", id, pa.Names.Len(), pb.Names.Len())
	}
	for n := range pa.Names.Len() {
		if x, y := pa.Names.Name(uint32(n)), pb.Names.Name(uint32(n)); x != y {
			t.Fatalf("%s: name %d is %q one way, %q the other", id, n, x, y)
		}
	}
	for _, c := range []struct {
		what string
		x, y any
	}{
		{"ledger", pa.Ledger, pb.Ledger}, {"bank", pa.Bank, pb.Bank}, {"custody balances", pa.CBal, pb.CBal},
		{"ledger balances", pa.LBal, pb.LBal}, {"accounts", pa.Acc, pb.Acc}, {"loans", pa.Loans, pb.Loans},
		{"platform objects", pa.Objects, pb.Objects}, {"input", a.Input, b.Input},
		{"objects", a.Objects, b.Objects}, {"rejections", a.Rejections, b.Rejections}, {"rows", a.Rows, b.Rows},
	} {
		if !reflect.DeepEqual(c.x, c.y) {
			t.Fatalf("%s: %s differ:\n%+v\n%+v", id, c.what, c.x, c.y)
		}
	}
	if pa.Bank.N+pa.Ledger.N == 0 {
		t.Fatalf("%s: no transactions", id)
	}
}

// checkKeysOrder checks that Keys lists every object once, a platform's
// together, the first half's (custody, balances, loans) before the
// second's (ledger transactions, accounts): the order Load opens them in,
// which the hasher opens them ahead in.
func checkKeysOrder(t *testing.T, plan *ingest.Plan) {
	t.Helper()
	seen := map[string]bool{}
	platform, rest := "", false
	done := map[string]bool{}
	for _, k := range plan.Keys() {
		if seen[k] {
			t.Fatalf("Keys lists %s twice", k)
		}
		seen[k] = true
		_, after, ok := strings.Cut(k, "platform=")
		if !ok {
			t.Fatalf("key %s names no platform", k)
		}
		p, _, _ := strings.Cut(after, "/")
		if p != platform {
			if done[p] {
				t.Fatalf("platform %s's keys are not together: %s", p, k)
			}
			done[platform], platform, rest = true, p, false
		}
		first := strings.HasPrefix(k, "custody/") || strings.HasPrefix(k, "registry/loans/")
		if first && rest {
			t.Fatalf("first-half key %s after the second half of platform %s", k, p)
		}
		rest = rest || !first
	}
	if len(seen) < 6*len(plan.Platforms) {
		t.Fatalf("%d keys for %d platforms", len(seen), len(plan.Platforms))
	}
}
