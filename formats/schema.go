package formats

import "fmt"

// Type is the logical type of a canonical column.
type Type uint8

const (
	String    Type = iota // UTF-8 text; empty when null (optional columns only)
	ID                    // non-empty UTF-8 text
	Enum                  // one of Column.Values, decoded to its index
	Currency              // ISO 4217 code: three upper-case letters
	Decimal               // money, decoded to minor units at the configured scale
	Timestamp             // UTC instant, decoded to microseconds since the Unix epoch
	Date                  // calendar date, decoded to days since 1970-01-01
	Bool                  // decoded to 0 or 1
)

func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case ID:
		return "string (non-empty)"
	case Enum:
		return "string (enumerated)"
	case Currency:
		return "string (ISO 4217 currency)"
	case Decimal:
		return "decimal"
	case Timestamp:
		return "timestamp"
	case Date:
		return "date"
	case Bool:
		return "boolean"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Rule is a value constraint of a column beyond its type.
type Rule uint8

const (
	NoRule      Rule = iota
	Positive         // greater than zero
	NonNegative      // zero or more
)

// Column describes one column of a canonical table.
type Column struct {
	Name     string
	Type     Type
	Required bool     // a null rejects the file
	Rule     Rule     // value constraint
	Values   []string // the allowed values of an Enum, in code order
	// Dict asks writers to dictionary-encode the column: few distinct
	// values (accounts, loans, banks), as pyarrow does by default.
	Dict bool
	// Discard: readers check every value but keep none (a batch's column
	// stays empty). For text nothing downstream reads, such as memos.
	Discard bool
}

// Table names a canonical table.
type Table uint8

const (
	CustodyTransactions Table = iota
	LedgerTransactions
	CustodyBalances
	LedgerBalances
	Accounts
	Loans
	numTables
)

// Tables lists every input table in a fixed order.
func Tables() []Table {
	return []Table{CustodyTransactions, LedgerTransactions, CustodyBalances, LedgerBalances, Accounts, Loans}
}

func (t Table) String() string { return SchemaOf(t).Name }

// Schema is the column list of a canonical table. Columns are found in input
// files by name; Cols of a Batch follow this order.
type Schema struct {
	Table   Table
	Name    string
	Columns []Column
}

// Index returns the position of the named column, or -1.
func (s *Schema) Index(name string) int {
	for i, c := range s.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Transaction kinds, in the code order of the kind column.
const (
	KindDeposit uint8 = iota
	KindWithdrawal
	KindBid
	KindDisbursement
	KindRepayment
	KindFee
	KindTransfer
	KindRefund
)

// Transaction statuses, in the code order of the status column.
const (
	StatusSuccess uint8 = iota
	StatusFailed
	StatusReversed
)

// Account roles, in the code order of the role column.
const (
	RoleInvestor uint8 = iota
	RoleBorrower
	RolePlatformOwn
	RolePlatformFee
	RoleCustodyMaster
	RoleGuarantor
	RoleExternal
)

// KindNames, StatusNames and RoleNames give the text of each code.
var (
	kindNames   = []string{"deposit", "withdrawal", "bid", "disbursement", "repayment", "fee", "transfer", "refund"}
	statusNames = []string{"success", "failed", "reversed"}
	roleNames   = []string{"investor", "borrower", "platform_own", "platform_fee", "custody_master", "guarantor", "external"}
)

// KindName returns the text of a transaction kind code.
func KindName(k uint8) string { return enumName(kindNames, k) }

// StatusName returns the text of a status code.
func StatusName(s uint8) string { return enumName(statusNames, s) }

// RoleName returns the text of a role code.
func RoleName(r uint8) string { return enumName(roleNames, r) }

// KindCode, StatusCode and RoleCode return the code of a text value.
func KindCode(s string) (uint8, bool)   { return enumCode(kindNames, s) }
func StatusCode(s string) (uint8, bool) { return enumCode(statusNames, s) }
func RoleCode(s string) (uint8, bool)   { return enumCode(roleNames, s) }

func enumName(names []string, c uint8) string {
	if int(c) < len(names) {
		return names[c]
	}
	return fmt.Sprintf("?%d", c)
}

func enumCode(names []string, s string) (uint8, bool) {
	for i, n := range names {
		if n == s {
			return uint8(i), true
		}
	}
	return 0, false
}

// Column positions of custody_transactions.
const (
	CTBankID = iota
	CTPlatformID
	CTBankTxnID
	CTPlatformTxnID
	CTPayer
	CTPayee
	CTAmount
	CTFee
	CTCurrency
	CTKind
	CTStatus
	CTBookedAt
	CTLoanID
	CTMemo
)

// Column positions of ledger_transactions.
const (
	LTPlatformID = iota
	LTTxnID
	LTPayer
	LTPayee
	LTAmount
	LTFee
	LTCurrency
	LTKind
	LTStatus
	LTBookedAt
	LTLoanID
	LTMemo
)

// Column positions of custody_balances.
const (
	CBBankID = iota
	CBPlatformID
	CBAccountID
	CBAsOf
	CBOpening
	CBClosing
	CBCurrency
)

// Column positions of ledger_balances.
const (
	LBPlatformID = iota
	LBAccountID
	LBAsOf
	LBClosing
	LBCurrency
)

// Column positions of accounts.
const (
	ACPlatformID = iota
	ACAccountID
	ACRole
	ACHolderID
	ACRelatedParty
	ACOpenedOn
)

// Column positions of loans.
const (
	LNPlatformID = iota
	LNLoanID
	LNBorrower
	LNPrincipal
	LNCurrency
	LNFundedOn
	LNMaturityOn
)

func req(name string, t Type) Column { return Column{Name: name, Type: t, Required: true} }
func opt(name string, t Type) Column { return Column{Name: name, Type: t} }

// dict marks a column for dictionary encoding.
func dict(c Column) Column { c.Dict = true; return c }

func txnTail() []Column {
	return []Column{
		dict(req("payer_account", ID)),
		dict(req("payee_account", ID)),
		{Name: "amount", Type: Decimal, Required: true, Rule: Positive},
		{Name: "fee", Type: Decimal, Rule: NonNegative},
		req("currency", Currency),
		{Name: "kind", Type: Enum, Required: true, Values: kindNames},
		{Name: "status", Type: Enum, Required: true, Values: statusNames},
		req("booked_at", Timestamp),
		dict(opt("loan_id", String)),
		{Name: "memo", Type: String, Discard: true},
	}
}

var schemas = [numTables]Schema{
	CustodyTransactions: {Table: CustodyTransactions, Name: "custody_transactions", Columns: append([]Column{
		dict(req("bank_id", ID)),
		dict(req("platform_id", ID)),
		req("bank_txn_id", ID),
		opt("platform_txn_id", String),
	}, txnTail()...)},
	LedgerTransactions: {Table: LedgerTransactions, Name: "ledger_transactions", Columns: append([]Column{
		dict(req("platform_id", ID)),
		req("txn_id", ID),
	}, txnTail()...)},
	CustodyBalances: {Table: CustodyBalances, Name: "custody_balances", Columns: []Column{
		req("bank_id", ID),
		req("platform_id", ID),
		req("account_id", ID),
		req("as_of", Date),
		req("opening_balance", Decimal),
		req("closing_balance", Decimal),
		req("currency", Currency),
	}},
	LedgerBalances: {Table: LedgerBalances, Name: "ledger_balances", Columns: []Column{
		req("platform_id", ID),
		req("account_id", ID),
		req("as_of", Date),
		req("closing_balance", Decimal),
		req("currency", Currency),
	}},
	Accounts: {Table: Accounts, Name: "accounts", Columns: []Column{
		req("platform_id", ID),
		req("account_id", ID),
		{Name: "role", Type: Enum, Required: true, Values: roleNames},
		req("holder_id", ID),
		opt("related_party", Bool),
		opt("opened_on", Date),
	}},
	Loans: {Table: Loans, Name: "loans", Columns: []Column{
		req("platform_id", ID),
		req("loan_id", ID),
		req("borrower_account", ID),
		{Name: "principal", Type: Decimal, Required: true, Rule: Positive},
		req("currency", Currency),
		opt("funded_on", Date),
		opt("maturity_on", Date),
	}},
}

// SchemaOf returns the schema of a canonical table. The result is shared and
// must not be modified.
func SchemaOf(t Table) *Schema { return &schemas[t] }
