// Package formatstest takes Parquet and Arrow IPC files apart and puts
// them back together, so that tests can build the malformed and hostile
// files the readers must refuse: a page whose header lies about its size,
// a footer claiming a billion rows, an Arrow file that never defines its
// dictionary. It works on bytes and the file formats' own metadata types;
// it does not import package formats.
package formatstest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Page is one page of a column chunk as stored: its header and its
// (possibly compressed) bytes.
type Page struct {
	Header format.PageHeader
	Data   []byte
	// StaleCRC keeps the header's CRC as it is when Data changed: a page
	// that rotted after it was written. Otherwise Bytes writes the CRC of
	// Data, as a hostile writer would.
	StaleCRC bool
}

// Parquet is a Parquet file taken apart: its footer and the pages of each
// column chunk, by row group and column.
type Parquet struct {
	Meta   format.FileMetaData
	Chunks [][][]Page
}

var compact thrift.CompactProtocol

// SplitParquet takes a well-formed Parquet file apart.
func SplitParquet(data []byte) (*Parquet, error) {
	if len(data) < 12 || !bytes.Equal(data[:4], []byte("PAR1")) || !bytes.Equal(data[len(data)-4:], []byte("PAR1")) {
		return nil, errors.New("formatstest: not a Parquet file")
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	p := &Parquet{}
	if err := thrift.Unmarshal(&compact, data[len(data)-8-n:len(data)-8], &p.Meta); err != nil {
		return nil, fmt.Errorf("formatstest: footer: %w", err)
	}
	for _, rg := range p.Meta.RowGroups {
		var cols [][]Page
		for _, cc := range rg.Columns {
			start := cc.MetaData.DataPageOffset
			if cc.MetaData.DictionaryPageOffset != 0 {
				start = cc.MetaData.DictionaryPageOffset
			}
			chunk := data[start : start+cc.MetaData.TotalCompressedSize]
			var pages []Page
			for len(chunk) > 0 {
				r := compact.NewReaderFromBytes(chunk)
				var pg Page
				if err := thrift.NewDecoder(r).Decode(&pg.Header); err != nil {
					return nil, fmt.Errorf("formatstest: page header: %w", err)
				}
				chunk = chunk[r.BytesRead():]
				pg.Data = chunk[:pg.Header.CompressedPageSize]
				chunk = chunk[pg.Header.CompressedPageSize:]
				pages = append(pages, pg)
			}
			cols = append(cols, pages)
		}
		p.Chunks = append(p.Chunks, cols)
	}
	return p, nil
}

// Column returns the index of the named top-level leaf column, or -1.
func (p *Parquet) Column(name string) int {
	if len(p.Meta.RowGroups) == 0 {
		return -1
	}
	for i, cc := range p.Meta.RowGroups[0].Columns {
		if len(cc.MetaData.PathInSchema) > 0 && cc.MetaData.PathInSchema[0] == name {
			return i
		}
	}
	return -1
}

// Bytes puts the file back together. Each chunk's offsets and compressed
// size are those of where its pages now lie; everything else in the
// footer (row counts, uncompressed sizes, codecs) is as Meta says, and
// page headers are as each Page says (CompressedPageSize included), so a
// test can make any of them lie; a page's CRC, where it has one, is that
// of its Data (see Page.StaleCRC). Page indexes and bloom filters are
// dropped.
func (p *Parquet) Bytes() []byte {
	var buf bytes.Buffer
	buf.WriteString("PAR1")
	for rgi := range p.Meta.RowGroups {
		rg := &p.Meta.RowGroups[rgi]
		rgStart := int64(buf.Len())
		for ci := range rg.Columns {
			cc := &rg.Columns[ci]
			start := int64(buf.Len())
			m := &cc.MetaData
			m.DictionaryPageOffset, m.DataPageOffset = 0, 0
			for _, pg := range p.Chunks[rgi][ci] {
				at := int64(buf.Len())
				switch {
				case pg.Header.Type == format.DictionaryPage && m.DictionaryPageOffset == 0:
					m.DictionaryPageOffset = at
				case pg.Header.Type != format.DictionaryPage && m.DataPageOffset == 0:
					m.DataPageOffset = at
				}
				hdr := pg.Header
				if hdr.CRC != 0 && !pg.StaleCRC {
					hdr.CRC = int32(crc32.ChecksumIEEE(pg.Data))
				}
				h, err := thrift.Marshal(&compact, &hdr)
				if err != nil {
					panic(err) // a Page built by a test: a bug of the test
				}
				buf.Write(h)
				buf.Write(pg.Data)
			}
			if m.DataPageOffset == 0 {
				m.DataPageOffset = start
			}
			m.TotalCompressedSize = int64(buf.Len()) - start
			m.IndexPageOffset, m.BloomFilterOffset, m.BloomFilterLength = 0, 0, 0
			cc.FileOffset = start
			cc.OffsetIndexOffset, cc.OffsetIndexLength, cc.ColumnIndexOffset, cc.ColumnIndexLength = 0, 0, 0, 0
		}
		rg.FileOffset = rgStart
		rg.TotalCompressedSize = int64(buf.Len()) - rgStart
	}
	footer, err := thrift.Marshal(&compact, &p.Meta)
	if err != nil {
		panic(err)
	}
	buf.Write(footer)
	binary.Write(&buf, binary.LittleEndian, uint32(len(footer)))
	buf.WriteString("PAR1")
	return buf.Bytes()
}

// ParquetWithFooter returns a file of the given footer bytes (any bytes,
// thrift or not) and no pages.
func ParquetWithFooter(footer []byte) []byte {
	var buf bytes.Buffer
	buf.WriteString("PAR1")
	buf.Write(footer)
	binary.Write(&buf, binary.LittleEndian, uint32(len(footer)))
	buf.WriteString("PAR1")
	return buf.Bytes()
}

// ZstdRLEFrame returns a zstd frame that decodes to n copies of b, in RLE
// blocks of 128 KiB (4 bytes each), stating no content size: a few bytes
// that expand without bound.
func ZstdRLEFrame(b byte, n int) []byte {
	out := []byte{0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x50} // magic; no FCS, window 2^20
	for n > 0 {
		size := min(n, 128<<10)
		n -= size
		hdr := uint32(size)<<3 | 1<<1 // RLE block
		if n == 0 {
			hdr |= 1 // last block
		}
		out = append(out, byte(hdr), byte(hdr>>8), byte(hdr>>16), b)
	}
	return out
}

// arrow IPC files: a FlatBuffers footer before the int32 footer size and
// the magic "ARROW1".

// arrowFooter returns the position of the footer flatbuffer in data.
func arrowFooter(data []byte) (int, error) {
	if len(data) < 18 || !bytes.Equal(data[len(data)-6:], []byte("ARROW1")) {
		return 0, errors.New("formatstest: not an Arrow IPC file")
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-10:]))
	return len(data) - 10 - n, nil
}

// fbField returns the absolute position of field i of the table at t
// (0: absent); base is where the flatbuffer starts.
func fbField(data []byte, t, i int) int {
	vt := t - int(int32(binary.LittleEndian.Uint32(data[t:])))
	if 4+2*i >= int(binary.LittleEndian.Uint16(data[vt:])) {
		return 0
	}
	off := int(binary.LittleEndian.Uint16(data[vt+4+2*i:]))
	if off == 0 {
		return 0
	}
	return t + off
}

func fbDeref(data []byte, pos int) int { return pos + int(binary.LittleEndian.Uint32(data[pos:])) }

// ArrowFile writes one record batch as an Arrow IPC file; opts go to the
// writer after its schema (an allocator, dictionary deltas, ...).
func ArrowFile(rec arrow.RecordBatch, opts ...ipc.Option) ([]byte, error) {
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, append([]ipc.Option{ipc.WithSchema(rec.Schema())}, opts...)...)
	if err != nil {
		return nil, err
	}
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ArrowDropDictionaries returns a copy of an Arrow IPC file whose footer
// lists no dictionary batches: the schema still says a column is
// dictionary-encoded, but the file never defines the dictionary.
func ArrowDropDictionaries(data []byte) ([]byte, error) {
	out := bytes.Clone(data)
	fb, err := arrowFooter(out)
	if err != nil {
		return nil, err
	}
	root := fbDeref(out, fb)
	f := fbField(out, root, 2) // Footer.dictionaries
	if f == 0 {
		return nil, errors.New("formatstest: the file has no dictionaries")
	}
	binary.LittleEndian.PutUint32(out[fbDeref(out, f):], 0)
	return out, nil
}

// ArrowSetBatchLength returns a copy of an Arrow IPC file whose first
// record batch says it has n rows (its buffers unchanged).
func ArrowSetBatchLength(data []byte, n int64) ([]byte, error) {
	out := bytes.Clone(data)
	rb, _, err := firstRecordBatch(out)
	if err != nil {
		return nil, err
	}
	lf := fbField(out, rb, 0) // RecordBatch.length
	if lf == 0 {
		return nil, errors.New("formatstest: the record batch states no length")
	}
	binary.LittleEndian.PutUint64(out[lf:], uint64(n))
	return out, nil
}

// ArrowSetBufferClaim returns a copy of an Arrow IPC file written with
// buffer compression in which buffer i of the first record batch states
// that it decompresses to n bytes (the int64 before its compressed bytes).
func ArrowSetBufferClaim(data []byte, i int, n int64) ([]byte, error) {
	out := bytes.Clone(data)
	rb, body, err := firstRecordBatch(out)
	if err != nil {
		return nil, err
	}
	if fbField(out, rb, 3) == 0 { // RecordBatch.compression
		return nil, errors.New("formatstest: the record batch is not compressed")
	}
	bf := fbField(out, rb, 2) // RecordBatch.buffers: structs of offset, length
	vec := fbDeref(out, bf)
	if i >= int(binary.LittleEndian.Uint32(out[vec:])) {
		return nil, fmt.Errorf("formatstest: no buffer %d", i)
	}
	off := int(binary.LittleEndian.Uint64(out[vec+4+16*i:]))
	length := int(binary.LittleEndian.Uint64(out[vec+4+16*i+8:]))
	if length < 8 {
		return nil, fmt.Errorf("formatstest: buffer %d is empty", i)
	}
	binary.LittleEndian.PutUint64(out[body+off:], uint64(n))
	return out, nil
}

// firstRecordBatch finds the first record batch an Arrow IPC file's
// footer lists: where its RecordBatch table is, and where its body starts.
func firstRecordBatch(data []byte) (rb, body int, err error) {
	fb, err := arrowFooter(data)
	if err != nil {
		return 0, 0, err
	}
	root := fbDeref(data, fb)
	f := fbField(data, root, 3) // Footer.recordBatches
	if f == 0 {
		return 0, 0, errors.New("formatstest: the file has no record batches")
	}
	vec := fbDeref(data, f)
	if binary.LittleEndian.Uint32(data[vec:]) == 0 {
		return 0, 0, errors.New("formatstest: the file has no record batches")
	}
	block := vec + 4 // Block: offset int64, metaDataLength int32, pad, bodyLength int64
	msgAt := int(binary.LittleEndian.Uint64(data[block:]))
	body = msgAt + int(binary.LittleEndian.Uint32(data[block+8:]))
	// An encapsulated message: 0xFFFFFFFF, int32 length, then the Message.
	msg := msgAt + 8
	if binary.LittleEndian.Uint32(data[msgAt:]) != 0xFFFFFFFF {
		msg = msgAt + 4 // legacy format without the continuation marker
	}
	h := fbField(data, fbDeref(data, msg), 2) // Message.header
	if h == 0 {
		return 0, 0, errors.New("formatstest: message without a header")
	}
	return fbDeref(data, h), body, nil
}

// PatchFooter returns a copy of a Parquet file whose footer edit changed,
// its pages left where they are: row counts, sizes and offsets then say
// whatever edit made them say.
func PatchFooter(data []byte, edit func(*format.FileMetaData)) ([]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("formatstest: not a Parquet file")
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	var meta format.FileMetaData
	if err := thrift.Unmarshal(&compact, data[len(data)-8-n:len(data)-8], &meta); err != nil {
		return nil, fmt.Errorf("formatstest: footer: %w", err)
	}
	edit(&meta)
	footer, err := thrift.Marshal(&compact, &meta)
	if err != nil {
		return nil, err
	}
	out := append(bytes.Clone(data[:len(data)-8-n]), footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...), nil
}
