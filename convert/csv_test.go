package convert

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/statement"
)

// germanMapping reads a German-style export: semicolons, decimal comma,
// thousands dot, DD.MM.YYYY, amount + Soll/Haben column, running balance,
// newest row first, two lines of preamble.
const germanMapping = `# Musterbank CSV export
account = DE02120300000000202051
date = Buchungstag
date_format = DD.MM.YYYY
amount = Betrag
direction = S/H
credit_values = H
debit_values = S
currency = Währung
counterparty = IBAN
counterparty_name = Name
reference = Bankreferenz
end_to_end_id = "End-to-End-Referenz"
text = Verwendungszweck 1, Verwendungszweck 2
code = GVC
balance = Saldo
delimiter = ;
decimal_separator = ,
thousands_separator = .
order = newest_first
header_line = 3
`

const germanCSV = "\ufeffKontoauszug Musterbank\n" +
	"Zeitraum: 01.01.2024 - 03.01.2024\n" +
	"Buchungstag;Betrag;S/H;Währung;IBAN;Name;Bankreferenz;End-to-End-Referenz;Verwendungszweck 1;Verwendungszweck 2;GVC;Saldo\n" +
	"3.1.2024;1.000,00;S;EUR;DE89370400440532013000;Max Muster;BR3;E2E-3;Auszahlung;;NAUS;1.234,56\n" +
	"02.01.2024;0,00;H;EUR;;;BR-INFO;;Info;;NINF;2.234,56\n" +
	"02.01.2024;2.000,50;H;EUR;DE89370400440532013000;Max Muster;BR2;E2E-2;Einzahlung;Januar;NEIN;2.234,56\n" +
	"01.01.2024;,06;H;EUR;;;;;Zinsen;;NZIN;234,06\n"

func TestParseMapping(t *testing.T) {
	m, err := ParseMapping("m.txt", []byte(germanMapping))
	if err != nil {
		t.Fatal(err)
	}
	want := &Mapping{Account: "DE02120300000000202051", Date: "Buchungstag", DateFormat: "DD.MM.YYYY", Amount: "Betrag",
		Direction: "S/H", CreditValues: []string{"H"}, DebitValues: []string{"S"}, Currency: "Währung",
		Counterparty: "IBAN", CounterpartyName: "Name", Reference: "Bankreferenz", EndToEndID: "End-to-End-Referenz",
		Text: []string{"Verwendungszweck 1", "Verwendungszweck 2"}, Code: "GVC", Balance: "Saldo",
		Delimiter: ';', DecimalSeparator: ',', ThousandsSeparator: ".", NewestFirst: true, HeaderLine: 3}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("mapping:\n got %+v\nwant %+v", m, want)
	}
	minimal, err := ParseMapping("m.txt", []byte("account_column=Konto\ndate=D\namount=A\ncurrency_code=CNY\ndelimiter=tab\n"))
	if err != nil {
		t.Fatal(err)
	}
	if minimal.Delimiter != '\t' || minimal.DecimalSeparator != '.' || minimal.DateFormat != "YYYY-MM-DD" || minimal.HeaderLine != 1 ||
		!reflect.DeepEqual(minimal.CreditValues, []string{"C", "CR", "CRDT", "CREDIT", "+"}) {
		t.Errorf("defaults: %+v", minimal)
	}
	for _, bad := range []struct{ text, want string }{
		{"date = D\nfoo = bar\n", "m.txt:2: foo: unknown key (see the Bank statements section of the README)"},
		{"date = D\ndate = E\n", "m.txt:2: date given twice (first on line 1)"},
		{"just text\n", `m.txt:1: want key = value, got "just text"`},
		{"amount = A\naccount = X\ncurrency_code = EUR\n", "m.txt: mapping lacks date"},
		{"date = D\namount = A\ncurrency_code = EUR\n", "m.txt: mapping needs exactly one of account (a fixed account) and account_column"},
		{"date = D\namount = A\naccount = X\n", "m.txt: mapping needs exactly one of currency (a column) and currency_code (a fixed currency)"},
		{"date = D\namount = A\naccount = X\ncurrency_code = eur\n", `m.txt: currency_code "eur" is not an ISO 4217 code (three upper-case letters)`},
		{"date = D\namount = A\naccount = X\ncurrency_code = EUR\ndate_format = DD/MM\n", `m.txt: date_format: "DD/MM" lacks YYYY, MM or DD`},
		{"date = D\namount = A\naccount = X\ncurrency_code = EUR\ndate_format = YYYY-MM-DD mm\n", `m.txt: date_format: "YYYY-MM-DD mm" has a time without hh and mm`},
		{"delimiter = ;;\n", `m.txt:1: delimiter: want one character or "tab", got ";;"`},
		{"decimal_separator = ;\n", `m.txt:1: decimal_separator: want . or , got ";"`},
		{"order = random\n", `m.txt:1: order: want oldest_first or newest_first, got "random"`},
		{"header_line = 0\n", `m.txt:1: header_line: want a line number, got "0"`},
		{"date = D\namount = A\naccount = X\ncurrency_code = EUR\ndecimal_separator = ,\nthousands_separator = ,\n", "m.txt: thousands_separator and decimal_separator are the same"},
		{"date = \xff\n", "m.txt:1: not valid UTF-8"},
	} {
		if _, err := ParseMapping("m.txt", []byte(bad.text)); err == nil || err.Error() != bad.want {
			t.Errorf("%q: %v, want %s", bad.text, err, bad.want)
		}
	}
}

func TestParseCSVAmount(t *testing.T) {
	tests := []struct {
		in        string
		dec       byte
		thousands string
		want      int64
		err       string
	}{
		{"1234.56", '.', "", 123456, ""},
		{"-1,234.50", '.', ",", -123450, ""},
		{"1.234,56", ',', ".", 123456, ""},
		{"+7", '.', "", 700, ""},
		{" -0,5 ", ',', "", -50, ""},
		{".5", '.', "", 50, ""},
		{"5.", '.', "", 500, ""},
		{"1,000", ',', "", 100, ""},
		{"1 234,50", ',', " ", 123450, ""},
		{"1\u00a0234,50", ',', " ", 123450, ""},
		{"999999999999999999.99", '.', "", 0, `"999999999999999999.99" does not fit DECIMAL(18, 2)`},
		{"1,005", ',', "", 0, `"1,005" has more than 2 decimal places (amount_scale): it is not rounded`},
		{"1.2.3", '.', "", 0, `"1.2.3" is not a decimal number`},
		{"1e5", '.', "", 0, `"1e5" is not a decimal number`},
		{"-", '.', "", 0, `"-" is not a decimal number`},
		{"--1", '.', "", 0, `"--1" is not a decimal number`},
		{"", '.', "", 0, "empty"},
		{"1,234.56", '.', "", 0, `"1,234.56" is not a decimal number`},
	}
	for _, tt := range tests {
		got, err := parseCSVAmount(tt.in, tt.dec, tt.thousands, 2)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.err {
			t.Errorf("parseCSVAmount(%q, %q, %q) = %d, %q; want %d, %q", tt.in, tt.dec, tt.thousands, got, gotErr, tt.want, tt.err)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		layout, in string
		want       statement.Date
		clock      time.Time
		err        string
	}{
		{"YYYY-MM-DD", "2024-02-29", statement.Date{Year: 2024, Month: 2, Day: 29}, time.Time{}, ""},
		{"DD.MM.YYYY", "1.5.2019", statement.Date{Year: 2019, Month: 5, Day: 1}, time.Time{}, ""},
		{"YYYYMMDD", "20240102", statement.Date{Year: 2024, Month: 1, Day: 2}, time.Time{}, ""},
		{"MM/DD/YYYY hh:mm:ss", "12/31/2023 23:59:58", statement.Date{Year: 2023, Month: 12, Day: 31},
			time.Date(2023, 12, 31, 23, 59, 58, 0, time.UTC), ""},
		{"YYYY-MM-DD hh:mm", "2024-01-02 7:05", statement.Date{Year: 2024, Month: 1, Day: 2}, time.Date(2024, 1, 2, 7, 5, 0, 0, time.UTC), ""},
		{"YYYYMMDD", "2024012", statement.Date{}, time.Time{}, `expected 2 digits for DD at "2"`},
		{"YYYY-MM-DD", "2023-02-29", statement.Date{}, time.Time{}, "no such date"},
		{"YYYY-MM-DD", "2023-01-01x", statement.Date{}, time.Time{}, `unexpected "x" at the end`},
		{"DD.MM.YYYY", "01/01/2024", statement.Date{}, time.Time{}, `expected "." at "/01/2024"`},
		{"YYYY-MM-DD hh:mm", "2024-01-02 24:00", statement.Date{}, time.Time{}, "no such time"},
	}
	for _, tt := range tests {
		layout, err := parseLayout(tt.layout)
		if err != nil {
			t.Fatal(err)
		}
		d, clock, _, err := parseDate(layout, tt.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if d != tt.want || !clock.Equal(tt.clock) || gotErr != tt.err {
			t.Errorf("%s %q: %v %v %q; want %v %v %q", tt.layout, tt.in, d, clock, gotErr, tt.want, tt.clock, tt.err)
		}
	}
}

// TestConvertCSV converts the German-style export: rows oldest first
// after reversing, one statement per day with the balance before its
// first row and after its last, direction from S/H, the zero row skipped.
func TestConvertCSV(t *testing.T) {
	m, err := ParseMapping("m.txt", []byte(germanMapping))
	if err != nil {
		t.Fatal(err)
	}
	_, kinds := mustMaps(t, "", "NZIN,refund\n")
	opt := testOptions(FormatCSV)
	opt.CSV, opt.Kinds = m, kinds
	res, err := Convert(context.Background(), opt, []Input{{Name: "export.csv", Data: []byte(germanCSV)}})
	if err != nil {
		t.Fatal(err)
	}
	acct := "DE02120300000000202051"
	card := "DE89370400440532013000"
	at := func(day int) int64 { return time.Date(2024, 1, day, 0, 0, 0, 0, shanghai).UnixMicro() }
	asOf := func(day int) int32 { return int32(time.Date(2024, 1, day, 0, 0, 0, 0, time.UTC).Unix() / 86400) }
	balance := func(day int, opening, closing int64) []formats.CustodyBalanceRow {
		return []formats.CustodyBalanceRow{{BankID: "B1", PlatformID: "P1", AccountID: acct, AsOf: asOf(day), Opening: opening, Closing: closing, Currency: "EUR"}}
	}
	want := []Day{
		{Date: "2024-01-01", Transactions: []formats.CustodyTxnRow{{BankID: "B1", PlatformID: "P1", BankTxnID: acct + ":2024-01-01 EUR:1",
			Payer: "UNKNOWN:" + acct, Payee: acct, Amount: 6, Currency: "EUR", Kind: "refund", Status: "success", BookedAt: at(1), Memo: ptr("Zinsen")}},
			Balances: balance(1, 23400, 23406)},
		{Date: "2024-01-02", Transactions: []formats.CustodyTxnRow{{BankID: "B1", PlatformID: "P1", BankTxnID: "BR2", PlatformTxnID: ptr("E2E-2"),
			Payer: card, Payee: acct, Amount: 200050, Currency: "EUR", Kind: "deposit", Status: "success", BookedAt: at(2),
			Memo: ptr("Einzahlung Januar [counterparty: Max Muster]")}},
			Balances: balance(2, 23406, 223456)},
		{Date: "2024-01-03", Transactions: []formats.CustodyTxnRow{{BankID: "B1", PlatformID: "P1", BankTxnID: "BR3", PlatformTxnID: ptr("E2E-3"),
			Payer: acct, Payee: card, Amount: 100000, Currency: "EUR", Kind: "withdrawal", Status: "success", BookedAt: at(3),
			Memo: ptr("Auszahlung [counterparty: Max Muster]")}},
			Balances: balance(3, 223456, 123456)},
	}
	if !reflect.DeepEqual(res.Days, want) {
		t.Errorf("days:\n got %s\nwant %s", dump(res.Days), dump(want))
	}
	if res.Statements != 3 || res.Entries != 3 || res.Skipped != 1 || res.Warnings() != 0 {
		t.Errorf("%d statements, %d entries, %d skipped, %d warnings", res.Statements, res.Entries, res.Skipped, res.Warnings())
	}
	if _, err := res.Files(context.Background(), "export", "test"); err != nil {
		t.Fatal(err)
	}

	// A balance that does not follow from the rows is a statement break
	// of its day.
	broken := strings.Replace(germanCSV, "NAUS;1.234,56", "NAUS;1.234,50", 1)
	res, err = Convert(context.Background(), opt, []Input{{Name: "export.csv", Data: []byte(broken)}})
	if err != nil {
		t.Fatal(err)
	}
	var warnings []Note
	for _, n := range res.Notes {
		if n.Level == Warning {
			warnings = append(warnings, n)
		}
	}
	if len(warnings) != 1 || warnings[0].Kind != NoteBalance || warnings[0].DifferenceMinor != -6 || warnings[0].Line != 4 ||
		warnings[0].Statement != "2024-01-03 EUR" {
		t.Errorf("warnings %v", warnings)
	}
}

func TestConvertCSVWithoutBalances(t *testing.T) {
	m, err := ParseMapping("m.txt", []byte("account_column=Account\ndate=Date\namount=Amount\ncurrency_code=CNY\nreference=Ref\n"))
	if err != nil {
		t.Fatal(err)
	}
	opt := testOptions(FormatCSV)
	opt.CSV = m
	data := "Account,Date,Amount,Ref\nA1,2024-01-02,-5.00,R1\n\nA2,2024-01-02,7,R1\nA1,2024-01-01,1.5,R2\n"
	res, err := Convert(context.Background(), opt, []Input{{Name: "x.csv", Data: []byte(data)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res.Days {
		if len(d.Balances) != 0 {
			t.Errorf("%s: balances %+v", d.Date, d.Balances)
		}
		for _, r := range d.Transactions {
			got = append(got, strings.Join([]string{d.Date, r.BankTxnID, r.Payer, r.Payee, itoa(r.Amount), r.Currency, r.Kind}, " "))
		}
	}
	want := []string{
		"2024-01-01 R2 UNKNOWN:A1 A1 150 CNY deposit",
		"2024-01-02 R1 A1 UNKNOWN:A1 500 CNY withdrawal",
		"2024-01-02 R1#2 UNKNOWN:A2 A2 700 CNY deposit",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n got %q\nwant %q", got, want)
	}
	kinds := map[string]int{}
	for _, n := range res.Notes {
		kinds[n.Kind]++
		if n.Level == Warning {
			t.Errorf("warning %s", n)
		}
	}
	if kinds[NoteNoBalances] != 1 || kinds[NoteMissing] != 0 {
		t.Errorf("notes %v", res.Notes)
	}
}

func TestCSVErrors(t *testing.T) {
	m, err := ParseMapping("m.txt", []byte(germanMapping))
	if err != nil {
		t.Fatal(err)
	}
	header := "a\nb\nBuchungstag;Betrag;S/H;Währung;IBAN;Name;Bankreferenz;End-to-End-Referenz;Verwendungszweck 1;Verwendungszweck 2;GVC;Saldo\n"
	tests := []struct{ name, data, want string }{
		{"ISO-8859-1 text", header + "01.01.2024;1,00;H;EUR;;M\xfcller;;;;;;1,00\n",
			`x.csv:4: counterparty name "M\xfcller" is not valid UTF-8 (export the file as UTF-8)`},
		{"bad amount", header + "01.01.2024;1,001;H;EUR;;;;;;;;1,00\n",
			`x.csv:4: amount: "1,001" has more than 2 decimal places (amount_scale): it is not rounded`},
		{"bad direction", header + "01.01.2024;1,00;X;EUR;;;;;;;;1,00\n",
			`x.csv:4: direction "X" is none of the credit values ["H"] or debit values ["S"]`},
		{"negative amount with a direction", header + "01.01.2024;-1,00;S;EUR;;;;;;;;1,00\n",
			`x.csv:4: amount "-1,00" is negative, but the direction column "S/H" gives the direction`},
		{"short row", header + "01.01.2024;1,00;S\n", "x.csv:4: currency column missing: the row has 3 fields"},
		{"bad date", header + "2024-01-01;1,00;S;EUR;;;;;;;;1,00\n",
			`x.csv:4: date "2024-01-01" does not match date_format "DD.MM.YYYY": expected "." at "24-01-01"`},
		{"bad currency", header + "01.01.2024;1,00;S;Euro;;;;;;;;1,00\n", `x.csv:4: currency "Euro" is not an ISO 4217 code (three upper-case letters)`},
		{"rows out of date order", header + "01.01.2024;1,00;S;EUR;;;;;;;;1,00\n02.01.2024;1,00;S;EUR;;;;;;;;0,00\n",
			"x.csv:4: booked on 2024-01-01, before the row on line 5 (2024-01-02): with a balance column the rows of an account must be in date order, newest first (order = newest_first)"},
		{"missing column", "a\nb\nBuchungstag;Betrag\n", `x.csv:3: header lacks the mapped column(s) "S/H", "Währung", "IBAN", "Name", "Bankreferenz", "End-to-End-Referenz", "GVC", "Saldo", "Verwendungszweck 1", "Verwendungszweck 2" (header: ["Buchungstag" "Betrag"])`},
		{"no header", "a\n", "x.csv: no header on line 3: the file has 2 lines"},
		{"no rows", header, "x.csv: no data rows"},
		{"broken quotes", header + "\"01.01.2024;1,00\n", "x.csv:4: extraneous or missing \" in quoted-field"},
	}
	opt := testOptions(FormatCSV)
	opt.CSV = m
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Convert(context.Background(), opt, []Input{{Name: "x.csv", Data: []byte(tt.data)}})
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}
