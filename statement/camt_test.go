package statement

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// camt parses a camt.053 text at scale 2.
func camt(t *testing.T, text string) ([]Statement, error) {
	t.Helper()
	return ParseCamt053(context.Background(), strings.NewReader(text), testOpt)
}

// stmtSummary is a Statement without its entries, for whole-value tables.
type stmtSummary struct {
	ID, Account, Currency string
	Opening, Closing      Balance
	Entries, Skipped      int
	Line                  int
}

func summarize(stmts []Statement) []stmtSummary {
	out := make([]stmtSummary, len(stmts))
	for i, st := range stmts {
		out[i] = stmtSummary{st.ID, st.Account, st.Currency, st.Opening, st.Closing, len(st.Entries), st.Skipped, st.Line}
	}
	return out
}

// TestCamtSampleStatements: statement identity and balances of every camt
// sample, read by hand from the XML.
func TestCamtSampleStatements(t *testing.T) {
	eur := func(amt int64, y, m, d int, kind string) Balance {
		return Balance{amt, "EUR", Date{y, timeMonth(m), d}, kind}
	}
	tests := map[string][]stmtSummary{
		// PRCD is the opening balance: there is no OPBD. FWAV balances are
		// not used.
		"abn_amro.xml": {{"0574908765.2013-04-02", "NL77ABNA0574908765", "EUR",
			eur(100001, 2013, 3, 28, "PRCD"), eur(10001, 2013, 4, 2, "CLBD"), 13, 0, 29}},
		// OPBD wins over the PRCD listed after it.
		"finance_finland.xml": {{"BANKSTMTID0972009", "FI7433010001222090", "EUR",
			eur(1000000, 2009, 10, 29, "OPBD"), eur(2364483, 2009, 10, 29, "CLBD"), 10, 0, 12}},
		"genkgo_multi_statement.xml": {
			{"253EURNL26VAYB8060476890", "NL26VAYB8060476890", "EUR", eur(1815, 2014, 12, 30, "OPBD"), eur(2700, 2014, 12, 31, "CLBD"), 1, 0, 26},
			{"254EURNL26VAYB8060476890", "NL26VAYB8060476890", "EUR", eur(2700, 2014, 12, 30, "OPBD"), eur(2000, 2014, 12, 31, "CLBD"), 1, 0, 112},
		},
		// Account under Othr/Id, no Acct/Ccy: the currency comes from the
		// opening balance. The closing balance really is "27.00 SEK DBIT".
		"genkgo_v8.xml": {{"253EURNL26VAYB8060476890", "NL26VAYB8060476890", "EUR",
			eur(1815, 2014, 12, 30, "OPBD"), Balance{-2700, "SEK", Date{2014, 12, 30}, "CLBD"}, 1, 0, 30}},
		// Dates from DtTm are taken as written ("2023-10-08T23:59:00.000Z").
		"goldman_sachs_uk_two_statements.xml": {
			{"9740092600", "60000635", "GBP", Balance{6820651, "GBP", Date{2023, 10, 8}, "OPBD"}, Balance{6820651, "GBP", Date{2023, 10, 9}, "CLBD"}, 0, 0, 18},
			{"9740092650", "GB36GSLD04296250000970", "GBP", Balance{33442521807, "GBP", Date{2023, 10, 8}, "OPBD"}, Balance{33442512642, "GBP", Date{2023, 10, 9}, "CLBD"}, 6, 0, 94},
		},
		// DBIT balances are negative.
		"goldman_sachs_us_not_reconciling.xml": {{"258158850", "DD01100056869", "USD",
			Balance{-84368620, "USD", Date{2023, 9, 30}, "OPBD"}, Balance{-84666515, "USD", Date{2023, 9, 30}, "CLBD"}, 15, 0, 18}},
		"ing.xml": {{"201401030009999", "NL08INGB0000001234", "EUR",
			eur(100000, 2014, 1, 3, "OPBD"), eur(160500, 2014, 1, 3, "CLBD"), 9, 0, 19}},
		"nordea.xml": {{"2019-05-09-04.44.12-EUR0574", "FI8529501800030574", "EUR",
			eur(20050, 2019, 5, 8, "OPBD"), eur(880050, 2019, 5, 8, "CLBD"), 6, 0, 26}},
		"postfinance_forward_value.xml": {{"20201124375204229003973", "CH2909000000250094239", "CHF",
			Balance{21199319, "CHF", Date{2020, 11, 24}, "OPBD"}, Balance{21511221, "CHF", Date{2020, 11, 24}, "CLBD"}, 5, 0, 13}},
	}
	files := sampleFiles(t, "camt053", ".xml")
	if len(files) != len(tests) {
		t.Errorf("%d camt samples, %d in the table", len(files), len(tests))
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			got := summarize(parseSample(t, samplePath(t, "camt053", name)))
			if len(got) != len(want) {
				t.Fatalf("got %d statements, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("statement %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestCamtSampleEntries spot-checks entries of every camt sample against
// the XML, read by hand.
func TestCamtSampleEntries(t *testing.T) {
	d := func(y, m, day int) Date { return Date{y, timeMonth(m), day} }
	tests := []struct {
		file       string
		stmt, ntry int
		want       Entry
	}{
		// abn_amro: entry without TxDtls; the remittance is AddtlNtryInf.
		{"abn_amro.xml", 0, 0, Entry{Credit: true, AmountMinor: 100, Currency: "EUR", BookingDate: d(2013, 4, 2), ValueDate: d(2013, 4, 2),
			Status: "BOOK", BankRef: "2102830989503100038", Remittance: "11.11.111.111 Naam Adres 7 2960 Dorp", BankTxCode: "PMNT/RCDT/NTAV", Line: 144}},
		// Batch of 10 TxDtls: one Entry with the Ntry amount 10.00; all
		// EndToEndIds are NOTPROVIDED; no counterparty for a batch.
		{"abn_amro.xml", 0, 3, Entry{Credit: true, AmountMinor: 1000, Currency: "EUR", BookingDate: d(2013, 4, 2), ValueDate: d(2013, 4, 2),
			Status: "BOOK", BankRef: "3095D4322561460S0PS", Remittance: "/TRTP/SEPA ACCEPTGIRO BATCH/PREF/3095D4322561460S0PS/NRTX/10", BankTxCode: "PMNT/RCDT/ESCT", Line: 326}},
		// Batch of 7 SDD: the first EndToEndId is kept; all 7 Ustrd joined.
		{"abn_amro.xml", 0, 9, Entry{Credit: true, AmountMinor: 700, Currency: "EUR", BookingDate: d(2012, 4, 2), ValueDate: d(2012, 4, 2),
			Status: "BOOK", BankRef: "1402P5518750498B0AO", EndToEndID: "SDD SIT 024-1",
			Remittance: strings.TrimSpace(strings.Repeat("SIT DRIVER LI NOSIT DRIVER LI NOSITSIT DRIVER LI NOSIT DRIVER LI NOSITSIT DRIVER LI NOSIT DRIVER LI NOSITSIT DRIVER LI NOSIT DRIVER LI NOSIT ", 7)),
			BankTxCode: "PMNT/IDDT/ESDD", Line: 1312}},
		// SDD reject: DBIT with RvslInd=true stays a debit; the counterparty
		// of a debit is the Cdtr.
		{"abn_amro.xml", 0, 11, Entry{Reversal: true, AmountMinor: 100, Currency: "EUR", BookingDate: d(2012, 4, 2), ValueDate: d(2012, 4, 2),
			Status: "BOOK", BankRef: "GB020000738195160AO", EndToEndID: "1234567X908303803", CounterpartyAccount: "NL27ABNA0562326340",
			CounterpartyName: "Debtor", Remittance: "Levering maand mei, zie nota 1234556. Uw klantnummer 123455666", BankTxCode: "PMNT/IDDT/UPDD", Line: 1759}},
		{"abn_amro.xml", 0, 12, Entry{Reversal: true, AmountMinor: 92100, Currency: "EUR", BookingDate: d(2012, 4, 2), ValueDate: d(2012, 4, 2),
			Status: "BOOK", BankRef: "GB030000738195160AO", EndToEndID: "1234567X908303804", CounterpartyAccount: "NL27ABNA0592326340",
			CounterpartyName: "Debtor", Remittance: "Levering maand mei, zie nota 1234557. Uw klantnummer 123455666", BankTxCode: "PMNT/IDDT/UPDD", Line: 1850}},
		// finance_finland: batch of three payments, Ustrd only in the second.
		{"finance_finland.xml", 0, 2, Entry{AmountMinor: 423005, Currency: "EUR", BookingDate: d(2009, 10, 29), ValueDate: d(2009, 10, 29),
			Status: "BOOK", BankRef: "091029ACCTSTMTARCH03", Remittance: "Invoices 123 and 321", BankTxCode: "PMNT/ICDT/DMCT", Line: 293}},
		// Foreign currency payment credited in EUR; Dbtr has a name, no account.
		{"finance_finland.xml", 0, 6, Entry{Credit: true, AmountMinor: 212000, Currency: "EUR", BookingDate: d(2009, 10, 29), ValueDate: d(2009, 10, 30),
			Status: "BOOK", BankRef: "091029ACCTSTMTARCH06", CounterpartyName: "DEBTOR NAME", Remittance: "INVOICE US20291092", BankTxCode: "PMNT/RCDT/XBCT", Line: 592}},
		{"finance_finland.xml", 0, 8, Entry{Credit: true, AmountMinor: 1000000, Currency: "EUR", BookingDate: d(2009, 10, 29), ValueDate: d(2009, 10, 29),
			Status: "BOOK", BankRef: "091029ACCTSTMTARCH08", EndToEndID: "EndToEndIdSCT01", CounterpartyName: "DEBTOR", BankTxCode: "PMNT/RCDT/ESCT", Line: 781}},
		{"genkgo_multi_statement.xml", 0, 0, Entry{Credit: true, AmountMinor: 885, Currency: "EUR", BookingDate: d(2014, 12, 31), ValueDate: d(2015, 1, 2),
			Status: "BOOK", EndToEndID: "000000001", Remittance: "Transaction Description 1", BankTxCode: "544", Line: 66}},
		{"genkgo_multi_statement.xml", 1, 0, Entry{AmountMinor: 700, Currency: "EUR", BookingDate: d(2014, 12, 31), ValueDate: d(2015, 1, 2),
			Status: "BOOK", EndToEndID: "000000002", CounterpartyAccount: "NL56AGDH9619008421", CounterpartyName: "Company Name 2",
			Remittance: "Transaction Description 2", BankTxCode: "544", Line: 145}},
		// v8: <Sts><Cd>BOOK</Cd></Sts>, BookgDt/DtTm, party names under Pty.
		{"genkgo_v8.xml", 0, 0, Entry{Credit: true, AmountMinor: 885, Currency: "EUR", BookingDate: d(2014, 12, 31), ValueDate: d(2015, 1, 2),
			Status: "BOOK", BankRef: "AAAASESS-FP-CN_98765/01", EndToEndID: "MUELL/FINP/RA12345", CounterpartyAccount: "NL56AGDH9619008421",
			CounterpartyName: "NAME NAME", BankTxCode: "PMNT/RCDT/BOOK", BookingTime: time.Date(2014, 12, 31, 12, 15, 0, 0, time.UTC), Line: 110}},
		// BACS return: CRDT with RvslInd=true stays a credit; bank ref from
		// TxDtls (no entry-level AcctSvcrRef); value date a year earlier.
		{"goldman_sachs_uk_two_statements.xml", 1, 2, Entry{Credit: true, Reversal: true, AmountMinor: 10000, Currency: "GBP",
			BookingDate: d(2023, 10, 9), ValueDate: d(2022, 10, 12), Status: "BOOK", BankRef: "SB2327900001420", EndToEndID: "00384068",
			CounterpartyAccount: "12345678", CounterpartyName: "TEST NAME", Remittance: "GSGA8BGHVA", BankTxCode: "PMNT/ICDT/ARET", BookingTime: time.Date(2023, 10, 9, 2, 0, 1, 0, time.UTC), Line: 277}},
		{"goldman_sachs_us_not_reconciling.xml", 0, 0, Entry{Credit: true, Reversal: true, AmountMinor: 1000, Currency: "USD",
			BookingDate: d(2023, 10, 1), ValueDate: d(2023, 10, 1), Status: "BOOK", BankRef: "B20092800002225", EndToEndID: "GSGWGDNCTAHQM8",
			Remittance: "Sample Unstructured Remittance 123", BankTxCode: "ACH Credit Reject", BookingTime: time.Date(2023, 10, 1, 13, 37, 14, 0, time.UTC), BookingTimeLocal: true, Line: 109}},
		// The foreign-currency entry keeps its own currency (EUR in a USD
		// statement); Check reports it.
		{"goldman_sachs_us_not_reconciling.xml", 0, 7, Entry{AmountMinor: 2906, Currency: "EUR", BookingDate: d(2023, 8, 2), ValueDate: d(2023, 8, 2),
			Status: "BOOK", BankRef: "GI2321400001068", EndToEndID: "5741412", CounterpartyAccount: "GB14BARC20325340846481",
			CounterpartyName: "Test creditor name", Remittance: "FFC", BankTxCode: "PMNT/ICDT/DMCT", BookingTime: time.Date(2023, 8, 2, 14, 52, 6, 0, time.UTC), Line: 460}},
		{"ing.xml", 0, 2, Entry{Credit: true, AmountMinor: 12000, Currency: "EUR", BookingDate: d(2014, 1, 3), ValueDate: d(2014, 1, 3),
			Status: "BOOK", BankRef: "15180015077602405", EndToEndID: "20140103E2EIdA1INGBankNV", CounterpartyAccount: "NL20INGB0001234567",
			CounterpartyName: "INGTestrekening", BankTxCode: "PMNT/RCDT/ESCT", Line: 228}},
		{"ing.xml", 0, 8, Entry{Reversal: true, AmountMinor: 3000, Currency: "EUR", BookingDate: d(2014, 1, 3), ValueDate: d(2013, 12, 20),
			Status: "BOOK", BankRef: "3101963431841", EndToEndID: "5000300060007000", CounterpartyAccount: "NL20INGB0001234567",
			CounterpartyName: "INGTestrekening", Remittance: "INGHGV21545UstrdRemiInf20140103GUB", BankTxCode: "PMNT/IDDT/UPDD", Line: 566}},
		{"nordea.xml", 0, 0, Entry{Credit: true, AmountMinor: 1000000, Currency: "EUR", BookingDate: d(2019, 5, 8), ValueDate: d(2019, 5, 8),
			Status: "BOOK", BankRef: "1905082588CEAA0001", EndToEndID: "20190501-E00005", BankTxCode: "PMNT/RCDT/ESCT", Line: 72}},
		// EndToEndId NOTPROVIDED counts as none.
		{"nordea.xml", 0, 1, Entry{Credit: true, AmountMinor: 10050, Currency: "EUR", BookingDate: d(2019, 5, 8), ValueDate: d(2019, 5, 8),
			Status: "BOOK", BankRef: "1905082588SM12345678", Remittance: "Free text max 140 characters and ma x 35 characters in one line", BankTxCode: "PMNT/RCDT/XBCT", Line: 122}},
		{"nordea.xml", 0, 2, Entry{AmountMinor: 70050, Currency: "EUR", BookingDate: d(2019, 5, 8), ValueDate: d(2019, 5, 8),
			Status: "BOOK", BankRef: "1905082588CEAG0003", EndToEndID: "20190508-E123456", BankTxCode: "PMNT/ICDT/ESCT", Line: 161}},
		// The Ntry says DBIT while its TxDtls says CRDT: the Ntry decides.
		{"postfinance_forward_value.xml", 0, 1, Entry{AmountMinor: 7770, Currency: "CHF", BookingDate: d(2020, 11, 24), ValueDate: d(2020, 11, 24),
			Status: "BOOK", BankRef: "0758103031480977",
			Remittance: "GUTSCHRIFT CH-DD-BASISLASTSCHRIFT ID-NR. DES ZAHLUNGSEMPFÄNGERS: 41100000000872849 REFERENZ-NR: PmtInfId-CHDD-1", BankTxCode: "PMNT/ICDT/AUTT", Line: 110}},
		// Forward value date (2020-11-25), and the same bank reference as
		// the next entry.
		{"postfinance_forward_value.xml", 0, 3, Entry{Credit: true, AmountMinor: 153700, Currency: "CHF", BookingDate: d(2020, 11, 24), ValueDate: d(2020, 11, 25),
			Status: "BOOK", BankRef: "07582000303KBMSU",
			Remittance: "SAMMELGUTSCHRIFT ESR VERARBEITUNG VOM 24.11.2020 KUNDENNUMMER 01-429580-3 PAKET ID: 201124CH00000UR0", BankTxCode: "PMNT/RCDT/VCOM", Line: 174}},
		{"postfinance_forward_value.xml", 0, 4, Entry{Credit: true, AmountMinor: 169222, Currency: "CHF", BookingDate: d(2020, 11, 24), ValueDate: d(2020, 11, 24),
			Status: "BOOK", BankRef: "07582000303KBMSU",
			Remittance: "SAMMELGUTSCHRIFT FÜR KONTO: CH7730000001250094239 VERARBEITUNG VOM 24.11.2020 PAKET ID: 201124CH000009TB", BankTxCode: "PMNT/RCDT/VCOM", Line: 207}},
	}
	cache := map[string][]Statement{}
	for _, tt := range tests {
		stmts, ok := cache[tt.file]
		if !ok {
			stmts = parseSample(t, samplePath(t, "camt053", tt.file))
			cache[tt.file] = stmts
		}
		if tt.stmt >= len(stmts) || tt.ntry >= len(stmts[tt.stmt].Entries) {
			t.Errorf("%s: no statement %d entry %d", tt.file, tt.stmt, tt.ntry)
			continue
		}
		if got := stmts[tt.stmt].Entries[tt.ntry]; got != tt.want {
			t.Errorf("%s statement %d entry %d:\n got %+v\nwant %+v", tt.file, tt.stmt, tt.ntry, got, tt.want)
		}
	}
}

// camtDoc builds a camt.053 document around statement bodies, with the
// given namespace declaration and element prefix.
func camtDoc(ns, prefix string, stmts ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString("<" + prefix + "Document " + ns + ">\n<" + prefix + "BkToCstmrStmt>\n")
	for _, s := range stmts {
		if prefix != "" {
			s = strings.NewReplacer("</", "</"+prefix, "<", "<"+prefix).Replace(s)
		}
		b.WriteString("<" + prefix + "Stmt>" + s + "</" + prefix + "Stmt>\n")
	}
	b.WriteString("</" + prefix + "BkToCstmrStmt>\n</" + prefix + "Document>\n")
	return b.String()
}

const camtBody = `<Id>S1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2024-01-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">5.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>
<Ntry><Amt Ccy="EUR">15.500</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-01-02</Dt></BookgDt>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>TX1</AcctSvcrRef><EndToEndId>E1</EndToEndId></Refs>
<RltdPties><Dbtr><Nm>A  B</Nm></Dbtr><DbtrAcct><Id><Othr><Id>123</Id></Othr></Id></DbtrAcct></RltdPties>
<RmtInf><Ustrd>one</Ustrd><Ustrd>two</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts></Ntry>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>INFO</Cd></Sts></Ntry>
<Ntry><Amt Ccy="EUR">0</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts></Ntry>`

// camtBodyWant is what camtBody parses to.
func camtBodyWant(line int) Statement {
	return Statement{ID: "S1", Account: "DE02120300000000202051", Currency: "EUR", Line: line,
		Opening: Balance{-1000, "EUR", Date{2024, 1, 1}, "OPBD"},
		Closing: Balance{550, "EUR", Date{2024, 1, 2}, "CLBD"},
		Entries: []Entry{{Credit: true, AmountMinor: 1550, Currency: "EUR", BookingDate: Date{2024, 1, 2}, ValueDate: Date{2024, 1, 2},
			Status: "BOOK", BankRef: "TX1", EndToEndID: "E1", CounterpartyAccount: "123", CounterpartyName: "A B", Remittance: "one two", Line: line + 3}},
		// PDNG, INFO (v8 form) and the zero amount entry.
		Skipped: 3,
	}
}

// TestCamtNamespaces: the same statement under any namespace, version or
// prefix parses the same.
func TestCamtNamespaces(t *testing.T) {
	tests := []struct{ name, ns, prefix string }{
		{"v02", `xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"`, ""},
		{"v13", `xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.13"`, ""},
		{"none", ``, ""},
		{"bank's own", `xmlns="http://bank.example/camt"`, ""},
		{"prefixed", `xmlns:ns2="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"`, "ns2:"},
		{"undeclared prefix", ``, "x:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := camt(t, camtDoc(tt.ns, tt.prefix, camtBody, camtBody))
			if err != nil {
				t.Fatal(err)
			}
			compareStatements(t, got, []Statement{camtBodyWant(4), camtBodyWant(14)})
			wantProblems := []Problem{{Statement: 0, ID: "S1", Kind: ProblemChain, DifferenceMinor: -1550}}
			checkProblems(t, Check(got), wantProblems)
		})
	}
}

// TestCamtBalanceChoice: PRCD and ITBD as opening/closing.
func TestCamtBalanceChoice(t *testing.T) {
	bal := func(code, amt, dt string) string {
		return `<Bal><Tp><CdOrPrtry><Cd>` + code + `</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">` + amt + `</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><DtTm>` + dt + `T10:00:00</DtTm></Dt></Bal>`
	}
	tests := []struct {
		name       string
		bals       string
		open, clos Balance
	}{
		{"PRCD and CLBD", bal("PRCD", "1", "2024-01-01") + bal("CLBD", "2", "2024-01-02"),
			Balance{100, "EUR", Date{2024, 1, 1}, "PRCD"}, Balance{200, "EUR", Date{2024, 1, 2}, "CLBD"}},
		{"two ITBD (intermediate page)", bal("ITBD", "1", "2024-01-01") + bal("CLAV", "9", "2024-01-02") + bal("ITBD", "2", "2024-01-02"),
			Balance{100, "EUR", Date{2024, 1, 1}, "ITBD"}, Balance{200, "EUR", Date{2024, 1, 2}, "ITBD"}},
		{"OPBD and ITBD closing", bal("OPBD", "1", "2024-01-01") + bal("ITBD", "2", "2024-01-02"),
			Balance{100, "EUR", Date{2024, 1, 1}, "OPBD"}, Balance{200, "EUR", Date{2024, 1, 2}, "ITBD"}},
		{"one ITBD only opens", bal("ITBD", "1", "2024-01-01"), Balance{100, "EUR", Date{2024, 1, 1}, "ITBD"}, Balance{}},
		{"none", bal("CLAV", "1", "2024-01-01"), Balance{}, Balance{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := camt(t, camtDoc("", "", "<Id>X</Id>"+tt.bals))
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Opening != tt.open || got[0].Closing != tt.clos || got[0].Currency != tt.open.Currency {
				t.Errorf("got %+v / %+v (%s)", got[0].Opening, got[0].Closing, got[0].Currency)
			}
		})
	}
}

func TestCamtErrors(t *testing.T) {
	body := func(old, new string) string { return camtDoc("", "", strings.Replace(camtBody, old, new, 1)) }
	tests := []struct {
		name  string
		text  string
		want  error
		line  int
		field string
	}{
		{"too many decimals", body("15.500", "15.505"), ErrAmount, 7, "Ntry/Amt"},
		{"negative amount", body("15.500", "-15.50"), ErrAmount, 7, "Ntry/Amt"},
		{"overflowing amount", body("15.500", "92233720368547758.08"), ErrAmount, 7, "Ntry/Amt"},
		{"balance amount", body("10.00", "1,00"), ErrAmount, 5, "Bal/Amt"},
		{"no currency", body(`<Amt Ccy="EUR">15.500`, `<Amt>15.500`), ErrMissing, 7, "Ntry/Amt"},
		{"no direction", body(`<CdtDbtInd>CRDT</CdtDbtInd><Sts>`, `<Sts>`), ErrMissing, 7, "Ntry/CdtDbtInd"},
		{"bad direction", body(`<CdtDbtInd>CRDT</CdtDbtInd><Sts>`, `<CdtDbtInd>CR</CdtDbtInd><Sts>`), ErrSyntax, 7, "Ntry/CdtDbtInd"},
		{"no status", body(`<Sts>BOOK</Sts><BookgDt>`, `<BookgDt>`), ErrMissing, 7, "Ntry/Sts"},
		{"bad reversal flag", body(`<Sts>BOOK</Sts><BookgDt>`, `<RvslInd>yes</RvslInd><Sts>BOOK</Sts><BookgDt>`), ErrSyntax, 7, "Ntry/RvslInd"},
		{"bad booking date", body("<Dt>2024-01-02</Dt></BookgDt>", "<Dt>2024-02-30</Dt></BookgDt>"), ErrDate, 7, "Ntry/BookgDt"},
		{"bad balance date", body("<Dt><Dt>2024-01-01</Dt></Dt>", "<Dt><Dt>01.01.2024</Dt></Dt>"), ErrDate, 5, "Bal/Dt"},
		{"balance without type", body("<Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>", ""), ErrMissing, 5, "Bal/Tp"},
		{"two OPBD", body("<Cd>CLBD</Cd>", "<Cd>OPBD</Cd>"), ErrSyntax, 4, "Stmt/Bal"},
		{"mismatched tags", body("</Refs>", "</Ref>"), ErrSyntax, 8, "Stmt/Ntry/NtryDtls/TxDtls/Refs"},
		{"unknown entity", body("one", "&eacute;"), ErrSyntax, 10, "Stmt/Ntry/NtryDtls/TxDtls/RmtInf/Ustrd"},
		{"invalid UTF-8", body("one", "M\xfcller"), ErrEncoding, 10, "Stmt/Ntry/NtryDtls/TxDtls/RmtInf/Ustrd"},
		{"unsupported encoding", `<?xml version="1.0" encoding="EBCDIC"?><Document/>`, ErrEncoding, 1, "xml"},
		{"truncated", body("", "")[:300], ErrSyntax, 6, "Stmt/Bal"},
		{"no statement", `<Document><BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>`, ErrMissing, 1, "BkToCstmrStmt"},
		{"camt.052 report", `<Document><BkToCstmrAcctRpt><Rpt/></BkToCstmrAcctRpt></Document>`, ErrMissing, 1, "BkToCstmrStmt"},
		{"empty", ``, ErrMissing, 1, "BkToCstmrStmt"},
		{"not XML", "{1:F01}", ErrMissing, 1, "BkToCstmrStmt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := camt(t, tt.text)
			var pe *ParseError
			if !errors.Is(err, tt.want) || !errors.As(err, &pe) || pe.Line != tt.line || pe.Field != tt.field {
				t.Fatalf("got %v (%#v); want %v at line %d field %s", err, pe, tt.want, tt.line, tt.field)
			}
		})
	}
}

func TestCamtLatin1(t *testing.T) {
	doc := strings.Replace(camtDoc("", "", strings.Replace(camtBody, "one", "M\xfcller", 1)), `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)
	got, err := camt(t, doc)
	if err != nil {
		t.Fatal(err)
	}
	if r := got[0].Entries[0].Remittance; r != "Müller two" {
		t.Errorf("remittance %q", r)
	}
}

func TestCamtMisc(t *testing.T) {
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := ParseCamt053(ctx, strings.NewReader(camtDoc("", "", camtBody)), testOpt); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("invalid options", func(t *testing.T) {
		if _, err := ParseCamt053(context.Background(), strings.NewReader(""), Options{Scale: -1}); !errors.Is(err, ErrOptions) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("scale 0 accepts 10.00 but refuses 5.50", func(t *testing.T) {
		_, err := ParseCamt053(context.Background(), strings.NewReader(camtDoc("", "", camtBody)), Options{})
		if !errors.Is(err, ErrAmount) || err.Error() != `line 6: Bal/Amt: invalid amount: amount "5.50" has more than 0 decimal places` {
			t.Errorf("got %v", err)
		}
	})
	t.Run("statements nested elsewhere are ignored", func(t *testing.T) {
		doc := camtDoc("", "", camtBody+"<Ntry><Stmt><Id>inner</Id></Stmt></Ntry>")
		_, err := camt(t, doc)
		// The inner <Ntry> has no amount: it is an entry of S1, not a
		// statement of its own.
		if !errors.Is(err, ErrMissing) {
			t.Errorf("got %v", err)
		}
	})
}

// TestCamtPaths: every ancestor of a used element is entered, and
// elements that are not used are skipped.
func TestCamtPaths(t *testing.T) {
	leaves := []string{
		"Id", "Acct/Id/IBAN", "Acct/Id/Othr/Id", "Acct/Ccy",
		"Bal/Tp/CdOrPrtry/Cd", "Bal/Tp/CdOrPrtry/Prtry", "Bal/Tp/Cd", "Bal/Tp/Prtry",
		"Bal/Amt", "Bal/CdtDbtInd", "Bal/Dt/Dt", "Bal/Dt/DtTm",
		"Ntry/Amt", "Ntry/CdtDbtInd", "Ntry/RvslInd", "Ntry/Sts", "Ntry/Sts/Cd", "Ntry/Sts/Prtry",
		"Ntry/BookgDt/Dt", "Ntry/BookgDt/DtTm", "Ntry/ValDt/Dt", "Ntry/ValDt/DtTm",
		"Ntry/AcctSvcrRef", "Ntry/AddtlNtryInf",
		"Ntry/BkTxCd/Domn/Cd", "Ntry/BkTxCd/Domn/Fmly/Cd", "Ntry/BkTxCd/Domn/Fmly/SubFmlyCd", "Ntry/BkTxCd/Prtry/Cd",
	}
	for _, tx := range []string{"Refs/EndToEndId", "Refs/AcctSvcrRef", "RmtInf/Ustrd", "AddtlTxInf",
		"RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm", "RltdPties/DbtrAcct/Id/IBAN", "RltdPties/DbtrAcct/Id/Othr/Id",
		"RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm", "RltdPties/CdtrAcct/Id/IBAN", "RltdPties/CdtrAcct/Id/Othr/Id"} {
		leaves = append(leaves, txPrefix+tx)
	}
	for _, leaf := range leaves {
		if !camtLeaf(leaf) {
			t.Errorf("%s is not a leaf", leaf)
		}
		for i := range leaf {
			if leaf[i] == '/' && !camtBranch(leaf[:i]) {
				t.Errorf("%s: ancestor %s is not a branch", leaf, leaf[:i])
			}
		}
	}
	for _, p := range []string{"GrpHdr", "Ntry/Chrgs", "Ntry/BkTxCd/Prtry/Issr", "Ntry/NtryDtls/TxDtls/RltdAgts", "Ntry/NtryDtls/TxDtls/RltdPties/Dbtr/Id", "TxsSummry", "Bal/Amt/x"} {
		if camtUsed(p) {
			t.Errorf("%s is used", p)
		}
	}
}
