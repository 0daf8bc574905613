package ingest

import (
	"fmt"
	"path"
	"strings"

	"github.com/recon-dev/recon/formats"
)

// Location is what a key's path says about its object.
type Location struct {
	Table      formats.Table
	Date       string // "" for the registry
	BankID     string // custody tables only
	PlatformID string
}

// prefix returns the key prefix of a table's objects for a date.
func prefix(t formats.Table, date string) string {
	switch t {
	case formats.CustodyTransactions:
		return "custody/transactions/date=" + date + "/"
	case formats.CustodyBalances:
		return "custody/balances/date=" + date + "/"
	case formats.LedgerTransactions:
		return "ledger/transactions/date=" + date + "/"
	case formats.LedgerBalances:
		return "ledger/balances/date=" + date + "/"
	case formats.Accounts:
		return "registry/accounts/"
	case formats.Loans:
		return "registry/loans/"
	}
	panic(fmt.Sprintf("unknown table %d", t))
}

// Key returns the key an object of a table belongs under (the generator
// and `recon upload` write there).
func Key(t formats.Table, date, bank, platform, file string) string {
	p := prefix(t, date)
	if t == formats.CustodyTransactions || t == formats.CustodyBalances {
		p += "bank=" + bank + "/"
	}
	return p + "platform=" + platform + "/" + file
}

// ignored reports names that are not data: Spark and Hive markers such as
// _SUCCESS and hidden files such as .part-0.crc.
func ignored(key string) bool {
	base := path.Base(key)
	return strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".")
}

// parseKey checks a key found under a table's prefix. It returns the
// location, or an error saying what is wrong with the key; the platform
// is filled in as far as the key names one, for the INPUT_REJECTED row.
func parseKey(t formats.Table, date, key string) (Location, error) {
	loc := Location{Table: t}
	if t != formats.Accounts && t != formats.Loans {
		loc.Date = date
	}
	rest := strings.TrimPrefix(key, prefix(t, date))
	segs := strings.Split(rest, "/")
	for _, s := range segs[:len(segs)-1] {
		if v, ok := strings.CutPrefix(s, "platform="); ok {
			loc.PlatformID = v
		}
		if v, ok := strings.CutPrefix(s, "bank="); ok {
			loc.BankID = v
		}
	}
	want := []string{"platform"}
	if t == formats.CustodyTransactions || t == formats.CustodyBalances {
		want = []string{"bank", "platform"}
	}
	layout := strings.TrimSuffix(Key(t, "D", "B", "P", "FILE"), "FILE")
	layout = strings.ReplaceAll(layout, "date=D", "date="+date)
	if len(segs) != len(want)+1 {
		return loc, fmt.Errorf("key does not follow the layout %s<file>", layout)
	}
	for i, name := range want {
		v, ok := strings.CutPrefix(segs[i], name+"=")
		if !ok || v == "" {
			return loc, fmt.Errorf("key does not follow the layout %s<file>", layout)
		}
	}
	if formats.FormatOfKey(key) == formats.FormatUnknown {
		return loc, fmt.Errorf("%w: file name must end in .parquet or .arrow", formats.ErrFormat)
	}
	return loc, nil
}
