package convert

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
)

// File is one object of a conversion: a Parquet file of one table and
// business date, under the key the store layout gives it.
type File struct {
	Key   string // custody/{transactions,balances}/date=D/bank=B/platform=P/NAME.parquet
	Table formats.Table
	Date  string
	Rows  int
	Data  []byte
}

// CheckName checks an object name given with --name: letters, digits,
// '-', '_' and '.', not starting with '.' or '_' (runs ignore such
// objects).
func CheckName(name string) error {
	if name == "" {
		return fmt.Errorf("object name must not be empty")
	}
	if name[0] == '.' || name[0] == '_' {
		return fmt.Errorf("object name %q starts with %q: runs ignore such objects", name, name[:1])
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("object name %q: names are letters, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}

// Files encodes the result as Parquet files, one per table and business
// date, each named name + ".parquet" (a date without transactions, or
// without balances, gets no file of that table). version goes into the
// files' footers. Every file is checked as a run would read it (the
// checks of `recon validate`) before it is returned: a file that would be
// rejected is an error, never written.
func (r *Result) Files(ctx context.Context, name, version string) ([]File, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	name = strings.TrimSuffix(name, ".parquet") + ".parquet"
	opt := r.opt
	var out []File
	add := func(t formats.Table, date string, rows int, encode func(*bytes.Buffer) error) error {
		if rows == 0 {
			return nil
		}
		var buf bytes.Buffer
		if err := encode(&buf); err != nil {
			return fmt.Errorf("convert: encode %s of %s: %w", t, date, err)
		}
		f := File{Key: ingest.Key(t, date, opt.BankID, opt.PlatformID, name), Table: t, Date: date, Rows: rows, Data: buf.Bytes()}
		loc := ingest.Location{Table: t, Date: date, BankID: opt.BankID, PlatformID: opt.PlatformID}
		ropt := formats.ReadOptions{Scale: opt.Scale, Limits: opt.Limits}
		n, err := ingest.Validate(ctx, f.Key, bytes.NewReader(f.Data), int64(len(f.Data)), loc, ropt)
		if err != nil {
			return fmt.Errorf("convert: %s would be rejected (a bug in the converter): %w", f.Key, err)
		}
		if n != int64(rows) {
			return fmt.Errorf("convert: %s holds %d rows, want %d", f.Key, n, rows)
		}
		out = append(out, f)
		return nil
	}
	for _, d := range r.Days {
		if err := add(formats.CustodyTransactions, d.Date, len(d.Transactions), func(b *bytes.Buffer) error {
			return formats.WriteTable(b, formats.CustodyTransactions, opt.Scale, version, d.Transactions)
		}); err != nil {
			return nil, err
		}
		if err := add(formats.CustodyBalances, d.Date, len(d.Balances), func(b *bytes.Buffer) error {
			return formats.WriteTable(b, formats.CustodyBalances, opt.Scale, version, d.Balances)
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
