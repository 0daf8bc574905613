package formats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"

	"github.com/recon-dev/recon/formats/formatstest"
)

func ptr[T any](v T) *T { return &v }

func sampleCustody() []CustodyTxnRow {
	return []CustodyTxnRow{
		{BankID: "B1", PlatformID: "P1", BankTxnID: "b-1", PlatformTxnID: ptr("t-1"), Payer: "inv-1", Payee: "bor-1",
			Amount: 12345, Fee: ptr(int64(10)), Currency: "CNY", Kind: "bid", Status: "success", BookedAt: 1_700_000_000_000_000, LoanID: ptr("L1")},
		{BankID: "B1", PlatformID: "P1", BankTxnID: "b-2", Payer: "ext-1", Payee: "inv-1",
			Amount: 1, Currency: "CNY", Kind: "deposit", Status: "failed", BookedAt: 1_700_000_000_000_001, Memo: ptr("héllo")},
	}
}

func readAll(t *testing.T, key string, data []byte, tbl Table, scale int) (*Batch, error) {
	t.Helper()
	var got *Batch
	err := Read(context.Background(), key, bytes.NewReader(data), int64(len(data)), SchemaOf(tbl),
		ReadOptions{Scale: scale, Limits: DefaultLimits()}, func(b *Batch) error {
			if got == nil {
				got = NewBatch(b.Schema)
			}
			appendBatch(got, b)
			return nil
		})
	return got, err
}

// appendBatch copies b onto dst (test helper).
func appendBatch(dst, b *Batch) {
	for i, c := range b.Schema.Columns {
		if c.Discard {
			continue
		}
		if isStringType(c.Type) && c.Type != Enum {
			for r := 0; r < b.Len; r++ {
				dst.Cols[i].Str.Append(b.Cols[i].At(r))
			}
		}
		dst.Cols[i].Int = append(dst.Cols[i].Int, b.Cols[i].Int...)
	}
	dst.Len += b.Len
}

func TestParquetRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, CustodyTransactions, 2, "test", sampleCustody()); err != nil {
		t.Fatal(err)
	}
	b, err := readAll(t, "x.parquet", buf.Bytes(), CustodyTransactions, 2)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len != 2 {
		t.Fatalf("Len = %d", b.Len)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"amount", b.Cols[CTAmount].Int, []int64{12345, 1}},
		{"fee", b.Cols[CTFee].Int, []int64{10, 0}},
		{"kind", b.Cols[CTKind].Int, []int64{int64(KindBid), int64(KindDeposit)}},
		{"status", b.Cols[CTStatus].Int, []int64{int64(StatusSuccess), int64(StatusFailed)}},
		{"booked", b.Cols[CTBookedAt].Int, []int64{1_700_000_000_000_000, 1_700_000_000_000_001}},
		{"ref0", b.Cols[CTPlatformTxnID].Str.String(0), "t-1"},
		{"ref1", b.Cols[CTPlatformTxnID].Str.String(1), ""},
		{"memo discarded", b.Cols[CTMemo].Str.Len(), 0},
		{"payee0", b.Cols[CTPayee].Str.String(0), "bor-1"},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// A reader at a larger scale multiplies; at a smaller one, 123.45 is too precise.
	b4, err := readAll(t, "x.parquet", buf.Bytes(), CustodyTransactions, 4)
	if err != nil || b4.Cols[CTAmount].Int[0] != 1234500 {
		t.Fatalf("scale 4: %v %v", err, b4)
	}
	_, err = readAll(t, "x.parquet", buf.Bytes(), CustodyTransactions, 1)
	var fe *Error
	if !errors.Is(err, ErrTooPrecise) || !errors.As(err, &fe) || fe.Row != 1 || fe.Column != "amount" {
		t.Fatalf("scale 1: %v", err)
	}
}

func equal(a, b any) bool {
	switch x := a.(type) {
	case []int64:
		y := b.([]int64)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestParquetErrors(t *testing.T) {
	var good bytes.Buffer
	if err := WriteTable(&good, CustodyTransactions, 2, "test", sampleCustody()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		err  error
		want string
	}{
		{"truncated", good.Bytes()[:good.Len()-10], ErrNotParquet, `k.parquet: not a Parquet file: ends with`},
		{"empty", nil, ErrNotParquet, "k.parquet: not a Parquet file: only 0 bytes"},
		{"magic", append([]byte("XXXX"), good.Bytes()[4:]...), ErrNotParquet, `starts with "XXXX"`},
	}
	for _, tt := range tests {
		_, err := readAll(t, "k.parquet", tt.data, CustodyTransactions, 2)
		if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %v containing %q", tt.name, err, tt.err, tt.want)
		}
	}
}

type floatRow struct {
	BankID     string  `parquet:"bank_id"`
	PlatformID string  `parquet:"platform_id"`
	BankTxnID  string  `parquet:"bank_txn_id"`
	Payer      string  `parquet:"payer_account"`
	Payee      string  `parquet:"payee_account"`
	Amount     float64 `parquet:"amount"`
	Currency   string  `parquet:"currency"`
	Kind       string  `parquet:"kind"`
	Status     string  `parquet:"status"`
	BookedAt   int64   `parquet:"booked_at,timestamp(microsecond)"`
}

func TestParquetFloatAndMissing(t *testing.T) {
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []floatRow{{BankID: "B", PlatformID: "P", BankTxnID: "x", Payer: "a", Payee: "b", Amount: 1.5, Currency: "CNY", Kind: "bid", Status: "success"}}); err != nil {
		t.Fatal(err)
	}
	_, err := readAll(t, "f.parquet", buf.Bytes(), CustodyTransactions, 2)
	if !errors.Is(err, ErrFloatMoney) || !strings.Contains(err.Error(), `f.parquet: column "amount": money must be a decimal, not a float`) {
		t.Fatalf("float: %v", err)
	}
	_, err = readAll(t, "f.parquet", buf.Bytes(), LedgerTransactions, 2)
	if !errors.Is(err, ErrMissingColumn) || !strings.Contains(err.Error(), `f.parquet: column "txn_id": missing required column`) {
		t.Fatalf("missing: %v", err)
	}
}

func TestArrowRoundTrip(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "platform_id", Type: arrow.BinaryTypes.String},
		{Name: "txn_id", Type: arrow.BinaryTypes.String},
		{Name: "payer_account", Type: arrow.BinaryTypes.String},
		{Name: "payee_account", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 20, Scale: 3}},
		{Name: "currency", Type: arrow.BinaryTypes.String},
		{Name: "kind", Type: arrow.BinaryTypes.String},
		{Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "booked_at", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "extra", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	bld.Field(0).(*array.StringBuilder).AppendValues([]string{"P", "P"}, nil)
	bld.Field(1).(*array.StringBuilder).AppendValues([]string{"t1", "t2"}, nil)
	bld.Field(2).(*array.StringBuilder).AppendValues([]string{"a", "a"}, nil)
	bld.Field(3).(*array.StringBuilder).AppendValues([]string{"b", "b"}, nil)
	bld.Field(4).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(12340), decimal128.FromI64(5)}, nil)
	bld.Field(5).(*array.StringBuilder).AppendValues([]string{"CNY", "CNY"}, nil)
	bld.Field(6).(*array.StringBuilder).AppendValues([]string{"bid", "fee"}, nil)
	bld.Field(7).(*array.StringBuilder).AppendValues([]string{"success", "reversed"}, nil)
	bld.Field(8).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_700_000_000_000, 1_700_000_000_001}, nil)
	bld.Field(9).(*array.Float64Builder).AppendValues([]float64{1, 2}, nil)
	rec := bld.NewRecordBatch()
	defer rec.Release()
	data, err := formatstest.ArrowFile(rec, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	// 12.340 at scale 2 is 1234; 0.005 has a third non-zero decimal.
	_, err = readAll(t, "l.arrow", data, LedgerTransactions, 2)
	var fe *Error
	if !errors.Is(err, ErrTooPrecise) || !errors.As(err, &fe) || fe.Row != 2 || fe.Column != "amount" {
		t.Fatalf("arrow scale 2: %v", err)
	}
	b, err := readAll(t, "l.arrow", data, LedgerTransactions, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(b.Cols[LTAmount].Int, []int64{12340, 5}) || !equal(b.Cols[LTBookedAt].Int, []int64{1_700_000_000_000_000, 1_700_000_000_001_000}) ||
		!equal(b.Cols[LTStatus].Int, []int64{0, 2}) || b.Cols[LTTxnID].Str.String(1) != "t2" {
		t.Fatalf("arrow values: %+v", b.Cols)
	}
}

// TestOneBatchAcrossTables reads a custody transactions file, a ledger
// balances file (no more rows) and the transactions again through one
// batch: each read gives what a fresh batch gives, and the second read of
// the transactions decodes its first int column into the memory the
// first read grew, which the balances' first int column used between.
func TestOneBatchAcrossTables(t *testing.T) {
	var txns, bals bytes.Buffer
	if err := WriteTable(&txns, CustodyTransactions, 2, "test", sampleCustody()); err != nil {
		t.Fatal(err)
	}
	balRows := []LedgerBalanceRow{
		{PlatformID: "P1", AccountID: "inv-1", AsOf: 20_000, Closing: 500, Currency: "CNY"},
		{PlatformID: "P1", AccountID: "bor-1", AsOf: 20_000, Closing: -7, Currency: "USD"},
	}
	if err := WriteTable(&bals, LedgerBalances, 2, "test", balRows); err != nil {
		t.Fatal(err)
	}
	shared := NewBatch(SchemaOf(CustodyTransactions))
	read := func(data []byte, tbl Table, b *Batch) *Batch {
		t.Helper()
		var got *Batch
		err := Read(context.Background(), "x.parquet", bytes.NewReader(data), int64(len(data)), SchemaOf(tbl),
			ReadOptions{Scale: 2, Limits: DefaultLimits(), Batch: b}, func(b *Batch) error {
				if got == nil {
					got = NewBatch(b.Schema)
				}
				appendBatch(got, b)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	wantTxns, wantBals := read(txns.Bytes(), CustodyTransactions, nil), read(bals.Bytes(), LedgerBalances, nil)
	if got := read(txns.Bytes(), CustodyTransactions, shared); !reflect.DeepEqual(got, wantTxns) {
		t.Fatalf("transactions through the shared batch: %+v, want %+v", got, wantTxns)
	}
	amounts := &shared.Cols[CTAmount].Int[:1][0]
	if got := read(bals.Bytes(), LedgerBalances, shared); !reflect.DeepEqual(got, wantBals) {
		t.Fatalf("balances through the shared batch: %+v, want %+v", got, wantBals)
	}
	if shared.Schema != SchemaOf(LedgerBalances) || len(shared.Cols) != len(SchemaOf(LedgerBalances).Columns) {
		t.Fatalf("batch of %v with %d columns after reading balances", shared.Schema.Table, len(shared.Cols))
	}
	if got := read(txns.Bytes(), CustodyTransactions, shared); !reflect.DeepEqual(got, wantTxns) {
		t.Fatalf("transactions again: %+v, want %+v", got, wantTxns)
	}
	if &shared.Cols[CTAmount].Int[:1][0] != amounts {
		t.Error("the transactions' amounts were decoded into new memory, not the batch's")
	}
}

// TestReadBatches reads with a pool of batches (ReadOptions.Batches):
// each run's batch is the callback's to keep and give back later, the
// reader waits for a free one, and one it took and did not hand on (its
// run had a bad value) it gives back itself.
func TestReadBatches(t *testing.T) {
	rows := make([]LedgerBalanceRow, 95)
	for i := range rows {
		rows[i] = LedgerBalanceRow{PlatformID: "P", AccountID: fmt.Sprint("A-", i), Closing: int64(i), Currency: "CNY"}
	}
	for _, bad := range []bool{false, true} {
		if bad {
			rows[64].Currency = "not a currency"
		}
		var buf bytes.Buffer
		if err := WriteTableRowGroups(&buf, LedgerBalances, 2, "test", rows, 10); err != nil {
			t.Fatal(err)
		}
		pool := make(chan *Batch, 2)
		pool <- NewBatch(SchemaOf(LedgerBalances))
		pool <- NewBatch(SchemaOf(Accounts)) // retargeted
		var held []*Batch
		var got []int64
		var firsts []int64
		err := Read(context.Background(), "k.parquet", bytes.NewReader(buf.Bytes()), int64(buf.Len()), SchemaOf(LedgerBalances),
			ReadOptions{Scale: 2, Limits: DefaultLimits(), Batches: pool}, func(b *Batch) error {
				for _, h := range held {
					if h == b {
						t.Fatal("the reader handed on a batch the callback still holds")
					}
				}
				got = append(got, b.Cols[LBClosing].Ints()...)
				firsts = append(firsts, b.FirstRow)
				held = append(held, b)
				if len(held) == 2 {
					pool <- held[0] // the older goes back: the reader waited for it
					held = held[1:]
				}
				return nil
			})
		for _, b := range held {
			pool <- b
		}
		if len(pool) != 2 {
			t.Fatalf("bad %v: %d batches back in the pool, want 2", bad, len(pool))
		}
		want := 95
		if bad {
			want = 60 // the row groups before the bad value's
			if !errors.Is(err, ErrBadValue) {
				t.Fatalf("bad value: err %v", err)
			}
		} else if err != nil {
			t.Fatal(err)
		}
		if len(got) != want || !slices.Equal(firsts, []int64{0, 10, 20, 30, 40, 50, 60, 70, 80, 90}[:(want+9)/10]) {
			t.Fatalf("bad %v: %d values, first rows %v", bad, len(got), firsts)
		}
		for i, v := range got {
			if v != int64(i) {
				t.Fatalf("bad %v: value %d is %d", bad, i, v)
			}
		}
	}
}
