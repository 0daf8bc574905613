package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/store"
)

// TestConfiguredLimits sets each limit in the configuration's `limits:`
// and runs a store of one ledger file just past it: the file must be
// quarantined with that limit in the reason. The readers' boundaries (a
// file at the limit is read whole) are tested in formats.TestLimits.
func TestConfiguredLimits(t *testing.T) {
	memo := "a memo of 20 bytes.." // longer than any id of the file
	rows := cLedger(2)
	rows[0].Memo = &memo
	rows[1].Amount, rows[0].Amount = 0, 0
	key := ingest.Key(formats.LedgerTransactions, testDate, "", "P001", "part-0.parquet")
	good := cLedger(2)
	good[0].Memo = &memo
	file := table(t, formats.LedgerTransactions, 2, good)
	zeros := table(t, formats.LedgerTransactions, 2, rows)
	tests := []struct {
		yaml string
		data []byte
		want string
	}{
		{"rows_per_object: 1", file, key + ": limit exceeded: the file says it has 2 rows, more than the limit of 1"},
		{fmt.Sprintf("bytes_per_object: %d", len(file)-1), file,
			fmt.Sprintf("%s: limit exceeded: object of %d bytes is larger than the limit of %d", key, len(file), len(file)-1)},
		{"string_bytes: 19", file, key + `: row 1, column "memo": limit exceeded: string of 20 bytes is longer than the limit of 19`},
		{"column_chunk_bytes: 8", file, key + `: column "platform_id": limit exceeded: column chunk of 85 bytes decompressed, more than the limit of 8`},
		{"errors_per_object: 1", zeros, key + `: row 1, column "amount": value breaks a table rule: must be greater than zero`},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			cfg, err := config.Parse(strings.NewReader("limits:\n  " + tt.yaml + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			st, err := store.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			put(t, st, key, tt.data)
			out, err := engine.Run(context.Background(), engine.Options{Store: st, Date: testDate, Config: cfg, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Summary.Rejected) != 1 || out.Summary.Rejected[0].Reason != tt.want {
				t.Errorf("rejected %+v\nwant %q", out.Summary.Rejected, tt.want)
			}
		})
	}
}

// TestFilesPerRun runs a store of n input objects with files_per_run n
// (it commits) and n-1 (it fails, committing nothing).
func TestFilesPerRun(t *testing.T) {
	st := corpusStore(t)
	var n int
	for _, tbl := range formats.Tables() {
		prefix := ingest.Key(tbl, testDate, "B", "P", "")
		prefix = prefix[:strings.Index(prefix, "platform=")]
		prefix = strings.TrimSuffix(prefix, "bank=B/")
		objs, err := st.List(context.Background(), prefix)
		if err != nil {
			t.Fatal(err)
		}
		n += len(objs)
	}
	if n != 18 { // six tables of three platforms
		t.Fatalf("%d input objects", n)
	}
	for _, limit := range []int{n, n - 1} {
		cfg := config.Default()
		cfg.Limits.FilesPerRun = limit
		out, err := engine.Run(context.Background(), engine.Options{Store: st, Date: testDate, Config: cfg, Workers: 2})
		_, merr := st.Open(context.Background(), engine.ManifestKey(testDate))
		if limit == n {
			if err != nil || merr != nil || out.Manifest == nil || len(out.Manifest.Inputs) != n {
				t.Errorf("files_per_run %d: %v, manifest %v", limit, err, merr)
			}
			continue
		}
		want := fmt.Sprintf("run failed, nothing committed: ingest: more than %d input objects (limit files_per_run)", limit)
		if !errors.Is(err, engine.ErrFailed) || err.Error() != want || !errors.Is(merr, store.ErrNotExist) {
			t.Errorf("files_per_run %d: %v, manifest %v; want %q and no manifest", limit, err, merr, want)
		}
	}
}
