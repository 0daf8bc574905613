package reconcile

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
)

func ptr[T any](v T) *T { return &v }

// load builds a platform through the same path a run takes: rows written
// as Parquet, read back and appended.
func load(t testing.TB, id string, bank []formats.CustodyTxnRow, ledger []formats.LedgerTxnRow) (*Platform, Input) {
	t.Helper()
	return loadInto(t, NewPlatform(id), bank, ledger)
}

// loadInto is load into platform p.
func loadInto(t testing.TB, p *Platform, bank []formats.CustodyTxnRow, ledger []formats.LedgerTxnRow) (*Platform, Input) {
	t.Helper()
	var in Input
	add := func(tbl formats.Table, key string, data []byte, side Side, amountCol int) {
		obj := p.AddObject(key)
		err := formats.Read(context.Background(), key, bytes.NewReader(data), int64(len(data)), formats.SchemaOf(tbl),
			formats.ReadOptions{Scale: 2, Limits: formats.DefaultLimits()}, func(b *formats.Batch) error {
				in.Rows[side] += int64(b.Len)
				for _, v := range b.Cols[amountCol].Int {
					in.Amount[side].Add(v)
				}
				return p.Append(obj, key, "", b)
			})
		if err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := formats.WriteTable(&buf, formats.CustodyTransactions, 2, "test", bank); err != nil {
		t.Fatal(err)
	}
	add(formats.CustodyTransactions, "bank.parquet", slices.Clone(buf.Bytes()), Bank, formats.CTAmount)
	buf.Reset()
	if err := formats.WriteTable(&buf, formats.LedgerTransactions, 2, "test", ledger); err != nil {
		t.Fatal(err)
	}
	add(formats.LedgerTransactions, "ledger.parquet", buf.Bytes(), Ledger, formats.LTAmount)
	return p, in
}

// randomDay makes a small, collision-heavy day: few accounts, few amounts,
// repeated ids, references that name nothing, every status.
func randomDay(rng *rand.Rand) ([]formats.CustodyTxnRow, []formats.LedgerTxnRow) {
	accts := []string{"A", "B", "C", "D"}
	amounts := []int64{100, 200, 250}
	if rng.IntN(2) == 0 { // few, large groups for matching without reference
		accts, amounts = []string{"A", "A", "A", "B"}, []int64{100, 100, 100}
	}
	statuses := []string{"success", "success", "success", "failed", "reversed"}
	base := int64(1_795_000_000_000_000)
	at := func() int64 { return base + rng.Int64N(3*86_400_000_000) - 86_400_000_000 + rng.Int64N(4)*1_000_000 }
	nl, nb := rng.IntN(40), rng.IntN(40)
	var ledger []formats.LedgerTxnRow
	for range nl {
		ledger = append(ledger, formats.LedgerTxnRow{PlatformID: "P", TxnID: fmt.Sprintf("T%02d", rng.IntN(30)),
			Payer: accts[rng.IntN(4)], Payee: accts[rng.IntN(4)], Amount: amounts[rng.IntN(3)], Currency: "CNY",
			Kind: "transfer", Status: statuses[rng.IntN(5)], BookedAt: at()})
	}
	var bank []formats.CustodyTxnRow
	for range nb {
		b := formats.CustodyTxnRow{BankID: "B", PlatformID: "P", BankTxnID: fmt.Sprintf("K%02d", rng.IntN(40)),
			Payer: accts[rng.IntN(4)], Payee: accts[rng.IntN(4)], Amount: amounts[rng.IntN(3)], Currency: "CNY",
			Kind: "transfer", Status: statuses[rng.IntN(5)], BookedAt: at()}
		switch rng.IntN(3) {
		case 0:
			b.PlatformTxnID = ptr(fmt.Sprintf("T%02d", rng.IntN(30)))
		case 1:
			b.PlatformTxnID = ptr(fmt.Sprintf("X%02d", rng.IntN(5)))
		}
		bank = append(bank, b)
	}
	return bank, ledger
}

// oracle matches the way the contract words it, by brute force: all
// candidate pairs listed, sorted, taken greedily.
func oracle(p *Platform, window int64, loc *time.Location) map[pair]bool {
	L, B := &p.Ledger, &p.Bank
	lTaken := make([]bool, L.N)
	bTaken := make([]bool, B.N)
	out := map[pair]bool{}
	byKey := map[string][]int{}
	for i := range L.N {
		byKey[L.ID.String(i)] = append(byKey[L.ID.String(i)], i)
	}
	bankByKey := map[string][]int{}
	for i := range B.N {
		if k := B.Ref.String(i); k != "" && len(byKey[k]) > 0 {
			bankByKey[k] = append(bankByKey[k], i)
		}
	}
	for k, ls := range byKey {
		bs := bankByKey[k]
		if len(bs) == 0 {
			for _, l := range ls[1:] {
				lTaken[l] = true // duplicate
			}
			continue
		}
		type cand struct {
			d    int64
			l, b int
		}
		var cs []cand
		for _, l := range ls {
			for _, b := range bs {
				cs = append(cs, cand{absDiff(L.BookedAt[l], B.BookedAt[b]), l, b})
			}
		}
		slices.SortFunc(cs, func(x, y cand) int {
			return cmp.Or(cmp.Compare(x.d, y.d), cmp.Compare(x.l, y.l), bytes.Compare(B.ID.At(x.b), B.ID.At(y.b)), cmp.Compare(x.b, y.b))
		})
		for _, l := range ls {
			lTaken[l] = true
		}
		for _, b := range bs {
			bTaken[b] = true
		}
		out[pair{l: int32(cs[0].l), b: int32(cs[0].b), byRef: true}] = true
	}
	day := func(us int64) int64 {
		y, m, d := time.UnixMicro(us).In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	}
	type cand struct {
		d    int64
		l, b int
	}
	var cs []cand
	for l := range L.N {
		for b := range B.N {
			if lTaken[l] || bTaken[b] || L.Payer[l] != B.Payer[b] || L.Payee[l] != B.Payee[b] ||
				L.Amount[l] != B.Amount[b] || L.Currency[l] != B.Currency[b] ||
				absDiff(day(L.BookedAt[l]), day(B.BookedAt[b])) > window {
				continue
			}
			cs = append(cs, cand{absDiff(L.BookedAt[l], B.BookedAt[b]), l, b})
		}
	}
	slices.SortFunc(cs, func(x, y cand) int {
		return cmp.Or(cmp.Compare(x.d, y.d), bytes.Compare(L.ID.At(x.l), L.ID.At(y.l)), cmp.Compare(x.l, y.l),
			bytes.Compare(B.ID.At(x.b), B.ID.At(y.b)), cmp.Compare(x.b, y.b))
	})
	for _, c := range cs {
		if !lTaken[c.l] && !bTaken[c.b] {
			lTaken[c.l], bTaken[c.b] = true, true
			out[pair{l: int32(c.l), b: int32(c.b)}] = true
		}
	}
	return out
}

// TestConservationProperty reconciles hundreds of random, collision-heavy
// days: every run must pass the conservation check, account for every row
// in exactly one outcome, match exactly the pairs the brute-force reading
// of the contract finds, and give the same exceptions with 1 or 4 workers.
func TestConservationProperty(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	sev := DefaultSeverities()
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 99))
		bank, ledger := randomDay(rng)
		var first []formats.Exception
		for _, workers := range []int{1, 4} {
			p, in := load(t, "P", bank, ledger)
			// With 4 workers, partitions of 4 rows: the many-partition path.
			opt := Options{Workers: workers, Scale: 2, DateWindowDays: 1, Location: loc, Severities: sev, PartitionRows: 4 * (workers - 1)}
			if seed%3 == 0 {
				// A hash that collides all the time: keys of one length
				// share it, so the byte-for-byte checks must decide.
				opt.keyHash = func(k []byte) uint64 { return uint64(len(k)) * 0x9E3779B97F4A7C15 }
			}
			res, err := Reconcile(context.Background(), p, in, opt)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, side := range []Side{Ledger, Bank} {
				c := res.Stats.Counts(side)
				if sum := c.MatchedByReference + c.MatchedWithoutReference + c.Duplicates + c.Missing + c.MovedNothing; sum != c.Transactions || c.Transactions != in.Rows[side] {
					t.Fatalf("seed %d %s: counts %+v add up to %d of %d", seed, side, c, sum, in.Rows[side])
				}
				var total money.Sum
				for o := range numOutcomes {
					total.AddSum(res.Stats.Amounts[side][o])
				}
				if total != in.Amount[side] {
					t.Fatalf("seed %d %s: amounts do not add up", seed, side)
				}
			}
			if workers == 1 {
				first = res.Exceptions
			} else if !slices.EqualFunc(first, res.Exceptions, func(a, b formats.Exception) bool { return a == b }) {
				t.Fatalf("seed %d: exceptions differ between 1 and 4 workers", seed)
			}
			// The pairs against the oracle.
			r := &run{p: p, opt: opt, loc: loc, dayr: newDayer(loc)}
			if seed%3 == 1 {
				// Different keys, each alone on its side, with one hash.
				r.opt.keyHash = func(k []byte) uint64 { return 42 }
			}
			m := newMatching(p)
			if err := r.matchByReference(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			if err := r.matchWithoutReference(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			want := oracle(p, 1, loc)
			pairs := m.pairs()
			if len(pairs) != len(want) {
				t.Fatalf("seed %d: %d pairs, oracle %d", seed, len(pairs), len(want))
			}
			for _, pr := range pairs {
				if !want[pr] {
					t.Fatalf("seed %d: pair %+v (ledger %s, bank %s) not in the oracle's matching", seed, pr, p.Ledger.ID.String(int(pr.l)), p.Bank.ID.String(int(pr.b)))
				}
			}
		}
	}
}

// TestHashCollisionAlone joins a ledger key and a different bank reference
// that share a hash, each alone on its side: the byte check must undo the
// pair, leaving both rows missing.
func TestHashCollisionAlone(t *testing.T) {
	bank := []formats.CustodyTxnRow{{BankID: "B", PlatformID: "P", BankTxnID: "K1", PlatformTxnID: ptr("CD"), Payer: "A", Payee: "B",
		Amount: 100, Currency: "CNY", Kind: "transfer", Status: "success", BookedAt: 1_795_000_000_000_000}}
	ledger := []formats.LedgerTxnRow{{PlatformID: "P", TxnID: "AB", Payer: "A", Payee: "C",
		Amount: 200, Currency: "CNY", Kind: "transfer", Status: "success", BookedAt: 1_795_000_000_000_000}}
	p, in := load(t, "P", bank, ledger)
	opt := Options{Workers: 1, Scale: 2, DateWindowDays: 1, Location: time.UTC, Severities: DefaultSeverities(),
		keyHash: func([]byte) uint64 { return 7 }}
	res, err := Reconcile(context.Background(), p, in, opt)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range res.Exceptions {
		if e.Kind == MissingAtBank || e.Kind == MissingInLedger || e.Kind == AmountMismatch {
			kinds = append(kinds, e.Kind)
		}
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{MissingAtBank, MissingInLedger}) {
		t.Fatalf("got %v", kinds)
	}
}
