package formats

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// TestOwnDictionaryChunks reads files whose string columns are wholly
// dictionary-encoded, which the reader decodes itself rather than through
// parquet-go's pages (readDictChunk), with data pages of either version,
// each codec, small pages and nulls: every value and null is in its row,
// as TestDictionaryAndFallbackPages checks through parquet-go's pages.
func TestOwnDictionaryChunks(t *testing.T) {
	const n = 3000
	for _, version := range []parquet.DataPageVersion{parquet.DataPageV1, parquet.DataPageV2} {
		for _, codec := range []compress.Compression{compress.Codecs.Uncompressed, compress.Codecs.Snappy, compress.Codecs.Gzip, compress.Codecs.Zstd} {
			name := fmt.Sprintf("v%d/%s", version+1, codec)
			props := parquet.NewWriterProperties(parquet.WithDictionaryDefault(true), parquet.WithDictionaryPageSizeLimit(1<<20),
				parquet.WithDataPageSize(512), parquet.WithMaxRowGroupLength(n/2+1), parquet.WithCompression(codec),
				parquet.WithDataPageVersion(version))
			data, rows := arrowParquetWith(t, n, props)
			if owned := ownedChunks(t, data, LedgerTransactions); owned < 8 { // 4 string columns, 2 row groups
				t.Fatalf("%s: %d column chunks decoded by readDictChunk, want at least 8", name, owned)
			}
			b, err := readAll(t, "x.parquet", data, LedgerTransactions, 2)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if b.Len != len(rows) {
				t.Fatalf("%s: %d rows, want %d", name, b.Len, len(rows))
			}
			for i, r := range rows {
				loan := ""
				if r.LoanID != nil {
					loan = *r.LoanID
				}
				got := fmt.Sprintf("%s %s %s %s", b.Cols[LTTxnID].At(i), b.Cols[LTPayer].At(i), b.Cols[LTPayee].At(i), b.Cols[LTLoanID].At(i))
				want := fmt.Sprintf("%s %s %s %s", r.TxnID, r.Payer, r.Payee, loan)
				if got != want {
					t.Fatalf("%s row %d: got %s, want %s", name, i, got, want)
				}
			}
		}
	}
}

// ownedChunks counts the column chunks of a file readDictChunk decodes.
func ownedChunks(t *testing.T, data []byte, tbl Table) int {
	t.Helper()
	r := bytes.NewReader(data)
	f, cr, err := openParquet("x.parquet", r, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	cols, err := bindParquet("x.parquet", f, SchemaOf(tbl), ReadOptions{Scale: 2, Limits: DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	owned := 0
	meta := f.Metadata()
	for _, rg := range meta.RowGroups {
		for _, c := range cols {
			cm := &rg.Columns[c.leaf.Index()].MetaData
			chunk, err := cr.loadChunk(cm, int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			g := chunkGuard{codec: cm.Codec, kind: c.kind, rows: rg.NumRows}
			if err := g.check(chunk); err != nil {
				t.Fatal(err)
			}
			if c.ownsChunk(g.pages) {
				owned++
			}
		}
	}
	return owned
}

// TestOwnDictionaryCorrupt reads files whose dictionary page or index page
// was damaged after writing (the pages uncompressed, without checksums,
// so that only the decoding can tell): each is an error naming the column,
// not a crash or wrong values.
func TestOwnDictionaryCorrupt(t *testing.T) {
	props := parquet.NewWriterProperties(parquet.WithDictionaryDefault(true), parquet.WithDictionaryPageSizeLimit(1<<20),
		parquet.WithCompression(compress.Codecs.Uncompressed))
	data, _ := arrowParquetWith(t, 100, props)
	for _, tt := range []struct {
		name      string
		old, new_ string
	}{
		// The payer dictionary's first value (A0, 2 bytes) says it takes
		// more bytes than the page holds.
		{"value length", "\x02\x00\x00\x00A0\x02\x00\x00\x00A1", "\xff\xff\xff\x7fA0\x02\x00\x00\x00A1"},
		// Its last value's length is cut short: it takes one byte more.
		{"last value", "\x02\x00\x00\x00A6", "\x03\x00\x00\x00A6"},
	} {
		if bytes.Count(data, []byte(tt.old)) != 1 {
			t.Fatalf("%s: %q occurs %d times in the file", tt.name, tt.old, bytes.Count(data, []byte(tt.old)))
		}
		bad := bytes.Replace(data, []byte(tt.old), []byte(tt.new_), 1)
		_, err := readAll(t, "x.parquet", bad, LedgerTransactions, 2)
		var fe *Error
		if !errors.As(err, &fe) || !errors.Is(err, ErrCorrupt) || fe.Column != "payer_account" {
			t.Errorf("%s: got %v, want a corrupt payer_account", tt.name, err)
		}
	}
}

// TestReadDictionaryValues decodes dictionary pages of values of every
// length from empty to past the four words a short value is moved as,
// at the page's start, middle and end, where the last value's bytes run
// to the page's very end.
func TestReadDictionaryValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for round := range 50 {
		var want [][]byte
		var page []byte
		for range rng.IntN(300) {
			v := make([]byte, rng.IntN(45))
			for i := range v {
				v[i] = byte(rng.IntN(256))
			}
			want = append(want, v)
			page = binary.LittleEndian.AppendUint32(page, uint32(len(v)))
			page = append(page, v...)
		}
		h := format.PageHeader{Type: format.DictionaryPage, UncompressedPageSize: int32(len(page)), CompressedPageSize: int32(len(page))}
		h.DictionaryPageHeader = thrift.New(format.DictionaryPageHeader{NumValues: int32(len(want)), Encoding: format.Plain})
		dc := &dictChunk{codec: format.Uncompressed}
		pv, err := dc.readDictionary(&h, page)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if pv.n != len(want) {
			t.Fatalf("round %d: %d values, want %d", round, pv.n, len(want))
		}
		for i, v := range want {
			if got := pv.bytes[pv.offsets[i]:pv.offsets[i+1]]; !bytes.Equal(got, v) {
				t.Fatalf("round %d value %d: %x, want %x", round, i, got, v)
			}
		}
	}
}
