package reconcile

import (
	"context"
	"fmt"
	"strings"

	"github.com/recon-dev/recon/formats"
)

// pairException returns an exception about a matched pair with its keys,
// accounts (the bank's: what moved) and both amounts filled.
func (r *run) pairException(kind string, l, b int) formats.Exception {
	L, B := &r.p.Ledger, &r.p.Bank
	loan := B.Loan[b]
	if loan == 0 {
		loan = L.Loan[l]
	}
	return formats.Exception{
		Kind:                kind,
		BankID:              r.name(B.Bank[b]),
		AccountID:           r.name(B.Payer[b]),
		CounterpartyAccount: r.name(B.Payee[b]),
		LoanID:              r.name(loan),
		LedgerTxnID:         L.ID.String(l),
		BankTxnID:           B.ID.String(b),
		LedgerAmount:        formats.Amount(L.Amount[l]),
		BankAmount:          formats.Amount(B.Amount[b]),
		Currency:            r.name(B.Currency[b]),
	}
}

// reportPairs compares every matched pair field by field, chunks of
// ledger rows in parallel (emitRows).
func (r *run) reportPairs(ctx context.Context, m *matching) error {
	return r.emitRows(ctx, len(m.lMatch), func(cr *run, lo, hi int) { cr.comparePairs(m, lo, hi) })
}

// comparePairs is reportPairs over the pairs of ledger rows [lo, hi).
func (r *run) comparePairs(m *matching, lo, hi int) {
	L, B := &r.p.Ledger, &r.p.Bank
	window := int64(r.opt.DateWindowDays)
	for l := lo; l < hi; l++ {
		b32 := m.lMatch[l]
		if b32 < 0 {
			continue
		}
		b, byRef := int(b32), m.lOut[l] == outRef
		lOK, bOK := L.Status[l] == formats.StatusSuccess, B.Status[b] == formats.StatusSuccess
		if !lOK && !bOK {
			continue // neither side moved money
		}
		if byRef && lOK == bOK && L.Amount[l] == B.Amount[b] && L.Payer[l] == B.Payer[b] && L.Payee[l] == B.Payee[b] &&
			L.Currency[l] == B.Currency[b] && L.Kind[l] == B.Kind[b] && L.Loan[l] == B.Loan[b] && L.Fee[l] == B.Fee[b] &&
			window >= 1 && absDiff(L.BookedAt[l], B.BookedAt[b]) < microsPerDay/2 {
			// The common case: the pair agrees, booked less than 12 hours
			// apart, which no zone's calendar can stretch over two days.
			continue
		}
		ids := fmt.Sprintf("ledger txn %s and bank txn %s", L.ID.String(l), B.ID.String(b))
		if !byRef {
			e := r.pairException(MatchedWithoutReference, l, b)
			e.Difference = formats.Amount(B.Amount[b])
			ref := "no platform_txn_id"
			if k := B.Ref.String(b); k != "" {
				ref = fmt.Sprintf("platform_txn_id %q, which names no ledger row", k)
			}
			e.Detail = fmt.Sprintf("Matched %s without reference (the bank row carries %s) on payer %s, payee %s, amount %s %s; booked %s and %s.",
				ids, ref, r.name(B.Payer[b]), r.name(B.Payee[b]), r.amt(B.Amount[b]), r.name(B.Currency[b]), r.when(L.BookedAt[l]), r.when(B.BookedAt[b]))
			r.emit(e)
		}
		if lOK != bOK {
			e := r.pairException(StatusMismatch, l, b)
			if bOK {
				e.Difference = formats.Amount(B.Amount[b])
			} else {
				e.Difference = formats.Amount(-L.Amount[l])
			}
			e.Detail = fmt.Sprintf("The bank reports %s as %s, the ledger as %s: %s moved at one side only.",
				ids, formats.StatusName(B.Status[b]), formats.StatusName(L.Status[l]), r.amt(abs64(e.Difference.Minor)))
			r.emit(e)
		}
		if L.Amount[l] != B.Amount[b] {
			e := r.pairException(AmountMismatch, l, b)
			e.Difference = formats.Amount(B.Amount[b] - L.Amount[l])
			e.Detail = fmt.Sprintf("For %s the bank executed %s %s, the ledger records %s: difference %s (bank minus ledger).",
				ids, r.amt(B.Amount[b]), r.name(B.Currency[b]), r.amt(L.Amount[l]), r.amt(e.Difference.Minor))
			r.emit(e)
		}
		if L.Payer[l] != B.Payer[b] {
			e := r.pairException(PayerMismatch, l, b)
			e.Difference = formats.Amount(B.Amount[b])
			e.Detail = fmt.Sprintf("For %s the bank debited account %s, the ledger records payer %s.",
				ids, r.name(B.Payer[b]), r.name(L.Payer[l]))
			r.emit(e)
		}
		if L.Payee[l] != B.Payee[b] {
			e := r.pairException(PayeeMismatch, l, b)
			e.Difference = formats.Amount(B.Amount[b])
			e.Detail = fmt.Sprintf("For %s the bank credited account %s, the ledger records payee %s.",
				ids, r.name(B.Payee[b]), r.name(L.Payee[l]))
			r.emit(e)
		}
		if L.Currency[l] != B.Currency[b] {
			e := r.pairException(CurrencyMismatch, l, b)
			e.Difference = formats.Amount(B.Amount[b])
			e.Detail = fmt.Sprintf("For %s the bank moved %s, the ledger records %s.",
				ids, r.name(B.Currency[b]), r.name(L.Currency[l]))
			r.emit(e)
		}
		if dl, db := r.dayr.day(L.BookedAt[l]), r.dayr.day(B.BookedAt[b]); absDiff(dl, db) > window {
			e := r.pairException(DateOutOfWindow, l, b)
			e.Difference = formats.Amount(B.Amount[b])
			e.Detail = fmt.Sprintf("For %s the bank booked on %s, the ledger on %s: %d days apart, more than the window of %d.",
				ids, dayText(db), dayText(dl), absDiff(dl, db), window)
			r.emit(e)
		}
		var fields []string
		if L.Kind[l] != B.Kind[b] {
			fields = append(fields, fmt.Sprintf("kind (bank %s, ledger %s)", formats.KindName(B.Kind[b]), formats.KindName(L.Kind[l])))
		}
		if L.Loan[l] != B.Loan[b] {
			fields = append(fields, fmt.Sprintf("loan_id (bank %q, ledger %q)", r.name(B.Loan[b]), r.name(L.Loan[l])))
		}
		if L.Fee[l] != B.Fee[b] {
			fields = append(fields, fmt.Sprintf("fee (bank %s, ledger %s)", r.amt(B.Fee[b]), r.amt(L.Fee[l])))
		}
		if len(fields) > 0 {
			e := r.pairException(FieldMismatch, l, b)
			if L.Fee[l] != B.Fee[b] {
				e.Difference = formats.Amount(B.Fee[b] - L.Fee[l])
			}
			e.Detail = fmt.Sprintf("For %s the sides disagree on %s.", ids, strings.Join(fields, ", "))
			r.emit(e)
		}
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// reportUnmatched decides the rows neither matching took: duplicates were
// already marked; a row that moved money is missing at the other side.
func (r *run) reportUnmatched(ctx context.Context, m *matching) error {
	if err := r.reportDuplicates(ctx, m); err != nil {
		return err
	}
	return r.reportMissing(ctx, m)
}

// reportDuplicates reports the rows matching by reference marked as
// duplicates.
func (r *run) reportDuplicates(ctx context.Context, m *matching) error {
	return r.emitSides(ctx, m, func(cr *run, t *Txns, out []outcome, lo, hi int) {
		for i := lo; i < hi; i++ {
			if out[i] == outDup {
				cr.emitDuplicate(t, i)
			}
		}
	})
}

// reportMissing decides the rows still undecided: missing at the other
// side if they moved money, else idle.
func (r *run) reportMissing(ctx context.Context, m *matching) error {
	return r.emitSides(ctx, m, func(cr *run, t *Txns, out []outcome, lo, hi int) {
		for i := lo; i < hi; i++ {
			if out[i] != outNone {
				continue
			}
			if t.Status[i] != formats.StatusSuccess {
				out[i] = outIdle
				continue
			}
			out[i] = outMissing
			cr.emitMissing(t, i)
		}
	})
}

// emitSides runs fn over the ledger's rows, then the bank's, each side's
// in chunks in parallel (emitRows), with the side's table and outcomes:
// each chunk decides and reports its own rows.
func (r *run) emitSides(ctx context.Context, m *matching, fn func(cr *run, t *Txns, out []outcome, lo, hi int)) error {
	for _, side := range []Side{Ledger, Bank} {
		t, out := r.side(side), m.out(side)
		if err := r.emitRows(ctx, t.N, func(cr *run, lo, hi int) { fn(cr, t, out, lo, hi) }); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) rowException(kind string, t *Txns, i int) formats.Exception {
	e := formats.Exception{
		Kind:                kind,
		AccountID:           r.name(t.Payer[i]),
		CounterpartyAccount: r.name(t.Payee[i]),
		LoanID:              r.name(t.Loan[i]),
		Currency:            r.name(t.Currency[i]),
	}
	if t.Side == Bank {
		e.BankID = r.name(t.Bank[i])
		e.BankTxnID = t.ID.String(i)
		e.BankAmount = formats.Amount(t.Amount[i])
	} else {
		e.LedgerTxnID = t.ID.String(i)
		e.LedgerAmount = formats.Amount(t.Amount[i])
	}
	return e
}

func (r *run) describe(t *Txns, i int) string {
	return fmt.Sprintf("%s %s %s from %s to %s booked %s (%s)", formats.KindName(t.Kind[i]), r.amt(t.Amount[i]),
		r.name(t.Currency[i]), r.name(t.Payer[i]), r.name(t.Payee[i]), r.when(t.BookedAt[i]), r.where(t, i))
}

func (r *run) emitMissing(t *Txns, i int) {
	if t.Side == Bank {
		e := r.rowException(MissingInLedger, t, i)
		e.Difference = formats.Amount(t.Amount[i])
		e.Detail = fmt.Sprintf("Bank txn %s (%s) has no ledger row by reference or by payer, payee, amount and date: the platform does not record money the bank moved.",
			t.ID.String(i), r.describe(t, i))
		r.emit(e)
		return
	}
	e := r.rowException(MissingAtBank, t, i)
	e.Difference = formats.Amount(-t.Amount[i])
	e.Detail = fmt.Sprintf("Ledger txn %s (%s) has no bank movement by reference or by payer, payee, amount and date: the bank never executed it.",
		t.ID.String(i), r.describe(t, i))
	r.emit(e)
}

func (r *run) emitDuplicate(t *Txns, i int) {
	if t.Side == Bank {
		e := r.rowException(DuplicateAtBank, t, i)
		e.LedgerTxnID = t.Ref.String(i)
		e.Difference = formats.Amount(t.Amount[i])
		e.Detail = fmt.Sprintf("Bank txn %s repeats platform_txn_id %q, already matched to another bank row: %s.",
			t.ID.String(i), t.Ref.String(i), r.describe(t, i))
		r.emit(e)
		return
	}
	e := r.rowException(DuplicateInLedger, t, i)
	e.Difference = formats.Amount(t.Amount[i])
	e.Detail = fmt.Sprintf("Ledger txn_id %q is used again: %s.", t.ID.String(i), r.describe(t, i))
	r.emit(e)
}
