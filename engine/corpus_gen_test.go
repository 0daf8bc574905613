package engine_test

// The builders of the corpus of malformed and hostile inputs
// (testdata/corpus, see corpus_test.go). `go test ./engine -run TestCorpus
// -update` writes their files; the committed files are what the test
// reads, so a change of a writer library cannot change the corpus
// silently.

import (
	"bytes"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	pqformat "github.com/parquet-go/parquet-go/format"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/formats/formatstest"
)

// corpusBooked is a booking time on the corpus's business date.
const corpusBooked = 1_795_000_000_000_000 // 2026-11-18T...; any instant in range will do

// cLedger returns n valid ledger rows of platform P001 whose ids no
// generated row uses.
func cLedger(n int) []formats.LedgerTxnRow {
	rows := make([]formats.LedgerTxnRow, n)
	for i := range rows {
		rows[i] = formats.LedgerTxnRow{PlatformID: "P001", TxnID: fmt.Sprintf("CORPUS-%03d", i+1), Payer: "P001-INV-000001",
			Payee: "P001-BOR-00001", Amount: int64(100 * (i + 1)), Currency: "CNY", Kind: "bid", Status: "success", BookedAt: corpusBooked}
	}
	return rows
}

// cCustody returns n valid custody rows of bank B1 and platform P001.
func cCustody(n int) []formats.CustodyTxnRow {
	rows := make([]formats.CustodyTxnRow, n)
	for i := range rows {
		rows[i] = formats.CustodyTxnRow{BankID: "B1", PlatformID: "P001", BankTxnID: fmt.Sprintf("CORPUS-B-%03d", i+1),
			Payer: "P001-INV-000001", Payee: "P001-BOR-00001", Amount: int64(100 * (i + 1)), Currency: "CNY", Kind: "bid",
			Status: "success", BookedAt: corpusBooked}
	}
	return rows
}

// table writes rows as recon writes a table (zstd, DECIMAL(18, scale)).
func table[T any](t testing.TB, tbl formats.Table, scale int, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := formats.WriteTable(&buf, tbl, scale, "corpus", rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ledger writes ledger rows after edit changed them.
func ledger(t testing.TB, n int, edit func([]formats.LedgerTxnRow)) []byte {
	rows := cLedger(n)
	if edit != nil {
		edit(rows)
	}
	return table(t, formats.LedgerTransactions, 2, rows)
}

// plain writes rows with parquet-go's defaults and the schema of T's tags:
// what another writer, with its own ideas about types, makes.
func plain[T any](t testing.TB, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withSchema writes rows of T under an explicit Parquet schema.
func withSchema[T any](t testing.TB, schema *parquet.Schema, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, schema)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// split takes a file apart for editing.
func split(t testing.TB, data []byte) *formatstest.Parquet {
	t.Helper()
	p, err := formatstest.SplitParquet(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// patch edits a file's footer, its pages left where they are.
func patch(t testing.TB, data []byte, edit func(*pqformat.FileMetaData)) []byte {
	t.Helper()
	out, err := formatstest.PatchFooter(data, edit)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// firstDataPage returns the first data page of a column in row group 0.
func firstDataPage(t testing.TB, p *formatstest.Parquet, col string) *formatstest.Page {
	t.Helper()
	ci := p.Column(col)
	if ci < 0 {
		t.Fatalf("no column %s", col)
	}
	for i := range p.Chunks[0][ci] {
		if pg := &p.Chunks[0][ci][i]; pg.Header.Type != pqformat.DictionaryPage {
			return pg
		}
	}
	t.Fatalf("no data page in %s", col)
	return nil
}

// v2Levels returns the levels stored before the values of a v2 page.
func v2Levels(pg *formatstest.Page) []byte {
	if v2 := pg.Header.DataPageHeaderV2; v2.Valid {
		return bytes.Clone(pg.Data[:v2.V.RepetitionLevelsByteLength+v2.V.DefinitionLevelsByteLength])
	}
	return nil
}

// arrowField is one column of an Arrow file and how to fill it.
type arrowField struct {
	f    arrow.Field
	fill func(b array.Builder, row int)
}

func aString(name string, v func(row int) string) arrowField {
	return arrowField{arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true},
		func(b array.Builder, r int) { b.(*array.StringBuilder).Append(v(r)) }}
}

// arrowLedger are the columns of a valid Arrow ledger file of P001.
func arrowLedger() []arrowField {
	return []arrowField{
		aString("platform_id", func(int) string { return "P001" }),
		aString("txn_id", func(r int) string { return fmt.Sprintf("CORPUS-A-%03d", r+1) }),
		aString("payer_account", func(int) string { return "P001-INV-000001" }),
		aString("payee_account", func(int) string { return "P001-BOR-00001" }),
		{arrow.Field{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}},
			func(b array.Builder, r int) {
				b.(*array.Decimal128Builder).Append(decimal128.FromI64(int64(100 * (r + 1))))
			}},
		aString("currency", func(int) string { return "CNY" }),
		aString("kind", func(int) string { return "bid" }),
		aString("status", func(int) string { return "success" }),
		{arrow.Field{Name: "booked_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
			func(b array.Builder, r int) { b.(*array.TimestampBuilder).Append(corpusBooked) }},
	}
}

// replaceField swaps the named column of fields for f (or appends it).
func replaceField(fields []arrowField, f arrowField) []arrowField {
	out := append([]arrowField(nil), fields...)
	for i := range out {
		if out[i].f.Name == f.f.Name {
			out[i] = f
			return out
		}
	}
	return append(out, f)
}

// arrowFile writes an Arrow IPC file of one record batch of n rows.
func arrowFile(t testing.TB, n int, fields []arrowField, opts ...ipc.Option) []byte {
	t.Helper()
	mem := memory.NewGoAllocator()
	var fs []arrow.Field
	for _, f := range fields {
		fs = append(fs, f.f)
	}
	schema := arrow.NewSchema(fs, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for r := range n {
		for i, f := range fields {
			f.fill(bld.Field(i), r)
		}
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	data, err := formatstest.ArrowFile(rec, append([]ipc.Option{ipc.WithAllocator(mem)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Row types of other writers' files: right column names, wrong types.

type wrongTypesRow struct {
	PlatformID string `parquet:"platform_id"`
	TxnID      string `parquet:"txn_id"`
	Payer      string `parquet:"payer_account"`
	Payee      string `parquet:"payee_account"`
	Amount     string `parquet:"amount"`
	Currency   string `parquet:"currency"`
	Kind       int32  `parquet:"kind"`
	Status     string `parquet:"status"`
	BookedAt   string `parquet:"booked_at"`
}

type intAmountRow struct {
	PlatformID string `parquet:"platform_id"`
	TxnID      string `parquet:"txn_id"`
	Payer      string `parquet:"payer_account"`
	Payee      string `parquet:"payee_account"`
	Amount     int64  `parquet:"amount"`
	Currency   string `parquet:"currency"`
	Kind       string `parquet:"kind"`
	Status     string `parquet:"status"`
	BookedAt   int64  `parquet:"booked_at,timestamp(microsecond)"`
}

type floatAmountRow struct {
	PlatformID string  `parquet:"platform_id"`
	TxnID      string  `parquet:"txn_id"`
	Payer      string  `parquet:"payer_account"`
	Payee      string  `parquet:"payee_account"`
	Amount     float64 `parquet:"amount"`
	Currency   string  `parquet:"currency"`
	Kind       string  `parquet:"kind"`
	Status     string  `parquet:"status"`
	BookedAt   int64   `parquet:"booked_at,timestamp(microsecond)"`
}

type stringAmountRow struct {
	PlatformID string `parquet:"platform_id"`
	TxnID      string `parquet:"txn_id"`
	Payer      string `parquet:"payer_account"`
	Payee      string `parquet:"payee_account"`
	Amount     string `parquet:"amount"`
	Currency   string `parquet:"currency"`
	Kind       string `parquet:"kind"`
	Status     string `parquet:"status"`
	BookedAt   int64  `parquet:"booked_at,timestamp(microsecond)"`
}

type wideDecimalRow struct {
	PlatformID string   `parquet:"platform_id"`
	TxnID      string   `parquet:"txn_id"`
	Payer      string   `parquet:"payer_account"`
	Payee      string   `parquet:"payee_account"`
	Amount     [16]byte `parquet:"amount"`
	Currency   string   `parquet:"currency"`
	Kind       string   `parquet:"kind"`
	Status     string   `parquet:"status"`
	BookedAt   int64    `parquet:"booked_at"`
}

type nullableIDRow struct {
	PlatformID string  `parquet:"platform_id"`
	TxnID      *string `parquet:"txn_id"`
	Payer      string  `parquet:"payer_account"`
	Payee      string  `parquet:"payee_account"`
	Amount     *int64  `parquet:"amount,decimal(2:18)"`
	Currency   string  `parquet:"currency"`
	Kind       string  `parquet:"kind"`
	Status     string  `parquet:"status"`
	BookedAt   int64   `parquet:"booked_at,timestamp(microsecond)"`
}

type listAmountRow struct {
	PlatformID string  `parquet:"platform_id"`
	TxnID      string  `parquet:"txn_id"`
	Payer      string  `parquet:"payer_account"`
	Payee      string  `parquet:"payee_account"`
	Amount     []int64 `parquet:"amount,list"`
	Currency   string  `parquet:"currency"`
	Kind       string  `parquet:"kind"`
	Status     string  `parquet:"status"`
	BookedAt   int64   `parquet:"booked_at,timestamp(microsecond)"`
}

type repeatedPayerRow struct {
	PlatformID string   `parquet:"platform_id"`
	TxnID      string   `parquet:"txn_id"`
	Payer      []string `parquet:"payer_account"`
	Payee      string   `parquet:"payee_account"`
	Amount     int64    `parquet:"amount,decimal(2:18)"`
	Currency   string   `parquet:"currency"`
	Kind       string   `parquet:"kind"`
	Status     string   `parquet:"status"`
	BookedAt   int64    `parquet:"booked_at,timestamp(microsecond)"`
}

// nullableRows are rows whose required columns the file lets be null.
func nullableRows(n int) []nullableIDRow {
	rows := make([]nullableIDRow, n)
	for i := range rows {
		id, amt := fmt.Sprintf("CORPUS-%03d", i+1), int64(100*(i+1))
		rows[i] = nullableIDRow{PlatformID: "P001", TxnID: &id, Payer: "P001-INV-000001", Payee: "P001-BOR-00001", Amount: &amt,
			Currency: "CNY", Kind: "bid", Status: "success", BookedAt: corpusBooked}
	}
	return rows
}

// bigEndian16 returns v as a 16-byte big-endian two's complement integer.
func bigEndian16(v *big.Int) [16]byte {
	var out [16]byte
	b := v.Bytes()
	copy(out[16-len(b):], b)
	return out
}

// memoFile writes ledger rows with memos of memoBytes bytes each, as
// recon writes tables but without the memos' bounds in page headers,
// statistics and page indexes (a writer keeping them would store each
// memo again, uncompressed).
func memoFile(t testing.TB, rows, memoBytes int) []byte {
	t.Helper()
	memo := strings.Repeat("x", memoBytes)
	r := cLedger(rows)
	for i := range r {
		r[i].Memo = &memo
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[formats.LedgerTxnRow](&buf, formats.TableSchema(formats.LedgerTransactions, 2),
		parquet.Compression(&parquet.Zstd), parquet.SkipPageBounds("memo"), parquet.SkipPageStatistics("memo"))
	if _, err := w.Write(r); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return pageIndexless(t, buf.Bytes())
}

// pageIndexless drops what parquet-go writes after the row groups (page
// indexes), for files whose footer a test edits.
func pageIndexless(t testing.TB, data []byte) []byte { return split(t, data).Bytes() }
