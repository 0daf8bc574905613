package convert

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/reconcile"
	"github.com/recon-dev/recon/statement"
	"github.com/recon-dev/recon/store"
)

// withEndToEndIDs gives every entry of nordea.xml an end-to-end id: the
// three NOTPROVIDED ones and the one without any. Matching by reference
// needs them (without, a pair is MATCHED_WITHOUT_REFERENCE).
func withEndToEndIDs(t *testing.T, xml []byte) []byte {
	t.Helper()
	s := string(xml)
	n := 0
	s = regexp.MustCompile(`<EndToEndId>NOTPROVIDED</EndToEndId>`).ReplaceAllStringFunc(s, func(string) string {
		n++
		return fmt.Sprintf("<EndToEndId>NORDEA-%d</EndToEndId>", n)
	})
	old := "<AcctSvcrRef>1905082588AU123456</AcctSvcrRef>\n\t\t\t\t\t\t</Refs>"
	if n != 3 || !strings.Contains(s, old) {
		t.Fatalf("nordea.xml is not the expected sample (%d NOTPROVIDED)", n)
	}
	s = strings.Replace(s, old, "<AcctSvcrRef>1905082588AU123456</AcctSvcrRef><EndToEndId>NORDEA-4</EndToEndId></Refs>", 1)
	return []byte(s)
}

// withEREF gives every entry of an MT940 file with free-text :86: an
// end-to-end id, by making its first :86: field slash-coded:
// ":86:/EREF/<prefix>-<n>/REMI/<the text>".
func withEREF(t *testing.T, sta []byte, prefix string) []byte {
	t.Helper()
	lines := strings.Split(string(sta), "\n")
	n, pending := 0, false
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, ":61:"):
			pending = true
		case strings.HasPrefix(l, ":86:") && pending:
			n++
			lines[i] = fmt.Sprintf(":86:/EREF/%s-%d/REMI/%s", prefix, n, strings.TrimPrefix(l, ":86:"))
			pending = false
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// platformCase is one platform of the end-to-end test: statements, the
// account map, and the registry's roles.
type platformCase struct {
	platform string
	format   Format
	inputs   []Input
	accounts string            // the account map
	holders  map[string]string // registry account -> holder
	dates    []string          // the business dates the statements give
}

// TestConvertedSamplesReconcile converts samples for a platform into a
// local store, writes a ledger with the same movements (txn_id = the
// end-to-end id) and balances, and a registry in which each statement
// account is an investor and its counterparties are that investor's own
// external cards, then runs the nightly job on every business date the
// conversion gave: no exception at all. The ledger is built from the
// statement parse, not from the converted files.
func TestConvertedSamplesReconcile(t *testing.T) {
	read := func(rel string) []byte {
		b, err := os.ReadFile(samplePath(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []platformCase{
		{
			// nordea: one statement of 2019-05-08; genkgo: two chained
			// statements of 2014-12-31 (one balance row), entries without
			// bank references (derived ids), a counterparty IBAN mapped to
			// the investor's card.
			platform: "PCAMT", format: FormatCamt053,
			inputs: []Input{
				{Name: "nordea.xml", Data: withEndToEndIDs(t, read("camt053/nordea.xml"))},
				{Name: "genkgo_multi_statement.xml", Data: read("camt053/genkgo_multi_statement.xml")},
			},
			accounts: "FI8529501800030574,INV-NORDEA\nNL26VAYB8060476890,INV-GENKGO\nNL56AGDH9619008421,CARD-GENKGO\n",
			holders: map[string]string{"INV-NORDEA": "H1", "UNKNOWN:INV-NORDEA": "H1",
				"INV-GENKGO": "H2", "UNKNOWN:INV-GENKGO": "H2", "CARD-GENKGO": "H2"},
			dates: []string{"2014-12-31", "2019-05-08"},
		},
		{
			// danskebank_FI: one statement from 09-24 to 09-30 with entries
			// on 09-25, 09-29 and 09-30: balances carried forward for the
			// first two days, each day's run checks its own movements.
			platform: "PMT940", format: FormatMT940,
			inputs:   []Input{{Name: "danskebank_FI.sta", Data: withEREF(t, read("mt940/danskebank_FI.sta"), "FI")}},
			accounts: "DABADKKK/111111-11111111,INV-DANSKE\n",
			holders:  map[string]string{"INV-DANSKE": "H3", "UNKNOWN:INV-DANSKE": "H3"},
			dates:    []string{"2009-09-25", "2009-09-29", "2009-09-30"},
		},
	}
	for _, pc := range cases {
		t.Run(pc.platform, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			opt := testOptions(pc.format)
			opt.PlatformID = pc.platform
			if opt.Accounts, err = ParseAccountMap("accounts.csv", []byte(pc.accounts)); err != nil {
				t.Fatal(err)
			}
			res, err := Convert(ctx, opt, pc.inputs)
			if err != nil {
				t.Fatal(err)
			}
			if res.Warnings() != 0 {
				t.Fatalf("warnings: %v", res.Notes)
			}
			var dates []string
			for _, d := range res.Days {
				dates = append(dates, d.Date)
			}
			if !slices.Equal(dates, pc.dates) {
				t.Fatalf("dates %v, want %v", dates, pc.dates)
			}
			fs, err := res.Files(ctx, "statement", engine.Version)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				put(t, st, f.Key, f.Data)
			}
			writeLedger(t, st, pc, opt.Accounts, res)
			for _, date := range pc.dates {
				out, err := engine.Run(ctx, engine.Options{Store: st, Date: date, Config: config.Default(), Workers: 2})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range out.Exceptions {
					t.Errorf("%s: %s %s %s: %s", date, e.Kind, e.BankTxnID, e.LedgerTxnID, e.Detail)
				}
				var bankRows int
				for _, d := range res.Days {
					if d.Date == date {
						bankRows = len(d.Transactions)
					}
				}
				for _, table := range []formats.Table{formats.CustodyTransactions, formats.LedgerTransactions} {
					if got := out.Manifest.Rows[table.String()]; got != int64(bankRows) || got == 0 {
						t.Errorf("%s: the run read %d rows of %s, want %d", date, got, table, bankRows)
					}
				}
			}
		})
	}
}

// writeLedger writes the platform's side: a ledger row for every booked
// entry of the statements (restated from the parse), the bank's closing
// balances as the platform's, and the registry.
func writeLedger(t *testing.T, st store.Store, pc platformCase, accounts *AccountMap, res *Result) {
	t.Helper()
	byDate := map[string][]formats.LedgerTxnRow{}
	for _, in := range pc.inputs {
		parse := statement.ParseMT940
		if pc.format == FormatCamt053 {
			parse = statement.ParseCamt053
		}
		stmts, err := parse(context.Background(), bytes.NewReader(in.Data), statement.Options{Scale: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			acct := accounts.Lookup(s.Account)
			for _, e := range s.Entries {
				if e.EndToEndID == "" {
					t.Fatalf("%s line %d: no end-to-end id", in.Name, e.Line)
				}
				other := "UNKNOWN:" + acct
				if e.CounterpartyAccount != "" {
					other = accounts.Lookup(e.CounterpartyAccount)
				}
				r := formats.LedgerTxnRow{PlatformID: pc.platform, TxnID: e.EndToEndID, Payer: other, Payee: acct,
					Amount: e.AmountMinor, Currency: e.Currency, Kind: "deposit", Status: "success", BookedAt: midnight(e.BookingDate, shanghai)}
				if !e.Credit {
					r.Payer, r.Payee, r.Kind = acct, other, "withdrawal"
				}
				byDate[e.BookingDate.String()] = append(byDate[e.BookingDate.String()], r)
			}
		}
	}
	for date, rows := range byDate {
		putTable(t, st, ingest.Key(formats.LedgerTransactions, date, "", pc.platform, "ledger.parquet"), formats.LedgerTransactions, rows)
	}
	for _, d := range res.Days {
		var rows []formats.LedgerBalanceRow
		for _, b := range d.Balances {
			rows = append(rows, formats.LedgerBalanceRow{PlatformID: pc.platform, AccountID: b.AccountID, AsOf: b.AsOf, Closing: b.Closing, Currency: b.Currency})
		}
		if len(rows) > 0 {
			putTable(t, st, ingest.Key(formats.LedgerBalances, d.Date, "", pc.platform, "balances.parquet"), formats.LedgerBalances, rows)
		}
	}
	var registry []formats.AccountRow
	for acct, holder := range pc.holders {
		role := "external"
		if strings.HasPrefix(acct, "INV-") {
			role = "investor"
		}
		registry = append(registry, formats.AccountRow{PlatformID: pc.platform, AccountID: acct, Role: role, HolderID: holder})
	}
	slices.SortFunc(registry, func(a, b formats.AccountRow) int { return strings.Compare(a.AccountID, b.AccountID) })
	putTable(t, st, ingest.Key(formats.Accounts, "", "", pc.platform, "accounts.parquet"), formats.Accounts, registry)
}

func putTable[T any](t *testing.T, st store.Store, key string, table formats.Table, rows []T) {
	t.Helper()
	var buf bytes.Buffer
	if err := formats.WriteTable(&buf, table, 2, "test", rows); err != nil {
		t.Fatal(err)
	}
	put(t, st, key, buf.Bytes())
}

func put(t *testing.T, st store.Store, key string, data []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

// TestRunReportsStatementBreaks: a statement that does not add up is
// converted as the bank reported it and the run reports the break, per
// day, with the amounts TestSamplesConvert derives.
func TestRunReportsStatementBreaks(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res := convertPaths(t, testOptions(FormatMT940), samplePath(t, "mt940/abnamro_not_reconciling.sta"))
	for _, f := range files(t, res) {
		put(t, st, f.Key, f.Data)
	}
	want := map[string]int64{"2011-05-23": -204700, "2011-05-24": -99360}
	for date, diff := range want {
		out, err := engine.Run(ctx, engine.Options{Store: st, Date: date, Config: config.Default(), Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		var breaks []string
		for _, e := range out.Exceptions {
			if e.Kind == reconcile.BankStatementBreak {
				breaks = append(breaks, fmt.Sprintf("%s %s %d", e.AccountID, e.Currency, e.Difference.Minor))
			}
		}
		if w := []string{fmt.Sprintf("517852257 EUR %d", diff)}; !slices.Equal(breaks, w) {
			t.Errorf("%s: BANK_STATEMENT_BREAK %v, want %v", date, breaks, w)
		}
	}
}
