package formats

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// arrowParquet writes ledger rows with arrow-go's Parquet writer, the way
// pyarrow does by default: every column dictionary-encoded, falling back to
// plain pages when a dictionary grows past its limit; small pages, so one
// column chunk holds many.
func arrowParquet(t *testing.T, n int, decimalsAsInt bool) ([]byte, []LedgerTxnRow) {
	t.Helper()
	return arrowParquetWith(t, n, parquet.NewWriterProperties(parquet.WithDictionaryDefault(true), parquet.WithDictionaryPageSizeLimit(2048),
		parquet.WithDataPageSize(512), parquet.WithMaxRowGroupLength(int64(n/2+1)), parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithStoreDecimalAsInteger(decimalsAsInt)))
}

// arrowParquetWith is arrowParquet with the writer's properties given.
func arrowParquetWith(t *testing.T, n int, props *parquet.WriterProperties) ([]byte, []LedgerTxnRow) {
	t.Helper()
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "platform_id", Type: arrow.BinaryTypes.String},
		{Name: "txn_id", Type: arrow.BinaryTypes.String},
		{Name: "payer_account", Type: arrow.BinaryTypes.String},
		{Name: "payee_account", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}},
		{Name: "fee", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}, Nullable: true},
		{Name: "currency", Type: arrow.BinaryTypes.String},
		{Name: "kind", Type: arrow.BinaryTypes.String},
		{Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "booked_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "loan_id", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	var rows []LedgerTxnRow
	kinds := []string{"bid", "repayment", "fee"}
	for i := range n {
		r := LedgerTxnRow{PlatformID: "P1", TxnID: fmt.Sprintf("T%07d", i), Payer: fmt.Sprintf("A%d", i%7), Payee: fmt.Sprintf("B%d", i%3),
			Amount: int64(100 + i%50), Currency: "CNY", Kind: kinds[i%3], Status: "success", BookedAt: 1_790_000_000_000_000 + int64(i)}
		b.Field(0).(*array.StringBuilder).Append(r.PlatformID)
		b.Field(1).(*array.StringBuilder).Append(r.TxnID)
		b.Field(2).(*array.StringBuilder).Append(r.Payer)
		b.Field(3).(*array.StringBuilder).Append(r.Payee)
		b.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(r.Amount))
		if i%4 == 0 {
			b.Field(5).(*array.Decimal128Builder).AppendNull()
		} else {
			fee := int64(i % 5)
			r.Fee = &fee
			b.Field(5).(*array.Decimal128Builder).Append(decimal128.FromI64(fee))
		}
		b.Field(6).(*array.StringBuilder).Append(r.Currency)
		b.Field(7).(*array.StringBuilder).Append(r.Kind)
		b.Field(8).(*array.StringBuilder).Append(r.Status)
		b.Field(9).(*array.TimestampBuilder).Append(arrow.Timestamp(r.BookedAt))
		if i%3 == 0 {
			b.Field(10).(*array.StringBuilder).AppendNull()
		} else {
			l := fmt.Sprintf("L%d", i%11)
			r.LoanID = &l
			b.Field(10).(*array.StringBuilder).Append(l)
		}
		rows = append(rows, r)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	if err := pqarrow.WriteTable(tbl, &buf, int64(n), props, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), rows
}

// TestDictionaryAndFallbackPages reads files written by another Parquet
// implementation with dictionary pages, plain fallback pages, nulls and
// decimals as fixed-length byte arrays or INT64, and checks every value.
func TestDictionaryAndFallbackPages(t *testing.T) {
	for _, asInt := range []bool{false, true} {
		data, rows := arrowParquet(t, 3000, asInt)
		b, err := readAll(t, "x.parquet", data, LedgerTransactions, 2)
		if err != nil {
			t.Fatalf("asInt %v: %v", asInt, err)
		}
		if b.Len != len(rows) {
			t.Fatalf("%d rows, want %d", b.Len, len(rows))
		}
		for i, r := range rows {
			fee := int64(0)
			if r.Fee != nil {
				fee = *r.Fee
			}
			loan := ""
			if r.LoanID != nil {
				loan = *r.LoanID
			}
			kind, _ := KindCode(r.Kind)
			got := fmt.Sprint(b.Cols[LTTxnID].At(i), b.Cols[LTPayer].At(i), b.Cols[LTPayee].At(i), b.Cols[LTAmount].Int[i],
				b.Cols[LTFee].Int[i], b.Cols[LTCurrency].At(i), b.Cols[LTKind].Int[i], b.Cols[LTBookedAt].Int[i], b.Cols[LTLoanID].At(i))
			want := fmt.Sprint([]byte(r.TxnID), []byte(r.Payer), []byte(r.Payee), r.Amount, fee, []byte(r.Currency), kind, r.BookedAt, []byte(loan))
			if got != want {
				t.Fatalf("asInt %v row %d:\n got %s\nwant %s", asInt, i, got, want)
			}
		}
	}
}

// TestDictionaryBadEntry reads a dictionary-encoded account column one of
// whose entries is not UTF-8: the error names the first row that uses it,
// not the entry's place in the dictionary, and the column.
func TestDictionaryBadEntry(t *testing.T) {
	var rows []LedgerTxnRow
	for i := range 40 {
		payer := fmt.Sprintf("inv-%d", i%7)
		if i == 12 || i == 30 {
			payer = "inv-\xff"
		}
		rows = append(rows, LedgerTxnRow{PlatformID: "P1", TxnID: fmt.Sprint("t-", i), Payer: payer, Payee: "bor-1",
			Amount: 100, Currency: "CNY", Kind: "bid", Status: "success", BookedAt: 1_700_000_000_000_000})
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, LedgerTransactions, 2, "test", rows); err != nil {
		t.Fatal(err)
	}
	_, err := readAll(t, "d.parquet", buf.Bytes(), LedgerTransactions, 2)
	var fe *Error
	if !errors.As(err, &fe) || !errors.Is(err, ErrBadUTF8) || fe.Row != 13 || fe.Column != "payer_account" {
		t.Fatalf("got %v, want a bad UTF-8 error at row 13 of payer_account", err)
	}
}

// TestOptionalPlainStrings reads optional, plain-encoded string columns
// with nulls among their values (platform_txn_id, and memo, which is
// checked but not kept): every value and null in its row, then, with one
// value not UTF-8 in either, the error at that value's row.
func TestOptionalPlainStrings(t *testing.T) {
	rows := func(bad, badMemo int) []CustodyTxnRow {
		var out []CustodyTxnRow
		for i := range 50 {
			r := CustodyTxnRow{BankID: "B1", PlatformID: "P1", BankTxnID: fmt.Sprint("b-", i), Payer: "inv-1", Payee: "bor-1",
				Amount: 1, Currency: "CNY", Kind: "deposit", Status: "success", BookedAt: 1_700_000_000_000_000}
			switch {
			case i == bad:
				r.PlatformTxnID = ptr("t-\xff")
			case i%3 != 0:
				r.PlatformTxnID = ptr(fmt.Sprint("t-", i))
			}
			switch {
			case i == badMemo:
				r.Memo = ptr("m-\xff")
			case i%2 == 0:
				r.Memo = ptr(fmt.Sprint("memo ", i))
			}
			out = append(out, r)
		}
		return out
	}
	var good bytes.Buffer
	if err := WriteTable(&good, CustodyTransactions, 2, "test", rows(-1, -1)); err != nil {
		t.Fatal(err)
	}
	b, err := readAll(t, "o.parquet", good.Bytes(), CustodyTransactions, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		want := ""
		if i%3 != 0 {
			want = fmt.Sprint("t-", i)
		}
		if got := string(b.Cols[CTPlatformTxnID].At(i)); got != want {
			t.Fatalf("row %d: %q, want %q", i+1, got, want)
		}
	}
	for _, tt := range []struct {
		bad, badMemo int
		column       string
	}{{31, -1, "platform_txn_id"}, {-1, 31, "memo"}} {
		var bad bytes.Buffer
		if err := WriteTable(&bad, CustodyTransactions, 2, "test", rows(tt.bad, tt.badMemo)); err != nil {
			t.Fatal(err)
		}
		_, err = readAll(t, "o.parquet", bad.Bytes(), CustodyTransactions, 2)
		var fe *Error
		if !errors.As(err, &fe) || !errors.Is(err, ErrBadUTF8) || fe.Row != 32 || fe.Column != tt.column {
			t.Fatalf("got %v, want a bad UTF-8 error at row 32 of %s", err, tt.column)
		}
	}
}
