package statement

import (
	"fmt"
	"sort"

	"github.com/recon-dev/recon/money"
)

// Problem kinds reported by Check.
const (
	// ProblemBalance: opening + credits - debits differs from the closing
	// balance. DifferenceMinor is the reported closing minus the computed
	// closing.
	ProblemBalance = "balance"
	// ProblemChain: a statement's closing balance differs from the opening
	// balance of the next statement of the same account and currency.
	// DifferenceMinor is the next opening minus this closing.
	ProblemChain = "chain"
	// ProblemCurrency: amounts in different currencies cannot be added. The
	// statement's closing balance is in another currency than its opening
	// balance (the balance is then not checked), or an entry is in another
	// currency than the opening balance (the entry is then left out of the
	// sum). DifferenceMinor is 0.
	ProblemCurrency = "currency"
	// ProblemMissing: the statement has no opening or no closing balance,
	// so it cannot be checked. DifferenceMinor is 0.
	ProblemMissing = "missing"
)

// Problem is a reconciliation problem found by Check.
type Problem struct {
	// Statement is the index of the statement in the slice given to Check.
	Statement int
	// ID is that statement's ID.
	ID string
	// Kind is one of ProblemBalance, ProblemChain, ProblemCurrency,
	// ProblemMissing.
	Kind string
	// DifferenceMinor is, for ProblemBalance, the reported closing balance
	// minus the computed one; for ProblemChain, the next statement's
	// opening balance minus this statement's closing balance; else 0.
	// Minor units at the scale the statements were parsed with.
	DifferenceMinor int64
	// CreditsMinor and DebitsMinor are, for a ProblemBalance with a
	// difference, the sums of the statement's entries in its currency
	// that the closing balance was computed from; else 0.
	CreditsMinor, DebitsMinor int64
	// Detail explains the problem for a human (amounts in minor units).
	Detail string
}

// Check verifies, for each statement, that opening + sum(credits) -
// sum(debits) == closing, and that each statement's closing balance equals
// the opening balance of the next statement (in slice order) with the same
// Account and Currency. Problems are returned as values, ordered by
// statement index; nil means everything reconciles.
func Check(stmts []Statement) []Problem {
	var out []Problem
	last := make(map[[2]string]int) // account, currency -> index of the latest statement
	for j := range stmts {
		out = append(out, checkBalance(j, &stmts[j])...)
		if stmts[j].Account == "" {
			continue
		}
		key := [2]string{stmts[j].Account, stmts[j].Currency}
		if i, ok := last[key]; ok {
			if p, bad := checkChain(i, &stmts[i], j, &stmts[j]); bad {
				out = append(out, p)
			}
		}
		last[key] = j
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Statement < out[b].Statement })
	return out
}

// checkBalance checks one statement's arithmetic.
func checkBalance(i int, st *Statement) []Problem {
	problem := func(kind string, diff int64, format string, args ...any) Problem {
		return Problem{Statement: i, ID: st.ID, Kind: kind, DifferenceMinor: diff, Detail: fmt.Sprintf(format, args...)}
	}
	switch {
	case st.Opening.Kind == "":
		return []Problem{problem(ProblemMissing, 0, "no opening balance")}
	case st.Closing.Kind == "":
		return []Problem{problem(ProblemMissing, 0, "no closing balance")}
	case st.Opening.Currency != st.Closing.Currency:
		return []Problem{problem(ProblemCurrency, 0, "opening balance in %s but closing balance in %s: not checked",
			st.Opening.Currency, st.Closing.Currency)}
	}
	var out []Problem
	ccy := st.Opening.Currency
	var credits, debits int64
	overflow := false
	for _, e := range st.Entries {
		if e.Currency != ccy {
			out = append(out, problem(ProblemCurrency, 0, "entry at line %d of %d %s in a %s statement: left out of the balance",
				e.Line, e.AmountMinor, e.Currency, ccy))
			continue
		}
		var ok bool
		if e.Credit {
			credits, ok = money.AddInt64(credits, e.AmountMinor)
		} else {
			debits, ok = money.AddInt64(debits, e.AmountMinor)
		}
		overflow = overflow || !ok
	}
	computed, ok1 := money.AddInt64(st.Opening.AmountMinor, credits)
	computed, ok2 := money.SubInt64(computed, debits)
	diff, ok3 := money.SubInt64(st.Closing.AmountMinor, computed)
	if overflow || !ok1 || !ok2 || !ok3 {
		return append(out, problem(ProblemBalance, 0, "sums overflow int64: cannot check"))
	}
	if diff != 0 {
		p := problem(ProblemBalance, diff,
			"opening %d + credits %d - debits %d = %d, but closing balance is %d (difference %d)",
			st.Opening.AmountMinor, credits, debits, computed, st.Closing.AmountMinor, diff)
		p.CreditsMinor, p.DebitsMinor = credits, debits
		out = append(out, p)
	}
	return out
}

// checkChain compares statement i's closing with statement j's opening.
func checkChain(i int, a *Statement, j int, b *Statement) (Problem, bool) {
	if a.Closing.Kind == "" || b.Opening.Kind == "" || a.Closing.Currency != b.Opening.Currency {
		return Problem{}, false
	}
	diff, ok := money.SubInt64(b.Opening.AmountMinor, a.Closing.AmountMinor)
	if ok && diff == 0 {
		return Problem{}, false
	}
	return Problem{
		Statement:       i,
		ID:              a.ID,
		Kind:            ProblemChain,
		DifferenceMinor: diff,
		Detail: fmt.Sprintf("closing balance %d (%s) but next statement %d (%q) of account %s opens with %d (%s)",
			a.Closing.AmountMinor, a.Closing.Date, j, b.ID, a.Account, b.Opening.AmountMinor, b.Opening.Date),
	}, true
}
