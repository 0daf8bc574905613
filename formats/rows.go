package formats

// Row types of the canonical input tables, for writers (the generator, the
// statement converter, tests). Optional columns are pointers: nil is null.
// Amounts are minor units at the writer's scale; timestamps are µs since
// the Unix epoch (UTC); dates are days since 1970-01-01.

// CustodyTxnRow is one row of custody_transactions.
type CustodyTxnRow struct {
	BankID        string  `parquet:"bank_id"`
	PlatformID    string  `parquet:"platform_id"`
	BankTxnID     string  `parquet:"bank_txn_id"`
	PlatformTxnID *string `parquet:"platform_txn_id"`
	Payer         string  `parquet:"payer_account"`
	Payee         string  `parquet:"payee_account"`
	Amount        int64   `parquet:"amount"`
	Fee           *int64  `parquet:"fee"`
	Currency      string  `parquet:"currency"`
	Kind          string  `parquet:"kind"`
	Status        string  `parquet:"status"`
	BookedAt      int64   `parquet:"booked_at"`
	LoanID        *string `parquet:"loan_id"`
	Memo          *string `parquet:"memo"`
}

// LedgerTxnRow is one row of ledger_transactions.
type LedgerTxnRow struct {
	PlatformID string  `parquet:"platform_id"`
	TxnID      string  `parquet:"txn_id"`
	Payer      string  `parquet:"payer_account"`
	Payee      string  `parquet:"payee_account"`
	Amount     int64   `parquet:"amount"`
	Fee        *int64  `parquet:"fee"`
	Currency   string  `parquet:"currency"`
	Kind       string  `parquet:"kind"`
	Status     string  `parquet:"status"`
	BookedAt   int64   `parquet:"booked_at"`
	LoanID     *string `parquet:"loan_id"`
	Memo       *string `parquet:"memo"`
}

// CustodyBalanceRow is one row of custody_balances.
type CustodyBalanceRow struct {
	BankID     string `parquet:"bank_id"`
	PlatformID string `parquet:"platform_id"`
	AccountID  string `parquet:"account_id"`
	AsOf       int32  `parquet:"as_of"`
	Opening    int64  `parquet:"opening_balance"`
	Closing    int64  `parquet:"closing_balance"`
	Currency   string `parquet:"currency"`
}

// LedgerBalanceRow is one row of ledger_balances.
type LedgerBalanceRow struct {
	PlatformID string `parquet:"platform_id"`
	AccountID  string `parquet:"account_id"`
	AsOf       int32  `parquet:"as_of"`
	Closing    int64  `parquet:"closing_balance"`
	Currency   string `parquet:"currency"`
}

// AccountRow is one row of the accounts registry.
type AccountRow struct {
	PlatformID   string `parquet:"platform_id"`
	AccountID    string `parquet:"account_id"`
	Role         string `parquet:"role"`
	HolderID     string `parquet:"holder_id"`
	RelatedParty *bool  `parquet:"related_party"`
	OpenedOn     *int32 `parquet:"opened_on"`
}

// LoanRow is one row of the loans registry.
type LoanRow struct {
	PlatformID string `parquet:"platform_id"`
	LoanID     string `parquet:"loan_id"`
	Borrower   string `parquet:"borrower_account"`
	Principal  int64  `parquet:"principal"`
	Currency   string `parquet:"currency"`
	FundedOn   *int32 `parquet:"funded_on"`
	MaturityOn *int32 `parquet:"maturity_on"`
}
