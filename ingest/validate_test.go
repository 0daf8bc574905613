package ingest

import (
	"testing"

	"github.com/recon-dev/recon/formats"
)

func TestCheckLayout(t *testing.T) {
	tests := []struct {
		path, reason string
	}{
		{"store/custody/transactions/date=2026-11-26/bank=B1/platform=P1/part-0.parquet", ""},
		{"registry/accounts/platform=P1/a.arrow", ""},
		{"exports/custody/transactions/today.parquet", ""}, // loose: for recon upload
		{"today.parquet", ""},
		{"custody/transactions/date=2026-11-26/platform=P1/x.parquet",
			"custody/transactions/date=2026-11-26/platform=P1/x.parquet: key does not follow the layout custody/transactions/date=2026-11-26/bank=B/platform=P/<file>"},
		{"ledger/transactions/platform=P1/x.parquet",
			"ledger/transactions/platform=P1/x.parquet: key does not follow the layout ledger/transactions/date=D/platform=P/<file>"},
		{"ledger/balances/date=2026-11-26/platform=P1/x.csv",
			"ledger/balances/date=2026-11-26/platform=P1/x.csv: " + formats.ErrFormat.Error() + ": file name must end in .parquet or .arrow"},
	}
	for _, tt := range tests {
		err := CheckLayout(tt.path)
		got := ""
		if err != nil {
			got = err.Error()
			if !IsInputError(err) {
				t.Errorf("%s: %v is not an input error", tt.path, err)
			}
		}
		if got != tt.reason {
			t.Errorf("%s:\n got %q\nwant %q", tt.path, got, tt.reason)
		}
	}
}
