package formats

import "github.com/recon-dev/recon/internal/mem"

// Strings is a column of byte strings in one arena: value i is
// Bytes[Offsets[i]:Offsets[i+1]]. The zero value is an empty column. It holds
// no pointers per value, so the garbage collector never scans it.
type Strings struct {
	Bytes   []byte
	Offsets []uint32 // len = number of values + 1 once anything is appended
}

// Len returns the number of values.
func (s *Strings) Len() int {
	if len(s.Offsets) == 0 {
		return 0
	}
	return len(s.Offsets) - 1
}

// At returns value i; the slice aliases the arena.
func (s *Strings) At(i int) []byte { return s.Bytes[s.Offsets[i]:s.Offsets[i+1]] }

// String returns value i as a new string.
func (s *Strings) String(i int) string { return string(s.At(i)) }

// Append adds a value.
func (s *Strings) Append(b []byte) {
	if len(s.Offsets) == 0 {
		s.Offsets = append(s.Offsets, 0)
	}
	s.Bytes = append(s.Bytes, b...)
	s.Offsets = append(s.Offsets, uint32(len(s.Bytes)))
}

// AppendString adds a value.
func (s *Strings) AppendString(v string) {
	if len(s.Offsets) == 0 {
		s.Offsets = append(s.Offsets, 0)
	}
	s.Bytes = append(s.Bytes, v...)
	s.Offsets = append(s.Offsets, uint32(len(s.Bytes)))
}

// appendRun adds the first n values of another arena, value k being
// bytes[offsets[k]:offsets[k+1]]: one copy of their bytes, the offsets
// moved to this arena.
func (s *Strings) appendRun(bytes []byte, offsets []uint32, n int) {
	if len(s.Offsets) == 0 {
		s.Offsets = append(s.Offsets, 0)
	}
	if n == 0 {
		return
	}
	first, base := offsets[0], uint32(len(s.Bytes))
	s.Bytes = append(s.Bytes, bytes[first:offsets[n]]...)
	s.Offsets = mem.Grow(s.Offsets, n)
	for _, o := range offsets[1 : n+1] {
		s.Offsets = append(s.Offsets, base+o-first)
	}
}

// Reset empties the column, keeping its memory.
func (s *Strings) Reset() {
	s.Bytes = s.Bytes[:0]
	s.Offsets = append(s.Offsets[:0], 0)
}

// Col is one decoded column: Str for String, ID, Currency; Int for Enum
// (code), Decimal (minor units), Timestamp (µs), Date (days) and Bool (0/1).
// Nulls in optional columns decode to "" or 0.
//
// A string column may instead come in dictionary form, when the file
// dictionary-encodes it: then Dict is set, value r is Dict.At(Idx[r]), an
// Idx of -1 is a null (""), and Str is empty. Consumers then do per-value
// work (interning, lookups) once per dictionary entry. Use At, or check
// Dict, to read either form. Like the rest of a batch, Dict is the reader's
// memory, valid until the callback it is handed to returns.
type Col struct {
	Str  Strings
	Int  []int64
	Dict *Strings
	Idx  []int32
	// Installed marks Str or Int as the consumer's own array, put there
	// by a Prepare hook (see ReadOptions.Prepare); Base is the number of
	// values it held before the batch's rows, which follow.
	Installed bool
	Base      int
}

// Ints returns the batch's values of an Int column (after Base, when the
// consumer's array is installed).
func (c *Col) Ints() []int64 { return c.Int[c.Base:] }

// Install makes the consumer's array the destination of a column for the
// next batch (from a ReadOptions.Prepare hook).
func (c *Col) Install(str *Strings, ints []int64) {
	c.Installed = true
	if str != nil {
		c.Str, c.Base = *str, str.Len()
		if len(c.Str.Offsets) == 0 {
			c.Str.Offsets = append(c.Str.Offsets, 0)
		}
	} else {
		c.Int, c.Base = ints, len(ints)
	}
}

// At returns string value r of the column in either form.
func (c *Col) At(r int) []byte {
	if c.Dict != nil {
		if k := c.Idx[r]; k >= 0 {
			return c.Dict.At(int(k))
		}
		return nil
	}
	return c.Str.At(r)
}

// strLen returns the number of string values in either form.
func (c *Col) strLen() int {
	if c.Dict != nil {
		return len(c.Idx)
	}
	return c.Str.Len()
}

// materialize turns the dictionary form into plain strings.
func (c *Col) materialize() {
	if c.Dict == nil {
		return
	}
	var s Strings
	s.Offsets = append(s.Offsets, 0)
	for r := range c.Idx {
		s.Append(c.At(r))
	}
	c.Str, c.Dict, c.Idx = s, nil, c.Idx[:0]
}

// Batch is a run of rows of one table, decoded column by column. A reader
// reuses a Batch for the next run once its callback returns: keep nothing
// that aliases it.
type Batch struct {
	Schema   *Schema
	Len      int   // rows in the batch
	FirstRow int64 // 0-based index in the object of the batch's first row
	RowGroup int   // Parquet row group or Arrow record batch index
	Cols     []Col // one per Schema.Columns
	// ObjectRows is the object's row count as its footer states it (0 when
	// not known), so that consumers can size their columns once.
	ObjectRows int64
	// chunk is the Parquet reader's column chunk buffer, kept for the
	// next object read into the batch.
	chunk []byte
	// own is the Parquet reader's memory for the dictionary-encoded
	// chunks it decodes itself (dictChunk), one per column, kept likewise.
	own []dictChunk
}

// ownChunk returns column i's dictChunk.
func (b *Batch) ownChunk(i int) *dictChunk {
	if i >= len(b.own) {
		b.own = append(b.own, make([]dictChunk, i+1-len(b.own))...)
	}
	return &b.own[i]
}

// NewBatch returns an empty batch for s.
func NewBatch(s *Schema) *Batch {
	return &Batch{Schema: s, Cols: make([]Col, len(s.Columns))}
}

// retarget makes an empty batch one of schema s, its columns' buffers
// handed to s's columns in order, each kind to its kind: a reader of
// several tables in turn (a platform's transactions, then its balances)
// decodes them all into one batch's memory, not one batch's a table.
// Buffers s has no column for are left to the collector: kept for the
// next table, they held more memory than allocating them again takes
// (10M store: 975 MiB peak against 908).
func (b *Batch) retarget(s *Schema) {
	var strs []Strings
	var ints [][]int64
	var idxs [][]int32
	for _, c := range b.Cols {
		if cap(c.Str.Offsets) > 0 || cap(c.Str.Bytes) > 0 {
			strs = append(strs, c.Str)
		}
		if cap(c.Int) > 0 {
			ints = append(ints, c.Int)
		}
		if cap(c.Idx) > 0 {
			idxs = append(idxs, c.Idx)
		}
	}
	b.Schema, b.Cols = s, make([]Col, len(s.Columns))
	for i, col := range s.Columns {
		c := &b.Cols[i]
		if isStringType(col.Type) && col.Type != Enum {
			if len(strs) > 0 {
				c.Str, strs = strs[0], strs[1:]
			}
			if len(idxs) > 0 {
				c.Idx, idxs = idxs[0], idxs[1:]
			}
		} else if len(ints) > 0 {
			c.Int, ints = ints[0], ints[1:]
		}
	}
}

func (b *Batch) reset() {
	b.Len = 0
	for i := range b.Cols {
		c := &b.Cols[i]
		if c.Installed {
			// The consumer's array: not ours to truncate or keep.
			c.Str, c.Int, c.Base, c.Installed = Strings{}, nil, 0, false
		}
		c.Str.Reset()
		c.Int = c.Int[:0]
		c.Dict, c.Idx = nil, c.Idx[:0]
	}
}
