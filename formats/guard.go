package formats

// Guards against hostile Parquet files. parquet-go trusts the sizes and
// counts a file states about itself: a thrift list in the footer claiming
// two billion elements is allocated before a byte of it is read (the
// process dies: "fatal error: runtime: out of memory", which no recover
// catches); unknown struct fields nested a million deep are skipped
// recursively and come back as an error message of tens of megabytes; a
// page header's uncompressed size is allocated as stated, and a zstd frame
// decodes to whatever it expands to, whatever the header said; a corrupt
// LZ4_RAW page makes parquet-go's codec double its output buffer forever.
// The guards below read what parquet-go will read and check it first, so
// that every such file is a clear *Error (ErrCorrupt or ErrLimit), never a
// crash, a hang or an allocation beyond Limits.

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/andybalholm/brotli"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

const (
	// thriftMaxDepth bounds the nesting of thrift structs and containers.
	// A Parquet footer nests about eight deep (file, row groups, column
	// chunk, metadata, statistics, ...); 64 leaves room for extensions.
	thriftMaxDepth = 64
	// thriftMaxElements bounds one thrift list, set or map, as Arrow C++
	// does (thrift_container_size_limit, 1,000,000): a thousand row groups
	// of a hundred columns stay far below it.
	thriftMaxElements = 1_000_000
	// errTextMax bounds how much of a library's error message goes into a
	// reason: messages can quote whole structures of the hostile file.
	errTextMax = 300
)

// thrift compact protocol type codes.
const (
	tBoolTrue  = 1
	tBoolFalse = 2
	tByte      = 3
	tI16       = 4
	tI32       = 5
	tI64       = 6
	tDouble    = 7
	tBinary    = 8
	tList      = 9
	tSet       = 10
	tMap       = 11
	tStruct    = 12
)

// checkThrift walks one thrift compact-protocol struct at the start of b
// without decoding it and returns its length in bytes. It refuses nesting
// deeper than thriftMaxDepth, containers claiming more elements than the
// bytes left could hold (or more than thriftMaxElements) and binaries
// longer than the bytes left: what would make a decoder allocate by the
// claim or recurse without end. It never recurses itself.
func checkThrift(b []byte) (int, error) {
	type frame struct {
		kind      byte // tStruct, tList (lists and sets) or tMap
		key, elem byte // element type; for a map, key and value types
		left      int  // elements left; for a map, keys and values left
	}
	pos := 0
	fail := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("thrift at byte %d: "+format, append([]any{pos}, args...)...)
	}
	readByte := func() (byte, bool) {
		if pos >= len(b) {
			return 0, false
		}
		pos++
		return b[pos-1], true
	}
	readUvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(b[pos:])
		if n <= 0 {
			return 0, false
		}
		pos += n
		return v, true
	}
	stack := []frame{{kind: tStruct}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		var typ byte
		switch top.kind {
		case tStruct:
			h, ok := readByte()
			if !ok {
				return fail("truncated struct")
			}
			if h == 0 { // STOP
				stack = stack[:len(stack)-1]
				continue
			}
			typ = h & 0x0f
			if h>>4 == 0 { // long form: the field id follows
				if _, ok := readUvarint(); !ok {
					return fail("truncated field id")
				}
			}
			if typ == tBoolTrue || typ == tBoolFalse {
				continue // the value is in the type
			}
		case tList:
			if top.left == 0 {
				stack = stack[:len(stack)-1]
				continue
			}
			top.left--
			typ = top.elem
		case tMap:
			if top.left == 0 {
				stack = stack[:len(stack)-1]
				continue
			}
			typ = top.elem
			if top.left%2 == 0 {
				typ = top.key
			}
			top.left--
		}
		switch typ {
		case tBoolTrue, tBoolFalse, tByte: // in containers, booleans take a byte
			if _, ok := readByte(); !ok {
				return fail("truncated value")
			}
		case tI16, tI32, tI64:
			if _, ok := readUvarint(); !ok {
				return fail("truncated integer")
			}
		case tDouble:
			if len(b)-pos < 8 {
				return fail("truncated double")
			}
			pos += 8
		case tBinary:
			n, ok := readUvarint()
			if !ok || n > uint64(len(b)-pos) {
				return fail("binary of %d bytes with %d left", n, len(b)-pos)
			}
			pos += int(n)
		case tList, tSet:
			h, ok := readByte()
			if !ok {
				return fail("truncated list")
			}
			n := uint64(h >> 4)
			if n == 15 {
				if n, ok = readUvarint(); !ok {
					return fail("truncated list size")
				}
			}
			if n > uint64(len(b)-pos) || n > thriftMaxElements {
				return fail("list of %d elements with %d bytes left", n, len(b)-pos)
			}
			stack = append(stack, frame{kind: tList, elem: h & 0x0f, left: int(n)})
		case tMap:
			n, ok := readUvarint()
			if !ok {
				return fail("truncated map size")
			}
			var kv byte
			if n > 0 {
				if kv, ok = readByte(); !ok {
					return fail("truncated map")
				}
			}
			if n > uint64(len(b)-pos)/2 || n > thriftMaxElements {
				return fail("map of %d entries with %d bytes left", n, len(b)-pos)
			}
			stack = append(stack, frame{kind: tMap, key: kv >> 4, elem: kv & 0x0f, left: 2 * int(n)})
		case tStruct:
			stack = append(stack, frame{kind: tStruct})
		default:
			return fail("unknown type %d", typ)
		}
		if len(stack) > thriftMaxDepth {
			return fail("nested more than %d deep", thriftMaxDepth)
		}
	}
	return pos, nil
}

// parquetTailBytes is what parquet-go reads of an object's end at first
// (its ReadBufferSize): the tail the guard reads serves that read too.
const parquetTailBytes = 4096

// checkParquetFooter checks the footer of a Parquet object (its magic
// bytes already checked) before parquet-go decodes it. It returns the
// object's tail from off, footer included, which the caller serves
// parquet-go from memory.
func checkParquetFooter(r io.ReaderAt, size int64) (off int64, tail []byte, err error) {
	var end [8]byte
	if _, err := r.ReadAt(end[:], size-8); err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, err
	}
	n := int64(binary.LittleEndian.Uint32(end[:4]))
	if n > size-12 {
		return 0, nil, fmt.Errorf("%w: the footer says it has %d bytes, the object has %d", ErrCorrupt, n, size)
	}
	off = size - max(n+8, min(size, parquetTailBytes))
	tail = make([]byte, size-off)
	if _, err := r.ReadAt(tail, off); err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, err
	}
	footer := tail[len(tail)-8-int(n) : len(tail)-8]
	used, err := checkThrift(footer)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: footer: %v", ErrCorrupt, err)
	}
	if int64(used) != n {
		// parquet-go reads trailing bytes as a footer signature: only with
		// encryption, which recon does not read.
		return 0, nil, fmt.Errorf("%w: footer: %d bytes after its end", ErrCorrupt, n-int64(used))
	}
	return off, tail, nil
}

// cachedReader serves reads that fall inside regions held in memory (the
// footer, the column chunk being read) and passes the rest on. Reads of a
// region are what parquet-go does right after the guard checked it, so the
// bytes checked are the bytes decoded, and the object is read once.
type cachedReader struct {
	r       io.ReaderAt
	regions [2]region // 0: the tail of the object (footer), 1: the current column chunk
}

type region struct {
	off  int64
	data []byte
}

func (c *cachedReader) ReadAt(p []byte, off int64) (int, error) {
	for _, rg := range c.regions {
		if off >= rg.off && off+int64(len(p)) <= rg.off+int64(len(rg.data)) && len(rg.data) > 0 {
			return copy(p, rg.data[off-rg.off:]), nil
		}
	}
	return c.r.ReadAt(p, off)
}

// loadChunk reads the byte range parquet-go reads for a column chunk (from
// its dictionary page, if any, to the end of its pages) into memory.
func (c *cachedReader) loadChunk(cm *format.ColumnMetaData, size int64) ([]byte, error) {
	start := cm.DataPageOffset
	if cm.DictionaryPageOffset != 0 {
		start = cm.DictionaryPageOffset // as parquet-go does
	}
	n := cm.TotalCompressedSize
	if start < 0 || n < 0 || start > size || n > size-start {
		return nil, fmt.Errorf("%w: column chunk of %d bytes at byte %d, in an object of %d bytes", ErrCorrupt, n, start, size)
	}
	buf := c.regions[1].data
	if int64(cap(buf)) < n {
		buf = make([]byte, int(n))
	}
	buf = buf[:n]
	c.regions[1] = region{} // not served while it is being filled
	if _, err := c.r.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	c.regions[1] = region{off: start, data: buf}
	return buf, nil
}

// chunkGuard checks the pages of one column chunk before parquet-go reads
// them: every page header is sound thrift, every page lies inside the
// chunk, data pages hold no more values than the row group has rows,
// dictionaries no more entries than their bytes could hold, and what the
// pages decompress to (what parquet-go will allocate, whatever the headers
// say) stays within limit bytes.
type chunkGuard struct {
	codec    format.CompressionCodec // of the column's first chunk, as parquet-go uses it
	kind     parquet.Kind
	typeLen  int   // FIXED_LEN_BYTE_ARRAY length
	rows     int64 // rows of the row group
	limit    int64 // Limits.ColumnChunkBytes; 0: none
	protocol thrift.CompactProtocol
	pages    []pageRef // the pages checked, appended to
}

func (g *chunkGuard) check(chunk []byte) error {
	var decoded, values int64
	for page := 0; len(chunk) > 0; page++ {
		n, err := checkThrift(chunk)
		if err != nil {
			return fmt.Errorf("%w: page %d header: %v", ErrCorrupt, page, err)
		}
		var h format.PageHeader
		if err := thrift.Unmarshal(&g.protocol, chunk[:n], &h); err != nil {
			return fmt.Errorf("%w: page %d header: %s", ErrCorrupt, page, errText(err))
		}
		chunk = chunk[n:]
		if h.CompressedPageSize < 0 || int(h.CompressedPageSize) > len(chunk) {
			return fmt.Errorf("%w: page %d of %d bytes, %d left in the column chunk", ErrCorrupt, page, h.CompressedPageSize, len(chunk))
		}
		if h.UncompressedPageSize < 0 {
			return fmt.Errorf("%w: page %d says it decompresses to %d bytes", ErrCorrupt, page, h.UncompressedPageSize)
		}
		data := chunk[:h.CompressedPageSize]
		chunk = chunk[h.CompressedPageSize:]
		g.pages = append(g.pages, pageRef{h: h, data: data})
		if h.CRC != 0 { // as parquet-go checks it, before anything is decoded
			if sum := crc32.ChecksumIEEE(data); sum != uint32(h.CRC) {
				return fmt.Errorf("%w: page %d: CRC %08x, the header says %08x: the page changed after it was written", ErrCorrupt, page, sum, uint32(h.CRC))
			}
		}
		// What the page takes decompressed: what its header says or what
		// its bytes decode to, whichever is more.
		var bound int64
		if v2 := h.DataPageHeaderV2; v2.Valid && v2.V.IsCompressed.Valid && !v2.V.IsCompressed.V {
			bound = int64(len(data)) // not decompressed
		} else {
			levels := 0 // data page v2: levels stored before the compressed values
			if v2.Valid {
				if l := int64(v2.V.RepetitionLevelsByteLength) + int64(v2.V.DefinitionLevelsByteLength); l >= 0 && l <= int64(len(data)) {
					levels = int(l)
				}
			}
			b, err := g.decodedBound(data[levels:], int64(h.UncompressedPageSize)-int64(levels), decoded)
			if err != nil {
				return fmt.Errorf("%w: page %d: %v", ErrCorrupt, page, err)
			}
			bound = int64(levels) + b
		}
		pageBytes := max(int64(h.UncompressedPageSize), bound)
		decoded += pageBytes
		if g.limit > 0 && decoded > g.limit {
			return fmt.Errorf("%w: column chunk of at least %d bytes decompressed, more than the limit of %d", ErrLimit, decoded, g.limit)
		}
		var nv int64
		switch {
		case h.DataPageHeader.Valid:
			nv = int64(h.DataPageHeader.V.NumValues)
		case h.DataPageHeaderV2.Valid:
			nv = int64(h.DataPageHeaderV2.V.NumValues)
		case h.DictionaryPageHeader.Valid:
			entries := int64(h.DictionaryPageHeader.V.NumValues)
			most := pageBytes / g.minEntryBytes()
			if g.kind == parquet.Boolean {
				most = pageBytes * 8 // bit-packed
			}
			if entries > most {
				return fmt.Errorf("%w: page %d: a dictionary of %d entries in %d bytes", ErrCorrupt, page, entries, pageBytes)
			}
		}
		if values += nv; nv < 0 || values > g.rows {
			return fmt.Errorf("%w: page %d: the pages hold more values than the row group's %d rows", ErrCorrupt, page, g.rows)
		}
	}
	return nil
}

// minEntryBytes is the least a dictionary entry of the column's type takes.
func (g *chunkGuard) minEntryBytes() int64 {
	switch g.kind {
	case parquet.Int32, parquet.Float, parquet.ByteArray: // BYTE_ARRAY: a 4-byte length
		return 4
	case parquet.Int64, parquet.Double:
		return 8
	case parquet.Int96:
		return 12
	case parquet.FixedLenByteArray:
		return int64(max(g.typeLen, 1))
	}
	return 1
}

// decodedBound returns at least what a page's compressed bytes decode to
// with the column's codec, as parquet-go's codecs will decode them, or
// why they are corrupt. claim is what the header says; used is what the
// chunk's earlier pages take.
func (g *chunkGuard) decodedBound(src []byte, claim, used int64) (int64, error) {
	room := int64(1<<62) - used // what the limit leaves for this page
	if g.limit > 0 {
		room = g.limit - used
	}
	switch g.codec {
	case format.Uncompressed:
		return int64(len(src)), nil // not decoded
	case format.Snappy:
		n, k := binary.Uvarint(src) // the block's stated length: decoded to exactly that
		if k <= 0 {
			return 0, errors.New("SNAPPY block without a length")
		}
		return int64(min(n, 1<<62)), nil
	case format.Zstd:
		n, exact, err := zstdBound(src)
		if err != nil {
			return 0, fmt.Errorf("ZSTD: %v", err)
		}
		if !exact && n <= zstdDecodeMax {
			// Frames that state no size (klauspost's encoder writes none
			// for content under 256 bytes) are bounded loosely, by their
			// window per block: decode small ones for their exact size, so
			// that limits are met exactly. The bound keeps this small.
			out, err := parquet.Zstd.Decode(nil, src)
			if err != nil {
				return 0, fmt.Errorf("ZSTD: %s", errText(err))
			}
			return int64(len(out)), nil
		}
		return n, nil
	case format.Gzip, format.Brotli:
		// Streams that state no size: decode them once, stopping past the
		// room left.
		var dec io.Reader
		if g.codec == format.Gzip {
			zr, err := gzip.NewReader(bytes.NewReader(src))
			if err != nil {
				return 0, fmt.Errorf("GZIP: %s", errText(err))
			}
			dec = zr
		} else {
			dec = brotli.NewReader(bytes.NewReader(src))
		}
		n, err := io.Copy(io.Discard, io.LimitReader(dec, max(room, 0)+1))
		if err != nil {
			return 0, fmt.Errorf("%s: %s", g.codec, errText(err))
		}
		return n, nil
	case format.Lz4Raw:
		// parquet-go retries a block that fails to decode with an output
		// buffer twice as large, forever: decode it once here into what the
		// header says (within the limit), and refuse it if that fails.
		if claim > room {
			return claim, nil // the limit refuses it
		}
		n, err := lz4.UncompressBlock(src, make([]byte, max(claim, 0)))
		if err != nil {
			return 0, fmt.Errorf("LZ4_RAW page does not decode to its stated %d bytes: %s", claim, errText(err))
		}
		return int64(n), nil
	}
	return claim, nil // parquet-go cannot decode it and says so
}

// zstdDecodeMax is the largest bound of zstd frames that state no size
// that the guard decodes to learn their size.
const zstdDecodeMax = 64 << 10

// zstdBound returns an upper bound of what the zstd frames of src decode
// to, from their frame and block headers alone (RFC 8878): a frame stating
// its content size decodes to exactly that (the decoder allocates it and
// stops past it); otherwise raw and RLE blocks decode to their stated size
// and a compressed block to at most the block maximum, min(window, 128 KiB).
// exact says every frame stated its size.
func zstdBound(src []byte) (int64, bool, error) {
	exact := true
	const blockMax = 128 << 10
	var total int64
	for len(src) > 0 {
		if len(src) < 4 {
			return 0, false, fmt.Errorf("%d stray bytes", len(src))
		}
		magic := binary.LittleEndian.Uint32(src)
		if magic&0xFFFFFFF0 == 0x184D2A50 { // skippable frame
			if len(src) < 8 || uint64(binary.LittleEndian.Uint32(src[4:])) > uint64(len(src)-8) {
				return 0, false, errors.New("truncated skippable frame")
			}
			src = src[8+binary.LittleEndian.Uint32(src[4:]):]
			continue
		}
		if magic != 0xFD2FB528 {
			return 0, false, fmt.Errorf("not a zstd frame (magic %08x)", magic)
		}
		src = src[4:]
		if len(src) < 1 {
			return 0, false, errors.New("truncated frame header")
		}
		fhd := src[0]
		src = src[1:]
		single := fhd&0x20 != 0
		if fhd&0x08 != 0 {
			return 0, false, errors.New("reserved bit set in the frame header")
		}
		var window uint64
		if !single {
			if len(src) < 1 {
				return 0, false, errors.New("truncated frame header")
			}
			exp, mant := uint64(src[0]>>3), uint64(src[0]&7)
			base := uint64(1) << (10 + exp)
			window = base + base/8*mant
			src = src[1:]
		}
		dictLen := [4]int{0, 1, 2, 4}[fhd&3]
		fcsLen := [4]int{0, 2, 4, 8}[fhd>>6]
		if fhd>>6 == 0 && single {
			fcsLen = 1
		}
		if len(src) < dictLen+fcsLen {
			return 0, false, errors.New("truncated frame header")
		}
		src = src[dictLen:]
		fcs, hasFCS := uint64(0), fcsLen > 0
		switch fcsLen {
		case 1:
			fcs = uint64(src[0])
		case 2:
			fcs = uint64(binary.LittleEndian.Uint16(src)) + 256
		case 4:
			fcs = uint64(binary.LittleEndian.Uint32(src))
		case 8:
			fcs = binary.LittleEndian.Uint64(src)
		}
		src = src[fcsLen:]
		if single {
			window = fcs
		}
		var frame uint64
		for last := false; !last; {
			if len(src) < 3 {
				return 0, false, errors.New("truncated block header")
			}
			bh := uint32(src[0]) | uint32(src[1])<<8 | uint32(src[2])<<16
			src = src[3:]
			last = bh&1 != 0
			size := uint64(bh >> 3)
			stored := size
			switch (bh >> 1) & 3 {
			case 0: // raw
				frame += size
			case 1: // RLE: one byte, repeated size times
				frame += size
				stored = 1
			case 2: // compressed
				frame += min(window, blockMax)
			default:
				return 0, false, errors.New("reserved block type")
			}
			if stored > uint64(len(src)) {
				return 0, false, errors.New("truncated block")
			}
			src = src[stored:]
		}
		if fhd&0x04 != 0 { // content checksum
			if len(src) < 4 {
				return 0, false, errors.New("truncated checksum")
			}
			src = src[4:]
		}
		if hasFCS {
			frame = fcs
		} else {
			exact = false
		}
		if frame > 1<<40 || total+int64(frame) > 1<<40 {
			return 0, false, fmt.Errorf("frames of more than %d bytes", int64(1)<<40)
		}
		total += int64(frame)
	}
	return total, exact, nil
}

// errText returns a library error's message, cut to errTextMax bytes.
func errText(err error) string {
	s := err.Error()
	if len(s) > errTextMax {
		return s[:errTextMax] + "..."
	}
	return s
}
