package reconcile

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/formats"
)

// registryRows is the registry of the flow tests: two investors, two
// borrowers (B2 an insider), the platform's accounts, a guarantor, the
// users' cards, an insider's card, and loans L1 (of B1) and L2 (of B2).
func registryRows() ([]formats.AccountRow, []formats.LoanRow) {
	acc := func(id, role, holder string, related bool) formats.AccountRow {
		return formats.AccountRow{PlatformID: "P", AccountID: id, Role: role, HolderID: holder, RelatedParty: ptr(related)}
	}
	return []formats.AccountRow{
			acc("I1", "investor", "HI1", false), acc("I2", "investor", "HI2", false),
			acc("B1", "borrower", "HB1", false), acc("B2", "borrower", "HB2", true),
			acc("OWN", "platform_own", "HP", false), acc("FEE", "platform_fee", "HP", false),
			acc("M", "custody_master", "HP", false), acc("G", "guarantor", "HG", false),
			acc("C-I1", "external", "HI1", false), acc("C-I2", "external", "HI2", false),
			acc("C-B1", "external", "HB1", false), acc("X-INS", "external", "HP", false),
		}, []formats.LoanRow{
			{PlatformID: "P", LoanID: "L1", Borrower: "B1", Principal: 1_000_000, Currency: "CNY"},
			{PlatformID: "P", LoanID: "L2", Borrower: "B2", Principal: 1_000_000, Currency: "CNY"},
		}
}

type mv struct {
	payer, payee, kind, loan string
	amount                   int64
	status                   string
}

// flowKinds reconciles the movements (the same on both sides, so only the
// flow rules can speak) and returns the flow exceptions as "KIND payer>payee".
func flowKinds(t *testing.T, rules *FlowRules, moves []mv) []string {
	t.Helper()
	var bank []formats.CustodyTxnRow
	var ledger []formats.LedgerTxnRow
	for i, m := range moves {
		id := string(rune('a'+i)) + "1"
		status := m.status
		if status == "" {
			status = "success"
		}
		var loan *string
		if m.loan != "" {
			loan = ptr(m.loan)
		}
		bank = append(bank, formats.CustodyTxnRow{BankID: "BK", PlatformID: "P", BankTxnID: "b" + id, PlatformTxnID: ptr("t" + id),
			Payer: m.payer, Payee: m.payee, Amount: m.amount, Currency: "CNY", Kind: m.kind, Status: status, BookedAt: 1_795_000_000_000_000, LoanID: loan})
		ledger = append(ledger, formats.LedgerTxnRow{PlatformID: "P", TxnID: "t" + id,
			Payer: m.payer, Payee: m.payee, Amount: m.amount, Currency: "CNY", Kind: m.kind, Status: status, BookedAt: 1_795_000_000_000_000, LoanID: loan})
	}
	p, in := load(t, "P", bank, ledger)
	accounts, loans := registryRows()
	for _, tbl := range []struct {
		t    formats.Table
		rows any
	}{{formats.Accounts, accounts}, {formats.Loans, loans}} {
		var buf bytes.Buffer
		var err error
		switch rows := tbl.rows.(type) {
		case []formats.AccountRow:
			err = formats.WriteTable(&buf, tbl.t, 2, "test", rows)
		case []formats.LoanRow:
			err = formats.WriteTable(&buf, tbl.t, 2, "test", rows)
		}
		if err != nil {
			t.Fatal(err)
		}
		obj := p.AddObject(tbl.t.String())
		err = formats.Read(context.Background(), "r.parquet", bytes.NewReader(buf.Bytes()), int64(buf.Len()), formats.SchemaOf(tbl.t),
			formats.ReadOptions{Scale: 2, Limits: formats.DefaultLimits()}, func(b *formats.Batch) error { return p.Append(obj, "r.parquet", "", b) })
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := Reconcile(context.Background(), p, in, Options{Workers: 2, Scale: 2, DateWindowDays: 1, Location: time.UTC,
		Severities: DefaultSeverities(), Flows: rules})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range res.Exceptions {
		switch e.Kind {
		case OutflowToUnregistered, OutflowToThirdParty, FundsToPlatform, PoolingTransfer, RepaymentNotFromBorrower,
			RelatedPartyLoan, GuaranteePayment, UnexpectedFlow:
			if strings.Contains(e.Detail, "%!") || e.Detail == "" {
				t.Errorf("%s: bad detail %q", e.Kind, e.Detail)
			}
			out = append(out, e.Kind+" "+e.AccountID+">"+e.CounterpartyAccount)
		default:
			t.Errorf("unexpected %s: %s", e.Kind, e.Detail)
		}
	}
	slices.Sort(out)
	return out
}

// TestFlowRules has, for every rule of the allowed-flow table, the allowed
// case and each way of breaking it, with the one flow kind the precise
// rules give.
func TestFlowRules(t *testing.T) {
	bid := mv{"I1", "B1", "bid", "L1", 10_000, ""}
	bigBid := mv{"I1", "B1", "bid", "L1", 999_999_999_999_999_999, ""}
	tests := []struct {
		rule, name string
		moves      []mv
		want       []string
	}{
		// external -> investor or borrower, deposit, same holder
		{"deposit", "allowed to investor", []mv{{"C-I1", "I1", "deposit", "", 500, ""}}, nil},
		{"deposit", "allowed to borrower", []mv{{"C-B1", "B1", "deposit", "", 500, ""}}, nil},
		{"deposit", "card of another holder", []mv{{"C-I2", "I1", "deposit", "", 500, ""}}, []string{"UNEXPECTED_FLOW C-I2>I1"}},
		{"deposit", "unregistered payer", []mv{{"NOBODY", "I1", "deposit", "", 500, ""}}, []string{"UNEXPECTED_FLOW NOBODY>I1"}},
		{"deposit", "wrong kind", []mv{{"C-I1", "I1", "refund", "", 500, ""}}, []string{"UNEXPECTED_FLOW C-I1>I1"}},
		{"deposit", "failed: not checked", []mv{{"C-I2", "I1", "deposit", "", 500, "failed"}}, nil},
		// investor -> borrower, bid or disbursement, the named loan's borrower
		{"bid", "allowed bid", []mv{bid}, nil},
		{"bid", "allowed disbursement", []mv{{"I1", "B1", "disbursement", "L1", 500, ""}}, nil},
		{"bid", "no loan named", []mv{{"I1", "B1", "bid", "", 500, ""}}, []string{"POOLING_TRANSFER I1>B1"}},
		{"bid", "another borrower's loan", []mv{{"I1", "B1", "bid", "L2", 500, ""}}, []string{"POOLING_TRANSFER I1>B1"}},
		{"bid", "unregistered loan", []mv{{"I1", "B1", "bid", "LX", 500, ""}}, []string{"POOLING_TRANSFER I1>B1"}},
		{"bid", "to the custody master", []mv{{"I1", "M", "bid", "L1", 500, ""}}, []string{"POOLING_TRANSFER I1>M"}},
		// borrower -> investor, repayment, by the loan's borrower
		{"repayment", "allowed", []mv{{"B1", "I1", "repayment", "L1", 500, ""}}, nil},
		{"repayment", "another borrower", []mv{{"B2", "I1", "repayment", "L1", 500, ""}}, []string{"REPAYMENT_NOT_FROM_BORROWER B2>I1"}},
		{"repayment", "no loan named", []mv{{"B1", "I1", "repayment", "", 500, ""}}, []string{"REPAYMENT_NOT_FROM_BORROWER B1>I1"}},
		{"repayment", "from the custody master", []mv{{"M", "I1", "repayment", "L1", 500, ""}}, []string{"REPAYMENT_NOT_FROM_BORROWER M>I1"}},
		{"repayment", "from another investor", []mv{{"I2", "I1", "repayment", "L1", 500, ""}}, []string{"REPAYMENT_NOT_FROM_BORROWER I2>I1"}},
		// investor -> investor, transfer, a loan named
		{"transfer", "allowed", []mv{{"I1", "I2", "transfer", "L1", 500, ""}}, nil},
		{"transfer", "no loan named", []mv{{"I1", "I2", "transfer", "", 500, ""}}, []string{"POOLING_TRANSFER I1>I2"}},
		{"transfer", "unregistered loan", []mv{{"I1", "I2", "transfer", "LX", 500, ""}}, []string{"POOLING_TRANSFER I1>I2"}},
		// investor or borrower -> external, withdrawal, same holder
		{"withdrawal", "allowed investor", []mv{{"I1", "C-I1", "withdrawal", "", 500, ""}}, nil},
		{"withdrawal", "allowed borrower", []mv{{"B1", "C-B1", "withdrawal", "", 500, ""}}, nil},
		{"withdrawal", "another holder's card", []mv{{"I1", "C-I2", "withdrawal", "", 500, ""}}, []string{"OUTFLOW_TO_THIRD_PARTY I1>C-I2"}},
		{"withdrawal", "an insider's card", []mv{{"B1", "X-INS", "withdrawal", "", 500, ""}}, []string{"OUTFLOW_TO_THIRD_PARTY B1>X-INS"}},
		{"withdrawal", "unregistered account", []mv{{"I1", "SHELL", "withdrawal", "", 500, ""}}, []string{"OUTFLOW_TO_UNREGISTERED I1>SHELL"}},
		{"withdrawal", "own card, wrong kind", []mv{{"I1", "C-I1", "transfer", "", 500, ""}}, []string{"POOLING_TRANSFER I1>C-I1"}},
		{"withdrawal", "from the platform to a card", []mv{{"OWN", "X-INS", "withdrawal", "", 500, ""}}, []string{"UNEXPECTED_FLOW OWN>X-INS"}},
		// investor or borrower -> platform_fee, fee within the cap
		{"fee", "allowed at the cap", []mv{bid, {"I1", "FEE", "fee", "L1", 200, ""}}, nil},
		{"fee", "over the cap", []mv{bid, {"I1", "FEE", "fee", "L1", 201, ""}}, []string{"FUNDS_TO_PLATFORM I1>FEE"}},
		// A base past the int64 range: 2% of 1_999_999_999_999_999_998 is
		// 39_999_999_999_999_999.96.
		{"fee", "allowed at the cap of a large base", []mv{bigBid, bigBid, {"I1", "FEE", "fee", "L1", 39_999_999_999_999_999, ""}}, nil},
		{"fee", "over the cap of a large base", []mv{bigBid, bigBid, {"I1", "FEE", "fee", "L1", 40_000_000_000_000_000, ""}}, []string{"FUNDS_TO_PLATFORM I1>FEE"}},
		{"fee", "no loan", []mv{bid, {"I1", "FEE", "fee", "", 100, ""}}, []string{"FUNDS_TO_PLATFORM I1>FEE"}},
		{"fee", "no base on the loan", []mv{bid, {"I2", "FEE", "fee", "L1", 100, ""}}, []string{"FUNDS_TO_PLATFORM I2>FEE"}},
		{"fee", "base failed", []mv{{"I1", "B1", "bid", "L1", 10_000, "failed"}, {"I1", "FEE", "fee", "L1", 100, ""}}, []string{"FUNDS_TO_PLATFORM I1>FEE"}},
		{"fee", "borrower on repayments", []mv{{"B1", "I1", "repayment", "L1", 5_000, ""}, {"B1", "FEE", "fee", "L1", 100, ""}}, nil},
		{"fee", "to platform_own", []mv{bid, {"I1", "OWN", "fee", "L1", 100, ""}}, []string{"FUNDS_TO_PLATFORM I1>OWN"}},
		{"fee", "transfer to platform_own", []mv{{"I1", "OWN", "transfer", "", 100, ""}}, []string{"FUNDS_TO_PLATFORM I1>OWN"}},
		{"fee", "master to platform_own", []mv{{"M", "OWN", "transfer", "", 100, ""}}, []string{"FUNDS_TO_PLATFORM M>OWN"}},
		// platform_own or guarantor -> investor, refund or repayment: GUARANTEE_PAYMENT
		{"guarantee", "platform repays", []mv{{"OWN", "I1", "repayment", "L1", 500, ""}}, []string{"GUARANTEE_PAYMENT OWN>I1"}},
		{"guarantee", "guarantor refunds", []mv{{"G", "I1", "refund", "", 500, ""}}, []string{"GUARANTEE_PAYMENT G>I1"}},
		{"guarantee", "wrong kind", []mv{{"OWN", "I1", "transfer", "", 500, ""}}, []string{"UNEXPECTED_FLOW OWN>I1"}},
		{"guarantee", "to a borrower", []mv{{"G", "B1", "refund", "", 500, ""}}, []string{"UNEXPECTED_FLOW G>B1"}},
		// RELATED_PARTY_LOAN comes on top, once per loan.
		{"related", "insider funded twice", []mv{{"I1", "B2", "bid", "L2", 500, ""}, {"I2", "B2", "disbursement", "L2", 700, ""}}, []string{"RELATED_PARTY_LOAN B2>"}},
		{"related", "on top of a broken bid", []mv{{"I1", "B2", "bid", "L2", 500, ""}, {"I1", "B1", "bid", "L2", 300, ""}}, []string{"POOLING_TRANSFER I1>B1", "RELATED_PARTY_LOAN B2>"}},
	}
	rules := DefaultFlowRules()
	for _, tt := range tests {
		t.Run(tt.rule+"/"+tt.name, func(t *testing.T) {
			got := flowKinds(t, rules, tt.moves)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFlowRulesFromConfig changes one rule in the YAML configuration:
// investor-to-investor transfers allowed without a loan. The loan-less
// transfer is then no longer pooling.
func TestFlowRulesFromConfig(t *testing.T) {
	moves := []mv{{"I1", "I2", "transfer", "", 500, ""}}
	if got := flowKinds(t, DefaultFlowRules(), moves); !slices.Equal(got, []string{"POOLING_TRANSFER I1>I2"}) {
		t.Fatalf("default rules: %q", got)
	}
	yaml := `
flows:
  allowed:
    - {payer: [external], payee: [investor, borrower], kinds: [deposit], when: same_holder}
    - {payer: [investor], payee: [borrower], kinds: [bid, disbursement], when: loan_borrower_payee}
    - {payer: [borrower], payee: [investor], kinds: [repayment], when: loan_borrower_payer}
    - {payer: [investor], payee: [investor], kinds: [transfer], when: always}
    - {payer: [investor, borrower], payee: [external], kinds: [withdrawal], when: same_holder}
    - {payer: [investor, borrower], payee: [platform_fee], kinds: [fee], when: fee_within_cap}
    - {payer: [platform_own, guarantor], payee: [investor], kinds: [refund, repayment], when: always, report: GUARANTEE_PAYMENT}
max_fee_rate: "0.01"
`
	cfg, err := config.Parse(strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := NewFlowRules(cfg.Flows, cfg.MaxFeeRate)
	if err != nil {
		t.Fatal(err)
	}
	if got := flowKinds(t, rules, moves); len(got) != 0 {
		t.Fatalf("transfers allowed without a loan: %q", got)
	}
	// The tighter fee cap of the same file: 2% of a bid is now too much.
	fee := []mv{{"I1", "B1", "bid", "L1", 10_000, ""}, {"I1", "FEE", "fee", "L1", 200, ""}}
	if got := flowKinds(t, rules, fee); !slices.Equal(got, []string{"FUNDS_TO_PLATFORM I1>FEE"}) {
		t.Fatalf("fee over a 1%% cap: %q", got)
	}
	// Dropping the guarantee rule turns a platform repayment into an
	// unexpected flow.
	cfg.Flows.Allowed = cfg.Flows.Allowed[:6]
	rules, err = NewFlowRules(cfg.Flows, cfg.MaxFeeRate)
	if err != nil {
		t.Fatal(err)
	}
	if got := flowKinds(t, rules, []mv{{"OWN", "I1", "repayment", "L1", 500, ""}}); !slices.Equal(got, []string{"UNEXPECTED_FLOW OWN>I1"}) {
		t.Fatalf("without the guarantee rule: %q", got)
	}
}

func TestConfigRejectsBadRules(t *testing.T) {
	for _, y := range []string{
		"flows: {allowed: [{payer: [investr], payee: [borrower], kinds: [bid], when: always}]}",
		"flows: {allowed: [{payer: [investor], payee: [borrower], kinds: [gift], when: always}]}",
		"flows: {allowed: [{payer: [investor], payee: [borrower], kinds: [bid], when: sometimes}]}",
		"flows: {allowed: [{payer: [investor], payee: [platform_fee], kinds: [fee, transfer], when: fee_within_cap}]}",
		"verdict: {black_critical: 0}",
		"flows: {user_roles: []}",
	} {
		if _, err := config.Parse(strings.NewReader(y)); err == nil {
			t.Errorf("accepted %s", y)
		}
	}
}
