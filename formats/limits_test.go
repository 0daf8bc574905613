package formats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recon-dev/recon/formats/formatstest"
)

// limitsLedger is a ledger file of n rows, each with a memo of memoBytes.
func limitsLedger(t *testing.T, n, memoBytes int, amount int64) []byte {
	t.Helper()
	rows := make([]LedgerTxnRow, n)
	memo := strings.Repeat("m", memoBytes)
	for i := range rows {
		rows[i] = LedgerTxnRow{PlatformID: "P1", TxnID: fmt.Sprintf("T%d", i), Payer: "a", Payee: "b", Amount: amount,
			Currency: "CNY", Kind: "bid", Status: "success", BookedAt: 1_795_000_000_000_000, Memo: &memo}
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, LedgerTransactions, 2, "test", rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// limitsArrow is an Arrow ledger file of n rows whose txn_id values are
// idBytes long.
func limitsArrow(t *testing.T, n, idBytes int) []byte {
	t.Helper()
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "platform_id", Type: arrow.BinaryTypes.String}, {Name: "txn_id", Type: arrow.BinaryTypes.String},
		{Name: "payer_account", Type: arrow.BinaryTypes.String}, {Name: "payee_account", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}}, {Name: "currency", Type: arrow.BinaryTypes.String},
		{Name: "kind", Type: arrow.BinaryTypes.String}, {Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "booked_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for i := range n {
		for j, v := range []string{"P1", fmt.Sprintf("%0*d", idBytes, i), "a", "b"} {
			bld.Field(j).(*array.StringBuilder).Append(v)
		}
		bld.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(100))
		for j, v := range []string{"CNY", "bid", "success"} {
			bld.Field(5 + j).(*array.StringBuilder).Append(v)
		}
		bld.Field(8).(*array.TimestampBuilder).Append(1_795_000_000_000_000)
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	data, err := formatstest.ArrowFile(rec, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// largestChunk returns the name and stated decompressed size of the
// largest column chunk of a Parquet file.
func largestChunk(t *testing.T, data []byte) (string, int64) {
	t.Helper()
	p, err := formatstest.SplitParquet(data)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	var size int64
	for _, cc := range p.Meta.RowGroups[0].Columns {
		if cc.MetaData.TotalUncompressedSize > size {
			name, size = cc.MetaData.PathInSchema[0], cc.MetaData.TotalUncompressedSize
		}
	}
	return name, size
}

// TestLimits reads files exactly at each limit (accepted) and one past it
// (refused with the limit's error): every limit of Limits is enforced,
// none truncates.
func TestLimits(t *testing.T) {
	three := limitsLedger(t, 3, 10, 100)
	memo := limitsLedger(t, 1, 40, 100)
	zeros := limitsLedger(t, 5, 1, 0)
	arrow3 := limitsArrow(t, 3, 8)
	chunkCol, chunkSize := largestChunk(t, three)
	arrowAmountBytes := 3 * 16 // the largest column: three decimal128 values
	with := func(edit func(*Limits)) Limits {
		l := DefaultLimits()
		edit(&l)
		return l
	}
	tests := []struct {
		name   string
		key    string
		data   []byte
		limits Limits
		rows   int    // rows read when accepted
		want   string // the error when refused
	}{
		{"rows at the limit", "k.parquet", three, with(func(l *Limits) { l.RowsPerObject = 3 }), 3, ""},
		{"rows past the limit", "k.parquet", three, with(func(l *Limits) { l.RowsPerObject = 2 }), 0,
			"k.parquet: limit exceeded: the file says it has 3 rows, more than the limit of 2"},
		{"arrow rows at the limit", "k.arrow", arrow3, with(func(l *Limits) { l.RowsPerObject = 3 }), 3, ""},
		{"arrow rows past the limit", "k.arrow", arrow3, with(func(l *Limits) { l.RowsPerObject = 2 }), 0,
			"k.arrow: limit exceeded: more than 2 rows"},
		{"bytes at the limit", "k.parquet", three, with(func(l *Limits) { l.BytesPerObject = int64(len(three)) }), 3, ""},
		{"bytes past the limit", "k.parquet", three, with(func(l *Limits) { l.BytesPerObject = int64(len(three)) - 1 }), 0,
			fmt.Sprintf("k.parquet: limit exceeded: object of %d bytes is larger than the limit of %d", len(three), len(three)-1)},
		{"string at the limit", "k.parquet", memo, with(func(l *Limits) { l.StringBytes = 40 }), 1, ""},
		{"string past the limit", "k.parquet", memo, with(func(l *Limits) { l.StringBytes = 39 }), 0,
			`k.parquet: row 1, column "memo": limit exceeded: string of 40 bytes is longer than the limit of 39`},
		{"arrow string past the limit", "k.arrow", arrow3, with(func(l *Limits) { l.StringBytes = 7 }), 0,
			"k.arrow: row 1, column \"txn_id\": limit exceeded: string of 8 bytes is longer than the limit of 7\n" +
				"k.arrow: row 2, column \"txn_id\": limit exceeded: string of 8 bytes is longer than the limit of 7\n" +
				`k.arrow: row 3, column "txn_id": limit exceeded: string of 8 bytes is longer than the limit of 7`},
		{"column chunk at the limit", "k.parquet", three, with(func(l *Limits) { l.ColumnChunkBytes = chunkSize }), 3, ""},
		{"column chunk past the limit", "k.parquet", three, with(func(l *Limits) { l.ColumnChunkBytes = chunkSize - 1 }), 0,
			fmt.Sprintf(`k.parquet: column %q: limit exceeded: column chunk of %d bytes decompressed, more than the limit of %d`, chunkCol, chunkSize, chunkSize-1)},
		{"arrow column at the limit", "k.arrow", arrow3, with(func(l *Limits) { l.ColumnChunkBytes = int64(arrowAmountBytes) }), 3, ""},
		{"arrow column past the limit", "k.arrow", arrow3, with(func(l *Limits) { l.ColumnChunkBytes = int64(arrowAmountBytes) - 1 }), 0,
			fmt.Sprintf(`k.arrow: column "amount": limit exceeded: column of %d bytes, more than the limit of %d`, arrowAmountBytes, arrowAmountBytes-1)},
		// errors_per_object caps what is reported of a file refused anyway.
		{"errors: 5 of 5, 6 allowed", "k.parquet", zeros, with(func(l *Limits) { l.ErrorsPerObject = 6 }), 0, zeroRows(1, 5)},
		{"errors: 5 of 5, 5 allowed", "k.parquet", zeros, with(func(l *Limits) { l.ErrorsPerObject = 5 }), 0, zeroRows(1, 5)},
		{"errors: 2 of 5, 2 allowed", "k.parquet", zeros, with(func(l *Limits) { l.ErrorsPerObject = 2 }), 0, zeroRows(1, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := 0
			err := Read(context.Background(), tt.key, bytes.NewReader(tt.data), int64(len(tt.data)), SchemaOf(LedgerTransactions),
				ReadOptions{Scale: 2, Limits: tt.limits}, func(b *Batch) error { rows += b.Len; return nil })
			if tt.want == "" {
				if err != nil || rows != tt.rows {
					t.Errorf("read %d rows, %v; want %d rows", rows, err, tt.rows)
				}
				return
			}
			if err == nil || err.Error() != tt.want || rows != 0 {
				t.Errorf("read %d rows, error\n  %v\nwant\n  %s", rows, err, tt.want)
			}
			if strings.Contains(tt.name, "past the limit") && !errors.Is(err, ErrLimit) {
				t.Errorf("error is not ErrLimit: %v", err)
			}
		})
	}
}

// zeroRows is the error for zero amounts in rows from..to.
func zeroRows(from, to int) string {
	var lines []string
	for r := from; r <= to; r++ {
		lines = append(lines, fmt.Sprintf(`k.parquet: row %d, column "amount": value breaks a table rule: must be greater than zero`, r))
	}
	return strings.Join(lines, "\n")
}
