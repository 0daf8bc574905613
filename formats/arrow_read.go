package formats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// readArrow decodes an Arrow IPC file, one batch per record batch.
func readArrow(ctx context.Context, key string, r io.ReaderAt, size int64, s *Schema, opt ReadOptions, fn func(*Batch) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Key: key, RowGroup: -1, Err: panicErr(p)}
			if opt.Debug {
				err = fmt.Errorf("%w\n%s", err, debug.Stack())
			}
		}
	}()
	if err := checkMagic(r, size, arrowMagic, false); err != nil {
		return &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: %v", ErrNotArrow, err)}
	}
	footer, _, err := arrowFooter(r, size)
	if err != nil {
		return &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: reading the footer: %v", ErrCorrupt, err)}
	}
	if footer != nil {
		if err := checkArrowSchema(footer); err != nil {
			return &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: footer: %v", ErrCorrupt, err)}
		}
		if err := checkArrowMessages(r, size, footer); err != nil {
			return &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
		}
	}
	var mem memory.Allocator = memory.DefaultAllocator
	if lim := opt.Limits.ColumnChunkBytes; lim > 0 {
		mem = &limitAllocator{mem: memory.DefaultAllocator, max: max(lim, size)}
	}
	fr, err := ipc.NewFileReader(io.NewSectionReader(r, 0, size), ipc.WithAllocator(mem))
	if err != nil {
		return &Error{Key: key, RowGroup: -1, Err: arrowErr(err)}
	}
	defer fr.Close()
	cols, err := bindArrow(key, fr.Schema(), s, opt.Scale)
	if err != nil {
		return err
	}
	errs := newErrorList(key, opt.Limits.ErrorsPerObject)
	src := &batchSource{opt: opt, s: s}
	defer src.close()
	var firstRow int64
	for i := range fr.NumRecords() {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := src.next(ctx)
		if err != nil {
			return err
		}
		rec, err := fr.RecordBatch(i)
		if err != nil {
			return &Error{Key: key, RowGroup: i, Err: fmt.Errorf("record batch %d: %w", i, arrowErr(err))}
		}
		n := rec.NumRows()
		if lim := opt.Limits.RowsPerObject; lim > 0 && firstRow+n > lim {
			return &Error{Key: key, RowGroup: i, Err: fmt.Errorf("%w: more than %d rows", ErrLimit, lim)}
		}
		b.Len = int(n)
		b.FirstRow = firstRow
		b.RowGroup = i
		if opt.Prepare != nil {
			opt.Prepare(b)
		}
		for _, c := range cols {
			arr := rec.Column(c.field)
			if arr.Len() != int(n) {
				return &Error{Key: key, RowGroup: i, Column: c.col.Name, Err: fmt.Errorf("%w: %d values in a batch of %d rows", ErrCorrupt, arr.Len(), n)}
			}
			if lim := opt.Limits.ColumnChunkBytes; lim > 0 && int64(arrowBytes(arr)) > lim {
				return &Error{Key: key, RowGroup: i, Column: c.col.Name, Err: fmt.Errorf("%w: column of %d bytes, more than the limit of %d", ErrLimit, arrowBytes(arr), lim)}
			}
			sk := &sink{col: c.col, out: &b.Cols[c.idx], limits: &opt.Limits}
			for row := range int(n) {
				if err := c.value(arr, row, sk); err != nil {
					if !errs.add(i, firstRow+int64(row)+1, c.col.Name, err) {
						return errs.err()
					}
				}
			}
		}
		for j, col := range s.Columns {
			if !hasArrowBinding(cols, j) && !col.Discard {
				fillNull(col, &b.Cols[j], b.Len)
			}
		}
		if errs.empty() {
			src.handed()
			if err := fn(b); err != nil {
				return err
			}
		}
		firstRow += n
	}
	return errs.err()
}

func arrowBytes(a arrow.Array) int {
	n := 0
	for _, buf := range a.Data().Buffers() {
		if buf != nil {
			n += buf.Len()
		}
	}
	return n
}

func hasArrowBinding(cols []arrowCol, i int) bool {
	for _, c := range cols {
		if c.idx == i {
			return true
		}
	}
	return false
}

// arrowCol binds a schema column to a field of the Arrow schema.
type arrowCol struct {
	idx   int
	field int
	col   Column
	dec   decimalConv
	unit  int64 // timestamp: as for scaleTimestamp
	date  bool  // Date64 (ms) rather than Date32 (days)
}

func bindArrow(key string, as *arrow.Schema, s *Schema, scale int) ([]arrowCol, error) {
	var cols []arrowCol
	var errs []error
	for i, col := range s.Columns {
		idx := as.FieldIndices(col.Name)
		if len(idx) == 0 {
			if col.Required {
				errs = append(errs, &Error{Key: key, RowGroup: -1, Column: col.Name, Err: ErrMissingColumn})
			}
			continue
		}
		if len(idx) > 1 {
			errs = append(errs, &Error{Key: key, RowGroup: -1, Column: col.Name, Err: fmt.Errorf("%w: the column appears %d times", ErrWrongType, len(idx))})
			continue
		}
		c := arrowCol{idx: i, field: idx[0], col: col}
		if err := c.bind(as.Field(idx[0]).Type, scale); err != nil {
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

func (c *arrowCol) bind(t arrow.DataType, scale int) error {
	wrong := fmt.Errorf("%w: want %s, the file has %s", ErrWrongType, c.col.Type, t)
	switch c.col.Type {
	case String, ID, Enum, Currency:
		switch tt := t.(type) {
		case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		case *arrow.DictionaryType:
			switch tt.ValueType.(type) {
			case *arrow.StringType, *arrow.LargeStringType:
			default:
				return wrong
			}
		default:
			return wrong
		}
	case Decimal:
		switch tt := t.(type) {
		case *arrow.Float16Type, *arrow.Float32Type, *arrow.Float64Type:
			return fmt.Errorf("%w: the file has %s", ErrFloatMoney, t)
		case arrow.DecimalType:
			if tt.GetScale() < 0 || tt.GetScale() > tt.GetPrecision() {
				return fmt.Errorf("%w: invalid %s", ErrWrongType, t)
			}
			c.dec = decimalConv{fromScale: int(tt.GetScale()), toScale: scale}
		default:
			return fmt.Errorf("%w: want decimal128(18,%d), the file has %s", ErrWrongType, scale, t)
		}
	case Timestamp:
		tt, ok := t.(*arrow.TimestampType)
		if !ok {
			return wrong
		}
		switch tt.Unit {
		case arrow.Second:
			c.unit = -1_000_000
		case arrow.Millisecond:
			c.unit = -1000
		case arrow.Microsecond:
			c.unit = 1
		case arrow.Nanosecond:
			c.unit = 1000
		}
	case Date:
		switch t.(type) {
		case *arrow.Date32Type:
		case *arrow.Date64Type:
			c.date = true
		default:
			return wrong
		}
	case Bool:
		if _, ok := t.(*arrow.BooleanType); !ok {
			return wrong
		}
	}
	return nil
}

func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func (c *arrowCol) value(arr arrow.Array, i int, s *sink) error {
	if arr.IsNull(i) {
		return s.null()
	}
	switch a := arr.(type) {
	case *array.String:
		return s.bytes(bytesOf(a.Value(i)))
	case *array.LargeString:
		return s.bytes(bytesOf(a.Value(i)))
	case *array.StringView:
		return s.bytes(bytesOf(a.Value(i)))
	case *array.Dictionary:
		return c.value(a.Dictionary(), a.GetValueIndex(i), s)
	case *array.Decimal32:
		x, err := c.dec.int(int64(a.Value(i)))
		return decimalTo(s, x, err)
	case *array.Decimal64:
		x, err := c.dec.int(int64(a.Value(i)))
		return decimalTo(s, x, err)
	case *array.Decimal128:
		v := a.Value(i)
		if hi, lo := v.HighBits(), v.LowBits(); (hi == 0 && lo < 1<<63) || (hi == -1 && lo >= 1<<63) {
			x, err := c.dec.int(int64(lo))
			return decimalTo(s, x, err)
		}
		x, err := c.dec.big(v.BigInt())
		return decimalTo(s, x, err)
	case *array.Decimal256:
		x, err := c.dec.big(a.Value(i).BigInt())
		return decimalTo(s, x, err)
	case *array.Timestamp:
		return s.integer(scaleTimestamp(int64(a.Value(i)), c.unit))
	case *array.Date32:
		return s.integer(int64(a.Value(i)))
	case *array.Date64:
		ms := int64(a.Value(i))
		d := ms / 86_400_000
		if ms%86_400_000 < 0 {
			d--
		}
		return s.integer(d)
	case *array.Boolean:
		if a.Value(i) {
			return s.integer(1)
		}
		return s.integer(0)
	}
	return fmt.Errorf("%w: unexpected array %T", ErrWrongType, arr)
}

func decimalTo(s *sink, x int64, err error) error {
	if err != nil {
		return err
	}
	return s.integer(x)
}

// arrowErr classifies an error of the IPC reader: an allocation the
// limits refused, or a corrupt file.
func arrowErr(err error) error {
	var le *allocLimitError
	if errors.As(err, &le) {
		return fmt.Errorf("%w: %v", ErrLimit, le)
	}
	return fmt.Errorf("%w: %s", ErrCorrupt, errText(err))
}

// panicErr turns a reader panic into an input error: one the limits
// raised (see limitAllocator), or a corrupt file.
func panicErr(p any) error {
	if le, ok := p.(*allocLimitError); ok {
		return fmt.Errorf("%w: %v", ErrLimit, le)
	}
	return fmt.Errorf("%w: reader panic: %s", ErrCorrupt, errText(fmt.Errorf("%v", p)))
}
