package convert

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/statement"
)

func ptr[T any](v T) *T { return &v }

// mustMaps parses an account map and a kind map.
func mustMaps(t *testing.T, accounts, kinds string) (*AccountMap, *KindMap) {
	t.Helper()
	var am *AccountMap
	var km *KindMap
	var err error
	if accounts != "" {
		if am, err = ParseAccountMap("accounts.csv", []byte(accounts)); err != nil {
			t.Fatal(err)
		}
	}
	if kinds != "" {
		if km, err = ParseKindMap("kinds.csv", []byte(kinds)); err != nil {
			t.Fatal(err)
		}
	}
	return am, km
}

// day2 is 2024-01-02 00:00 in Asia/Shanghai, in µs.
var day2 = time.Date(2024, 1, 2, 0, 0, 0, 0, shanghai).UnixMicro()

// TestConvertChoices converts small statements and compares whole rows:
// payer and payee by direction, the account map (exact and loose), the
// placeholder counterparty, bank_txn_id as the bank reference, made unique
// (#2) or derived (<account>:<statement id>:<n>), end-to-end id, kinds by
// the kind map, memo with the reversal marker and counterparty name,
// booked_at, and balance rows (pages of one day collapsed, multi-day
// statements carried forward).
func TestConvertChoices(t *testing.T) {
	accounts, kinds := mustMaps(t, "statement_id,account_id\nDE001,INV-1\nDE999,CARD-1\n", "bank_code,kind\nNCHG,fee\n")
	row := func(id, ref, payer, payee string, amount int64, kind string, bookedAt int64, memo string) formats.CustodyTxnRow {
		r := formats.CustodyTxnRow{BankID: "B1", PlatformID: "P1", BankTxnID: id, Payer: payer, Payee: payee, Amount: amount,
			Currency: "EUR", Kind: kind, Status: "success", BookedAt: bookedAt}
		if ref != "" {
			r.PlatformTxnID = ptr(ref)
		}
		if memo != "" {
			r.Memo = ptr(memo)
		}
		return r
	}
	balance := func(account string, opening, closing int64, date string) formats.CustodyBalanceRow {
		d, _ := time.Parse(time.DateOnly, date)
		return formats.CustodyBalanceRow{BankID: "B1", PlatformID: "P1", AccountID: account, AsOf: int32(d.Unix() / 86400),
			Opening: opening, Closing: closing, Currency: "EUR"}
	}
	tests := []struct {
		name   string
		format Format
		input  string
		want   []Day
	}{
		{"ids, maps, placeholder, kinds, memo", FormatMT940,
			":20:S1\n:25:DE001\n:28C:1/1\n:60F:C240101EUR100,00\n" +
				":61:2401020102C10,00NTRFE2E//R1\n:86:/EREF/E-1/IBAN/de 999/NAME/Alice/REMI/Deposit one\n" +
				":61:2401020102D5,00NCHGNONREF//R1\n:86:/REMI/fee\n" +
				":61:2401020102RC2,00NTRFNONREF\n:86:reversal text\n" +
				":62F:C240102EUR103,00\n-\n",
			[]Day{{Date: "2024-01-02",
				Transactions: []formats.CustodyTxnRow{
					row("R1", "E-1", "CARD-1", "INV-1", 1000, "deposit", day2, "Deposit one [counterparty: Alice]"),
					row("R1#2", "", "INV-1", "UNKNOWN:INV-1", 500, "fee", day2, "fee"),
					row("DE001:S1 1/1:3", "", "INV-1", "UNKNOWN:INV-1", 200, "withdrawal", day2, "[reversal] reversal text"),
				},
				Balances: []formats.CustodyBalanceRow{balance("INV-1", 10000, 10300, "2024-01-02")}}}},
		{"pages of one day collapse into one balance row; a derived id taken gets #2", FormatMT940,
			":20:P\n:25:DE001\n:28C:7/1\n:60F:C240101EUR100,00\n:61:2401020102C1,00NTRFX\n:62M:C240102EUR101,00\n-\n" +
				":20:P\n:25:DE001\n:28C:7/2\n:60M:C240102EUR101,00\n:61:2401020102D3,00NTRFDE001:P 7/1:1\n:62F:C240102EUR98,00\n-\n",
			[]Day{{Date: "2024-01-02",
				Transactions: []formats.CustodyTxnRow{
					row("X", "", "UNKNOWN:INV-1", "INV-1", 100, "deposit", day2, ""),
					row("DE001:P 7/1:1", "", "INV-1", "UNKNOWN:INV-1", 300, "withdrawal", day2, ""),
				},
				Balances: []formats.CustodyBalanceRow{balance("INV-1", 10000, 9800, "2024-01-02")}}}},
		{"a multi-day statement: balances carried forward over its earlier days", FormatMT940,
			":20:W\n:25:DE002\n:28C:1\n:60F:C231231EUR50,00\n" +
				":61:2401020102C10,00NTRFA//A\n:61:2401040104D5,00NTRFB//B\n:61:2401040104D1,00NTRFC//C\n" +
				":62F:D240105EUR46,00\n-\n",
			[]Day{
				{Date: "2024-01-02", Transactions: []formats.CustodyTxnRow{row("A", "", "UNKNOWN:DE002", "DE002", 1000, "deposit", day2, "")},
					Balances: []formats.CustodyBalanceRow{balance("DE002", 5000, 6000, "2024-01-02")}},
				{Date: "2024-01-04", Transactions: []formats.CustodyTxnRow{
					row("B", "", "DE002", "UNKNOWN:DE002", 500, "withdrawal", day2+2*86400e6, ""),
					row("C", "", "DE002", "UNKNOWN:DE002", 100, "withdrawal", day2+2*86400e6, "")},
					Balances: []formats.CustodyBalanceRow{balance("DE002", 6000, 5400, "2024-01-04")}},
				// The reported closing is -46.00: the 5-day break shows
				// on the closing date.
				{Date: "2024-01-05", Balances: []formats.CustodyBalanceRow{balance("DE002", 5400, -4600, "2024-01-05")}},
			}},
		{"camt: booking date-times with and without an offset; bank code kinds", FormatCamt053,
			camtDoc(`<Id>C1</Id><Acct><Id><IBAN>DE001</IBAN></Id></Acct>` +
				camtBal("OPBD", "0.00", "CRDT", "2024-01-02") + camtBal("CLBD", "1.50", "CRDT", "2024-01-02") +
				`<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><DtTm>2024-01-02T09:30:00+01:00</DtTm></BookgDt>` +
				`<AcctSvcrRef>T1</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd></Ntry>` +
				`<Ntry><Amt Ccy="EUR">0.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><DtTm>2024-01-02T09:30:00</DtTm></BookgDt>` +
				`<AcctSvcrRef>T2</AcctSvcrRef><BkTxCd><Prtry><Cd>INTEREST</Cd></Prtry></BkTxCd></Ntry>`),
			[]Day{{Date: "2024-01-02",
				Transactions: []formats.CustodyTxnRow{
					// 09:30 at +01:00 is 08:30 UTC.
					row("T1", "", "UNKNOWN:INV-1", "INV-1", 100, "repayment", time.Date(2024, 1, 2, 8, 30, 0, 0, time.UTC).UnixMicro(), ""),
					// No offset: the wall clock in business_timezone.
					row("T2", "", "UNKNOWN:INV-1", "INV-1", 50, "refund", time.Date(2024, 1, 2, 9, 30, 0, 0, shanghai).UnixMicro(), ""),
				},
				Balances: []formats.CustodyBalanceRow{balance("INV-1", 0, 150, "2024-01-02")}}}},
	}
	kindsCamt, err := ParseKindMap("k.csv", []byte("PMNT/RCDT,repayment,credit\nPMNT,fee\nINTEREST,refund\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := testOptions(tt.format)
			opt.Accounts, opt.Kinds = accounts, kinds
			if tt.format == FormatCamt053 {
				opt.Kinds = kindsCamt
			}
			res, err := Convert(context.Background(), opt, []Input{{Name: "in", Data: []byte(tt.input)}})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Days, tt.want) {
				t.Errorf("days:\n got %s\nwant %s", dump(res.Days), dump(tt.want))
			}
			if _, err := res.Files(context.Background(), "x", "test"); err != nil {
				t.Errorf("files: %v", err)
			}
		})
	}
}

// dump formats days with the pointers of optional columns followed.
func dump(days []Day) string {
	var b strings.Builder
	for _, d := range days {
		b.WriteString("\n  " + d.Date + ":")
		for _, r := range d.Transactions {
			ref, memo := "<nil>", "<nil>"
			if r.PlatformTxnID != nil {
				ref = *r.PlatformTxnID
			}
			if r.Memo != nil {
				memo = *r.Memo
			}
			b.WriteString("\n    " + strings.Join([]string{r.BankTxnID, ref, r.Payer, r.Payee, formatInt(r.Amount), r.Currency, r.Kind, r.Status,
				time.UnixMicro(r.BookedAt).UTC().Format(time.RFC3339), memo}, " | "))
		}
		for _, r := range d.Balances {
			b.WriteString("\n    balance " + strings.Join([]string{r.AccountID, formatInt(int64(r.AsOf)), formatInt(r.Opening), formatInt(r.Closing), r.Currency}, " | "))
		}
	}
	return b.String()
}

func formatInt(v int64) string { return strconv.FormatInt(v, 10) }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// camtDoc wraps statement bodies in a camt.053.001.08 document.
func camtDoc(stmts ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>`)
	for _, s := range stmts {
		b.WriteString("<Stmt>" + s + "</Stmt>\n")
	}
	b.WriteString("</BkToCstmrStmt></Document>\n")
	return b.String()
}

// camtBal is a <Bal> element.
func camtBal(code, amount, cdtDbt, date string) string {
	return `<Bal><Tp><CdOrPrtry><Cd>` + code + `</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">` + amount + `</Amt><CdtDbtInd>` + cdtDbt +
		`</CdtDbtInd><Dt><Dt>` + date + `</Dt></Dt></Bal>`
}

// TestConvertNotes checks the notes of small statements: level, kind,
// place and difference.
func TestConvertNotes(t *testing.T) {
	type n struct {
		Level           Level
		Kind, File      string
		Line            int
		Statement       string
		DifferenceMinor int64
	}
	tests := []struct {
		name   string
		format Format
		inputs []string
		want   []n
	}{
		{"a statement that does not add up, and a broken chain", FormatMT940, []string{
			":20:A\n:25:X\n:28C:1\n:60F:C240101EUR10,00\n:61:240102C1,00NTRFR1\n:62F:C240102EUR12,00\n-\n" +
				":20:A\n:25:X\n:28C:2\n:60F:C240102EUR13,00\n:62F:C240103EUR13,00\n-\n"},
			[]n{{Warning, NoteBalance, "in0", 1, "A 1", 100}, {Warning, NoteChain, "in0", 1, "A 1", 100}, {Info, NotePlaceholder, "in0", 1, "A 1", 0}}},
		{"the same statement in two files", FormatMT940, []string{
			":20:A\n:25:X\n:28C:1\n:60F:C240101EUR10,00\n:61:240102C1,00NTRFR1\n:62F:C240102EUR11,00\n-\n",
			":20:A\n:25:X\n:28C:1\n:60F:C240101EUR10,00\n:61:240102C1,00NTRFR1\n:62F:C240102EUR11,00\n-\n"},
			[]n{
				// The second copy chains badly (it opens at 10.00 after a
				// closing of 11.00) and is written again.
				{Warning, NoteChain, "in0", 1, "A 1", -100},
				{Info, NotePlaceholder, "in0", 1, "A 1", 0},
				{Warning, NoteRepeated, "in1", 1, "A 1", 0},
				{Info, NoteRefReused, "in1", 1, "A 1", 0},
				{Info, NotePlaceholder, "in1", 1, "A 1", 0},
			}},
		{"camt: no closing balance, pending and zero entries skipped", FormatCamt053, []string{camtDoc(
			`<Id>C</Id><Acct><Id><Othr><Id>ACC</Id></Othr></Id></Acct>` + camtBal("OPBD", "1.00", "CRDT", "2024-01-02") +
				`<Ntry><Amt Ccy="EUR">2.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts></Ntry>` +
				`<Ntry><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-01-02</Dt></BookgDt></Ntry>`)},
			[]n{{Warning, NoteMissing, "in0", 1, "C", 0}, {Info, NoteSkipped, "in0", 1, "C", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in []Input
			for i, s := range tt.inputs {
				in = append(in, Input{Name: "in" + itoa(int64(i)), Data: []byte(s)})
			}
			res, err := Convert(context.Background(), testOptions(tt.format), in)
			if err != nil {
				t.Fatal(err)
			}
			var got []n
			for _, x := range res.Notes {
				got = append(got, n{x.Level, x.Kind, x.File, x.Line, x.Statement, x.DifferenceMinor})
				if x.Text == "" {
					t.Errorf("%+v has no text", x)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("notes:\n got %+v\nwant %+v", got, tt.want)
				for _, x := range res.Notes {
					t.Log(x)
				}
			}
		})
	}
}

// TestConvertErrors: inputs that cannot be converted fail the whole
// conversion, every bad file reported with its name and line.
func TestConvertErrors(t *testing.T) {
	good := ":20:A\n:25:X\n:28C:1\n:60F:C240101EUR10,00\n:62F:C240102EUR10,00\n-\n"
	tests := []struct {
		name   string
		format Format
		inputs []string
		want   []string // the files' errors, in order
		is     error    // each error wraps this, when set
	}{
		{"MT940 in ISO-8859-1", FormatMT940, []string{":20:A\n:25:X\n:28C:1\n:60F:C240101EUR10,00\n:61:240102C1,00NTRFR\n:86:M\xfcller\n:62F:C240102EUR11,00\n"},
			[]string{"in0: line 6: input: invalid encoding: line is not valid UTF-8 (convert ISO-8859-1 input to UTF-8 first)"}, statement.ErrEncoding},
		{"two bad files and a good one", FormatMT940, []string{":20:A\n", good, "nothing"},
			[]string{"in0: line 1: :25:: required field missing: statement \"A\" has no account identification",
				"in2: line 1: input: required field missing: no MT940 statement (:20: field) found"}, statement.ErrMissing},
		{"a currency that is not ISO 4217", FormatCamt053, []string{camtDoc(`<Id>C</Id><Acct><Id><IBAN>DE1</IBAN></Id></Acct>` +
			camtBal("OPBD", "1.00", "CRDT", "2024-01-02") + camtBal("CLBD", "2.00", "CRDT", "2024-01-02") +
			`<Ntry><Amt Ccy="eur">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-01-02</Dt></BookgDt></Ntry>`)},
			[]string{`in0:1: currency "eur" is not an ISO 4217 code (three upper-case letters)`}, nil},
		{"a booking date the tables cannot hold", FormatMT940, []string{":20:A\n:25:X\n:28C:1\n:60F:C691231EUR10,00\n:61:691231C1,00NTRFR\n:62F:C691231EUR11,00\n"},
			[]string{"in0:5: booking date 1969-12-31 is outside what the tables hold (1970-01-01 to 2199-12-31 in Asia/Shanghai)"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in []Input
			for i, s := range tt.inputs {
				in = append(in, Input{Name: "in" + itoa(int64(i)), Data: []byte(s)})
			}
			res, err := Convert(context.Background(), testOptions(tt.format), in)
			if err == nil {
				t.Fatalf("no error; %d days", len(res.Days))
			}
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			var got []string
			for _, e := range errs {
				var fe *FileError
				if !errors.As(e, &fe) {
					t.Errorf("%v is not a *FileError", e)
				}
				if tt.is != nil && !errors.Is(e, tt.is) {
					t.Errorf("%v does not wrap %v", e, tt.is)
				}
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestOptionsAndNames(t *testing.T) {
	for _, tt := range []struct {
		opt  Options
		want string
	}{
		{Options{Format: "pdf", BankID: "B", PlatformID: "P"}, `unknown statement format "pdf" (want camt053, mt940 or csv)`},
		{Options{Format: FormatMT940, BankID: "", PlatformID: "P"}, "bank id must not be empty"},
		{Options{Format: FormatMT940, BankID: "B", PlatformID: "P/1"}, `platform id "P/1": ids are letters, digits, '-' and '_'`},
		{Options{Format: FormatMT940, BankID: "B", PlatformID: "P", Scale: 9}, "amount scale 9 out of range 0..8"},
		{Options{Format: FormatCSV, BankID: "B", PlatformID: "P", Scale: 2}, "convert: --from csv needs a column mapping (--mapping FILE)"},
	} {
		if _, err := Convert(context.Background(), tt.opt, []Input{{Name: "x"}}); err == nil || err.Error() != tt.want {
			t.Errorf("%+v: %v, want %s", tt.opt, err, tt.want)
		}
	}
	for in, want := range map[string]string{
		"a/b/nordea.xml": "nordea", "x/Statement 2024-01-02.sta": "Statement_2024-01-02", "..hidden.sta": "hidden", "/dir/###": "statement",
	} {
		if got := DefaultName([]string{in}); got != want {
			t.Errorf("DefaultName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := DefaultName([]string{"a.sta", "b.sta", "c.sta"}); got != "a-and-2-more" {
		t.Errorf("DefaultName of three = %q", got)
	}
	for _, bad := range []string{"", ".x", "_x", "a=b", "a/b"} {
		if CheckName(bad) == nil {
			t.Errorf("CheckName(%q) accepted", bad)
		}
	}
	for f, want := range map[string]Format{"camt053": FormatCamt053, "CAMT.053": FormatCamt053, "mt940": FormatMT940, " csv ": FormatCSV} {
		if got, err := ParseFormat(f); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
}

func TestMaps(t *testing.T) {
	am, err := ParseAccountMap("a.csv", []byte("\ufeffstatement_id,account_id\n# comment\nFI85 2950 1800 0305 74, INV-1\n\n\"DABADKKK/1,2\",INV-2\n"))
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"FI85 2950 1800 0305 74": "INV-1", "FI8529501800030574": "INV-1", "fi85 29501800030574": "INV-1",
		"DABADKKK/1,2": "INV-2", "OTHER": "OTHER",
	} {
		if got := am.Lookup(in); got != want {
			t.Errorf("Lookup(%q) = %q, want %q", in, got, want)
		}
	}
	if am.Len() != 2 || (*AccountMap)(nil).Lookup("x") != "x" {
		t.Errorf("Len %d", am.Len())
	}
	km, err := ParseKindMap("k.csv", []byte("bank_code,kind,direction\nNTRF,transfer\nNTRF,refund,credit\nPMNT/ICDT,fee,D\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		code   string
		credit bool
		want   string
	}{
		{"NTRF", false, "transfer"}, {"ntrf", true, "refund"}, {"PMNT/ICDT/ESCT", false, "fee"}, {"PMNT/ICDT/ESCT", true, "deposit"},
		{"NMSC", true, "deposit"}, {"", false, "withdrawal"},
	} {
		if got := km.Kind(c.code, c.credit); got != c.want {
			t.Errorf("Kind(%q, %v) = %q, want %q", c.code, c.credit, got, c.want)
		}
	}
	for _, bad := range []struct{ parse, data, want string }{
		{"accounts", "A,B\nA,C\n", `a.csv:2: A is mapped twice: to "B" and to "C"`},
		{"accounts", "A,B\na,C\n", `a.csv:2: a and another id that differs only in blanks or case map to "B" and "C"`},
		{"accounts", "A\n", "a.csv:1: want statement_id,account_id (2 fields at most), got 1 fields"},
		{"accounts", "A,B,C\n", "a.csv:1: want statement_id,account_id (2 fields at most), got 3 fields"},
		{"accounts", "A,\n", "a.csv:1: empty statement_id or account_id"},
		{"accounts", "\"A,B\n", "a.csv:1: extraneous or missing \" in quoted-field"},
		{"accounts", "A,\xff\n", "a.csv:1: not valid UTF-8"},
		{"kinds", "NTRF,loan\n", "a.csv:1: kind \"loan\" is not one of deposit, withdrawal, bid, disbursement, repayment, fee, transfer, refund"},
		{"kinds", "NTRF,fee,sideways\n", `a.csv:1: direction "sideways" is not credit or debit`},
		{"kinds", "NTRF,fee\nntrf,bid\n", "a.csv:2: code ntrf is mapped twice: to fee and to bid"},
	} {
		var err error
		if bad.parse == "accounts" {
			_, err = ParseAccountMap("a.csv", []byte(bad.data))
		} else {
			_, err = ParseKindMap("a.csv", []byte(bad.data))
		}
		if err == nil || err.Error() != bad.want {
			t.Errorf("%s %q: %v, want %s", bad.parse, bad.data, err, bad.want)
		}
	}
}

// TestStringLimit: a memo longer than the limits' string_bytes is
// shortened on a character boundary (with a note); an id that long is an
// error.
func TestStringLimit(t *testing.T) {
	opt := testOptions(FormatMT940)
	opt.Limits = formats.DefaultLimits()
	opt.Limits.StringBytes = 12
	in := ":20:A\n:25:X\n:28C:1\n:60F:C240101EUR10,00\n:61:240102C1,00NTRFR1\n:86:Überweisung für Müller\n:62F:C240102EUR11,00\n"
	res, err := Convert(context.Background(), opt, []Input{{Name: "in", Data: []byte(in)}})
	if err != nil {
		t.Fatal(err)
	}
	if m := *res.Days[0].Transactions[0].Memo; m != "Überweis..." {
		t.Errorf("memo %q", m)
	}
	if n := res.Notes[0]; n.Kind != NoteMemo || n.Line != 5 || n.Text != "memo of 25 bytes shortened to the 12-byte string limit" {
		t.Errorf("note %+v", n)
	}
	if _, err := res.Files(context.Background(), "x", "test"); err != nil {
		t.Error(err)
	}
	long := strings.Replace(in, "NTRFR1", "NTRFREFERENCE-TOO-LONG", 1)
	if _, err := Convert(context.Background(), opt, []Input{{Name: "in", Data: []byte(long)}}); err == nil ||
		err.Error() != "in:5: bank_txn_id of 18 bytes is longer than the 12-byte string limit" {
		t.Errorf("long id: %v", err)
	}
}

// TestInputOrder: the files of several days give the same rows, ids and
// notes (no chain warning) whatever order they are named in.
func TestInputOrder(t *testing.T) {
	day1 := Input{Name: "day1.sta", Data: []byte(":20:S\n:25:X\n:28C:1\n:60F:C240101EUR10,00\n:61:240102C1,00NTRFR\n:62F:C240102EUR11,00\n")}
	day2 := Input{Name: "day2.sta", Data: []byte(":20:S\n:25:X\n:28C:2\n:60F:C240102EUR11,00\n:61:240103D2,00NTRFR\n:62F:C240103EUR9,00\n")}
	a, err := Convert(context.Background(), testOptions(FormatMT940), []Input{day1, day2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Convert(context.Background(), testOptions(FormatMT940), []Input{day2, day1})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Days, b.Days) {
		t.Errorf("days differ:%s\n%s", dump(a.Days), dump(b.Days))
	}
	if a.Warnings() != 0 || b.Warnings() != 0 {
		t.Errorf("warnings %v %v", a.Notes, b.Notes)
	}
	if id := a.Days[1].Transactions[0].BankTxnID; id != "R#2" {
		t.Errorf("day 2's id %q", id)
	}
	if b.Notes[0].File != "day2.sta" {
		t.Errorf("notes not in input order: %v", b.Notes)
	}
}
