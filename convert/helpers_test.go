package convert

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/statement"
)

// samplesDir holds the real bank statement samples, copied with their
// attribution from the project's shared samples (see its README.md).
const samplesDir = "../statement/testdata/samples"

// shanghai is the default business_timezone.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// sampleFiles returns the samples of kind ("camt053", "mt940") ending in
// ext, failing the test when the samples are not there (they are in the
// repository).
func sampleFiles(tb testing.TB, kind, ext string) []string {
	tb.Helper()
	dir := filepath.Join(samplesDir, kind)
	if _, err := os.Stat(dir); err != nil {
		tb.Fatalf("samples missing: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		tb.Fatalf("no %s files in %s", ext, dir)
	}
	return files
}

// allSamples lists every statement sample.
func allSamples(tb testing.TB) []string {
	return append(sampleFiles(tb, "camt053", ".xml"), sampleFiles(tb, "mt940", ".sta")...)
}

// samplePath returns one sample ("mt940/citi.sta"), failing if absent.
func samplePath(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(samplesDir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("sample missing: %v", err)
	}
	return p
}

// formatOf tells a sample's format by its extension.
func formatOf(path string) Format {
	if strings.HasSuffix(path, ".xml") {
		return FormatCamt053
	}
	return FormatMT940
}

// testOptions are the options the tests convert with: bank B1, platform
// P1, scale 2, Asia/Shanghai.
func testOptions(f Format) Options {
	return Options{Format: f, BankID: "B1", PlatformID: "P1", Scale: 2, Location: shanghai}
}

// readInput reads a file into an Input named by its base name.
func readInput(tb testing.TB, path string) Input {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return Input{Name: filepath.Base(path), Data: b}
}

// convertPaths converts files with opt, failing the test on an error.
func convertPaths(tb testing.TB, opt Options, paths ...string) *Result {
	tb.Helper()
	var in []Input
	for _, p := range paths {
		in = append(in, readInput(tb, p))
	}
	res, err := Convert(context.Background(), opt, in)
	if err != nil {
		tb.Fatalf("convert %v: %v", paths, err)
	}
	return res
}

// parseFile parses a sample with the statement package.
func parseFile(tb testing.TB, path string) []statement.Statement {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	parse := statement.ParseMT940
	if formatOf(path) == FormatCamt053 {
		parse = statement.ParseCamt053
	}
	stmts, err := parse(context.Background(), bytes.NewReader(b), statement.Options{Scale: 2})
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return stmts
}

// txn is a custody_transactions row as read back from a file (the memo
// column is checked by readers but not kept).
type txn struct {
	Date                     string // the date= partition
	BankTxnID, PlatformTxnID string
	Payer, Payee             string
	Amount                   int64
	Currency, Kind, Status   string
	BookedAt                 int64
}

// bal is a custody_balances row as read back.
type bal struct {
	Date             string // the date= partition
	Account          string
	AsOf             string
	Opening, Closing int64
	Currency         string
}

// readBack decodes files with the readers a run uses.
func readBack(tb testing.TB, files []File) ([]txn, []bal) {
	tb.Helper()
	var txns []txn
	var bals []bal
	for _, f := range files {
		schema := formats.SchemaOf(f.Table)
		err := formats.Read(context.Background(), f.Key, bytes.NewReader(f.Data), int64(len(f.Data)), schema,
			formats.ReadOptions{Scale: 2, Limits: formats.DefaultLimits()}, func(b *formats.Batch) error {
				s := func(col, r int) string { return string(b.Cols[col].At(r)) }
				n := func(col, r int) int64 { return b.Cols[col].Ints()[r] }
				for r := 0; r < b.Len; r++ {
					switch f.Table {
					case formats.CustodyTransactions:
						if s(formats.CTBankID, r) != "B1" || s(formats.CTPlatformID, r) != "P1" {
							tb.Errorf("%s row %d: bank %q platform %q", f.Key, r, s(formats.CTBankID, r), s(formats.CTPlatformID, r))
						}
						txns = append(txns, txn{Date: f.Date, BankTxnID: s(formats.CTBankTxnID, r), PlatformTxnID: s(formats.CTPlatformTxnID, r),
							Payer: s(formats.CTPayer, r), Payee: s(formats.CTPayee, r), Amount: n(formats.CTAmount, r),
							Currency: s(formats.CTCurrency, r), Kind: formats.KindName(uint8(n(formats.CTKind, r))),
							Status: formats.StatusName(uint8(n(formats.CTStatus, r))), BookedAt: n(formats.CTBookedAt, r)})
					case formats.CustodyBalances:
						bals = append(bals, bal{Date: f.Date, Account: s(formats.CBAccountID, r),
							AsOf:    time.Unix(n(formats.CBAsOf, r)*86400, 0).UTC().Format(time.DateOnly),
							Opening: n(formats.CBOpening, r), Closing: n(formats.CBClosing, r), Currency: s(formats.CBCurrency, r)})
					}
				}
				return nil
			})
		if err != nil {
			tb.Fatalf("read back %s: %v", f.Key, err)
		}
	}
	return txns, bals
}

// files encodes a result, failing the test on an error.
func files(tb testing.TB, res *Result) []File {
	tb.Helper()
	fs, err := res.Files(context.Background(), "test", engine.Version)
	if err != nil {
		tb.Fatal(err)
	}
	return fs
}

// midnight is date d at 00:00 in loc, in µs.
func midnight(d statement.Date, loc *time.Location) int64 {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc).UnixMicro()
}

// dayBreaks computes, as a run does for BANK_STATEMENT_BREAK, each
// balance row's closing minus (opening + the day's movements of its
// account and currency), keyed "date account currency"; rows that add up
// are left out.
func dayBreaks(txns []txn, bals []bal) map[string]int64 {
	moves := map[string]int64{}
	for _, t := range txns {
		moves[t.Date+" "+t.Payee+" "+t.Currency] += t.Amount
		moves[t.Date+" "+t.Payer+" "+t.Currency] -= t.Amount
	}
	out := map[string]int64{}
	for _, b := range bals {
		k := b.Date + " " + b.Account + " " + b.Currency
		if d := b.Closing - (b.Opening + moves[k]); d != 0 {
			out[k] = d
		}
	}
	return out
}
