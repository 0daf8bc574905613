package engine_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/fixtures"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/store"
)

func put(t *testing.T, st store.Store, key string, data []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func ledgerRow(id string, amount int64) formats.LedgerTxnRow {
	return formats.LedgerTxnRow{PlatformID: "P001", TxnID: id, Payer: "P001-INV-000001", Payee: "P001-BOR-00001",
		Amount: amount, Currency: "CNY", Kind: "bid", Status: "success", BookedAt: 1_795_000_000_000_000}
}

// TestBadInputQuarantined puts five bad files beside a clean platform's
// inputs. Each must be quarantined with a reason that names the object and,
// where there is one, the row and column; the rest of the run commits.
func TestBadInputQuarantined(t *testing.T) {
	st, _ := genStore(t, fixtures.Options{Platforms: 1, Seed: 21})
	ctx := context.Background()
	lkey := func(name string) string { return ingest.Key(formats.LedgerTransactions, testDate, "", "P001", name) }

	// A float amount column.
	type floatRow struct {
		PlatformID string  `parquet:"platform_id"`
		TxnID      string  `parquet:"txn_id"`
		Payer      string  `parquet:"payer_account"`
		Payee      string  `parquet:"payee_account"`
		Amount     float64 `parquet:"amount"`
		Currency   string  `parquet:"currency"`
		Kind       string  `parquet:"kind"`
		Status     string  `parquet:"status"`
		BookedAt   int64   `parquet:"booked_at,timestamp(microsecond)"`
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []floatRow{{PlatformID: "P001", TxnID: "X1", Payer: "a", Payee: "b", Amount: 1.5, Currency: "CNY", Kind: "bid", Status: "success"}}); err != nil {
		t.Fatal(err)
	}
	put(t, st, lkey("float.parquet"), buf.Bytes())

	// A truncated Parquet file: the first half of the platform's custody file.
	ckey := ingest.Key(formats.CustodyTransactions, testDate, "B1", "P001", "part-00000.parquet")
	whole := readObject(t, st, ckey)
	truncKey := ingest.Key(formats.CustodyTransactions, testDate, "B1", "P001", "truncated.parquet")
	put(t, st, truncKey, whole[:len(whole)/2])

	// A custody balance file without closing_balance.
	type balNoClosing struct {
		BankID     string `parquet:"bank_id"`
		PlatformID string `parquet:"platform_id"`
		AccountID  string `parquet:"account_id"`
		AsOf       int32  `parquet:"as_of,date"`
		Opening    int64  `parquet:"opening_balance,decimal(2:18)"`
		Currency   string `parquet:"currency"`
	}
	buf.Reset()
	if err := parquet.Write(&buf, []balNoClosing{{BankID: "B1", PlatformID: "P001", AccountID: "P001-INV-000001", AsOf: 20000, Opening: 1, Currency: "CNY"}}); err != nil {
		t.Fatal(err)
	}
	balKey := ingest.Key(formats.CustodyBalances, testDate, "B1", "P001", "no-closing.parquet")
	put(t, st, balKey, buf.Bytes())

	// A memo that is not UTF-8, in row 2.
	rows := []formats.LedgerTxnRow{ledgerRow("U1", 100), ledgerRow("U2", 200)}
	rows[1].Memo = ptr("caf\xe9 latin-1")
	buf.Reset()
	if err := formats.WriteTable(&buf, formats.LedgerTransactions, 2, "test", rows); err != nil {
		t.Fatal(err)
	}
	put(t, st, lkey("latin1.parquet"), buf.Bytes())

	// An amount with three decimals (DECIMAL(18,3) 1.005) in row 1.
	buf.Reset()
	if err := formats.WriteTable(&buf, formats.LedgerTransactions, 3, "test", []formats.LedgerTxnRow{ledgerRow("D1", 1005), ledgerRow("D2", 2000)}); err != nil {
		t.Fatal(err)
	}
	put(t, st, lkey("three-decimals.parquet"), buf.Bytes())

	want := map[string]string{
		lkey("float.parquet"):          lkey("float.parquet") + `: column "amount": money must be a decimal, not a float: the file has DOUBLE`,
		truncKey:                       truncKey + `: not a Parquet file: ends with`,
		balKey:                         balKey + `: column "closing_balance": missing required column`,
		lkey("latin1.parquet"):         lkey("latin1.parquet") + `: row 2, column "memo": string is not valid UTF-8: "caf\xe9 latin-1"`,
		lkey("three-decimals.parquet"): lkey("three-decimals.parquet") + `: row 1, column "amount": more decimal places than the configured scale: 1.005`,
	}

	out := runStore(t, st, 2)
	if _, err := st.Open(ctx, engine.ManifestKey(testDate)); err != nil {
		t.Fatalf("run did not commit: %v", err)
	}
	got := map[string]string{}
	for _, e := range out.Exceptions {
		if e.Kind != "INPUT_REJECTED" {
			t.Errorf("unexpected %s: %s", e.Kind, e.Detail)
			continue
		}
		if e.PlatformID != "P001" {
			t.Errorf("%s: platform %q", e.SourceKey, e.PlatformID)
		}
		got[e.SourceKey] = e.Detail
	}
	if len(got) != len(want) {
		t.Errorf("%d rejected, want %d", len(got), len(want))
	}
	for key, reason := range want {
		if !strings.Contains(got[key], reason) {
			t.Errorf("%s:\n  detail %q\n  want it to contain %q", key, got[key], reason)
		}
		q := readObject(t, st, engine.QuarantinePrefix(testDate)+key)
		if !bytes.Equal(q, readObject(t, st, key)) {
			t.Errorf("%s: quarantined copy differs", key)
		}
		text := string(readObject(t, st, engine.QuarantinePrefix(testDate)+key+".reason.txt"))
		if !strings.HasPrefix(text, reason) {
			t.Errorf("%s: reason.txt %q", key, text)
		}
	}
	// The clean rows still reconcile: 400 movements on each side.
	p := out.Summary.Platforms[0]
	if p.Bank.Transactions != 400 || p.Ledger.Transactions != 400 || p.Bank.MatchedByReference+p.Bank.MovedNothing == 0 {
		t.Errorf("platform counts %+v", p)
	}
}
