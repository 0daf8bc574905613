package engine_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/fixtures"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
	"github.com/recon-dev/recon/reconcile"
	"github.com/recon-dev/recon/store"
)

const testDate = "2026-11-26"

// genStore generates a store in a temporary directory.
func genStore(t *testing.T, opt fixtures.Options) (store.Store, *fixtures.Expected) {
	t.Helper()
	st, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if opt.Date == "" {
		opt.Date = testDate
	}
	exp, err := fixtures.Generate(context.Background(), st, opt)
	if err != nil {
		t.Fatal(err)
	}
	return st, exp
}

func runStore(t *testing.T, st store.Store, workers int) *engine.Outcome {
	t.Helper()
	out, err := engine.Run(context.Background(), engine.Options{Store: st, Date: testDate, Config: config.Default(), Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// asExpected drops what the expectation does not fix: detail, and the
// severity, which is checked against the defaults separately.
func asExpected(e formats.Exception, scale int) fixtures.ExpectedException {
	amt := func(a formats.OptAmount) string {
		if !a.Valid {
			return ""
		}
		return money.Format(a.Minor, scale)
	}
	return fixtures.ExpectedException{
		Scenario: e.PlatformID, Kind: e.Kind, PlatformID: e.PlatformID, BankID: e.BankID, AccountID: e.AccountID,
		CounterpartyAccount: e.CounterpartyAccount, LoanID: e.LoanID, LedgerTxnID: e.LedgerTxnID, BankTxnID: e.BankTxnID,
		LedgerAmount: amt(e.LedgerAmount), BankAmount: amt(e.BankAmount), Difference: amt(e.Difference),
		Currency: e.Currency, SourceKey: e.SourceKey,
	}
}

func format(e fixtures.ExpectedException) string { return fmt.Sprintf("%+v", e) }

// compare reports every expected row that is missing and every row that
// was not expected.
func compare(t *testing.T, got []formats.Exception, want []fixtures.ExpectedException) {
	t.Helper()
	var g, w []string
	sev := reconcile.DefaultSeverities()
	for _, e := range got {
		g = append(g, format(asExpected(e, 2)))
		if e.Severity != sev[e.Kind] {
			t.Errorf("%s %s: severity %s, want %s", e.Kind, e.ID, e.Severity, sev[e.Kind])
		}
		if e.Detail == "" || strings.Contains(e.Detail, "%!") {
			t.Errorf("%s %s: bad detail %q", e.Kind, e.ID, e.Detail)
		}
		if want := formats.ExceptionID(e.Kind, e.PlatformID, e.LedgerTxnID, e.BankTxnID, e.AccountID, e.LoanID, e.SourceKey); e.ID != want {
			t.Errorf("%s: exception_id %s, want %s", e.Kind, e.ID, want)
		}
	}
	for _, e := range want {
		w = append(w, format(e))
	}
	slices.Sort(g)
	slices.Sort(w)
	t.Logf("%d exceptions, %d expected", len(g), len(w))
	for _, x := range w {
		if _, ok := slices.BinarySearch(g, x); !ok {
			t.Errorf("missing exception:\n  %s", x)
		}
	}
	for _, x := range g {
		if _, ok := slices.BinarySearch(w, x); !ok {
			t.Errorf("unexpected exception:\n  %s", x)
		}
	}
}

// TestScenarios generates one platform per anomaly (and one with all of
// them) beside clean platforms, and checks the run reports exactly the
// expected rows: kind, keys and amounts.
func TestScenarios(t *testing.T) {
	for _, name := range fixtures.ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st, exp := genStore(t, fixtures.Options{Platforms: 1, Investors: 30, Transactions: 300, Seed: 7, Scenarios: []string{name}})
			if (len(exp.Exceptions) == 0) != (name == "clean") {
				t.Fatalf("scenario expects %d exceptions", len(exp.Exceptions))
			}
			out := runStore(t, st, 2)
			compare(t, out.Exceptions, exp.Exceptions)
			for _, id := range exp.Clean {
				for _, e := range out.Exceptions {
					if e.PlatformID == id {
						t.Errorf("clean platform %s: %s %s", id, e.Kind, e.Detail)
					}
				}
			}
		})
	}
}

// TestCleanPlatforms checks clean platforms of several sizes and seeds
// yield no exception at all.
func TestCleanPlatforms(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		st, _ := genStore(t, fixtures.Options{Platforms: 3, Investors: 50, Transactions: 2000, Seed: seed})
		out := runStore(t, st, 2)
		for _, e := range out.Exceptions {
			t.Errorf("seed %d: %s %s: %s", seed, e.PlatformID, e.Kind, e.Detail)
		}
		if out.Summary.Exceptions.Total != 0 || len(out.Summary.Platforms) != 3 {
			t.Errorf("seed %d: summary %+v", seed, out.Summary.Exceptions)
		}
	}
}

// TestVerdicts checks the supervisors' lists in summary.json: the four
// cases are flagged, the clean platform of the same size is not, and the
// guarantee payments are totalled.
func TestVerdicts(t *testing.T) {
	st, exp := genStore(t, fixtures.Options{Platforms: 1, Seed: 4, Scenarios: []string{"ponzi", "diversion", "self-financing", "guarantee", "clean"}})
	out := runStore(t, st, 2)
	want := map[string]string{"P001": "red", "clean": "red", "ponzi": "black", "diversion": "black", "self-financing": "grey", "guarantee": "grey"}
	var guaranteeTotal int64
	for _, e := range exp.Exceptions {
		if e.Kind == "GUARANTEE_PAYMENT" {
			v, _ := money.Parse(e.BankAmount, 2)
			guaranteeTotal += v
		}
	}
	for _, p := range out.Summary.Platforms {
		if p.Verdict.List != want[p.PlatformID] {
			t.Errorf("%s: %s list, want %s", p.PlatformID, p.Verdict.List, want[p.PlatformID])
		}
		flagged := p.Verdict.List != "red"
		if _, ok := p.Verdict.AmountAtRisk["CNY"]; ok != flagged {
			t.Errorf("%s: amount at risk %v", p.PlatformID, p.Verdict.AmountAtRisk)
		}
		if p.PlatformID == "guarantee" {
			if p.Guarantees.Count != 3 || p.Guarantees.Amounts["CNY"] != money.Format(guaranteeTotal, 2) {
				t.Errorf("guarantee payments %+v, want 3 totalling %s", p.Guarantees, money.Format(guaranteeTotal, 2))
			}
		} else if p.Guarantees.Count != 0 {
			t.Errorf("%s: guarantee payments %+v", p.PlatformID, p.Guarantees)
		}
	}
	// The diversion's amount at risk: each diverted movement counts in its
	// flow exception, its MISSING_IN_LEDGER, the investor's balance
	// mismatch, and once more in the shortfall.
	var diverted int64
	for _, e := range exp.Exceptions {
		if e.PlatformID == "diversion" && e.Kind == "MISSING_IN_LEDGER" {
			v, _ := money.Parse(e.BankAmount, 2)
			diverted += v
		}
	}
	for _, p := range out.Summary.Platforms {
		if p.PlatformID == "diversion" && p.Verdict.AmountAtRisk["CNY"] != money.Format(4*diverted, 2) {
			t.Errorf("diversion at risk %v, want %s", p.Verdict.AmountAtRisk, money.Format(4*diverted, 2))
		}
	}
}

// TestAnomalyEvery checks the benchmark generator's spread-out breaks are
// found, in the numbers it seeded.
func TestAnomalyEvery(t *testing.T) {
	st, exp := genStore(t, fixtures.Options{Platforms: 3, Investors: 50, Transactions: 2000, Seed: 8, AnomalyEvery: 37})
	out := runStore(t, st, 2)
	if len(exp.Counts) != 6 {
		t.Fatalf("counts %v", exp.Counts)
	}
	for kind, n := range exp.Counts {
		if got := out.Summary.Exceptions.ByKind[kind]; got != n {
			t.Errorf("%s: %d, seeded %d", kind, got, n)
		}
	}
}
