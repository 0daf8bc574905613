package ingest

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/reconcile"
)

// Locate finds the table a path names by the store layout anywhere in it
// (custody/transactions/date=D/bank=B/platform=P/x.parquet, possibly below
// other directories). ok is false when the path does not follow it.
func Locate(path string) (loc Location, ok bool) {
	segs := strings.Split(strings.ReplaceAll(path, "\\", "/"), "/")
	for i := 0; i+1 < len(segs); i++ {
		var t formats.Table
		switch segs[i] + "/" + segs[i+1] {
		case "custody/transactions":
			t = formats.CustodyTransactions
		case "custody/balances":
			t = formats.CustodyBalances
		case "ledger/transactions":
			t = formats.LedgerTransactions
		case "ledger/balances":
			t = formats.LedgerBalances
		case "registry/accounts":
			t = formats.Accounts
		case "registry/loans":
			t = formats.Loans
		default:
			continue
		}
		loc = Location{Table: t}
		for _, s := range segs[i+2 : len(segs)-1] {
			if v, ok := strings.CutPrefix(s, "date="); ok {
				loc.Date = v
			}
			if v, ok := strings.CutPrefix(s, "bank="); ok {
				loc.BankID = v
			}
			if v, ok := strings.CutPrefix(s, "platform="); ok {
				loc.PlatformID = v
			}
		}
		return loc, true
	}
	return Location{}, false
}

// Validate checks one object as a run would: every table rule, and that
// its rows name the platform and bank of its location (when the location
// names them). It returns the rows read, or the reason the run would
// quarantine it; an error that is not an input error (IsInputError) means
// the object could not be read.
func Validate(ctx context.Context, key string, r io.ReaderAt, size int64, loc Location, opt formats.ReadOptions) (int64, error) {
	p := reconcile.NewPlatform(loc.PlatformID)
	rows, _, err := decodeInto(ctx, p, key, loc, r, size, opt)
	return rows, err
}

// GuessTable picks the table whose required columns a file has, for a
// file that is not under the store layout.
func GuessTable(columns []string) (formats.Table, error) {
	have := map[string]bool{}
	for _, c := range columns {
		have[c] = true
	}
	best, bestN, tie := formats.Table(0), -1, false
	for _, t := range formats.Tables() {
		n, all := 0, true
		for _, c := range formats.SchemaOf(t).Columns {
			if c.Required {
				if !have[c.Name] {
					all = false
					break
				}
				n++
			}
		}
		if !all {
			continue
		}
		switch {
		case n > bestN:
			best, bestN, tie = t, n, false
		case n == bestN:
			tie = true
		}
	}
	if bestN < 0 || tie {
		return 0, fmt.Errorf("cannot tell which table the columns %v belong to; name the table with --table", columns)
	}
	return best, nil
}
