package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/recon-dev/recon/fixtures"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/store"
)

// resplit rewrites a table's one file as three files of small row groups.
func resplit[T any](t *testing.T, st store.Store, table formats.Table, key, bank, platform string) {
	t.Helper()
	data := readObject(t, st, key)
	rows, err := parquet.Read[T](bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	third := len(rows) / 3
	for i, part := range [][]T{rows[:third], rows[third : 2*third], rows[2*third:]} {
		var buf bytes.Buffer
		if err := formats.WriteTableRowGroups(&buf, table, 2, "test", part, 97); err != nil {
			t.Fatal(err)
		}
		put(t, st, ingest.Key(table, testDate, bank, platform, fmt.Sprintf("split-%d.parquet", i)), buf.Bytes())
	}
}

// TestManyFilesAndRowGroups spreads a platform's transactions over three
// files of many small row groups each: the run must give what one file per
// side gives.
func TestManyFilesAndRowGroups(t *testing.T) {
	opt := fixtures.Options{Platforms: 1, Investors: 40, Transactions: 2000, Seed: 12, Scenarios: []string{"breaks"}}
	st, _ := genStore(t, opt)
	want := runStore(t, st, 2).Exceptions
	for _, p := range []string{"P001", "breaks"} {
		resplit[formats.CustodyTxnRow](t, st, formats.CustodyTransactions,
			ingest.Key(formats.CustodyTransactions, testDate, "B1", p, "part-00000.parquet"), "B1", p)
		resplit[formats.LedgerTxnRow](t, st, formats.LedgerTransactions,
			ingest.Key(formats.LedgerTransactions, testDate, "", p, "part-00000.parquet"), "", p)
	}
	got := runStore(t, st, 2).Exceptions
	// Details name the files and rows; compare everything else.
	strip := func(es []formats.Exception) []formats.Exception {
		out := slices.Clone(es)
		for i := range out {
			out[i].Detail = ""
		}
		formats.SortExceptions(out)
		return out
	}
	if g, w := strip(got), strip(want); !slices.Equal(g, w) {
		t.Fatalf("%d exceptions after the split, %d before:\n%v\n%v", len(g), len(w), g, w)
	}
}
