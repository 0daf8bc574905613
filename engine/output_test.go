package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/fixtures"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/reconcile"
	"github.com/recon-dev/recon/store"
)

// readObject returns an object's bytes.
func readObject(t *testing.T, st store.Store, key string) []byte {
	t.Helper()
	obj, err := st.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.SizeBytes()))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// outputs returns every output object of the date (runs/ and quarantine/)
// by key.
func outputs(t *testing.T, st store.Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range []string{engine.RunPrefix(testDate), engine.QuarantinePrefix(testDate)} {
		objs, err := st.List(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			out[o.Key] = readObject(t, st, o.Key)
		}
	}
	return out
}

// sameOutputs fails the test unless again holds the output objects of
// first, byte for byte; what names the run that made again.
func sameOutputs(t *testing.T, first, again map[string][]byte, what string) {
	t.Helper()
	if len(again) != len(first) {
		t.Fatalf("%s: %d outputs, the first run %d", what, len(again), len(first))
	}
	for k, v := range first {
		if !bytes.Equal(again[k], v) {
			t.Errorf("%s: %s differs from the first run", what, k)
		}
	}
}

// TestDeterminism runs one store twice with 1 worker and with 4: every
// output object must be byte-identical.
func TestDeterminism(t *testing.T) {
	st, _ := genStore(t, fixtures.Options{Platforms: 3, Investors: 60, Transactions: 3000, Seed: 11,
		Scenarios: []string{"breaks", "duplicate-at-bank", "custody-excess"}})
	runStore(t, st, 1)
	first := outputs(t, st)
	for _, workers := range []int{1, 4} {
		// With 4 workers, partitions of 64 rows: many partitions per platform.
		_, err := engine.Run(context.Background(), engine.Options{Store: st, Date: testDate, Config: config.Default(),
			Workers: workers, PartitionRows: 64 * (workers - 1)})
		if err != nil {
			t.Fatal(err)
		}
		sameOutputs(t, first, outputs(t, st), fmt.Sprintf("workers %d", workers))
	}
	if len(first) < 8 {
		t.Fatalf("only %d outputs", len(first))
	}
}

// TestPlatformsLargerThanTheMemoryLimit runs a store under budgets
// smaller than its platforms: each is reconciled in parts spilled to disk,
// the run says so once per platform, and the outputs are byte for byte
// those of a run without a budget. Every scenario is in the store, and a
// ledger file rejected for a bad row in its second row group, after its
// first went to disk, comes before a platform's good ledger file.
func TestPlatformsLargerThanTheMemoryLimit(t *testing.T) {
	st, _ := genStore(t, fixtures.Options{Platforms: 2, Investors: 40, Transactions: 2000, Seed: 5, Scenarios: fixtures.ScenarioNames()})
	var rows []formats.LedgerTxnRow
	for i := range 300 {
		amount := int64(100 + i)
		if i == 250 {
			amount = -1 // amounts are greater than zero: the file is rejected
		}
		rows = append(rows, formats.LedgerTxnRow{PlatformID: "P001", TxnID: fmt.Sprintf("EARLY-%03d", i), Payer: "P001-INV-000001",
			Payee: "P001-BOR-00001", Amount: amount, Currency: "CNY", Kind: "transfer", Status: "success", BookedAt: 1_795_000_000_000_000})
	}
	var buf bytes.Buffer
	if err := formats.WriteTableRowGroups(&buf, formats.LedgerTransactions, 2, "test", rows, 200); err != nil {
		t.Fatal(err)
	}
	key := ingest.Key(formats.LedgerTransactions, testDate, "", "P001", "a-early.parquet")
	if err := st.Put(context.Background(), key, bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
		t.Fatal(err)
	}
	runStore(t, st, 2)
	first := outputs(t, st)
	if !bytes.Contains(first[engine.RunPrefix(testDate)+"summary.json"], []byte("a-early.parquet")) {
		t.Fatal("the early ledger file was not rejected")
	}
	// One worker loads a platform's halves one after the other, two at
	// once, the ledger's on names of its own.
	for _, workers := range []int{1, 2} {
		for _, limit := range []int64{1 << 10, 300 << 10} {
			var logs bytes.Buffer
			_, err := engine.Run(context.Background(), engine.Options{Store: st, Date: testDate, Config: config.Default(),
				Workers: workers, MemoryBytes: limit, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("workers %d, limit %d", workers, limit)
			sameOutputs(t, first, outputs(t, st), what)
			for _, p := range []string{"P001", "P002"} {
				want := `msg="platform larger than the memory limit: reconciled in parts, spilled to disk" platform=` + p + " "
				if n := strings.Count(logs.String(), want); n != 1 {
					t.Errorf("%s, platform %s: said %d times, want once; log:\n%s", what, p, n, logs.String())
				}
			}
		}
	}
}

// TestExceptionsReadByArrow reads the exceptions file back with arrow-go's
// pqarrow, an implementation independent of the writer's.
func TestExceptionsReadByArrow(t *testing.T) {
	st, exp := genStore(t, fixtures.Options{Platforms: 1, Seed: 3, Scenarios: []string{"amount-mismatch"}})
	out := runStore(t, st, 2)
	key := "runs/date=" + testDate + "/exceptions/platform=amount-mismatch/part-00000.parquet"
	data := readObject(t, st, key)
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	wantCols := []string{"exception_id", "run_date", "platform_id", "bank_id", "kind", "severity", "account_id",
		"counterparty_account", "loan_id", "ledger_txn_id", "bank_txn_id", "ledger_amount", "bank_amount",
		"difference", "currency", "first_seen", "source_key", "detail"}
	sch := tbl.Schema()
	if sch.NumFields() != len(wantCols) {
		t.Fatalf("%d columns: %v", sch.NumFields(), sch)
	}
	for i, name := range wantCols {
		if sch.Field(i).Name != name {
			t.Errorf("column %d is %s, want %s", i, sch.Field(i).Name, name)
		}
	}
	for _, name := range []string{"ledger_amount", "bank_amount", "difference"} {
		f, _ := sch.FieldsByName(name)
		dt, ok := f[0].Type.(*arrow.Decimal128Type)
		if !ok || dt.Precision != 18 || dt.Scale != 2 {
			t.Errorf("%s has type %s, want decimal128(18, 2)", name, f[0].Type)
		}
	}
	for _, name := range []string{"run_date", "first_seen"} {
		if f, _ := sch.FieldsByName(name); f[0].Type.ID() != arrow.DATE32 {
			t.Errorf("%s has type %s, want date32", name, f[0].Type)
		}
	}
	if tbl.NumRows() != 1 || len(exp.Exceptions) != 1 {
		t.Fatalf("%d rows, %d expected", tbl.NumRows(), len(exp.Exceptions))
	}
	col := func(name string) arrow.Array {
		idx := sch.FieldIndices(name)[0]
		return tbl.Column(idx).Data().Chunk(0)
	}
	diff := col("difference").(*array.Decimal128).Value(0)
	if got := diff.ToString(2); got != exp.Exceptions[0].Difference {
		t.Errorf("difference read by Arrow %s, expected %s", got, exp.Exceptions[0].Difference)
	}
	if got := col("kind").(*array.String).Value(0); got != "AMOUNT_MISMATCH" {
		t.Errorf("kind %q", got)
	}
	if got := col("bank_id").(*array.String).Value(0); got != out.Exceptions[0].BankID {
		t.Errorf("bank_id %q", got)
	}
	if !col("source_key").IsNull(0) {
		t.Error("source_key should be null")
	}
}

// TestBrokenMatcherDoesNotCommit loses one matched row with a test hook:
// the conservation check must fail the run, and the manifest of an
// earlier good run of the date must be gone.
func TestBrokenMatcherDoesNotCommit(t *testing.T) {
	st, _ := genStore(t, fixtures.Options{Platforms: 2, Seed: 5})
	runStore(t, st, 2)
	if _, err := st.Open(context.Background(), engine.ManifestKey(testDate)); err != nil {
		t.Fatalf("first run did not commit: %v", err)
	}
	for _, side := range []reconcile.Side{reconcile.Ledger, reconcile.Bank} {
		faults := &reconcile.Faults{LoseRow: func(s reconcile.Side, row int) bool { return s == side && row == 17 }}
		_, err := engine.Run(context.Background(), engine.Options{Store: st, Date: testDate, Config: config.Default(), Workers: 2, Faults: faults})
		if !errors.Is(err, reconcile.ErrConservation) || !errors.Is(err, engine.ErrFailed) {
			t.Fatalf("%s: run with a lost row: %v", side, err)
		}
		if !strings.Contains(err.Error(), "neither matched nor reported") {
			t.Errorf("%s: error does not say what was lost: %v", side, err)
		}
		if _, err := st.Open(context.Background(), engine.ManifestKey(testDate)); !errors.Is(err, store.ErrNotExist) {
			t.Fatalf("%s: manifest after a failed run: %v", side, err)
		}
	}
}

// TestDemoLayout checks the output keys of the contract exist and the
// manifest lists every output with its checksum.
func TestDemoLayout(t *testing.T) {
	st, _ := genStore(t, fixtures.Options{Platforms: 1, Seed: 9, Scenarios: []string{"input-rejected"}})
	out := runStore(t, st, 2)
	m := out.Manifest
	if m.RunDate != testDate || m.EngineVersion != engine.Version || len(m.ConfigSHA256) != 64 {
		t.Fatalf("manifest header %+v", m)
	}
	if len(m.Inputs) != 13 { // 6 tables x 2 platforms + the rejected file
		t.Errorf("%d inputs in the manifest", len(m.Inputs))
	}
	for _, in := range m.Inputs {
		if len(in.SHA256) != 64 || in.SizeBytes <= 0 {
			t.Errorf("input %+v", in)
		}
	}
	all := outputs(t, st)
	for _, o := range m.Outputs {
		if data, ok := all[o.Key]; !ok || int64(len(data)) != o.SizeBytes {
			t.Errorf("output %s missing or of another size", o.Key)
		}
	}
	want := []string{"runs/date=" + testDate + "/summary.json", "runs/date=" + testDate + "/report.html", engine.ManifestKey(testDate)}
	for _, k := range want {
		if _, ok := all[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	if m.Exceptions["INPUT_REJECTED"] != 1 {
		t.Errorf("manifest exception counts %v", m.Exceptions)
	}
	_ = os.Stdout
	_ = filepath.Join
}
