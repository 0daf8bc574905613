package formats

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"

	"github.com/parquet-go/parquet-go"
)

// OptAmount is a nullable amount in minor units.
type OptAmount struct {
	Minor int64
	Valid bool
}

// Amount returns a present amount.
func Amount(minor int64) OptAmount { return OptAmount{Minor: minor, Valid: true} }

// Exception is one row of the exceptions table. Empty optional strings and
// invalid amounts are written as null.
type Exception struct {
	ID                  string
	RunDate             int32 // days since 1970-01-01
	PlatformID          string
	BankID              string
	Kind                string
	Severity            string
	AccountID           string
	CounterpartyAccount string
	LoanID              string
	LedgerTxnID         string
	BankTxnID           string
	LedgerAmount        OptAmount
	BankAmount          OptAmount
	Difference          OptAmount
	Currency            string
	FirstSeen           int32
	SourceKey           string
	Detail              string
}

// ExceptionID is the contract's deterministic id: the first 32 hex digits of
// SHA-256 over kind, platform_id, ledger_txn_id, bank_txn_id, account_id,
// loan_id and source_key joined by 0x1F.
func ExceptionID(kind, platformID, ledgerTxnID, bankTxnID, accountID, loanID, sourceKey string) string {
	h := sha256.New()
	for i, s := range [...]string{kind, platformID, ledgerTxnID, bankTxnID, accountID, loanID, sourceKey} {
		if i > 0 {
			h.Write([]byte{0x1F})
		}
		io.WriteString(h, s)
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))[:32]
}

// SetID fills e.ID from its keys.
func (e *Exception) SetID() {
	e.ID = ExceptionID(e.Kind, e.PlatformID, e.LedgerTxnID, e.BankTxnID, e.AccountID, e.LoanID, e.SourceKey)
}

// CompareExceptions orders exceptions as the contract sorts them:
// (platform_id, kind, exception_id), then by every other column so that
// equal keys still sort the same way every time.
func CompareExceptions(a, b *Exception) int {
	if c := cmp.Compare(a.PlatformID, b.PlatformID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Detail, b.Detail); c != 0 {
		return c
	}
	for _, p := range [][2]string{
		{a.BankID, b.BankID}, {a.AccountID, b.AccountID}, {a.CounterpartyAccount, b.CounterpartyAccount},
		{a.Currency, b.Currency}, {a.Severity, b.Severity}, {a.SourceKey, b.SourceKey},
	} {
		if c := cmp.Compare(p[0], p[1]); c != 0 {
			return c
		}
	}
	for _, p := range [][2]OptAmount{{a.LedgerAmount, b.LedgerAmount}, {a.BankAmount, b.BankAmount}, {a.Difference, b.Difference}} {
		if c := compareOpt(p[0], p[1]); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.FirstSeen, b.FirstSeen)
}

func compareOpt(a, b OptAmount) int {
	if a.Valid != b.Valid {
		if a.Valid {
			return 1
		}
		return -1
	}
	return cmp.Compare(a.Minor, b.Minor)
}

// SortExceptions sorts in the contract's order.
func SortExceptions(rows []Exception) {
	slices.SortFunc(rows, func(a, b Exception) int { return CompareExceptions(&a, &b) })
}

// exceptionRow is the Parquet shape of Exception.
type exceptionRow struct {
	ExceptionID         string  `parquet:"exception_id"`
	RunDate             int32   `parquet:"run_date"`
	PlatformID          string  `parquet:"platform_id"`
	BankID              *string `parquet:"bank_id"`
	Kind                string  `parquet:"kind"`
	Severity            string  `parquet:"severity"`
	AccountID           *string `parquet:"account_id"`
	CounterpartyAccount *string `parquet:"counterparty_account"`
	LoanID              *string `parquet:"loan_id"`
	LedgerTxnID         *string `parquet:"ledger_txn_id"`
	BankTxnID           *string `parquet:"bank_txn_id"`
	LedgerAmount        *int64  `parquet:"ledger_amount"`
	BankAmount          *int64  `parquet:"bank_amount"`
	Difference          *int64  `parquet:"difference"`
	Currency            *string `parquet:"currency"`
	FirstSeen           int32   `parquet:"first_seen"`
	SourceKey           *string `parquet:"source_key"`
	Detail              string  `parquet:"detail"`
}

// ExceptionColumns lists the exceptions table's columns in order.
var exceptionColumns = []string{
	"exception_id", "run_date", "platform_id", "bank_id", "kind", "severity", "account_id",
	"counterparty_account", "loan_id", "ledger_txn_id", "bank_txn_id", "ledger_amount",
	"bank_amount", "difference", "currency", "first_seen", "source_key", "detail",
}

// ExceptionSchema returns the Parquet schema of the exceptions table.
func ExceptionSchema(scale int) *parquet.Schema {
	str := parquet.String()
	optStr := parquet.Optional(parquet.String())
	dict := parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
	optDict := parquet.Optional(dict)
	amt := parquet.Optional(parquet.Decimal(scale, 18, parquet.Int64Type))
	date := parquet.Date()
	nodes := []parquet.Node{
		str, date, dict, optDict, dict, dict, optStr,
		optStr, optStr, optStr, optStr, amt,
		amt, amt, optDict, date, optStr, str,
	}
	return parquet.NewSchema("exceptions", orderedGroup(exceptionColumns, nodes))
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optAmount(a OptAmount) *int64 {
	if !a.Valid {
		return nil
	}
	v := a.Minor
	return &v
}

// WriteExceptions writes rows, in the order given, as one zstd Parquet
// file with money as DECIMAL(18, scale). The output depends only on the
// rows, the scale and the version string.
func WriteExceptions(w io.Writer, rows []Exception, scale int, version string) error {
	pw := parquet.NewGenericWriter[exceptionRow](w, ExceptionSchema(scale),
		parquet.Compression(&parquet.Zstd),
		parquet.MaxRowsPerRowGroup(rowsPerRowGroup),
		parquet.CreatedBy(createdByApp, version, ""),
	)
	buf := make([]exceptionRow, 0, 4096)
	flush := func() error {
		if _, err := pw.Write(buf); err != nil {
			return fmt.Errorf("write exceptions: %w", err)
		}
		buf = buf[:0]
		return nil
	}
	for i := range rows {
		e := &rows[i]
		if !validAmount(e.LedgerAmount) || !validAmount(e.BankAmount) || !validAmount(e.Difference) {
			return fmt.Errorf("write exceptions: exception %s has an amount outside DECIMAL(18)", e.ID)
		}
		buf = append(buf, exceptionRow{
			ExceptionID: e.ID, RunDate: e.RunDate, PlatformID: e.PlatformID, BankID: optString(e.BankID),
			Kind: e.Kind, Severity: e.Severity, AccountID: optString(e.AccountID),
			CounterpartyAccount: optString(e.CounterpartyAccount), LoanID: optString(e.LoanID),
			LedgerTxnID: optString(e.LedgerTxnID), BankTxnID: optString(e.BankTxnID),
			LedgerAmount: optAmount(e.LedgerAmount), BankAmount: optAmount(e.BankAmount),
			Difference: optAmount(e.Difference), Currency: optString(e.Currency),
			FirstSeen: e.FirstSeen, SourceKey: optString(e.SourceKey), Detail: e.Detail,
		})
		if len(buf) == cap(buf) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("write exceptions: %w", err)
	}
	return nil
}

func validAmount(a OptAmount) bool {
	return !a.Valid || (a.Minor >= -999_999_999_999_999_999 && a.Minor <= 999_999_999_999_999_999)
}

// ReadExceptions reads an exceptions file written by WriteExceptions (for
// tests and the report command). Amounts come back at the file's scale.
func ReadExceptions(data []byte) ([]Exception, error) {
	rows, err := parquet.Read[exceptionRow](bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("read exceptions: %w", err)
	}
	out := make([]Exception, len(rows))
	for i, r := range rows {
		out[i] = Exception{
			ID: r.ExceptionID, RunDate: r.RunDate, PlatformID: r.PlatformID, BankID: deref(r.BankID),
			Kind: r.Kind, Severity: r.Severity, AccountID: deref(r.AccountID),
			CounterpartyAccount: deref(r.CounterpartyAccount), LoanID: deref(r.LoanID),
			LedgerTxnID: deref(r.LedgerTxnID), BankTxnID: deref(r.BankTxnID),
			LedgerAmount: optOf(r.LedgerAmount), BankAmount: optOf(r.BankAmount), Difference: optOf(r.Difference),
			Currency: deref(r.Currency), FirstSeen: r.FirstSeen, SourceKey: deref(r.SourceKey), Detail: r.Detail,
		}
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func optOf(v *int64) OptAmount {
	if v == nil {
		return OptAmount{}
	}
	return Amount(*v)
}
