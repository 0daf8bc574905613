package engine_test

import (
	"bytes"
	"math"
	"math/big"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	pqformat "github.com/parquet-go/parquet-go/format"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/formats/formatstest"
)

// corpusCase is one committed input: its key in the store (and path under
// testdata/corpus) and how it is built. The reason the run must give for
// a file it refuses is in corpusReasons; accepted inputs (platform OVF)
// feed the exceptions the test checks.
type corpusCase struct {
	key   string
	build func(t testing.TB) []byte
	// layout: the key, not the content, is wrong: `recon validate` reads
	// the content and accepts it.
	layout bool
}

const (
	cL   = "ledger/transactions/date=" + testDate + "/platform=P001/"
	cC   = "custody/transactions/date=" + testDate + "/bank=B1/platform=P001/"
	cCB  = "custody/balances/date=" + testDate + "/bank=B1/platform=P001/"
	cACC = "registry/accounts/platform=P001/"
	cLN  = "registry/loans/platform=P001/"
	// OVF: a platform whose amounts are valid one by one but whose sums
	// leave DECIMAL(18).
	oAcc = "registry/accounts/platform=OVF/"
	oC   = "custody/transactions/date=" + testDate + "/bank=B1/platform=OVF/"
	oL   = "ledger/transactions/date=" + testDate + "/platform=OVF/"
	oCB  = "custody/balances/date=" + testDate + "/bank=B1/platform=OVF/"
	oLB  = "ledger/balances/date=" + testDate + "/platform=OVF/"
)

// corpusConfig is the run's configuration: the defaults, with column
// chunks limited to 16 MiB so that a file of a few kilobytes can show the
// limit.
const corpusConfig = "limits:\n  column_chunk_bytes: 16777216\n"

// maxDecimal is the largest amount DECIMAL(18, 2) holds, in minor units.
const maxDecimal = 999_999_999_999_999_999

func corpusCases() []corpusCase {
	return []corpusCase{
		// The container.
		{key: cL + "wrong-magic.parquet", build: func(t testing.TB) []byte {
			return append([]byte("PK\x03\x04"), ledger(t, 2, nil)[4:]...)
		}},
		{key: cL + "arrow-named-parquet.parquet", build: func(t testing.TB) []byte { return arrowFile(t, 2, arrowLedger()) }},
		{key: cL + "parquet-named-arrow.arrow", build: func(t testing.TB) []byte { return ledger(t, 2, nil) }},
		{key: cL + "empty.parquet", build: func(t testing.TB) []byte { return nil }},
		{key: cL + "truncated-footer.parquet", build: func(t testing.TB) []byte {
			d := ledger(t, 2, nil)
			return d[:len(d)-100]
		}},
		{key: cL + "footer-length-too-large.parquet", build: func(t testing.TB) []byte {
			d := bytes.Clone(ledger(t, 2, nil))
			copy(d[len(d)-8:], []byte{0xff, 0xff, 0xff, 0x7f})
			return d
		}},
		{key: cL + "footer-list-of-2g-elements.parquet", build: func(t testing.TB) []byte {
			// FileMetaData: version 2, then a schema list claiming 2^31-1 elements.
			return formatstest.ParquetWithFooter([]byte{0x15, 0x04, 0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00})
		}},
		{key: cL + "truncated-page.parquet", build: func(t testing.TB) []byte {
			p := split(t, ledger(t, 20, nil))
			pg := firstDataPage(t, p, "amount")
			pg.Data = pg.Data[:len(pg.Data)/2] // the header still says the whole size
			return p.Bytes()
		}},
		{key: cL + "bit-rot-page.parquet", build: func(t testing.TB) []byte {
			p := split(t, ledger(t, 20, nil))
			pg := firstDataPage(t, p, "amount")
			pg.Data = bytes.Clone(pg.Data)
			pg.Data[len(pg.Data)-3] ^= 0x5A
			pg.StaleCRC = true // the checksum of the bytes before they rotted
			return p.Bytes()
		}},
		{key: cL + "corrupt-compressed-page.parquet", build: func(t testing.TB) []byte {
			p := split(t, ledger(t, 20, nil))
			pg := firstDataPage(t, p, "amount")
			pg.Data = bytes.Clone(pg.Data)
			for i := len(v2Levels(pg)) + 12; i < len(pg.Data); i++ {
				pg.Data[i] = 0xFF // the zstd block's contents, its checksum made to match
			}
			return p.Bytes()
		}},
		{key: cL + "page-expanding-past-the-limit.parquet", build: func(t testing.TB) []byte {
			// A 64 MiB run of one byte, a few hundred bytes of zstd, with
			// page header and footer saying the page is small.
			p := split(t, memoFile(t, 4, 10))
			pg := firstDataPage(t, p, "memo")
			pg.Data = append(v2Levels(pg), formatstest.ZstdRLEFrame('x', 64<<20)...)
			pg.Header.CompressedPageSize = int32(len(pg.Data))
			return p.Bytes()
		}},
		{key: cL + "column-chunk-over-the-limit.parquet", build: func(t testing.TB) []byte {
			return memoFile(t, 300, 60_000) // 18 MB of memos, compressed to a few KB
		}},
		{key: cL + "memo-of-10MB.parquet", build: func(t testing.TB) []byte { return memoFile(t, 1, 10<<20) }},
		{key: cL + "billion-rows.parquet", build: func(t testing.TB) []byte {
			return patch(t, pageIndexless(t, ledger(t, 2, nil)), func(m *pqformat.FileMetaData) {
				m.NumRows, m.RowGroups[0].NumRows = 1_000_000_000, 1_000_000_000
			})
		}},
		{key: cL + "row-groups-disagree.parquet", build: func(t testing.TB) []byte {
			return patch(t, pageIndexless(t, ledger(t, 2, nil)), func(m *pqformat.FileMetaData) { m.NumRows = 3 })
		}},
		{key: cL + "more-values-than-rows.parquet", build: func(t testing.TB) []byte {
			return patch(t, pageIndexless(t, ledger(t, 5, nil)), func(m *pqformat.FileMetaData) {
				m.NumRows, m.RowGroups[0].NumRows = 2, 2
			})
		}},

		// Types.
		{key: cL + "right-names-wrong-types.parquet", build: func(t testing.TB) []byte {
			return plain(t, []wrongTypesRow{{PlatformID: "P001", TxnID: "W1", Payer: "a", Payee: "b", Amount: "12.50", Currency: "CNY",
				Kind: 2, Status: "success", BookedAt: "2026-11-26T10:00:00Z"}})
		}},
		{key: cL + "integer-amount-without-decimal.parquet", build: func(t testing.TB) []byte {
			return plain(t, []intAmountRow{{PlatformID: "P001", TxnID: "I1", Payer: "a", Payee: "b", Amount: 1250, Currency: "CNY",
				Kind: "bid", Status: "success", BookedAt: corpusBooked}})
		}},
		{key: cL + "float-amount.parquet", build: func(t testing.TB) []byte {
			return plain(t, []floatAmountRow{{PlatformID: "P001", TxnID: "F1", Payer: "a", Payee: "b", Amount: 12.5, Currency: "CNY",
				Kind: "bid", Status: "success", BookedAt: corpusBooked}})
		}},
		{key: cL + "nan-amount-as-text.parquet", build: func(t testing.TB) []byte {
			return plain(t, []stringAmountRow{
				{PlatformID: "P001", TxnID: "N1", Payer: "a", Payee: "b", Amount: "NaN", Currency: "CNY", Kind: "bid", Status: "success", BookedAt: corpusBooked},
				{PlatformID: "P001", TxnID: "N2", Payer: "a", Payee: "b", Amount: "Infinity", Currency: "CNY", Kind: "bid", Status: "success", BookedAt: corpusBooked},
			})
		}},
		{key: cL + "decimal-scale-above-precision.parquet", build: func(t testing.TB) []byte {
			return patch(t, pageIndexless(t, ledger(t, 2, nil)), func(m *pqformat.FileMetaData) {
				for i := range m.Schema {
					if e := &m.Schema[i]; e.Name == "amount" {
						e.Scale, e.Precision = thrift.New[int32](6), thrift.New[int32](4)
						e.LogicalType.Value = &pqformat.DecimalType{Scale: 6, Precision: 4}
					}
				}
			})
		}},
		{key: cL + "decimal38-value-out-of-range.parquet", build: func(t testing.TB) []byte {
			schema := parquet.NewSchema("ledger", parquet.Group{
				"platform_id": parquet.String(), "txn_id": parquet.String(), "payer_account": parquet.String(),
				"payee_account": parquet.String(), "amount": parquet.Decimal(2, 38, parquet.FixedLenByteArrayType(16)),
				"currency": parquet.String(), "kind": parquet.String(), "status": parquet.String(),
				"booked_at": parquet.Timestamp(parquet.Microsecond),
			})
			huge := new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil) // 10^18.00 units: past DECIMAL(18, 2)
			return withSchema(t, schema, []wideDecimalRow{
				{PlatformID: "P001", TxnID: "D1", Payer: "a", Payee: "b", Amount: bigEndian16(big.NewInt(100)), Currency: "CNY", Kind: "bid", Status: "success", BookedAt: corpusBooked},
				{PlatformID: "P001", TxnID: "D2", Payer: "a", Payee: "b", Amount: bigEndian16(huge), Currency: "CNY", Kind: "bid", Status: "success", BookedAt: corpusBooked},
			})
		}},
		{key: cL + "three-decimals.parquet", build: func(t testing.TB) []byte {
			rows := cLedger(2)
			rows[1].Amount = 1005 // 1.005 at scale 3
			return table(t, formats.LedgerTransactions, 3, rows)
		}},
		{key: cL + "nested-amount.parquet", build: func(t testing.TB) []byte {
			return plain(t, []listAmountRow{{PlatformID: "P001", TxnID: "L1", Payer: "a", Payee: "b", Amount: []int64{100, 200},
				Currency: "CNY", Kind: "bid", Status: "success", BookedAt: corpusBooked}})
		}},
		{key: cL + "repeated-payer.parquet", build: func(t testing.TB) []byte {
			return plain(t, []repeatedPayerRow{{PlatformID: "P001", TxnID: "R1", Payer: []string{"a", "c"}, Payee: "b", Amount: 100,
				Currency: "CNY", Kind: "bid", Status: "success", BookedAt: corpusBooked}})
		}},
		{key: cL + "accounts-under-ledger.parquet", build: func(t testing.TB) []byte {
			return table(t, formats.Accounts, 2, []formats.AccountRow{{PlatformID: "P001", AccountID: "X", Role: "investor", HolderID: "H"}})
		}},

		// Values.
		{key: cL + "zero-amount.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 3, func(r []formats.LedgerTxnRow) { r[1].Amount = 0 })
		}},
		{key: cL + "negative-amount.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 3, func(r []formats.LedgerTxnRow) { r[2].Amount = -100 })
		}},
		{key: cL + "negative-fee.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 3, func(r []formats.LedgerTxnRow) { fee := int64(-1); r[0].Fee = &fee })
		}},
		{key: cL + "booked-before-1970.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) { r[1].BookedAt = -86_400_000_000 })
		}},
		{key: cL + "booked-in-9999.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) { r[0].BookedAt = 253_402_300_799_000_000 })
		}},
		{key: cCB + "balance-as-of-1969.parquet", build: func(t testing.TB) []byte {
			return table(t, formats.CustodyBalances, 2, []formats.CustodyBalanceRow{{BankID: "B1", PlatformID: "P001",
				AccountID: "P001-INV-000001", AsOf: -1, Opening: 0, Closing: 0, Currency: "CNY"}})
		}},
		{key: cL + "null-txn-id.parquet", build: func(t testing.TB) []byte {
			rows := nullableRows(3)
			rows[1].TxnID = nil
			return plain(t, rows)
		}},
		{key: cL + "null-amount.parquet", build: func(t testing.TB) []byte {
			rows := nullableRows(3)
			rows[2].Amount = nil
			return plain(t, rows)
		}},
		{key: cL + "unknown-kind.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) { r[0].Kind = "loan_payment" })
		}},
		{key: cL + "unknown-status.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) { r[1].Status = "pending" })
		}},
		{key: cL + "lower-case-currency.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) { r[1].Currency = "cny" })
		}},
		{key: cL + "nan-currency.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) { r[0].Currency = "NaN" })
		}},
		{key: cL + "empty-txn-id.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) { r[1].TxnID = "" })
		}},
		{key: cL + "txn-id-not-utf8.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) { r[0].TxnID = "\xff\xfeT1" })
		}},
		{key: cL + "memo-not-utf8.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) { m := "caf\xe9 latin-1"; r[1].Memo = &m })
		}},
		{key: cL + "too-many-bad-rows.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 30, func(r []formats.LedgerTxnRow) {
				for i := range r {
					r[i].Amount = 0
				}
			})
		}},
		{key: cACC + "unknown-role.parquet", build: func(t testing.TB) []byte {
			return table(t, formats.Accounts, 2, []formats.AccountRow{{PlatformID: "P001", AccountID: "P001-X", Role: "insider", HolderID: "H"}})
		}},
		{key: cLN + "zero-principal.parquet", build: func(t testing.TB) []byte {
			return table(t, formats.Loans, 2, []formats.LoanRow{{PlatformID: "P001", LoanID: "P001-LX", Borrower: "P001-BOR-00001", Principal: 0, Currency: "CNY"}})
		}},

		// Where a file is.
		{key: cL + "rows-of-another-platform.parquet", build: func(t testing.TB) []byte {
			return ledger(t, 2, func(r []formats.LedgerTxnRow) {
				for i := range r {
					r[i].PlatformID = "P002"
				}
			})
		}},
		{key: cC + "rows-of-another-bank.parquet", build: func(t testing.TB) []byte {
			rows := cCustody(2)
			rows[1].BankID = "B2"
			return table(t, formats.CustodyTransactions, 2, rows)
		}},
		{key: "ledger/transactions/date=" + testDate + "/P001/no-platform-segment.parquet", layout: true,
			build: func(t testing.TB) []byte { return ledger(t, 2, nil) }},
		{key: "custody/transactions/date=" + testDate + "/platform=P001/no-bank-segment.parquet", layout: true,
			build: func(t testing.TB) []byte { return table(t, formats.CustodyTransactions, 2, cCustody(2)) }},
		{key: cL + "ledger.csv", build: func(t testing.TB) []byte {
			return []byte("platform_id,txn_id,amount\nP001,C1,12.50\n")
		}},

		// Arrow IPC.
		{key: cL + "arrow-wrong-magic.arrow", build: func(t testing.TB) []byte {
			return []byte("txn_id,amount,currency\nA1,12.50,CNY\n")
		}},
		{key: cL + "arrow-truncated.arrow", build: func(t testing.TB) []byte {
			d := arrowFile(t, 3, arrowLedger())
			return d[:len(d)*2/3]
		}},
		{key: cL + "arrow-dictionary-never-defined.arrow", build: func(t testing.TB) []byte {
			dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
			d := arrowFile(t, 3, replaceField(arrowLedger(), arrowField{arrow.Field{Name: "kind", Type: dt},
				func(b array.Builder, r int) { _ = b.(*array.BinaryDictionaryBuilder).AppendString("bid") }}))
			out, err := formatstest.ArrowDropDictionaries(d)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}},
		{key: cL + "arrow-duplicate-column.arrow", build: func(t testing.TB) []byte {
			return arrowFile(t, 2, append(arrowLedger(), aString("txn_id", func(int) string { return "again" })))
		}},
		{key: cL + "arrow-float-amount.arrow", build: func(t testing.TB) []byte {
			return arrowFile(t, 2, replaceField(arrowLedger(), arrowField{arrow.Field{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
				func(b array.Builder, r int) { b.(*array.Float64Builder).Append(math.NaN()) }}))
		}},
		{key: cL + "arrow-integer-amount.arrow", build: func(t testing.TB) []byte {
			return arrowFile(t, 2, replaceField(arrowLedger(), arrowField{arrow.Field{Name: "amount", Type: arrow.PrimitiveTypes.Int64},
				func(b array.Builder, r int) { b.(*array.Int64Builder).Append(1250) }}))
		}},
		{key: cL + "arrow-decimal256-out-of-range.arrow", build: func(t testing.TB) []byte {
			huge := new(big.Int).Exp(big.NewInt(10), big.NewInt(40), nil)
			return arrowFile(t, 2, replaceField(arrowLedger(), arrowField{arrow.Field{Name: "amount", Type: &arrow.Decimal256Type{Precision: 76, Scale: 2}},
				func(b array.Builder, r int) {
					v := big.NewInt(100)
					if r == 1 {
						v = huge
					}
					b.(*array.Decimal256Builder).Append(decimal256.FromBigInt(v))
				}}))
		}},
		{key: cL + "arrow-null-txn-id.arrow", build: func(t testing.TB) []byte {
			return arrowFile(t, 3, replaceField(arrowLedger(), arrowField{arrow.Field{Name: "txn_id", Type: arrow.BinaryTypes.String, Nullable: true},
				func(b array.Builder, r int) {
					if r == 2 {
						b.AppendNull()
					} else {
						b.(*array.StringBuilder).Append("A" + string(rune('0'+r)))
					}
				}}))
		}},
		{key: cL + "arrow-timestamp-in-1900.arrow", build: func(t testing.TB) []byte {
			return arrowFile(t, 2, replaceField(arrowLedger(), arrowField{arrow.Field{Name: "booked_at", Type: &arrow.TimestampType{Unit: arrow.Second}},
				func(b array.Builder, r int) { b.(*array.TimestampBuilder).Append(-2_208_988_800) }}))
		}},
		{key: cL + "arrow-billion-rows.arrow", build: func(t testing.TB) []byte {
			out, err := formatstest.ArrowSetBatchLength(arrowFile(t, 2, arrowLedger()), 1_000_000_000)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}},
		{key: cL + "arrow-buffer-claiming-1TiB.arrow", build: func(t testing.TB) []byte {
			out, err := formatstest.ArrowSetBufferClaim(arrowFile(t, 2, arrowLedger(), ipc.WithZstd()), 2, 1<<40)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}},

		// Platform OVF: every amount fits DECIMAL(18, 2), their sums do not.
		{key: oAcc + "accounts.parquet", build: func(t testing.TB) []byte {
			return table(t, formats.Accounts, 2, []formats.AccountRow{
				{PlatformID: "OVF", AccountID: "OVF-INV-1", Role: "investor", HolderID: "H1"},
				{PlatformID: "OVF", AccountID: "OVF-INV-1-CARD", Role: "external", HolderID: "H1"},
				{PlatformID: "OVF", AccountID: "OVF-INV-2", Role: "investor", HolderID: "H2"},
			})
		}},
		{key: oC + "part-0.parquet", build: func(t testing.TB) []byte {
			rows := make([]formats.CustodyTxnRow, 2)
			for i := range rows {
				ref := []string{"OVF-T1", "OVF-T2"}[i]
				rows[i] = formats.CustodyTxnRow{BankID: "B1", PlatformID: "OVF", BankTxnID: "B1-" + ref, PlatformTxnID: &ref,
					Payer: "OVF-INV-1-CARD", Payee: "OVF-INV-1", Amount: 600_000_000_000_000_000, Currency: "CNY", Kind: "deposit",
					Status: "success", BookedAt: corpusBooked}
			}
			return table(t, formats.CustodyTransactions, 2, rows)
		}},
		{key: oL + "part-0.parquet", build: func(t testing.TB) []byte {
			rows := make([]formats.LedgerTxnRow, 2)
			for i := range rows {
				rows[i] = formats.LedgerTxnRow{PlatformID: "OVF", TxnID: []string{"OVF-T1", "OVF-T2"}[i], Payer: "OVF-INV-1-CARD",
					Payee: "OVF-INV-1", Amount: 600_000_000_000_000_000, Currency: "CNY", Kind: "deposit", Status: "success", BookedAt: corpusBooked}
			}
			return table(t, formats.LedgerTransactions, 2, rows)
		}},
		{key: oCB + "part-0.parquet", build: func(t testing.TB) []byte {
			return table(t, formats.CustodyBalances, 2, []formats.CustodyBalanceRow{
				// Opening 0 plus 12,000,000,000,000,000.00 deposited: more than DECIMAL(18, 2) holds.
				{BankID: "B1", PlatformID: "OVF", AccountID: "OVF-INV-1", AsOf: 20_783, Opening: 0, Closing: maxDecimal, Currency: "CNY"},
				{BankID: "B1", PlatformID: "OVF", AccountID: "OVF-INV-2", AsOf: 20_783, Opening: maxDecimal, Closing: maxDecimal, Currency: "CNY"},
			})
		}},
		{key: oLB + "part-0.parquet", build: func(t testing.TB) []byte {
			return table(t, formats.LedgerBalances, 2, []formats.LedgerBalanceRow{
				{PlatformID: "OVF", AccountID: "OVF-INV-1", AsOf: 20_783, Closing: maxDecimal, Currency: "CNY"},
				{PlatformID: "OVF", AccountID: "OVF-INV-2", AsOf: 20_783, Closing: maxDecimal - 1, Currency: "CNY"},
			})
		}},
	}
}
