package formats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"

	"github.com/recon-dev/recon/formats/formatstest"
)

// fuzzMaxInput caps fuzz inputs: larger ones are skipped. The committed
// corpus files are below it.
const fuzzMaxInput = 256 << 10

// fuzzMaxTime bounds one read of at most fuzzMaxInput bytes.
const fuzzMaxTime = 5 * time.Second

// fuzzMaxAlloc bounds what one read may allocate under fuzzLimits: a
// read that allocates more obeyed a size the file claimed. (Timing alone
// misses such reads: on a fast machine a gigabyte is allocated in time.)
const fuzzMaxAlloc = 512 << 20

// heapAllocs returns the bytes the process has allocated so far.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// fuzzLimits are the limits fuzzed reads run under: small, so that what
// a file can make the reader allocate, bounded by them, stays small.
func fuzzLimits() Limits {
	return Limits{RowsPerObject: 100_000, BytesPerObject: fuzzMaxInput, StringBytes: 64 << 10,
		ColumnChunkBytes: 16 << 20, ErrorsPerObject: 10, FilesPerRun: 1}
}

// corpusDir holds the engine's corpus of malformed inputs (see
// engine/corpus_test.go); its files seed the fuzzers too.
const corpusDir = "../engine/testdata/corpus"

// addCorpusSeeds adds every committed corpus file whose name ends in ext.
func addCorpusSeeds(f *testing.F, ext string) {
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ext) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if len(data) <= fuzzMaxInput {
			for _, t := range Tables() {
				f.Add(data, uint8(t))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.Fatal(err)
	}
}

// parquetSeeds are well-formed files of every table, as recon and as
// other writers (parquet-go's defaults: other encodings, other codecs)
// write them.
func parquetSeeds(f *testing.F) {
	b := new(bool)
	d := new(int32)
	*d = 20_000
	seeds := map[Table]func(*bytes.Buffer) error{
		CustodyTransactions: func(w *bytes.Buffer) error {
			return WriteTableRowGroups(w, CustodyTransactions, 2, "fuzz", sampleCustody(), 1)
		},
		LedgerTransactions: func(w *bytes.Buffer) error {
			return WriteTable(w, LedgerTransactions, 2, "fuzz", []LedgerTxnRow{{PlatformID: "P", TxnID: "t", Payer: "a", Payee: "b",
				Amount: 5, Currency: "CNY", Kind: "fee", Status: "reversed", BookedAt: 1, LoanID: ptr("L")}})
		},
		CustodyBalances: func(w *bytes.Buffer) error {
			return WriteTable(w, CustodyBalances, 2, "fuzz", []CustodyBalanceRow{{BankID: "B", PlatformID: "P", AccountID: "a", AsOf: 20_000, Opening: 1, Closing: 2, Currency: "CNY"}})
		},
		LedgerBalances: func(w *bytes.Buffer) error {
			return WriteTable(w, LedgerBalances, 2, "fuzz", []LedgerBalanceRow{{PlatformID: "P", AccountID: "a", AsOf: 20_000, Closing: 2, Currency: "CNY"}})
		},
		Accounts: func(w *bytes.Buffer) error {
			return WriteTable(w, Accounts, 2, "fuzz", []AccountRow{{PlatformID: "P", AccountID: "a", Role: "investor", HolderID: "h", RelatedParty: b, OpenedOn: d}})
		},
		Loans: func(w *bytes.Buffer) error {
			return WriteTable(w, Loans, 2, "fuzz", []LoanRow{{PlatformID: "P", LoanID: "L", Borrower: "a", Principal: 100, Currency: "CNY", FundedOn: d}})
		},
	}
	for _, t := range Tables() {
		var buf bytes.Buffer
		if err := seeds[t](&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes(), uint8(t))
	}
	// parquet-go's own encoding choices and other codecs, on a table with
	// a float amount (rejected) and the rest plain.
	for _, codec := range []parquet.WriterOption{parquet.Compression(&parquet.Snappy), parquet.Compression(&parquet.Gzip),
		parquet.Compression(&parquet.Lz4Raw), parquet.Compression(&parquet.Brotli), parquet.Compression(&parquet.Uncompressed)} {
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[LedgerTxnRow](&buf, TableSchema(LedgerTransactions, 2), codec, parquet.PageBufferSize(64))
		rows := make([]LedgerTxnRow, 20)
		for i := range rows {
			rows[i] = LedgerTxnRow{PlatformID: "P", TxnID: fmt.Sprint(i), Payer: "a", Payee: "b", Amount: int64(i + 1), Currency: "CNY",
				Kind: "bid", Status: "success", BookedAt: int64(i)}
		}
		if _, err := w.Write(rows); err != nil {
			f.Fatal(err)
		}
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes(), uint8(LedgerTransactions))
	}
}

// arrowSeeds are well-formed Arrow IPC files: plain, dictionary-encoded,
// and with compressed buffers.
func arrowSeeds(f *testing.F) {
	f.Add(hostileArrow(f), uint8(LedgerTransactions))
	f.Add(hostileArrow(f, ipc.WithZstd()), uint8(LedgerTransactions))
	f.Add(hostileArrow(f, ipc.WithLZ4()), uint8(LedgerTransactions))
	mem := memory.NewGoAllocator()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "platform_id", Type: dt},
		{Name: "account_id", Type: arrow.BinaryTypes.String},
		{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
		{Name: "closing_balance", Type: &arrow.Decimal128Type{Precision: 38, Scale: 4}},
		{Name: "currency", Type: arrow.BinaryTypes.LargeString},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	bld.Field(0).(*array.BinaryDictionaryBuilder).AppendString("P")
	bld.Field(1).(*array.StringBuilder).Append("a")
	bld.Field(2).(*array.Date32Builder).Append(20_000)
	bld.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(12_3400))
	bld.Field(4).(*array.LargeStringBuilder).Append("CNY")
	rec := bld.NewRecordBatch()
	defer rec.Release()
	data, err := formatstest.ArrowFile(rec, ipc.WithAllocator(mem))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, uint8(LedgerBalances))
}

// fuzzRead reads data as an object of table (taken modulo the tables) and
// checks the properties every read must have: it returns, in bounded
// time; its error is an *Error (a recovered reader panic included, as
// ErrCorrupt), never a panic; and what it hands out is consistent.
func fuzzRead(t *testing.T, key string, data []byte, table uint8) {
	if len(data) > fuzzMaxInput {
		t.Skip("input larger than the cap")
	}
	s := SchemaOf(Table(int(table) % int(numTables)))
	// A read that never returns would stall the fuzzer without a report:
	// crash the worker instead, so the input is kept as a crasher.
	hang := time.AfterFunc(4*fuzzMaxTime, func() { panic(fmt.Sprintf("read of %d bytes did not return in %v", len(data), 4*fuzzMaxTime)) })
	defer hang.Stop()
	allocated := heapAllocs()
	start := time.Now()
	err := Read(context.Background(), key, bytes.NewReader(data), int64(len(data)), s, ReadOptions{Scale: 2, Limits: fuzzLimits()},
		func(b *Batch) error {
			for i, c := range s.Columns {
				col := &b.Cols[i]
				var n int
				switch {
				case c.Discard:
					continue
				case isStringType(c.Type) && c.Type != Enum:
					n = col.strLen()
				default:
					n = len(col.Int)
				}
				if n != b.Len {
					t.Fatalf("column %s has %d values in a batch of %d rows", c.Name, n, b.Len)
				}
			}
			return nil
		})
	if d := time.Since(start); d > fuzzMaxTime {
		t.Fatalf("read took %v", d)
	}
	if n := heapAllocs() - allocated; n > fuzzMaxAlloc {
		t.Fatalf("read allocated %d MiB", n>>20)
	}
	checkInputErr(t, err)
	if _, err := ColumnNames(key, bytes.NewReader(data), int64(len(data))); err != nil {
		checkInputErr(t, err)
	}
}

func checkInputErr(t *testing.T, err error) {
	if err == nil {
		return
	}
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error is not a *formats.Error: %T %v", err, err)
	}
	if len(err.Error()) > 64<<10 {
		t.Fatalf("error message of %d bytes", len(err.Error()))
	}
}

func FuzzReadParquet(f *testing.F) {
	parquetSeeds(f)
	addCorpusSeeds(f, ".parquet")
	f.Fuzz(func(t *testing.T, data []byte, table uint8) { fuzzRead(t, "fuzz.parquet", data, table) })
}

func FuzzReadArrow(f *testing.F) {
	arrowSeeds(f)
	addCorpusSeeds(f, ".arrow")
	f.Fuzz(func(t *testing.T, data []byte, table uint8) { fuzzRead(t, "fuzz.arrow", data, table) })
}
