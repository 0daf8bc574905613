package formats

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go/format"

	"github.com/recon-dev/recon/formats/formatstest"
)

// hostileLedger is a small ledger file with memos, to take apart.
func hostileLedger(t testing.TB) *formatstest.Parquet {
	t.Helper()
	rows := make([]LedgerTxnRow, 50)
	for i := range rows {
		memo := fmt.Sprintf("memo %d", i)
		rows[i] = LedgerTxnRow{PlatformID: "P1", TxnID: fmt.Sprintf("T%03d", i), Payer: "a", Payee: "b", Amount: int64(100 + i),
			Currency: "CNY", Kind: "deposit", Status: "success", BookedAt: 1_795_000_000_000_000, Memo: &memo}
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, LedgerTransactions, 2, "test", rows); err != nil {
		t.Fatal(err)
	}
	p, err := formatstest.SplitParquet(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// dataPage returns the first data page of a column of row group 0.
func dataPage(t testing.TB, p *formatstest.Parquet, col string) *formatstest.Page {
	t.Helper()
	ci := p.Column(col)
	for i := range p.Chunks[0][ci] {
		if pg := &p.Chunks[0][ci][i]; pg.Header.Type != format.DictionaryPage {
			return pg
		}
	}
	t.Fatalf("no data page in %s", col)
	return nil
}

func hostileArrow(t testing.TB, opts ...ipc.Option) []byte {
	t.Helper()
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "platform_id", Type: arrow.BinaryTypes.String},
		{Name: "txn_id", Type: arrow.BinaryTypes.String},
		{Name: "payer_account", Type: arrow.BinaryTypes.String},
		{Name: "payee_account", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}},
		{Name: "currency", Type: arrow.BinaryTypes.String},
		{Name: "kind", Type: arrow.BinaryTypes.String},
		{Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "booked_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for i := range 100 {
		bld.Field(0).(*array.StringBuilder).Append("P1")
		bld.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("T%03d", i))
		bld.Field(2).(*array.StringBuilder).Append("a")
		bld.Field(3).(*array.StringBuilder).Append("b")
		bld.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(100 + i)))
		bld.Field(5).(*array.StringBuilder).Append("CNY")
		bld.Field(6).(*array.StringBuilder).Append("deposit")
		bld.Field(7).(*array.StringBuilder).Append("success")
		bld.Field(8).(*array.TimestampBuilder).Append(1_795_000_000_000_000)
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	data, err := formatstest.ArrowFile(rec, append([]ipc.Option{ipc.WithAllocator(mem)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestHostileInputs reads files built to make a reader allocate by a
// file's claims, recurse without end or loop: each must be refused with
// exactly this error, quickly. Each case is named after what it caught:
// before the guards (guard.go, guard_arrow.go), the first crashed the
// test binary with "fatal error: runtime: out of memory", the second
// returned a 35 MB error message after 8 s, the zstd and snappy ones
// allocated gigabytes and the LZ4 one never returned.
func TestHostileInputs(t *testing.T) {
	small := DefaultLimits()
	small.ColumnChunkBytes = 16 << 20
	tests := []struct {
		name   string
		key    string
		limits Limits
		build  func(t *testing.T) []byte
		err    error
		want   string
	}{
		{"footer list of 2^31 elements", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			// FileMetaData: version 2, then schema: a list of 2^31-1 structs.
			return formatstest.ParquetWithFooter([]byte{0x15, 0x04, 0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00})
		}, ErrCorrupt, "h.parquet: corrupt file: footer: thrift at byte 9: list of 2147483647 elements with 1 bytes left"},
		{"footer nested a million deep", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			return formatstest.ParquetWithFooter(append([]byte{0x15, 0x04}, bytes.Repeat([]byte{0x1C}, 1_000_000)...))
		}, ErrCorrupt, "h.parquet: corrupt file: footer: thrift at byte 66: nested more than 64 deep"},
		{"footer longer than the object", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			data := formatstest.ParquetWithFooter([]byte{0x15, 0x04, 0x00})
			binary.LittleEndian.PutUint32(data[len(data)-8:], 1<<31)
			return data
		}, ErrCorrupt, "h.parquet: corrupt file: the footer says it has 2147483648 bytes, the object has 15"},
		{"zstd page expanding past the limit, headers small", "h.parquet", small, func(t *testing.T) []byte {
			p := hostileLedger(t)
			pg := dataPage(t, p, "memo")
			pg.Data = append(levelsOf(pg), formatstest.ZstdRLEFrame('A', 64<<20)...)
			pg.Header.CompressedPageSize = int32(len(pg.Data))
			return p.Bytes()
		}, ErrLimit, `h.parquet: column "memo": limit exceeded: column chunk of at least 67108868 bytes decompressed, more than the limit of 16777216`},
		{"zstd page of 2 GiB, default limits", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			p := hostileLedger(t)
			pg := dataPage(t, p, "memo")
			pg.Data = append(levelsOf(pg), formatstest.ZstdRLEFrame('A', 2<<30)...)
			pg.Header.CompressedPageSize = int32(len(pg.Data))
			return p.Bytes()
		}, ErrLimit, `h.parquet: column "memo": limit exceeded: column chunk of at least 2147483652 bytes decompressed, more than the limit of 1073741824`},
		{"snappy page stating 4 GiB", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			p := hostileLedger(t)
			ci := p.Column("amount")
			p.Meta.RowGroups[0].Columns[ci].MetaData.Codec = format.Snappy
			pg := dataPage(t, p, "amount")
			pg.Data = binary.AppendUvarint(nil, 1<<32-1)
			pg.Header.CompressedPageSize = int32(len(pg.Data))
			return p.Bytes()
		}, ErrLimit, `h.parquet: column "amount": limit exceeded: column chunk of at least 4294967295 bytes decompressed, more than the limit of 1073741824`},
		{"corrupt LZ4_RAW page", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			p := hostileLedger(t)
			ci := p.Column("amount")
			p.Meta.RowGroups[0].Columns[ci].MetaData.Codec = format.Lz4Raw
			pg := dataPage(t, p, "amount")
			pg.Data = []byte{0xF0, 0xFF, 0xFF, 0xFF, 0x01, 0x02}
			pg.Header.CompressedPageSize = int32(len(pg.Data))
			return p.Bytes()
		}, ErrCorrupt, `h.parquet: column "amount": corrupt file: page 0: LZ4_RAW page does not decode to its stated 400 bytes: lz4: invalid source or destination buffer too short`},
		{"page stating 2^31 values", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			p := hostileLedger(t)
			pg := dataPage(t, p, "amount")
			pg.Header.DataPageHeaderV2.V.NumValues = 1<<31 - 1 // the writer writes v2 pages
			return p.Bytes()
		}, ErrCorrupt, `h.parquet: column "amount": corrupt file: page 0: the pages hold more values than the row group's 50 rows`},
		{"dictionary stating 2^31 entries", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			p := hostileLedger(t)
			pg := &p.Chunks[0][p.Column("payer_account")][0]
			if pg.Header.Type != format.DictionaryPage {
				t.Fatal("payer_account has no dictionary page")
			}
			pg.Header.DictionaryPageHeader.V.NumValues = 1<<31 - 1
			return p.Bytes()
		}, ErrCorrupt, `h.parquet: column "payer_account": corrupt file: page 0: a dictionary of 2147483647 entries in 5 bytes`},
		{"page running past its chunk", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			p := hostileLedger(t)
			pg := dataPage(t, p, "amount")
			pg.Header.CompressedPageSize += 1000
			return p.Bytes()
		}, ErrCorrupt, `h.parquet: column "amount": corrupt file: page 0 of 1120 bytes, 120 left in the column chunk`},
		{"column chunk past the end of the object", "h.parquet", DefaultLimits(), func(t *testing.T) []byte {
			data, err := formatstest.PatchFooter(hostileLedger(t).Bytes(), func(m *format.FileMetaData) {
				m.RowGroups[0].Columns[4].MetaData.TotalCompressedSize = 1 << 40
			})
			if err != nil {
				t.Fatal(err)
			}
			return data
		}, ErrCorrupt, `h.parquet: column "amount": corrupt file: column chunk of 1099511627776 bytes at byte 574, in an object of 2728 bytes`},
		{"arrow buffer stating 1 TiB decompressed", "h.arrow", DefaultLimits(), func(t *testing.T) []byte {
			data, err := formatstest.ArrowSetBufferClaim(hostileArrow(t, ipc.WithZstd()), 2, 1<<40)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}, ErrLimit, "h.arrow: record batch 0: limit exceeded: a buffer of 1099511627776 bytes decompressed, more than the limit of 1073741824"},
		{"arrow batch stating a billion rows", "h.arrow", DefaultLimits(), func(t *testing.T) []byte {
			data, err := formatstest.ArrowSetBatchLength(hostileArrow(t), 1_000_000_000)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}, ErrCorrupt, `h.arrow: record batch 0: corrupt file: arrow/ipc: error reading record batch: arrow/array: mismatch number of rows in column "platform_id": got=100, want=1000000000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.build(t)
			start := time.Now()
			err := Read(context.Background(), tt.key, bytes.NewReader(data), int64(len(data)), SchemaOf(LedgerTransactions),
				ReadOptions{Scale: 2, Limits: tt.limits}, func(*Batch) error { return nil })
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			var fe *Error
			if !errors.As(err, &fe) || !errors.Is(err, tt.err) || err.Error() != tt.want {
				t.Errorf("got  %v\nwant %s (%v)", err, tt.want, tt.err)
			}
		})
	}
}

// levelsOf returns the repetition and definition levels stored before the
// compressed values of a v2 data page (none for v1 pages).
func levelsOf(pg *formatstest.Page) []byte {
	v2 := pg.Header.DataPageHeaderV2
	if !v2.Valid {
		return nil
	}
	return bytes.Clone(pg.Data[:v2.V.RepetitionLevelsByteLength+v2.V.DefinitionLevelsByteLength])
}
