package formats

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/format"

	"github.com/recon-dev/recon/internal/mem"
)

// pageRef is one page of a column chunk as the guard read it: its header
// and its bytes, as stored.
type pageRef struct {
	h    format.PageHeader
	data []byte
}

// dictChunk is a column's memory for the chunks readDictChunk decodes
// itself, kept from one row group to the next: the dictionary's values
// (decompressed, then compacted in place) and offsets, a data page
// decompressed, its definition levels and its indexes. A dictionary handed
// out in a batch (Col.Dict) is a view of it, valid until the reader's
// callback returns.
type dictChunk struct {
	dict  []byte
	offs  []uint32
	page  []byte
	defs  []byte
	idx   []int32
	codec format.CompressionCodec
}

// ownsChunk reports whether readDictChunk decodes a chunk of c's with
// these pages itself: a byte array column whose chunk is one dictionary
// page of PLAIN values then data pages (v1 or v2) of dictionary indexes,
// without repetition levels, definition levels (if any) in RLE. Those are
// the string columns of id-like values (accounts, loans) that a writer
// dictionary-encodes, where a large dictionary costs parquet-go a copy of
// every entry into memory of its own, zeroed first, per row group (at 100M
// rows a side, 12 row groups of some 550k names a column). Any other chunk
// goes through parquet-go's pages.
func (c *pqCol) ownsChunk(pages []pageRef) bool {
	if c.kind != parquet.ByteArray || c.leaf.MaxRepetitionLevel() != 0 || len(pages) < 2 {
		return false
	}
	d := &pages[0].h
	if d.Type != format.DictionaryPage || !d.DictionaryPageHeader.Valid {
		return false
	}
	if e := d.DictionaryPageHeader.V.Encoding; e != format.Plain && e != plainDictionary {
		return false
	}
	for i := range pages[1:] {
		h := &pages[1+i].h
		switch h.Type {
		case format.DataPage:
			v := &h.DataPageHeader
			if !v.Valid || !dictIndexes(v.V.Encoding) || (c.maxDef > 0 && v.V.DefinitionLevelEncoding != format.RLE) {
				return false
			}
		case format.DataPageV2:
			v := &h.DataPageHeaderV2
			if !v.Valid || !dictIndexes(v.V.Encoding) || v.V.RepetitionLevelsByteLength != 0 ||
				(c.maxDef > 0 && v.V.DefinitionLevelsByteLength == 0 && v.V.NumValues > 0) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// dictIndexes reports whether a data page's encoding is of indexes into
// the chunk's dictionary (Parquet 1.0 writers name it PLAIN_DICTIONARY).
func dictIndexes(e format.Encoding) bool { return e == format.RLEDictionary || e == plainDictionary }

// plainDictionary is Parquet 1.0's name of the dictionary's encoding, in
// dictionary pages (PLAIN) and data pages (RLE_DICTIONARY): deprecated,
// still written.
const plainDictionary format.Encoding = 2

// readDictChunk decodes a chunk ownsChunk accepted, as readChunk does
// through parquet-go's pages: the same values and nulls, the same checks
// of every entry and index. The pages are decoded with codec into dc's
// memory.
func (c *pqCol) readDictChunk(ctx context.Context, pages []pageRef, dc *dictChunk, codec format.CompressionCodec, s *sink, report func(int64, error) bool) error {
	dc.codec = codec
	cs := &c.cs
	cs.reset()
	pv, err := dc.readDictionary(&pages[0].h, pages[0].data)
	if err != nil {
		return err
	}
	if err := cs.setDict(c, c, pv, s); err != nil {
		return err
	}
	var row int64
	for i := range pages[1:] {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := &pages[1+i]
		n, defs, idx, err := dc.readIndexes(&p.h, p.data, c.maxDef)
		if err != nil {
			return fmt.Errorf("%w: page %d: %v", ErrCorrupt, 1+i, err)
		}
		nonNull := n
		if len(defs) > 0 {
			nonNull = countDefined(defs, c.maxDef)
		}
		if len(idx) < nonNull {
			return fmt.Errorf("%w: page has %d dictionary indexes for %d values", ErrCorrupt, len(idx), nonNull)
		}
		if err := c.readDictPage(idx, defs, n, s, cs, row, report); err != nil {
			return err
		}
		row += int64(n)
	}
	return nil
}

// decompress returns a page's values decompressed with the chunk's codec
// into dst (grown to the size the header states), or data itself when the
// codec is none.
func (dc *dictChunk) decompress(dst []byte, data []byte, size int32) ([]byte, error) {
	if dc.codec == format.Uncompressed {
		return data, nil
	}
	if size < 0 {
		return nil, fmt.Errorf("the page says it decompresses to %d bytes", size)
	}
	dst = mem.Grow(dst[:0], int(size))
	out, err := parquet.LookupCompressionCodec(dc.codec).Decode(dst, data)
	if err != nil {
		return nil, fmt.Errorf("decompressing: %s", errText(err))
	}
	return out, nil
}

// readDictionary decodes the chunk's dictionary page: PLAIN byte arrays,
// each a 4-byte length and its bytes. The values are moved together in
// place, over the lengths, so that they lie end to end as Strings holds
// them, without a second copy.
func (dc *dictChunk) readDictionary(h *format.PageHeader, data []byte) (pageValues, error) {
	var src []byte
	if dc.codec == format.Uncompressed {
		// The values are moved in place: into memory of the column's own,
		// not the chunk's.
		src = append(mem.Grow(dc.dict[:0], len(data)), data...)
	} else {
		var err error
		if src, err = dc.decompress(dc.dict, data, h.UncompressedPageSize); err != nil {
			return pageValues{}, fmt.Errorf("%w: dictionary page: %v", ErrCorrupt, err)
		}
	}
	dc.dict = src
	offs := mem.Grow(dc.offs[:0], max(min(len(src)/4, int(h.DictionaryPageHeader.V.NumValues)), 0)+1)
	offs = append(offs, 0)
	w := 0
	for r := 0; r < len(src); {
		if len(src)-r < 4 {
			return pageValues{}, fmt.Errorf("%w: dictionary page: %d bytes left where a value's length takes 4", ErrCorrupt, len(src)-r)
		}
		n := binary.LittleEndian.Uint32(src[r:])
		r += 4
		if uint64(n) > uint64(len(src)-r) {
			return pageValues{}, fmt.Errorf("%w: dictionary page: a value of %d bytes, %d left", ErrCorrupt, n, len(src)-r)
		}
		if n <= 32 && r-w >= 32 && len(src)-r >= 32 {
			// Most values are short: moved as four words, not by a call to
			// memmove each. The four past w may run over the next value's
			// place, which the next value then fills; they stay short of r,
			// bytes already read.
			d, v := src[w:w+32:w+32], src[r:r+32:r+32]
			binary.LittleEndian.PutUint64(d, binary.LittleEndian.Uint64(v))
			binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(v[8:]))
			binary.LittleEndian.PutUint64(d[16:], binary.LittleEndian.Uint64(v[16:]))
			binary.LittleEndian.PutUint64(d[24:], binary.LittleEndian.Uint64(v[24:]))
			w += int(n)
		} else {
			w += copy(src[w:], src[r:r+int(n)])
		}
		r += int(n)
		offs = append(offs, uint32(w))
	}
	dc.offs = offs
	nv := len(offs) - 1
	if want := int(h.DictionaryPageHeader.V.NumValues); nv < want {
		return pageValues{}, fmt.Errorf("%w: dictionary page holds %d values, its header says %d", ErrCorrupt, nv, want)
	}
	return pageValues{kind: parquet.ByteArray, bytes: src[:w], offsets: offs, n: nv}, nil
}

// readIndexes decodes a data page of dictionary indexes: its number of
// values (nulls included), its definition levels (none for a required
// column) and the indexes of its non-null values, as parquet-go does:
// missing trailing indexes are zeros (writers drop a last run of them),
// extra ones dropped.
func (dc *dictChunk) readIndexes(h *format.PageHeader, data []byte, maxDef byte) (n int, defs []byte, idx []int32, err error) {
	var values []byte
	var nonNull int
	levels := rle.Encoding{BitWidth: bits.Len8(maxDef)}
	switch h.Type {
	case format.DataPage:
		v := &h.DataPageHeader.V
		n = int(v.NumValues)
		if values, err = dc.decompress(dc.page, data, h.UncompressedPageSize); err != nil {
			return 0, nil, nil, err
		}
		if dc.codec != format.Uncompressed {
			dc.page = values
		}
		nonNull = n
		if maxDef > 0 {
			if len(values) < 4 {
				return 0, nil, nil, fmt.Errorf("definition levels cut short")
			}
			m := binary.LittleEndian.Uint32(values)
			if uint64(m) > uint64(len(values)-4) {
				return 0, nil, nil, fmt.Errorf("definition levels of %d bytes, %d left", m, len(values)-4)
			}
			if defs, err = dc.levels(&levels, values[4:4+m], n); err != nil {
				return 0, nil, nil, err
			}
			values = values[4+m:]
			nonNull = countDefined(defs, maxDef)
		}
	case format.DataPageV2:
		v := &h.DataPageHeaderV2.V
		n = int(v.NumValues)
		m := int(v.DefinitionLevelsByteLength)
		if m < 0 || m > len(data) {
			return 0, nil, nil, fmt.Errorf("definition levels of %d bytes in a page of %d", m, len(data))
		}
		if maxDef > 0 {
			if defs, err = dc.levels(&levels, data[:m], n); err != nil {
				return 0, nil, nil, err
			}
		}
		values = data[m:]
		if !v.IsCompressed.Valid || v.IsCompressed.V {
			if values, err = dc.decompress(dc.page, values, h.UncompressedPageSize-int32(m)); err != nil {
				return 0, nil, nil, err
			}
			if dc.codec != format.Uncompressed {
				dc.page = values
			}
		}
		nonNull = n - int(v.NumNulls)
	}
	if n < 0 || nonNull < 0 {
		return 0, nil, nil, fmt.Errorf("%d values, %d of them not null", n, nonNull)
	}
	var enc rle.DictionaryEncoding
	idx, err = enc.DecodeInt32(dc.idx[:0], values)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("dictionary indexes: %s", errText(err))
	}
	if len(idx) < nonNull {
		idx = append(idx, make([]int32, nonNull-len(idx))...)
	}
	dc.idx = idx
	return n, defs, idx[:nonNull], nil
}

// levels decodes n definition levels.
func (dc *dictChunk) levels(enc *rle.Encoding, src []byte, n int) ([]byte, error) {
	defs, err := enc.DecodeLevels(dc.defs[:0], src)
	if err != nil {
		return nil, fmt.Errorf("definition levels: %s", errText(err))
	}
	dc.defs = defs
	if len(defs) < n {
		return nil, fmt.Errorf("%d definition levels for %d values", len(defs), n)
	}
	return defs[:n], nil
}
