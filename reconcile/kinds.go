package reconcile

// Exception kinds of the contract.
const (
	MissingAtBank            = "MISSING_AT_BANK"
	MissingInLedger          = "MISSING_IN_LEDGER"
	AmountMismatch           = "AMOUNT_MISMATCH"
	PayerMismatch            = "PAYER_MISMATCH"
	PayeeMismatch            = "PAYEE_MISMATCH"
	CurrencyMismatch         = "CURRENCY_MISMATCH"
	StatusMismatch           = "STATUS_MISMATCH"
	DateOutOfWindow          = "DATE_OUT_OF_WINDOW"
	DuplicateAtBank          = "DUPLICATE_AT_BANK"
	DuplicateInLedger        = "DUPLICATE_IN_LEDGER"
	FieldMismatch            = "FIELD_MISMATCH"
	MatchedWithoutReference  = "MATCHED_WITHOUT_REFERENCE"
	AccountBalanceMismatch   = "ACCOUNT_BALANCE_MISMATCH"
	BankStatementBreak       = "BANK_STATEMENT_BREAK"
	CustodyShortfall         = "CUSTODY_SHORTFALL"
	CustodyExcess            = "CUSTODY_EXCESS"
	OutflowToUnregistered    = "OUTFLOW_TO_UNREGISTERED"
	OutflowToThirdParty      = "OUTFLOW_TO_THIRD_PARTY"
	FundsToPlatform          = "FUNDS_TO_PLATFORM"
	PoolingTransfer          = "POOLING_TRANSFER"
	RepaymentNotFromBorrower = "REPAYMENT_NOT_FROM_BORROWER"
	RelatedPartyLoan         = "RELATED_PARTY_LOAN"
	GuaranteePayment         = "GUARANTEE_PAYMENT"
	UnexpectedFlow           = "UNEXPECTED_FLOW"
	InputRejected            = "INPUT_REJECTED"
)

// DefaultSeverities gives each kind its contract severity.
func DefaultSeverities() map[string]string {
	return map[string]string{
		MissingAtBank:            "high",
		MissingInLedger:          "high",
		AmountMismatch:           "high",
		PayerMismatch:            "high",
		PayeeMismatch:            "high",
		CurrencyMismatch:         "high",
		StatusMismatch:           "high",
		DateOutOfWindow:          "low",
		DuplicateAtBank:          "medium",
		DuplicateInLedger:        "medium",
		FieldMismatch:            "low",
		MatchedWithoutReference:  "info",
		AccountBalanceMismatch:   "high",
		BankStatementBreak:       "high",
		CustodyShortfall:         "critical",
		CustodyExcess:            "medium",
		OutflowToUnregistered:    "critical",
		OutflowToThirdParty:      "critical",
		FundsToPlatform:          "critical",
		PoolingTransfer:          "critical",
		RepaymentNotFromBorrower: "high",
		RelatedPartyLoan:         "high",
		GuaranteePayment:         "info",
		UnexpectedFlow:           "medium",
		InputRejected:            "high",
	}
}

// Kinds lists every kind in the contract's order.
func Kinds() []string {
	return []string{
		MissingAtBank, MissingInLedger, AmountMismatch, PayerMismatch, PayeeMismatch, CurrencyMismatch,
		StatusMismatch, DateOutOfWindow, DuplicateAtBank, DuplicateInLedger, FieldMismatch,
		MatchedWithoutReference, AccountBalanceMismatch, BankStatementBreak, CustodyShortfall,
		CustodyExcess, OutflowToUnregistered, OutflowToThirdParty, FundsToPlatform, PoolingTransfer,
		RepaymentNotFromBorrower, RelatedPartyLoan, GuaranteePayment, UnexpectedFlow, InputRejected,
	}
}
