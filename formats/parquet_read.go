package formats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"

	"github.com/recon-dev/recon/internal/mem"
)

// readParquet decodes a Parquet object into batches, one per row group.
func readParquet(ctx context.Context, key string, r io.ReaderAt, size int64, s *Schema, opt ReadOptions, fn func(*Batch) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			// parquet-go panics on some malformed files; such a file is
			// corrupt input, not an engine bug.
			err = &Error{Key: key, RowGroup: -1, Err: panicErr(p)}
			if opt.Debug {
				err = fmt.Errorf("%w\n%s", err, debug.Stack())
			}
		}
	}()
	f, cr, err := openParquet(key, r, size)
	if err != nil {
		return err
	}
	if lim := opt.Limits.RowsPerObject; lim > 0 && f.NumRows() > lim {
		return &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: the file says it has %d rows, more than the limit of %d", ErrLimit, f.NumRows(), lim)}
	}
	cols, err := bindParquet(key, f, s, opt)
	if err != nil {
		return err
	}
	meta := f.Metadata()
	var total int64
	for _, rg := range meta.RowGroups {
		if rg.NumRows < 0 {
			return &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: negative row count in a row group", ErrCorrupt)}
		}
		total += rg.NumRows
	}
	if total != f.NumRows() {
		return &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: row groups hold %d rows, the footer says %d", ErrCorrupt, total, f.NumRows())}
	}

	errs := newErrorList(key, opt.Limits.ErrorsPerObject)
	src := &batchSource{opt: opt, s: s}
	defer src.close()
	if opt.Batches == nil {
		// The column chunk buffer goes from object to object with the
		// batch (parquet-go reads copies of it, never the buffer itself).
		b, _ := src.next(ctx)
		cr.regions[1].data = b.chunk[:0]
		defer func() { b.chunk = cr.regions[1].data }()
	}
	var firstRow int64
	for rgi, rg := range f.RowGroups() {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := src.next(ctx)
		if err != nil {
			return err
		}
		b.Len = int(rg.NumRows())
		b.FirstRow = firstRow
		b.ObjectRows = f.NumRows()
		b.RowGroup = rgi
		if opt.Prepare != nil {
			opt.Prepare(b)
		}
		chunkMeta := meta.RowGroups[rgi].Columns
		for _, c := range cols {
			// Every chunk's stated size is checked before the batch is
			// sized from them.
			if c.leaf.Index() >= len(chunkMeta) {
				return &Error{Key: key, RowGroup: rgi, Column: c.col.Name, Err: fmt.Errorf("%w: the row group has no chunk of the column", ErrCorrupt)}
			}
			if lim := opt.Limits.ColumnChunkBytes; lim > 0 {
				if cm := chunkMeta[c.leaf.Index()].MetaData; cm.TotalUncompressedSize > lim {
					return &Error{Key: key, RowGroup: rgi, Column: c.col.Name, Err: fmt.Errorf(
						"%w: column chunk of %d bytes decompressed, more than the limit of %d", ErrLimit, cm.TotalUncompressedSize, lim)}
				}
			}
		}
		b.reserve(cols, b.Len, chunkMeta)
		if b.FirstRow == 0 {
			b.reserveObject(cols, meta.RowGroups, size)
		}
		chunks := rg.ColumnChunks()
		for _, c := range cols {
			cm := &chunkMeta[c.leaf.Index()].MetaData
			data, err := cr.loadChunk(cm, size)
			if err != nil {
				return &Error{Key: key, RowGroup: rgi, Column: c.col.Name, Err: err}
			}
			// parquet-go decodes every chunk of a column with the codec of
			// its first row group's chunk: the guard checks what it will do.
			guard := chunkGuard{codec: meta.RowGroups[0].Columns[c.leaf.Index()].MetaData.Codec, kind: c.kind,
				typeLen: c.leaf.Type().Length(), rows: rg.NumRows(), limit: opt.Limits.ColumnChunkBytes, pages: c.pages[:0]}
			err = guard.check(data)
			c.pages = guard.pages
			if err != nil {
				return &Error{Key: key, RowGroup: rgi, Column: c.col.Name, Err: err}
			}
			sk := &sink{col: c.col, out: &b.Cols[c.idx], limits: &opt.Limits}
			report := func(row int64, err error) bool {
				return errs.add(rgi, firstRow+row+1, c.col.Name, err)
			}
			if c.ownsChunk(c.pages) {
				err = c.readDictChunk(ctx, c.pages, b.ownChunk(c.idx), guard.codec, sk, report)
			} else {
				err = c.readChunk(ctx, chunks[c.leaf.Index()], sk, report)
			}
			if err != nil {
				return &Error{Key: key, RowGroup: rgi, Column: c.col.Name, Err: err}
			}
			if errs.full() {
				return errs.err()
			}
			if got := colLen(c.col, &b.Cols[c.idx]); got >= 0 && got != b.Len && errs.empty() {
				return &Error{Key: key, RowGroup: rgi, Column: c.col.Name, Err: fmt.Errorf(
					"%w: column has %d values, the row group %d rows", ErrCorrupt, got, b.Len)}
			}
		}
		for i, col := range s.Columns {
			if !hasBinding(cols, i) && b.Len > 0 && !col.Discard {
				fillNull(col, &b.Cols[i], b.Len)
			}
		}
		if errs.empty() {
			src.handed()
			if err := fn(b); err != nil {
				return err
			}
		}
		firstRow += rg.NumRows()
	}
	return errs.err()
}

// openParquet checks a Parquet object's magic bytes and footer (guard.go)
// and opens it. parquet-go reads through the returned cachedReader: the
// footer, and each column chunk once loadChunk has checked it, are served
// from memory.
func openParquet(key string, r io.ReaderAt, size int64) (*parquet.File, *cachedReader, error) {
	if err := checkMagic(r, size, parquetMagic, true); err != nil {
		return nil, nil, &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: %v", ErrNotParquet, err)}
	}
	cr := &cachedReader{r: r}
	foff, footer, err := checkParquetFooter(r, size)
	if err != nil {
		return nil, nil, &Error{Key: key, RowGroup: -1, Err: err}
	}
	cr.regions[0] = region{off: foff, data: footer}
	f, err := parquet.OpenFile(cr, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, nil, &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: %s", ErrCorrupt, errText(err))}
	}
	return f, cr, nil
}

// reserve sizes the batch's columns for a row group of n rows, so that
// decoding never grows them (string arenas from the chunks' decompressed
// sizes, an upper bound). A string column whose chunk is dictionary
// encoded comes out in dictionary form, indexes into the decoded
// dictionary: it gets room for the indexes, not for the values, which a
// writer's fallback to plain pages (rare) grows as it goes. At 1M rows a
// row group, the values' room would be some 30 MB a transactions table
// that nothing writes, held as long as the batch.
func (b *Batch) reserve(cols []*pqCol, n int, chunks []format.ColumnChunk) {
	for _, c := range cols {
		out := &b.Cols[c.idx]
		meta := &chunks[c.leaf.Index()].MetaData
		switch {
		case c.col.Discard:
		case isStringType(c.col.Type) && c.col.Type != Enum:
			if !out.Installed && dictionaryEncoded(meta) {
				out.Idx = mem.Grow(out.Idx, n)
				break
			}
			out.Str.Offsets = mem.Grow(out.Str.Offsets, n+1)
			if size := meta.TotalUncompressedSize; size > 0 && size < 1<<31 {
				out.Str.Bytes = mem.Grow(out.Str.Bytes, int(size))
			}
		default:
			out.Int = mem.Grow(out.Int, n)
		}
	}
}

// dictionaryEncoded reports whether a column chunk's values are dictionary
// encoded, as its metadata says: it has a dictionary page, or lists the
// encoding of indexes into one.
func dictionaryEncoded(meta *format.ColumnMetaData) bool {
	return meta.DictionaryPageOffset > 0 || slices.ContainsFunc(meta.Encoding, dictIndexes)
}

// reserveObject sizes the installed string columns (the caller's own
// arenas, appended to across row groups) for the whole object at once:
// growing them row group by row group would copy them over and over, and
// hold two copies at the peak. The footer's sizes are an upper bound
// (they count each value's length prefix); a footer that claims more than
// the object could expand to is not trusted, and the arena then grows as
// it goes.
func (b *Batch) reserveObject(cols []*pqCol, groups []format.RowGroup, size int64) {
	const maxExpansion = 16 // uncompressed bytes per byte of object a claim may reach
	for _, c := range cols {
		out := &b.Cols[c.idx]
		if !out.Installed || c.col.Discard || !isStringType(c.col.Type) || c.col.Type == Enum {
			continue
		}
		var total int64
		for _, rg := range groups {
			if i := c.leaf.Index(); i < len(rg.Columns) {
				if n := rg.Columns[i].MetaData.TotalUncompressedSize; n > 0 {
					total += n
				}
			}
		}
		if total <= 0 || total > maxExpansion*size || total >= 1<<32 {
			continue
		}
		if cap(out.Str.Bytes)-len(out.Str.Bytes) < int(total) {
			// With room to spare: the consumer's next object may be a
			// little larger (see reconcile's Platform.Recycle).
			out.Str.Bytes = mem.Grow(out.Str.Bytes, int(total+total/64))
		}
	}
}

func hasBinding(cols []*pqCol, i int) bool {
	for _, c := range cols {
		if c.idx == i {
			return true
		}
	}
	return false
}

// fillNull fills an optional column the file does not have.
func fillNull(col Column, out *Col, n int) {
	if isStringType(col.Type) {
		for range n {
			out.Str.Append(nil)
		}
		return
	}
	out.Int = append(out.Int, make([]int64, n)...)
}

func colLen(col Column, c *Col) int {
	if col.Discard {
		return -1
	}
	if isStringType(col.Type) && col.Type != Enum {
		return c.strLen() - c.Base
	}
	return len(c.Int) - c.Base
}

// pqCol binds a schema column to a leaf column of the file.
type pqCol struct {
	idx    int
	col    Column
	leaf   *parquet.Column
	kind   parquet.Kind
	maxDef byte
	dec    decimalConv
	tsUnit int64 // for timestamps: how many source units make a microsecond (negative: how many µs per unit)
	// cs is the state of the chunk being read, kept from one row group to
	// the next so that its per-entry arrays are not allocated again.
	cs chunkState
	// pages are the pages of the chunk being read, as the guard found
	// them (their memory kept from chunk to chunk).
	pages []pageRef
}

func bindParquet(key string, f *parquet.File, s *Schema, opt ReadOptions) ([]*pqCol, error) {
	var cols []*pqCol
	var errs []error
	for i, col := range s.Columns {
		leaf := f.Root().Column(col.Name)
		if leaf == nil {
			if col.Required {
				errs = append(errs, &Error{Key: key, RowGroup: -1, Column: col.Name, Err: ErrMissingColumn})
			}
			continue
		}
		c, err := bindParquetColumn(i, col, leaf, opt.Scale)
		if err != nil {
			errs = append(errs, &Error{Key: key, RowGroup: -1, Column: col.Name, Err: err})
			continue
		}
		cols = append(cols, c)
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return cols, nil
}

func bindParquetColumn(i int, col Column, leaf *parquet.Column, scale int) (*pqCol, error) {
	if !leaf.Leaf() || leaf.Repeated() || leaf.MaxRepetitionLevel() > 0 {
		return nil, fmt.Errorf("%w: want %s, the file has a nested or repeated column", ErrWrongType, col.Type)
	}
	typ := leaf.Type()
	kind := typ.Kind()
	lt := typ.LogicalType()
	var ltv format.LogicalTypeValue
	if lt != nil {
		ltv = lt.Value
	}
	c := &pqCol{idx: i, col: col, leaf: leaf, kind: kind, maxDef: byte(leaf.MaxDefinitionLevel())}
	wrong := func() error {
		desc := kind.String()
		if ltv != nil {
			desc += " " + ltv.String()
		}
		return fmt.Errorf("%w: want %s, the file has %s", ErrWrongType, col.Type, desc)
	}
	switch col.Type {
	case String, ID, Enum, Currency:
		if kind != parquet.ByteArray {
			return nil, wrong()
		}
		switch ltv.(type) {
		case nil, *format.StringType, *format.EnumType:
		default:
			return nil, wrong()
		}
	case Decimal:
		if kind == parquet.Float || kind == parquet.Double {
			return nil, fmt.Errorf("%w: the file has %s", ErrFloatMoney, kind)
		}
		d, ok := ltv.(*format.DecimalType)
		if !ok {
			return nil, fmt.Errorf("%w: want DECIMAL(18,%d), the file has %s without a DECIMAL annotation", ErrWrongType, scale, kind)
		}
		switch kind {
		case parquet.Int32, parquet.Int64, parquet.FixedLenByteArray, parquet.ByteArray:
		default:
			return nil, wrong()
		}
		if d.Scale < 0 || d.Precision <= 0 || d.Scale > d.Precision || d.Precision > 76 {
			return nil, fmt.Errorf("%w: invalid %s", ErrWrongType, d)
		}
		c.dec = decimalConv{fromScale: int(d.Scale), toScale: scale}
	case Timestamp:
		ts, ok := ltv.(*format.TimestampType)
		switch {
		case kind == parquet.Int96 && ltv == nil:
			// Legacy Spark/Impala timestamps: nanoseconds of day and Julian day.
		case kind == parquet.Int64 && ok && ts.Unit.Value != nil:
			switch ts.Unit.Value.(type) {
			case *format.MilliSeconds:
				c.tsUnit = -1000
			case *format.MicroSeconds:
				c.tsUnit = 1
			case *format.NanoSeconds:
				c.tsUnit = 1000
			default:
				return nil, wrong()
			}
		default:
			return nil, wrong()
		}
	case Date:
		if _, ok := ltv.(*format.DateType); kind != parquet.Int32 || !ok {
			return nil, wrong()
		}
	case Bool:
		if kind != parquet.Boolean {
			return nil, wrong()
		}
	}
	return c, nil
}

// readChunk decodes every page of one column chunk into the sink. report
// records a row error (row is 0-based within the chunk) and says whether to
// go on.
func (c *pqCol) readChunk(ctx context.Context, cc parquet.ColumnChunk, s *sink, report func(int64, error) bool) error {
	pages := cc.Pages()
	defer pages.Close()
	var row int64
	cs := &c.cs
	cs.reset()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %s", ErrCorrupt, errText(err))
		}
		n, err := c.readPage(p, s, cs, row, report)
		parquet.Release(p)
		if err != nil {
			return err
		}
		row += n
	}
}

// chunkState caches the conversion of a column chunk's dictionary: each
// entry is checked and converted once, however many rows use it.
type chunkState struct {
	dict     any           // the dictionary's identity: parquet-go's, or the column's own (readDictChunk)
	pv       pageValues    // the dictionary's values
	state    []uint8       // per entry: 0 not yet converted, 1 good, 2 bad
	val      []int64       // per good entry: enum code or converted number
	err      map[int]error // per bad entry
	dictForm bool          // the column is being handed out in dictionary form
	allGood  bool          // dictForm, and every entry is checked and good
}

const (
	entryUnknown uint8 = iota
	entryGood
	entryBad
)

// reset readies the state for a new column chunk, keeping its arrays.
func (cs *chunkState) reset() {
	*cs = chunkState{state: cs.state[:0], val: cs.val[:0]}
}

// useDict switches the state to a page's dictionary.
func (cs *chunkState) useDict(c *pqCol, d parquet.Dictionary, s *sink) error {
	if cs.dict == d {
		return nil
	}
	src := d.Page().Data()
	pv, err := newPageValues(c.kind, &src)
	if err != nil {
		return err
	}
	return cs.setDict(c, d, pv, s)
}

// setDict switches the state to dictionary d, whose values are pv.
func (cs *chunkState) setDict(c *pqCol, d any, pv pageValues, s *sink) error {
	if cs.dictForm {
		// A second dictionary in one batch: hand out plain strings.
		s.out.materialize()
		cs.dictForm, cs.allGood = false, false
	}
	// A dictionary may hold most of a row group's values: the per-entry
	// state is reused from the last one, and errors (rare) kept apart.
	cs.dict, cs.pv, cs.allGood = d, pv, false
	cs.state = mem.Grow(cs.state[:0], pv.n)[:pv.n]
	clear(cs.state)
	cs.val = mem.Grow(cs.val[:0], pv.n)[:pv.n]
	cs.err = nil
	if isStringType(c.col.Type) && c.col.Type != Enum && !c.col.Discard && !s.out.Installed && s.out.Str.Len() == 0 && s.out.Dict == nil {
		// The column is still empty in this batch: hand it out as the
		// dictionary and indexes. The values are handed out as they are,
		// not copied (at 100M rows a side a row group's account dictionary
		// holds ~550k names): parquet-go's decoding of the dictionary page,
		// or the column's own (readDictChunk), which the next row group's
		// dictionary overwrites once the batch is handed back.
		cs.dictForm = true
		s.out.Dict = &Strings{Offsets: pv.offsets, Bytes: pv.bytes}
		if pv.n == 0 {
			s.out.Dict.Offsets = []uint32{0} // an empty dictionary
		}
		cs.checkAll(c, s)
	}
	return nil
}

// checkAll checks every entry of a dictionary handed out in dictionary
// form at once, in order, rather than each as a row first uses it: such a
// dictionary can hold most of a row group's values, and its entries are
// then read in order rather than at random. A bad entry is still reported
// only at the rows that use it.
func (cs *chunkState) checkAll(c *pqCol, s *sink) {
	pv := &cs.pv
	ascii := isASCII(pv.bytes[pv.offsets[0]:pv.offsets[pv.n]])
	if s.textsOK(pv, pv.n, ascii) {
		for k := range pv.n {
			cs.state[k] = entryGood
		}
		cs.allGood = true
		return
	}
	good := true
	for k := range pv.n {
		if err := s.checkText(pv.bytes[pv.offsets[k]:pv.offsets[k+1]], ascii); err != nil {
			if cs.err == nil {
				cs.err = map[int]error{}
			}
			cs.state[k], cs.err[k] = entryBad, err
			good = false
			continue
		}
		cs.state[k] = entryGood
	}
	cs.allGood = good
}

// entry converts dictionary entry k once.
func (cs *chunkState) entry(c *pqCol, s *sink, k int) {
	var v int64
	var err error
	if isStringType(c.col.Type) {
		var code int
		code, err = s.check(cs.pv.bytes[cs.pv.offsets[k]:cs.pv.offsets[k+1]])
		v = int64(code)
	} else {
		v, err = c.number(&cs.pv, k)
	}
	if err != nil {
		if cs.err == nil {
			cs.err = map[int]error{}
		}
		cs.state[k], cs.err[k] = entryBad, err
		return
	}
	cs.state[k], cs.val[k] = entryGood, v
}

func (c *pqCol) readPage(p parquet.Page, s *sink, cs *chunkState, row int64, report func(int64, error) bool) (int64, error) {
	n := p.NumValues()
	defs := p.DefinitionLevels()
	if len(defs) > 0 && int64(len(defs)) != n {
		return 0, fmt.Errorf("%w: %d definition levels for %d values", ErrCorrupt, len(defs), n)
	}
	if c.kind == parquet.Boolean {
		return n, c.readBoolPage(p, s, row, report)
	}
	nonNull := int(n)
	if len(defs) > 0 {
		nonNull = countDefined(defs, c.maxDef)
	}
	data := p.Data()
	if dict := p.Dictionary(); dict != nil {
		idx := data.Int32()
		if len(idx) < nonNull {
			return 0, fmt.Errorf("%w: page has %d dictionary indexes for %d values", ErrCorrupt, len(idx), nonNull)
		}
		if err := cs.useDict(c, dict, s); err != nil {
			return 0, err
		}
		return n, c.readDictPage(idx, defs, int(n), s, cs, row, report)
	}
	if cs.dictForm {
		// A plain page after dictionary pages (a writer's fallback).
		s.out.materialize()
		cs.dictForm, cs.allGood = false, false
	}
	pv, err := newPageValues(c.kind, &data)
	if err != nil {
		return 0, err
	}
	if pv.n < nonNull {
		return 0, fmt.Errorf("%w: page has %d values for %d rows", ErrCorrupt, pv.n, nonNull)
	}
	if c.readPlainFast(&pv, defs, int(n), nonNull, s, row, report) {
		return n, nil
	}
	j := 0
	for i := range int(n) {
		var err error
		if len(defs) > 0 && defs[i] != c.maxDef {
			err = s.null()
		} else {
			err = c.value(&pv, j, s)
			j++
		}
		if err != nil && !report(row+int64(i), err) {
			return n, nil
		}
	}
	return n, nil
}

// countDefined returns how many of a page's definition levels are of a
// value (maxDef), not a null.
func countDefined(defs []byte, maxDef byte) int {
	n := 0
	for _, d := range defs {
		if d == maxDef {
			n++
		}
	}
	return n
}

// readDictPage decodes a dictionary-encoded page through the chunk's
// converted dictionary.
func (c *pqCol) readDictPage(idx []int32, defs []byte, n int, s *sink, cs *chunkState, row int64, report func(int64, error) bool) error {
	if len(defs) == 0 && c.readDictFast(idx[:n], s, cs) {
		return nil
	}
	if len(defs) >= n && c.readDictNullable(idx, defs[:n], s, cs) {
		return nil
	}
	j := 0
	for i := range n {
		var err error
		if len(defs) > 0 && defs[i] != c.maxDef {
			if cs.dictForm {
				if c.col.Required {
					err = ErrNull
				} else {
					s.out.Idx = append(s.out.Idx, -1)
				}
			} else {
				err = s.null()
			}
		} else {
			k := int(idx[j])
			j++
			if k < 0 || k >= cs.pv.n {
				return fmt.Errorf("%w: dictionary index %d out of range 0..%d", ErrCorrupt, k, cs.pv.n-1)
			}
			if cs.state[k] == entryUnknown {
				cs.entry(c, s, k)
			}
			switch {
			case cs.state[k] == entryBad:
				err = cs.err[k]
			case cs.dictForm:
				s.out.Idx = append(s.out.Idx, int32(k))
			case c.col.Discard:
			case isStringType(c.col.Type) && c.col.Type != Enum:
				s.out.Str.Append(cs.pv.bytes[cs.pv.offsets[k]:cs.pv.offsets[k+1]])
			case c.col.Type == Enum:
				s.out.Int = append(s.out.Int, cs.val[k])
			default:
				err = s.integer(cs.val[k])
			}
		}
		if err != nil && !report(row+int64(i), err) {
			return nil
		}
	}
	return nil
}

// readDictFast reads a dictionary page without nulls whose entries are
// all good, the common case, in bulk: each entry is checked once, then the
// indexes (or enum codes) copied at once. It reports false, having added
// nothing, when the page needs readDictPage's row-by-row way (a bad
// entry, an index out of range, a column it does not cover).
func (c *pqCol) readDictFast(idx []int32, s *sink, cs *chunkState) bool {
	if !cs.dictForm && (c.col.Type != Enum || c.col.Discard) {
		return false
	}
	if cs.allGood {
		n := uint(cs.pv.n)
		for _, k := range idx {
			if uint(k) >= n {
				return false
			}
		}
		s.out.Idx = append(s.out.Idx, idx...)
		return true
	}
	for _, k := range idx {
		if uint(k) >= uint(cs.pv.n) {
			return false
		}
		if cs.state[k] != entryGood {
			if cs.state[k] == entryUnknown {
				cs.entry(c, s, int(k))
			}
			if cs.state[k] != entryGood {
				return false
			}
		}
	}
	if cs.dictForm {
		s.out.Idx = append(s.out.Idx, idx...)
		return true
	}
	var out []int64
	s.out.Int, out = extend(s.out.Int, len(idx))
	for i, k := range idx {
		out[i] = cs.val[k]
	}
	return true
}

// extend lengthens s by n elements, growing it as the batch's columns
// grow (mem.Grow) if it must, and returns it with the new elements,
// to be filled in place.
func extend[S ~[]E, E any](s S, n int) (S, S) {
	start := len(s)
	s = mem.Grow(s, n)[:start+n]
	return s, s[start:]
}

// readDictNullable is readDictFast for a page with definition levels (an
// optional column, loan_id say): a null's index is -1. It reports false,
// having added nothing, where readDictPage must go row by row (a null in
// a required column, an entry not known good, an index out of range).
func (c *pqCol) readDictNullable(idx []int32, defs []byte, s *sink, cs *chunkState) bool {
	if !cs.dictForm || !cs.allGood || c.col.Required {
		return false
	}
	nv := uint(cs.pv.n)
	all, out := extend(s.out.Idx, len(defs))
	j := 0
	for i, d := range defs {
		if d != c.maxDef {
			out[i] = -1
			continue
		}
		if j >= len(idx) || uint(idx[j]) >= nv {
			return false
		}
		out[i] = idx[j]
		j++
	}
	s.out.Idx = all
	return true
}

// appendOptional appends a plain page of an optional string column whose
// values are all good, in bulk: their bytes in one copy, a null an empty
// value (a discarded column's values are only checked). It reports false,
// having added nothing, when a value is bad.
func (c *pqCol) appendOptional(pv *pageValues, defs []byte, n, nonNull int, s *sink, ascii bool) bool {
	if !s.textsOK(pv, nonNull, ascii) {
		for j := range nonNull {
			if s.checkText(pv.bytes[pv.offsets[j]:pv.offsets[j+1]], ascii) != nil {
				return false
			}
		}
	}
	if c.col.Discard {
		return true
	}
	out := &s.out.Str
	first := pv.offsets[0]
	base := uint32(len(out.Bytes)) - first // value j ends at base + offsets[j+1], modulo 2^32
	out.Bytes = append(out.Bytes, pv.bytes[first:pv.offsets[nonNull]]...)
	var offs []uint32
	out.Offsets, offs = extend(out.Offsets, n)
	j := 0
	for i, d := range defs[:n] {
		if d == c.maxDef {
			j++
		}
		offs[i] = base + pv.offsets[j]
	}
	return true
}

// appendInts appends a plain page of int64 values that all keep the
// column's rule, in bulk (a null a 0 in an optional column; a discarded
// column's values are only checked). It reports false, having added
// nothing, when a value breaks the rule or a required value is null.
func (c *pqCol) appendInts(pv *pageValues, defs []byte, n, nonNull int, s *sink) bool {
	if nonNull < n && c.col.Required {
		return false
	}
	vals := pv.i64[:nonNull]
	lo, hi := s.ruleRange()
	for _, v := range vals {
		if v < lo || v > hi {
			return false
		}
	}
	switch {
	case c.col.Discard:
	case nonNull == n:
		s.out.Int = append(s.out.Int, vals...)
	default:
		var out []int64
		s.out.Int, out = extend(s.out.Int, n)
		j := 0
		for i, d := range defs[:n] {
			if d == c.maxDef {
				out[i] = vals[j]
				j++
			} else {
				out[i] = 0 // a null
			}
		}
	}
	return true
}

// readPlainFast decodes a plain page in bulk where the column's type
// allows; it reports false when it does not apply. defs are the page's
// definition levels (empty for a required column), nonNull the number of
// values they say are present.
func (c *pqCol) readPlainFast(pv *pageValues, defs []byte, n, nonNull int, s *sink, row int64, report func(int64, error) bool) bool {
	present := func(i int) bool { return len(defs) == 0 || defs[i] == c.maxDef }
	switch {
	case pv.kind == parquet.ByteArray && isStringType(c.col.Type) && c.col.Type != Enum:
		out := &s.out.Str
		if len(out.Offsets) == 0 && !c.col.Discard {
			out.Offsets = append(out.Offsets, 0)
		}
		ascii := isASCII(pv.bytes[pv.offsets[0]:pv.offsets[nonNull]]) // then no value needs its own UTF-8 check
		if len(defs) == 0 && !c.col.Discard {
			// The common case, a required column: one copy for the page.
			if !s.textsOK(pv, n, ascii) {
				for i := range n {
					if err := s.checkText(pv.bytes[pv.offsets[i]:pv.offsets[i+1]], ascii); err != nil && !report(row+int64(i), err) {
						return true
					}
				}
			}
			out.appendRun(pv.bytes, pv.offsets, n)
			return true
		}
		if !c.col.Required && len(defs) == n {
			if c.appendOptional(pv, defs, n, nonNull, s, ascii) {
				return true
			}
			// A bad value: row by row, to report it at its row.
		}
		j := 0
		for i := range n {
			if !present(i) {
				var err error
				if c.col.Required {
					err = ErrNull
				} else if !c.col.Discard {
					out.Offsets = append(out.Offsets, uint32(len(out.Bytes)))
				}
				if err != nil && !report(row+int64(i), err) {
					return true
				}
				continue
			}
			v := pv.bytes[pv.offsets[j]:pv.offsets[j+1]]
			j++
			if err := s.checkText(v, ascii); err != nil && !report(row+int64(i), err) {
				return true
			}
			if !c.col.Discard {
				out.Bytes = append(out.Bytes, v...)
				out.Offsets = append(out.Offsets, uint32(len(out.Bytes)))
			}
		}
		return true
	case pv.kind == parquet.Int64 && ((c.col.Type == Decimal && c.dec.fromScale == c.dec.toScale) || (c.col.Type == Timestamp && c.tsUnit == 1)):
		if c.appendInts(pv, defs, n, nonNull, s) {
			return true
		}
		// A bad value or a null where none may be: row by row, to report
		// each at its row.
		j := 0
		for i := range n {
			var err error
			if !present(i) {
				err = s.null()
			} else {
				v := pv.i64[j]
				j++
				if err = s.rule(v); err == nil && !c.col.Discard {
					s.out.Int = append(s.out.Int, v)
				}
			}
			if err != nil && !report(row+int64(i), err) {
				return true
			}
		}
		return true
	}
	return false
}

// pageValues holds the typed non-null values of one page (or of its
// dictionary), read out once per page.
type pageValues struct {
	kind     parquet.Kind
	bytes    []byte
	offsets  []uint32
	flbaSize int
	i32      []int32
	i64      []int64
	i96      []deprecated.Int96
	n        int
}

func newPageValues(kind parquet.Kind, v *encoding.Values) (pv pageValues, err error) {
	pv.kind = kind
	switch kind {
	case parquet.ByteArray:
		pv.bytes, pv.offsets = v.ByteArray()
		pv.n = len(pv.offsets) - 1
		if pv.n < 0 {
			pv.n = 0
		}
	case parquet.FixedLenByteArray:
		pv.bytes, pv.flbaSize = v.FixedLenByteArray()
		if pv.flbaSize <= 0 {
			return pv, fmt.Errorf("%w: fixed-length byte array of size %d", ErrCorrupt, pv.flbaSize)
		}
		pv.n = len(pv.bytes) / pv.flbaSize
	case parquet.Int32:
		pv.i32 = v.Int32()
		pv.n = len(pv.i32)
	case parquet.Int64:
		pv.i64 = v.Int64()
		pv.n = len(pv.i64)
	case parquet.Int96:
		pv.i96 = v.Int96()
		pv.n = len(pv.i96)
	default:
		return pv, fmt.Errorf("%w: unexpected physical type %s", ErrCorrupt, kind)
	}
	return pv, nil
}

func (c *pqCol) value(pv *pageValues, k int, s *sink) error {
	if pv.kind == parquet.ByteArray && c.col.Type != Decimal {
		return s.bytes(pv.bytes[pv.offsets[k]:pv.offsets[k+1]])
	}
	x, err := c.number(pv, k)
	if err != nil {
		return err
	}
	return s.integer(x)
}

// number converts value k of a numeric column (decimal, timestamp, date)
// to its int64 form, before the column's rule is checked.
func (c *pqCol) number(pv *pageValues, k int) (int64, error) {
	var v int64
	switch pv.kind {
	case parquet.ByteArray:
		return c.dec.bigEndian(pv.bytes[pv.offsets[k]:pv.offsets[k+1]])
	case parquet.FixedLenByteArray:
		return c.dec.bigEndian(pv.bytes[k*pv.flbaSize : (k+1)*pv.flbaSize])
	case parquet.Int32:
		v = int64(pv.i32[k])
	case parquet.Int64:
		v = pv.i64[k]
	case parquet.Int96:
		return int96Micros(pv.i96[k]), nil
	default:
		return 0, fmt.Errorf("%w: unexpected physical type %s", ErrCorrupt, pv.kind)
	}
	switch c.col.Type {
	case Decimal:
		return c.dec.int(v)
	case Timestamp:
		return scaleTimestamp(v, c.tsUnit), nil
	}
	return v, nil
}

// scaleTimestamp converts a timestamp in some unit to microseconds: unit 1
// is µs, -1000 ms (multiply), 1000 ns (floor divide).
func scaleTimestamp(v, unit int64) int64 {
	switch {
	case unit < 0:
		m := -unit
		if v > maxMicros/m || v < -maxMicros/m {
			return -1 // out of range; the sink rejects it
		}
		return v * m
	case unit > 1:
		q := v / unit
		if v%unit < 0 {
			q--
		}
		return q
	}
	return v
}

const julianUnixEpoch = 2_440_588

func int96Micros(v deprecated.Int96) int64 {
	nanos := int64(uint64(v[1])<<32 | uint64(v[0]))
	days := int64(v[2]) - julianUnixEpoch
	if days < -1_000_000 || days > 1_000_000 || nanos < 0 || nanos >= 86_400_000_000_000 {
		return -1
	}
	return days*86_400_000_000 + nanos/1000
}

func (c *pqCol) readBoolPage(p parquet.Page, s *sink, row int64, report func(int64, error) bool) error {
	vals := make([]parquet.Value, p.NumValues())
	n, err := p.Values().ReadValues(vals)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %s", ErrCorrupt, errText(err))
	}
	if int64(n) != p.NumValues() {
		return fmt.Errorf("%w: read %d of %d values", ErrCorrupt, n, p.NumValues())
	}
	for i, v := range vals[:n] {
		var err error
		if v.IsNull() {
			err = s.null()
		} else if v.Boolean() {
			err = s.integer(1)
		} else {
			err = s.integer(0)
		}
		if err != nil && !report(row+int64(i), err) {
			return nil
		}
	}
	return nil
}
