package statement

import "time"

// Balance is a balance reported by the bank.
type Balance struct {
	// AmountMinor is the signed amount in minor units at the parser's
	// Options.Scale: negative for a debit (overdrawn) balance.
	AmountMinor int64
	// Currency is the ISO 4217 code given with the balance.
	Currency string
	// Date is the date the balance refers to.
	Date Date
	// Kind is the balance type as written in the input: "OPBD", "PRCD",
	// "ITBD", "CLBD" for camt.053; "60F", "60M", "62F", "62M" for MT940.
	// An empty Kind means the statement carries no such balance.
	Kind string
}

// Entry is one booked movement on the statement's account.
type Entry struct {
	// Credit is true when money came into the statement's account and
	// false when it went out. This is the direction in which the entry is
	// booked, reversals included (see Reversal).
	Credit bool
	// Reversal marks the entry as the reversal of an earlier one (camt
	// RvslInd=true, MT940 marks RC and RD). Credit already gives the
	// direction in which the reversal is booked; it is never flipped.
	Reversal bool
	// AmountMinor is the amount in minor units at the parser's
	// Options.Scale, always > 0, in Currency.
	AmountMinor int64
	// Currency is the ISO 4217 code of the amount.
	Currency string
	// BookingDate is the date the entry was booked (camt BookgDt, MT940
	// entry date), or ValueDate when the input gives none.
	BookingDate Date
	// ValueDate is the value date (camt ValDt, else BookgDt; MT940 :61:
	// first subfield).
	ValueDate Date
	// BookingTime is the booking date-time when the input gives one (camt
	// BookgDt/DtTm), else the zero Time. Its calendar date may differ from
	// BookingDate, which is the date as written. A date-time written with
	// a UTC offset ("Z", "+01:00") is that instant, in UTC; one written
	// without an offset is its wall clock in UTC with BookingTimeLocal set:
	// the zone is the bank's, which the input does not say.
	BookingTime time.Time
	// BookingTimeLocal is set when BookingTime was written without a UTC
	// offset.
	BookingTimeLocal bool
	// BankTxCode is the bank transaction code: camt BkTxCd as
	// "DOMAIN/FAMILY/SUBFAMILY" (e.g. "PMNT/RCDT/ESCT"), else its
	// proprietary code (BkTxCd/Prtry/Cd); MT940 the :61: transaction type
	// ("NTRF", "NCHG", "S103"). Empty when not given.
	BankTxCode string
	// Status is the camt entry status ("BOOK"); MT940 entries are always
	// "BOOK". Only booked entries are returned.
	Status string
	// BankRef is the account servicer's reference: camt AcctSvcrRef of the
	// entry (else of its first transaction); MT940 the reference after "//"
	// in :61:, else the customer reference ("NONREF" counts as none).
	BankRef string
	// EndToEndID is the end-to-end identification ("NOTPROVIDED" counts as
	// none): camt Refs/EndToEndId; MT940 EREF+ (German structured :86:) or
	// /EREF/ (slash-coded :86:).
	EndToEndID string
	// CounterpartyAccount identifies the other party's account (IBAN or
	// other identification), when the input gives it.
	CounterpartyAccount string
	// CounterpartyName is the other party's name, when given.
	CounterpartyName string
	// Remittance is the unstructured remittance information joined into
	// one line: camt RmtInf/Ustrd of all transactions, else AddtlNtryInf,
	// else AddtlTxInf; MT940 the :86: purpose or free text, else the :61:
	// supplementary details.
	Remittance string
	// Line is the 1-based line in the input where the entry starts.
	Line int
}

// Statement is one account statement (one camt <Stmt>, one MT940 message
// or page).
type Statement struct {
	// ID identifies the statement: camt Stmt/Id; MT940 the :20: reference
	// followed by a space and the :28C: statement/sequence number.
	ID string
	// Account is the account identification: camt Acct/Id/IBAN or
	// Acct/Id/Othr/Id; MT940 :25:.
	Account string
	// Currency is the account currency: camt Acct/Ccy, else the opening
	// (else closing) balance currency; MT940 the :60a: currency.
	Currency string
	// Opening is the opening balance of the statement (camt OPBD, else
	// PRCD, else the first ITBD; MT940 60F or 60M).
	Opening Balance
	// Closing is the closing balance (camt CLBD, else the last ITBD not
	// used as opening; MT940 62F or 62M).
	Closing Balance
	// Entries are the booked entries in input order.
	Entries []Entry
	// Skipped counts entries that were read but are not in Entries: camt
	// entries whose status is not BOOK (pending, information), and entries
	// of amount zero (which move no money, e.g. MT940 information lines).
	Skipped int
	// Line is the 1-based line where the statement starts.
	Line int
}

// Options configure the parsers.
type Options struct {
	// Scale is the number of decimal places of every AmountMinor, e.g. 2
	// for cents. An amount with more non-zero fractional digits than Scale
	// is an error (it is never rounded); extra trailing zeros are fine.
	// Must be between 0 and MaxScale.
	Scale int
}

// validate checks the options.
func (o Options) validate() error {
	if o.Scale < 0 || o.Scale > MaxScale {
		return parseErr(0, "Options.Scale", ErrOptions, "scale %d not in [0, %d]", o.Scale, MaxScale)
	}
	return nil
}
