package formats

// Guards against hostile Arrow IPC files. arrow-go checks the file blocks
// of the footer against the file's size, but allocates a compressed
// buffer's stated decompressed size before decompressing it (a 64-bit
// number from the file) and converts the schema's nested fields
// recursively. The allocator below refuses buffers beyond the limits, and
// the footer's schema is walked first with a bound on its nesting.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

const (
	// arrowMaxDepth bounds the nesting of an Arrow schema's fields; the
	// canonical tables are flat.
	arrowMaxDepth = 64
	// arrowMaxFields bounds the fields of a schema, nested ones included.
	arrowMaxFields = 100_000
)

// flatbuf reads a FlatBuffers buffer with every offset checked: a bad
// offset is an error, never a panic or a loop (offsets to tables and
// vectors only point forward).
type flatbuf []byte

var errFlatbuf = errors.New("offset out of bounds")

func (b flatbuf) u32(pos int) (uint32, error) {
	if pos < 0 || pos > len(b)-4 {
		return 0, errFlatbuf
	}
	return binary.LittleEndian.Uint32(b[pos:]), nil
}

// deref follows the unsigned offset stored at pos.
func (b flatbuf) deref(pos int) (int, error) {
	u, err := b.u32(pos)
	if err != nil || int64(pos)+int64(u) > int64(len(b)) {
		return 0, errFlatbuf
	}
	return pos + int(u), nil
}

// field returns the position of field i of the table at t, or 0 when the
// table does not have it.
func (b flatbuf) field(t, i int) (int, error) {
	so, err := b.u32(t)
	if err != nil {
		return 0, err
	}
	vt := int64(t) - int64(int32(so))
	if vt < 0 || vt > int64(len(b))-4 {
		return 0, errFlatbuf
	}
	vtSize := int(binary.LittleEndian.Uint16(b[vt:]))
	at := int(vt) + 4 + 2*i
	if 4+2*i >= vtSize { // the test of FlatBuffers' Go runtime (an odd size reads past it)
		return 0, nil
	}
	if at+2 > len(b) {
		return 0, errFlatbuf
	}
	off := int(binary.LittleEndian.Uint16(b[at:]))
	if off == 0 {
		return 0, nil
	}
	return t + off, nil
}

// vector returns the position of the first element and the length of the
// vector that field i of table t points to (0, 0 when absent).
func (b flatbuf) vector(t, i int, elemBytes int) (int, int, error) {
	f, err := b.field(t, i)
	if err != nil || f == 0 {
		return 0, 0, err
	}
	v, err := b.deref(f)
	if err != nil {
		return 0, 0, err
	}
	n, err := b.u32(v)
	if err != nil || uint64(n)*uint64(elemBytes) > uint64(len(b)-v-4) {
		return 0, 0, errFlatbuf
	}
	return v + 4, int(n), nil
}

// arrowFooter returns the footer flatbuffer of an Arrow IPC file, or nil
// when its stated size does not fit the object (the IPC reader says so).
func arrowFooter(r io.ReaderAt, size int64) (flatbuf, int64, error) {
	const tail = 10 // int32 footer size + "ARROW1"
	if size < tail+8 {
		return nil, 0, nil
	}
	var t [4]byte
	if _, err := r.ReadAt(t[:], size-tail); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, err
	}
	n := int64(int32(binary.LittleEndian.Uint32(t[:])))
	if n <= 0 || n > size-tail-8 {
		return nil, 0, nil
	}
	off := size - tail - n
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, err
	}
	return b, off, nil
}

// checkArrowSchema walks the fields of the footer's schema, refusing
// nesting deeper than arrowMaxDepth and more than arrowMaxFields fields.
func checkArrowSchema(b flatbuf) error {
	root, err := b.deref(0)
	if err != nil {
		return err
	}
	sf, err := b.field(root, 1) // Footer.schema
	if err != nil || sf == 0 {
		return err
	}
	schema, err := b.deref(sf)
	if err != nil {
		return err
	}
	type item struct{ table, depth int }
	var stack []item
	push := func(t, fieldIdx, depth int) error {
		v, n, err := b.vector(t, fieldIdx, 4)
		if err != nil {
			return err
		}
		if depth > arrowMaxDepth {
			return fmt.Errorf("fields nested more than %d deep", arrowMaxDepth)
		}
		for k := range n {
			ft, err := b.deref(v + 4*k)
			if err != nil {
				return err
			}
			stack = append(stack, item{ft, depth})
		}
		return nil
	}
	// arrow-go makes slices of the length of these vectors: their claimed
	// lengths must fit the buffer.
	if err := b.vectors(schema, [][2]int{{2, 4}, {3, 8}}); err != nil { // Schema.custom_metadata, features
		return err
	}
	if err := push(schema, 1, 1); err != nil { // Schema.fields
		return err
	}
	for seen := 0; len(stack) > 0; seen++ {
		if seen >= arrowMaxFields {
			return fmt.Errorf("more than %d fields", arrowMaxFields)
		}
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if err := b.vectors(it.table, [][2]int{{6, 4}}); err != nil { // Field.custom_metadata
			return err
		}
		if err := push(it.table, 5, it.depth+1); err != nil { // Field.children
			return err
		}
	}
	return nil
}

// vectors checks the vectors of table t named by (field, element size).
func (b flatbuf) vectors(t int, fields [][2]int) error {
	for _, f := range fields {
		if _, _, err := b.vector(t, f[0], f[1]); err != nil {
			return err
		}
	}
	return nil
}

// checkArrowMessages checks the metadata of every dictionary and record
// batch the footer lists, where arrow-go makes slices by what it says:
// the vectors of the record batch fit the message, and the variadic
// buffer counts of view columns name buffers the batch has.
func checkArrowMessages(r io.ReaderAt, size int64, b flatbuf) error {
	root, err := b.deref(0)
	if err != nil {
		return err
	}
	for _, list := range []int{2, 3} { // Footer.dictionaries, recordBatches
		v, n, err := b.vector(root, list, 24) // Block: offset, metaDataLength, pad, bodyLength
		if err != nil {
			return err
		}
		for k := range n {
			blk := b[v+24*k:]
			off := int64(binary.LittleEndian.Uint64(blk))
			metaLen := int64(int32(binary.LittleEndian.Uint32(blk[8:])))
			if off < 0 || metaLen < 8 || metaLen > size-off {
				continue // arrow-go refuses the block
			}
			meta := make(flatbuf, metaLen)
			if _, err := r.ReadAt(meta, off); err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			start := 8 // continuation marker and length
			if binary.LittleEndian.Uint32(meta) != 0xFFFFFFFF {
				start = 4 // before format 0.15: the length alone
			}
			if err := checkArrowMessage(meta[start:]); err != nil {
				return fmt.Errorf("message at byte %d: %w", off, err)
			}
		}
	}
	return nil
}

func checkArrowMessage(b flatbuf) error {
	msg, err := b.deref(0)
	if err != nil {
		return err
	}
	if err := b.vectors(msg, [][2]int{{4, 4}}); err != nil { // Message.custom_metadata
		return err
	}
	ht, err := b.field(msg, 1) // Message.header_type
	if err != nil || ht == 0 || ht >= len(b) {
		return err
	}
	hf, err := b.field(msg, 2) // Message.header
	if err != nil || hf == 0 {
		return err
	}
	h, err := b.deref(hf)
	if err != nil {
		return err
	}
	switch b[ht] {
	case 2: // DictionaryBatch: its data is a RecordBatch
		df, err := b.field(h, 1)
		if err != nil || df == 0 {
			return err
		}
		if h, err = b.deref(df); err != nil {
			return err
		}
	case 3: // RecordBatch
	default:
		return nil
	}
	if err := b.vectors(h, [][2]int{{1, 16}}); err != nil { // RecordBatch.nodes
		return err
	}
	_, nbuf, err := b.vector(h, 2, 16) // RecordBatch.buffers
	if err != nil {
		return err
	}
	vv, nv, err := b.vector(h, 4, 8) // RecordBatch.variadicBufferCounts
	if err != nil {
		return err
	}
	var sum uint64
	for k := range nv {
		c := binary.LittleEndian.Uint64(b[vv+8*k:])
		if sum += c; c > uint64(nbuf) || sum > uint64(nbuf) {
			return fmt.Errorf("%d variadic buffers, the batch has %d", c, nbuf)
		}
	}
	return nil
}

// limitAllocator is the Arrow allocator of one file. arrow-go allocates a
// compressed buffer's stated decompressed size before decompressing it;
// this allocator refuses any one allocation larger than max (the larger
// of Limits.ColumnChunkBytes and the object's size, which bounds every
// buffer read as stored) by panicking with an allocLimitError, which the
// IPC reader's recover, or readArrow's, turns into an error.
type limitAllocator struct {
	mem memory.Allocator
	max int64
}

// allocLimitError is the panic value of a refused allocation.
type allocLimitError struct{ size, max int64 }

func (e *allocLimitError) Error() string {
	return fmt.Sprintf("a buffer of %d bytes decompressed, more than the limit of %d", e.size, e.max)
}

func (a *limitAllocator) check(n int) {
	if int64(n) > a.max {
		panic(&allocLimitError{size: int64(n), max: a.max})
	}
}

func (a *limitAllocator) Allocate(n int) []byte { a.check(n); return a.mem.Allocate(n) }

func (a *limitAllocator) Reallocate(n int, b []byte) []byte {
	a.check(n)
	return a.mem.Reallocate(n, b)
}

func (a *limitAllocator) Free(b []byte) { a.mem.Free(b) }
