package statement

import (
	"math"
	"path/filepath"
	"testing"
)

// checkProblems compares problems without their Detail text, which is
// only checked to be present.
func checkProblems(t *testing.T, got, want []Problem) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
	}
	for i := range want {
		g := got[i]
		if g.Detail == "" {
			t.Errorf("problem %d has no detail", i)
		}
		g.Detail = ""
		if g != want[i] {
			t.Errorf("problem %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// TestCheckSamples asserts exactly what Check reports for every sample.
// Differences are in cents (scale 2); the arithmetic is in the comments.
func TestCheckSamples(t *testing.T) {
	tests := map[string][]Problem{
		// Opening 3236.28 - (9.00+11.59+11.63+11.80+13.45+15.49+107.00+141.48
		// = 321.44) = 2914.84, reported closing 876.84: -2038.00.
		// The next page (60M) opens with 2876.84, not 876.84: +2000.00.
		// Page 2: 2876.84 - (9.49+15.00) = 2852.35, closing 1849.75: -1002.60.
		"mt940/abnamro_not_reconciling.sta": {
			{Statement: 0, ID: "ABN AMRO BANK NV 19321/1", Kind: ProblemBalance, DifferenceMinor: -203800, DebitsMinor: 32144},
			{Statement: 0, ID: "ABN AMRO BANK NV 19321/1", Kind: ProblemChain, DifferenceMinor: 200000},
			{Statement: 1, ID: "ABN AMRO BANK NV 19322/1", Kind: ProblemBalance, DifferenceMinor: -100260, DebitsMinor: 2449},
		},
		// All 26 statements (14 accounts, some over 2-3 pages with 60M/62M,
		// including two RC reversals booked as debits) reconcile and chain.
		"mt940/betterplace_sepa.sta":         nil,
		"mt940/citi.sta":                     nil,
		"mt940/cmxl_three_currencies.sta":    nil,
		"mt940/danskebank_DK.sta":            nil,
		"mt940/danskebank_FI.sta":            nil,
		"mt940/danskebank_NO.sta":            nil,
		"mt940/danskebank_SE.sta":            nil,
		"camt053/abn_amro.xml":               nil,
		"camt053/finance_finland.xml":        nil,
		"camt053/genkgo_multi_statement.xml": nil, // 18.15 + 8.85 = 27.00, then 27.00 - 7.00 = 20.00, chained
		"camt053/ing.xml":                    nil,
		"camt053/nordea.xml":                 nil,
		"camt053/goldman_sachs_uk_two_statements.xml": {
			// Statement 0 is empty and opens and closes at 68206.51. The
			// two statements are different accounts (no chain). Statement
			// 1 (anonymised amounts): 334425218.07 + (100.00 + 100.00
			// reversal credit) - (4 x 100.00) = 334425018.07, reported
			// closing 334425126.42: +108.35. No subset of the six 100.00
			// entries explains it: the file does not reconcile.
			{Statement: 1, ID: "9740092650", Kind: ProblemBalance, DifferenceMinor: 10835, CreditsMinor: 20000, DebitsMinor: 40000},
		},
		"camt053/goldman_sachs_us_not_reconciling.xml": {
			// The EUR 29.06 entry cannot be added to a USD balance: it is
			// reported and left out. USD: -843686.20 + 10 x 10.00 - 4 x
			// 10.00 = -843626.20, reported closing -846665.15: -3038.95.
			{Statement: 0, ID: "258158850", Kind: ProblemCurrency},
			{Statement: 0, ID: "258158850", Kind: ProblemBalance, DifferenceMinor: -303895, CreditsMinor: 10000, DebitsMinor: 4000},
		},
		// The opening balance is EUR 18.15 CRDT and the closing balance
		// SEK 27.00 DBIT (and OPAV/CLAV in CHF/JPY): test data mixing
		// currencies. Amounts in two currencies cannot be compared, so Check
		// reports the currency mismatch instead of a difference.
		"camt053/genkgo_v8.xml": {
			{Statement: 0, ID: "253EURNL26VAYB8060476890", Kind: ProblemCurrency},
		},
		// 211993.19 + 4.50 - 77.70 + 1500.00 + 1537.00 + 1692.22 = 216649.21
		// (which is the FWAV forward available balance), but the booked
		// closing CLBD is 215112.21: the 1537.00 credit with value date
		// 2020-11-25 (the day after the statement) is booked in the list
		// but left out of the closing booked balance. Check reports exactly
		// that entry's amount, with the sign of a missing credit.
		"camt053/postfinance_forward_value.xml": {
			{Statement: 0, ID: "20201124375204229003973", Kind: ProblemBalance, DifferenceMinor: -153700, CreditsMinor: 473372, DebitsMinor: 7770},
		},
	}
	n := len(sampleFiles(t, "camt053", ".xml")) + len(sampleFiles(t, "mt940", ".sta"))
	if n != len(tests) {
		t.Errorf("%d samples, %d in the table", n, len(tests))
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			dir, file := filepath.Split(name)
			stmts := parseSample(t, samplePath(t, filepath.Clean(dir), file))
			checkProblems(t, Check(stmts), want)
		})
	}
}

func TestCheckSynthetic(t *testing.T) {
	bal := func(amt int64, ccy string) Balance { return Balance{AmountMinor: amt, Currency: ccy, Kind: "X"} }
	st := func(id, acct string, open, clos Balance, entries ...Entry) Statement {
		return Statement{ID: id, Account: acct, Currency: open.Currency, Opening: open, Closing: clos, Entries: entries}
	}
	cr := func(amt int64) Entry { return Entry{Credit: true, AmountMinor: amt, Currency: "EUR"} }
	db := func(amt int64) Entry { return Entry{AmountMinor: amt, Currency: "EUR"} }
	tests := []struct {
		name  string
		stmts []Statement
		want  []Problem
	}{
		{"empty", nil, nil},
		{"reconciles and chains across interleaved accounts", []Statement{
			st("a1", "A", bal(100, "EUR"), bal(150, "EUR"), cr(70), db(20)),
			st("b1", "B", bal(-5, "EUR"), bal(-5, "EUR")),
			st("a2", "A", bal(150, "EUR"), bal(0, "EUR"), db(150)),
			st("b2", "B", bal(-5, "EUR"), bal(10, "EUR"), cr(15)),
		}, nil},
		{"broken chain reported on the earlier statement", []Statement{
			st("a1", "A", bal(0, "EUR"), bal(10, "EUR"), cr(10)),
			st("a2", "A", bal(12, "EUR"), bal(12, "EUR")),
		}, []Problem{{Statement: 0, ID: "a1", Kind: ProblemChain, DifferenceMinor: 2}}},
		{"same account, other currency: no chain", []Statement{
			st("a1", "A", bal(0, "EUR"), bal(10, "EUR"), cr(10)),
			st("a2", "A", bal(99, "USD"), bal(99, "USD")),
		}, nil},
		{"no account: no chain", []Statement{
			st("x", "", bal(0, "EUR"), bal(0, "EUR")),
			st("y", "", bal(5, "EUR"), bal(5, "EUR")),
		}, nil},
		{"missing balances", []Statement{
			st("o", "A", Balance{}, bal(0, "EUR")),
			st("c", "B", bal(0, "EUR"), Balance{}),
		}, []Problem{{Statement: 0, ID: "o", Kind: ProblemMissing}, {Statement: 1, ID: "c", Kind: ProblemMissing}}},
		{"overflow is reported, not wrapped", []Statement{
			st("big", "A", bal(math.MaxInt64, "EUR"), bal(0, "EUR"), cr(1)),
			st("big2", "B", bal(0, "EUR"), bal(0, "EUR"), cr(math.MaxInt64), cr(1)),
			st("big3", "C", bal(math.MinInt64, "EUR"), bal(1, "EUR")),
		}, []Problem{
			{Statement: 0, ID: "big", Kind: ProblemBalance},
			{Statement: 1, ID: "big2", Kind: ProblemBalance},
			{Statement: 2, ID: "big3", Kind: ProblemBalance},
		}},
		{"chain difference overflow", []Statement{
			st("a1", "A", bal(math.MinInt64, "EUR"), bal(math.MinInt64, "EUR")),
			st("a2", "A", bal(1, "EUR"), bal(1, "EUR")),
		}, []Problem{{Statement: 0, ID: "a1", Kind: ProblemChain}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, Check(tt.stmts), tt.want)
		})
	}
}
