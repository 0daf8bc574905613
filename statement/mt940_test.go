package statement

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mt940 parses an MT940 text at scale 2.
func mt940(t *testing.T, text string) ([]Statement, error) {
	t.Helper()
	return ParseMT940(context.Background(), strings.NewReader(text), testOpt)
}

// wrapMT940 builds a one-statement MT940 message around statement lines.
func wrapMT940(lines string) string {
	return ":20:REF\n:25:ACCT\n:28C:1/1\n:60F:C240101EUR100,00\n" + lines + ":62F:C240102EUR100,00\n-\n"
}

func TestParseStatementLine(t *testing.T) {
	d := func(y, m, day int) Date { return Date{y, time.Month(m), day} }
	tests := []struct {
		name  string
		lines []string
		want  mt940Entry
	}{
		{"debit with entry date and bank ref",
			[]string{"0909250925DR583,92NMSC1110030403010139//1234"},
			mt940Entry{entry: Entry{BankTxCode: "NMSC", AmountMinor: 58392, ValueDate: d(2009, 9, 25), BookingDate: d(2009, 9, 25), BankRef: "1234"}, customerRef: "1110030403010139"}},
		{"entry date in the previous month",
			[]string{"0910010930CR0,23FINTInterest"},
			mt940Entry{entry: Entry{BankTxCode: "FINT", Credit: true, AmountMinor: 23, ValueDate: d(2009, 10, 1), BookingDate: d(2009, 9, 30)}, customerRef: "Interest"}},
		{"entry date in the next year",
			[]string{"2412310102C1,00NTRFNONREF"},
			mt940Entry{entry: Entry{BankTxCode: "NTRF", Credit: true, AmountMinor: 100, ValueDate: d(2024, 12, 31), BookingDate: d(2025, 1, 2)}, customerRef: "NONREF"}},
		{"no entry date, no funds code, amount without decimals",
			[]string{"131017D6800,NCHK16703074"},
			mt940Entry{entry: Entry{BankTxCode: "NCHK", AmountMinor: 680000, ValueDate: d(2013, 10, 17), BookingDate: d(2013, 10, 17)}, customerRef: "16703074"}},
		{"blank entry date and funds code (citi)",
			[]string{"240312    DD212,39NMSCNONREF//", "/ABC/DEF/MISCELLANEOUS"},
			mt940Entry{entry: Entry{BankTxCode: "NMSC", AmountMinor: 21239, ValueDate: d(2024, 3, 12), BookingDate: d(2024, 3, 12)}, customerRef: "NONREF", supplementary: "/ABC/DEF/MISCELLANEOUS"}},
		{"RC: reversal of a credit, booked as a debit",
			[]string{"0709040904RCR204,88NRTINONREF"},
			mt940Entry{entry: Entry{BankTxCode: "NRTI", Reversal: true, AmountMinor: 20488, ValueDate: d(2007, 9, 4), BookingDate: d(2007, 9, 4)}, customerRef: "NONREF"}},
		{"RD: reversal of a debit, booked as a credit",
			[]string{"0709040904RD12,00NRTIMSGID//R72471"},
			mt940Entry{entry: Entry{BankTxCode: "NRTI", Reversal: true, Credit: true, AmountMinor: 1200, ValueDate: d(2007, 9, 4), BookingDate: d(2007, 9, 4), BankRef: "R72471"}, customerRef: "MSGID"}},
		{"customer ref with blanks, bank ref, supplementary details",
			[]string{"0310201020D10000,00FTRFREF 25611247//8327000090031790", "Transfer"},
			mt940Entry{entry: Entry{BankTxCode: "FTRF", AmountMinor: 1000000, ValueDate: d(2003, 10, 20), BookingDate: d(2003, 10, 20), BankRef: "8327000090031790"}, customerRef: "REF 25611247", supplementary: "Transfer"}},
		{"S type (SWIFT message number)",
			[]string{"240101C5,S103ABC//DEF"},
			mt940Entry{entry: Entry{BankTxCode: "S103", Credit: true, AmountMinor: 500, ValueDate: d(2024, 1, 1), BookingDate: d(2024, 1, 1), BankRef: "DEF"}, customerRef: "ABC"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatementLine(&mt940Field{tag: "61", lines: tt.lines, line: 7}, 2)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.entry.Status, want.entry.Line = "BOOK", 7
			if got.entry != want.entry || got.customerRef != want.customerRef || got.supplementary != want.supplementary {
				t.Errorf("\n got %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestParseStatementLineErrors(t *testing.T) {
	tests := []struct {
		line string
		want error
	}{
		{"0909", ErrSyntax},
		{"0913250925DR1,00NMSC", ErrDate},
		{"0909251325DR1,00NMSC", ErrDate},
		{"0909250925X1,00NMSC", ErrSyntax},
		{"0909250925DR1,005NMSC", ErrAmount},
		{"0909250925DR100NMSC", ErrAmount},
		{"0909250925DR99999999999999999,00NMSC", ErrAmount},
		{"0909250925DR1,00", ErrSyntax},
		{"0909250925DR1,00XMSC", ErrSyntax},
		{"0909250925DR1,00NMS", ErrSyntax},
	}
	for _, tt := range tests {
		_, err := parseStatementLine(&mt940Field{tag: "61", lines: []string{tt.line}, line: 3}, 2)
		var pe *ParseError
		if !errors.Is(err, tt.want) || !errors.As(err, &pe) || pe.Line != 3 || pe.Field != ":61:" {
			t.Errorf("%q: got %v, want %v at line 3", tt.line, err, tt.want)
		}
	}
}

func TestParseInfo(t *testing.T) {
	tests := []struct {
		name   string
		fields [][]string
		want   mt940Info
	}{
		{"none", nil, mt940Info{}},
		{"German structured with EREF over two subfields",
			[][]string{{"166?00GUTSCHRIFT?100399?20EREF+EndToEndIdTFNR20004000?2101?22SVWZ", "+TO 13?30PBNKDEFF100?31DE42100100100043921105?32Ri", "chter Renate?33 jun."}},
			mt940Info{endToEndID: "EndToEndIdTFNR2000400001", account: "DE42100100100043921105", name: "Richter Renate jun.", remittance: "EREF+EndToEndIdTFNR2000400001SVWZ+TO 13"}},
		{"German structured, EREF ends at MTLG: subfield",
			[][]string{{"159?00RETOURE?100399?20EREF+TFNR 40005 00005?21MTLG:Grund nicht s", "pezifizie?22rt"}},
			mt940Info{endToEndID: "TFNR 40005 00005", remittance: "EREF+TFNR 40005 00005MTLG:Grund nicht spezifiziert"}},
		{"German structured, EREF and SVWZ in one subfield, IBAN+ keyword",
			[][]string{{"105?00LASTSCHRIFT?20EREF+A1 SVWZ+Rent?21IBAN+DE02120300000000202051"}},
			mt940Info{endToEndID: "A1", account: "DE02120300000000202051", remittance: "EREF+A1 SVWZ+RentIBAN+DE02120300000000202051"}},
		{"German structured, EREF+NOTPROVIDED",
			[][]string{{"105?20EREF+NOTPROVIDED?21SVWZ+x"}},
			mt940Info{remittance: "EREF+NOTPROVIDEDSVWZ+x"}},
		{"German structured with leading blank and code broken over lines (cmxl)",
			[][]string{{" 020?00Wyplata?2008106000760000777777777777?2115617?", "22INFO?32HUTA SZKLA TOPIC UL", "PRZEMY?33SLOWA 67"}},
			mt940Info{name: "HUTA SZKLA TOPIC ULPRZEMYSLOWA 67", remittance: "0810600076000077777777777715617INFO"}},
		{"slash coded (ABN AMRO)",
			[][]string{{"/TRTP/SEPA OVERBOEKING/IBAN/NL87SNSB0941352955/BIC/SNSBNL2A/NAME/Naam/REMI/2013-33/EREF/E2E-1/X"}},
			mt940Info{endToEndID: "E2E-1/X", account: "NL87SNSB0941352955", name: "Naam", remittance: "2013-33"}},
		{"slash coded counterparty block (Rabobank)",
			[][]string{{"/EREF/NOTPROVIDED/CNTP/NL12RABO0123456789/RABONL2U/J DOE/UTRECHT//REMI/USTD//Invoice 9/"}},
			mt940Info{account: "NL12RABO0123456789", name: "J DOE", remittance: "Invoice 9"}},
		{"free text, several :86: fields, full-width line continued",
			[][]string{{"For your inform. IBAN no.: FI1111111111111111"}, {"DABADKKK     "}, {strings.Repeat("x", 65), "yz", "Beneficiary name"}},
			mt940Info{remittance: "For your inform. IBAN no.: FI1111111111111111 DABADKKK " + strings.Repeat("x", 65) + "yz Beneficiary name"}},
		{"digits and '?' without a subfield code are free text",
			[][]string{{"166?x is not structured"}},
			mt940Info{remittance: "166?x is not structured"}},
		{"free text that merely contains slashes",
			[][]string{{"/PT/FT/PY/SOMETHING FOO BAR          112233", "   123456789"}},
			mt940Info{remittance: "/PT/FT/PY/SOMETHING FOO BAR          112233 123456789"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseInfo(tt.fields); got != tt.want {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMT940SwiftEnvelope(t *testing.T) {
	text := "{1:F01BANKDEFFAXXX0000000000}{2:O9401200240102BANKDEFFAXXX00000000002401021200N}{4:\r\n" +
		":20:STMT1\r\n:25:DE001/EUR\r\n:28C:7/1\r\n:60F:D240101EUR10,\r\n" +
		":61:2401020102C25,50NTRFE2E//B1\r\n:86:/EREF/E1/REMI/Thanks\r\n" +
		":62F:C240102EUR15,50\r\n-}{5:{CHK:123456789ABC}}\r\n" +
		"{1:F01BANKDEFFAXXX0000000000}{2:O9401200240103BANKDEFFAXXX00000000002401031200N}{4::20:STMT2\r\n" +
		":25:DE001/EUR\r\n:28C:8/1\r\n:60F:C240102EUR15,50\r\n:62F:C240103EUR15,50\r\n-}\r\n"
	got, err := mt940(t, text)
	if err != nil {
		t.Fatal(err)
	}
	want := []Statement{
		{ID: "STMT1 7/1", Account: "DE001/EUR", Currency: "EUR", Line: 2,
			Opening: Balance{-1000, "EUR", Date{2024, 1, 1}, "60F"},
			Closing: Balance{1550, "EUR", Date{2024, 1, 2}, "62F"},
			Entries: []Entry{{Credit: true, AmountMinor: 2550, Currency: "EUR", BookingDate: Date{2024, 1, 2}, ValueDate: Date{2024, 1, 2},
				Status: "BOOK", BankTxCode: "NTRF", BankRef: "B1", EndToEndID: "E1", Remittance: "Thanks", Line: 6}}},
		{ID: "STMT2 8/1", Account: "DE001/EUR", Currency: "EUR", Line: 10,
			Opening: Balance{1550, "EUR", Date{2024, 1, 2}, "60F"},
			Closing: Balance{1550, "EUR", Date{2024, 1, 3}, "62F"}},
	}
	compareStatements(t, got, want)
	if p := Check(got); len(p) != 0 {
		t.Errorf("Check: %+v", p)
	}
}

// compareStatements compares whole statements.
func compareStatements(t *testing.T, got, want []Statement) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d statements, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if len(g.Entries) != len(w.Entries) {
			t.Errorf("statement %d: %d entries, want %d", i, len(g.Entries), len(w.Entries))
			continue
		}
		for k := range w.Entries {
			if g.Entries[k] != w.Entries[k] {
				t.Errorf("statement %d entry %d:\n got %+v\nwant %+v", i, k, g.Entries[k], w.Entries[k])
			}
		}
		g.Entries, w.Entries = nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("statement %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// TestMT940SampleDetails checks samples without an expected.json, and the
// details mt940-rs does not give (remittance, end-to-end id), by hand.
func TestMT940SampleDetails(t *testing.T) {
	t.Run("citi: blank entry date, funds code, zero-amount info lines", func(t *testing.T) {
		got := parseSample(t, samplePath(t, "mt940", "citi.sta"))
		d := Date{2024, 3, 12}
		e := func(amt int64, code string, line int) Entry {
			return Entry{AmountMinor: amt, Currency: "USD", BookingDate: d, ValueDate: d, Status: "BOOK", BankTxCode: code,
				Remittance: "/PT/FT/PY/SOMETHING FOO BAR          112233 123456789", Line: line}
		}
		want := []Statement{{ID: "asdfsdfdsf 1/1", Account: "123456789", Currency: "USD", Line: 1,
			Opening: Balance{1737667, "USD", d, "60F"}, Closing: Balance{1623392, "USD", d, "62F"},
			// The two "CD0,00" lines (BAI codes 025 and 010) move no money:
			// counted in Skipped.
			Entries: []Entry{e(21239, "NMSC", 5), e(36928, "NDEF", 9), e(56108, "NDEF", 17)}, Skipped: 2}}
		compareStatements(t, got, want)
	})
	t.Run("cmxl: three currencies, funds code R, structured :86:", func(t *testing.T) {
		got := parseSample(t, samplePath(t, "mt940", "cmxl_three_currencies.sta"))
		if len(got) != 3 {
			t.Fatalf("%d statements", len(got))
		}
		var ccys []string
		for _, st := range got {
			ccys = append(ccys, st.Currency)
		}
		if strings.Join(ccys, ",") != "DEM,EUR,PLN" {
			t.Errorf("currencies %v", ccys)
		}
		wantEntries := []Entry{
			{AmountMinor: 80000, Currency: "EUR", BookingDate: Date{2002, 11, 2}, ValueDate: Date{2002, 11, 1}, Status: "BOOK", BankTxCode: "NSTO",
				BankRef: "55555", CounterpartyAccount: "234567", CounterpartyName: "MUELLER", Remittance: "Miete November", Line: 36},
			{Credit: true, AmountMinor: 300000, Currency: "EUR", BookingDate: Date{2002, 11, 2}, ValueDate: Date{2002, 11, 2}, Status: "BOOK", BankTxCode: "NTRF",
				BankRef: "55555", CounterpartyAccount: "0847564700", CounterpartyName: "MUELLER", Remittance: "Gehalt OktoberFirmaMustermannGmbH", Line: 38},
		}
		compareStatements(t, got[1:2], []Statement{{ID: "1234567 5/1", Account: "10020030/1234567", Currency: "EUR", Line: 31,
			Opening: Balance{218795, "EUR", Date{2002, 11, 1}, "60F"}, Closing: Balance{438795, "EUR", Date{2002, 11, 30}, "62F"},
			Entries: wantEntries}})
		pl := got[2].Entries[2]
		if pl.Remittance != "Odsetki od lokaty nr 101000022086" || pl.BankRef != "8327000090031791" || !pl.Credit || pl.AmountMinor != 4000 {
			t.Errorf("PLN interest entry %+v", pl)
		}
	})
	t.Run("abnamro: preamble, :28:, 60M/62M page, amounts without decimals", func(t *testing.T) {
		got := parseSample(t, samplePath(t, "mt940", "abnamro_not_reconciling.sta"))
		if len(got) != 2 || got[1].Opening.Kind != "60M" || got[1].Closing.Kind != "62M" || got[0].ID != "ABN AMRO BANK NV 19321/1" {
			t.Fatalf("statements %+v", got)
		}
		var amounts []int64
		for _, e := range got[0].Entries {
			amounts = append(amounts, e.AmountMinor)
		}
		want := []int64{900, 1159, 1163, 1180, 1345, 1549, 10700, 14148}
		if len(amounts) != len(want) {
			t.Fatalf("amounts %v", amounts)
		}
		for i := range want {
			if amounts[i] != want[i] {
				t.Errorf("amounts %v, want %v", amounts, want)
				break
			}
		}
		if r := got[0].Entries[0].Remittance; r != "GIRO   428428 KPN - DIGITENNE    BETALINGSKENM.  000000042188659 5314606715                       BETREFT FACTUUR D.D. 20-05-2011 INCL. 1,44 BTW" {
			t.Errorf("remittance %q", r)
		}
	})
}

func TestMT940Errors(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		want  error
		line  int
		field string
	}{
		{"too many decimals", wrapMT940(":61:2401020102C1,234NTRFX\n"), ErrAmount, 5, ":61:"},
		{"balance overflow", ":20:R\n:25:A\n:60F:C240101EUR99999999999999999999,00\n", ErrAmount, 3, ":60F:"},
		{"balance mark", ":20:R\n:25:A\n:60F:X240101EUR1,00\n", ErrSyntax, 3, ":60F:"},
		{"balance currency", ":20:R\n:25:A\n:60F:C240101eur1,00\n", ErrSyntax, 3, ":60F:"},
		{"balance date", ":20:R\n:25:A\n:60F:C241301EUR1,00\n", ErrDate, 3, ":60F:"},
		{"tag outside statement", "preamble\n:25:ACCT\n", ErrSyntax, 2, ":25:"},
		{"tag after end of message", wrapMT940("") + ":61:2401020102C1,00NTRFX\n", ErrSyntax, 7, ":61:"},
		{"no closing balance", ":20:R\n:25:A\n:60F:C240101EUR1,00\n-\n", ErrMissing, 1, ":62F:"},
		{"no opening balance", ":20:R\n:25:A\n:62F:C240101EUR1,00\n", ErrSyntax, 3, ":62F:"},
		{"no account", ":20:R\n:60F:C240101EUR1,00\n:62F:C240101EUR1,00\n", ErrMissing, 1, ":25:"},
		{"entry before opening", ":20:R\n:25:A\n:61:2401020102C1,00NTRFX\n", ErrSyntax, 3, ":61:"},
		{"entry after closing", ":20:R\n:25:A\n:60F:C240101EUR1,00\n:62F:C240101EUR1,00\n:61:2401020102C1,00NTRFX\n", ErrSyntax, 5, ":61:"},
		{"two openings", ":20:R\n:25:A\n:60F:C240101EUR1,00\n:60M:C240101EUR1,00\n", ErrSyntax, 4, ":60M:"},
		{"two closings", ":20:R\n:25:A\n:60F:C240101EUR1,00\n:62F:C240101EUR1,00\n:62M:C240101EUR1,00\n", ErrSyntax, 5, ":62M:"},
		{"bad available balance", wrapMT940("")[:len(wrapMT940(""))-2] + ":64:C240102EUR1,2,3\n", ErrAmount, 6, ":64:"},
		{"ISO-8859-1 byte", wrapMT940(":61:2401020102C1,00NTRFX\n:86:M\xfcller\n"), ErrEncoding, 6, "input"},
		{"empty input", "", ErrMissing, 0, "input"},
		{"text only", "hello\nworld\n", ErrMissing, 2, "input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mt940(t, tt.text)
			var pe *ParseError
			if !errors.Is(err, tt.want) || !errors.As(err, &pe) || pe.Line != tt.line || pe.Field != tt.field {
				t.Fatalf("got %v; want %v at line %d field %s", err, tt.want, tt.line, tt.field)
			}
		})
	}
}

func TestMT940Misc(t *testing.T) {
	t.Run("BOM, CRLF, unknown tags, statement info, no final newline", func(t *testing.T) {
		text := "\ufeff:20:R\r\n:21:X\r\n:25:A\r\n:28C:1\r\n:60F:C240101EUR1,00\r\n:86:statement info\r\n" +
			":61:240102C2,00NTRFX\r\n:13D:2401021200+0100\r\n:86:not for the entry\r\n:62F:C240102EUR3,00\r\n:86:trailer"
		got, err := mt940(t, text)
		if err != nil {
			t.Fatal(err)
		}
		want := []Statement{{ID: "R 1", Account: "A", Currency: "EUR", Line: 1,
			Opening: Balance{100, "EUR", Date{2024, 1, 1}, "60F"}, Closing: Balance{300, "EUR", Date{2024, 1, 2}, "62F"},
			Entries: []Entry{{Credit: true, AmountMinor: 200, Currency: "EUR", BookingDate: Date{2024, 1, 2}, ValueDate: Date{2024, 1, 2},
				Status: "BOOK", BankTxCode: "NTRF", BankRef: "X", Line: 7}}}}
		compareStatements(t, got, want)
	})
	t.Run("invalid options", func(t *testing.T) {
		for _, s := range []int{-1, MaxScale + 1} {
			if _, err := ParseMT940(context.Background(), strings.NewReader(""), Options{Scale: s}); !errors.Is(err, ErrOptions) {
				t.Errorf("scale %d: %v", s, err)
			}
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := ParseMT940(ctx, strings.NewReader(wrapMT940("")), testOpt); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("error text", func(t *testing.T) {
		_, err := mt940(t, wrapMT940(":61:2401020102C1,234NTRFX\n"))
		if err == nil || err.Error() != `line 5: :61:: invalid amount: amount "1,234" has more than 2 decimal places` {
			t.Errorf("got %q", err)
		}
	})
}
