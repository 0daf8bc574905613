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
// other directories). ok is false when the path names no table.
func Locate(path string) (loc Location, ok bool) {
	loc, _, ok = locate(path)
	return loc, ok
}

// CheckLayout returns the reason a run quarantines an object at path for
// its key alone (a segment missing or extra below the table's prefix, a
// file name that is neither .parquet nor .arrow), as an input error. nil
// when the path follows the layout, or is a loose file: no table in it,
// or no date=, bank= or platform= segment below the table.
func CheckLayout(path string) error {
	loc, key, ok := locate(path)
	if !ok || !strings.ContainsAny(key, "=") {
		return nil // a loose file, say one to upload with recon upload
	}
	date := loc.Date
	if date == "" && loc.Table != formats.Accounts && loc.Table != formats.Loans {
		date = "D"
	}
	if _, err := parseKey(loc.Table, date, key); err != nil {
		return &formats.Error{Key: path, Err: err}
	}
	return nil
}

// locate is Locate, also returning the key: the path from the table's
// prefix on.
func locate(path string) (loc Location, key string, ok bool) {
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
		return loc, strings.Join(segs[i:], "/"), true
	}
	return Location{}, "", false
}

// Validate checks one object as a run would: every table rule, and that
// its rows name the platform and bank of its location (when the location
// names them). It returns the rows read, or the reason the run would
// quarantine it; an error that is not an input error (IsInputError) means
// the object could not be read.
func Validate(ctx context.Context, key string, r io.ReaderAt, size int64, loc Location, opt formats.ReadOptions) (int64, error) {
	p := reconcile.NewPlatform(loc.PlatformID)
	rows, _, err := decodeInto(ctx, p, p.AddObject(key), key, loc, r, size, opt, turn{}, nil, nil)
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

// Statements validates a bank's files together and checks them as the
// run will: each custody_balances row's opening plus the day's successful
// movements of its account must be its closing (BANK_STATEMENT_BREAK).
// Files are grouped by the date and platform their location names; loose
// files, whose path names neither, form one group. Only a group given
// both custody tables is checked: balances alone say nothing of the
// day's movements. Not safe for concurrent use.
type Statements struct {
	groups map[[2]string]*reconcile.Platform
	tables map[[2]string]map[formats.Table]bool
	order  [][2]string
}

// NewStatements returns an empty set.
func NewStatements() *Statements {
	return &Statements{groups: map[[2]string]*reconcile.Platform{}, tables: map[[2]string]map[formats.Table]bool{}}
}

// Validate is Validate, keeping the rows of a valid custody file for
// Breaks.
func (s *Statements) Validate(ctx context.Context, key string, r io.ReaderAt, size int64, loc Location, opt formats.ReadOptions) (int64, error) {
	if loc.Table != formats.CustodyTransactions && loc.Table != formats.CustodyBalances {
		return Validate(ctx, key, r, size, loc, opt)
	}
	g := [2]string{loc.Date, loc.PlatformID}
	p := s.groups[g]
	if p == nil {
		p = reconcile.NewPlatform(loc.PlatformID)
		s.groups[g] = p
		s.tables[g] = map[formats.Table]bool{}
		s.order = append(s.order, g)
	}
	s.tables[g][loc.Table] = true
	mark := p.Rows(loc.Table)
	rows, _, err := decodeInto(ctx, p, p.AddObject(key), key, loc, r, size, opt, turn{}, nil, nil)
	if err != nil {
		p.Truncate(loc.Table, mark)
	}
	return rows, err
}

// Breaks returns the statement breaks of the valid custody files, group
// by group in the order they were first seen.
func (s *Statements) Breaks(ctx context.Context, scale int) ([]formats.Exception, error) {
	var out []formats.Exception
	for _, g := range s.order {
		if len(s.tables[g]) < 2 {
			continue
		}
		breaks, err := reconcile.StatementBreaks(ctx, s.groups[g], reconcile.Options{Scale: scale})
		if err != nil {
			return nil, err
		}
		out = append(out, breaks...)
	}
	return out, nil
}
