package formats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// ReadOptions control decoding.
type ReadOptions struct {
	Scale  int    // amount_scale: decimal places money is held at
	Limits Limits // see DefaultLimits
	Debug  bool   // add stack traces to errors from reader panics
	// Batch, when set, is reused for the object's rows instead of a new
	// one: a caller reading many objects keeps its column buffers, from
	// one table to another too (see Batch.retarget). Not safe for two
	// reads at once.
	Batch *Batch
	// Batches, when set, supplies the batch of each run in place of
	// Batch: the reader takes one before decoding a run (waiting, when
	// none is free) and the callback keeps the batch it is handed, to
	// give back to Batches once done with it, so that a consumer may go
	// on with a batch while the reader decodes the next. A batch the
	// reader takes and does not hand on, it gives back itself.
	Batches chan *Batch
	// Prepare, when set, is called for each batch before its rows are
	// decoded (Len, FirstRow, RowGroup and ObjectRows set). It may install
	// the consumer's own arrays as a column's Str or Int, with Base set to
	// their length: the reader then appends the batch's values to them, and
	// the consumer takes them back in the callback, never copying. Values
	// of a batch that fails are appended past what the consumer kept.
	Prepare func(*Batch)
}

// batchSource hands a reader the batch of each run (see
// ReadOptions.Batches).
type batchSource struct {
	opt  ReadOptions
	s    *Schema
	one  *Batch // without Batches: the one batch of every run
	held *Batch // with Batches: taken and not handed on
}

// next returns the batch for the next run, empty.
func (bs *batchSource) next(ctx context.Context) (*Batch, error) {
	if bs.opt.Batches == nil {
		if bs.one == nil {
			bs.one = bs.opt.batch(bs.s)
		} else {
			bs.one.reset()
		}
		return bs.one, nil
	}
	if bs.held != nil {
		bs.held.reset()
		return bs.held, nil
	}
	select {
	case b := <-bs.opt.Batches:
		b.reset()
		if b.Schema != bs.s {
			b.retarget(bs.s)
		}
		bs.held = b
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// handed records that the callback took the batch of the last run.
func (bs *batchSource) handed() { bs.held = nil }

// close gives back a batch taken and not handed on.
func (bs *batchSource) close() {
	if bs.held != nil {
		bs.opt.Batches <- bs.held
		bs.held = nil
	}
}

func (o ReadOptions) batch(s *Schema) *Batch {
	if o.Batch == nil {
		return NewBatch(s)
	}
	o.Batch.reset()
	if o.Batch.Schema != s {
		o.Batch.retarget(s)
	}
	return o.Batch
}

// Format is an input file format.
type Format uint8

const (
	FormatUnknown Format = iota
	FormatParquet
	FormatArrow
)

func (f Format) String() string {
	switch f {
	case FormatParquet:
		return "parquet"
	case FormatArrow:
		return "arrow"
	}
	return "unknown"
}

// FormatOfKey returns the format the key's ending names (.parquet, .arrow).
func FormatOfKey(key string) Format {
	switch {
	case strings.HasSuffix(key, ".parquet"):
		return FormatParquet
	case strings.HasSuffix(key, ".arrow"):
		return FormatArrow
	}
	return FormatUnknown
}

var (
	parquetMagic = []byte("PAR1")
	arrowMagic   = []byte("ARROW1")
)

// Read decodes an object of table s, calling fn with each batch of rows.
// The format is taken from the key's ending. On bad input it returns an
// *Error (or several joined with errors.Join), having called fn only for
// batches before the first error; callers that must not use part of a bad
// file buffer until Read returns nil.
func Read(ctx context.Context, key string, r io.ReaderAt, sizeBytes int64, s *Schema, opt ReadOptions, fn func(*Batch) error) error {
	if lim := opt.Limits.BytesPerObject; lim > 0 && sizeBytes > lim {
		return &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: object of %d bytes is larger than the limit of %d", ErrLimit, sizeBytes, lim)}
	}
	switch FormatOfKey(key) {
	case FormatParquet:
		return readParquet(ctx, key, r, sizeBytes, s, opt, fn)
	case FormatArrow:
		return readArrow(ctx, key, r, sizeBytes, s, opt, fn)
	}
	return &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: file name must end in .parquet or .arrow", ErrFormat)}
}

// checkMagic verifies the magic bytes at the start (and, for Parquet, the
// end) of an object.
func checkMagic(r io.ReaderAt, size int64, magic []byte, atEnd bool) error {
	n := int64(len(magic))
	if size < 2*n {
		return fmt.Errorf("only %d bytes", size)
	}
	head := make([]byte, n)
	if _, err := r.ReadAt(head, 0); err != nil {
		return fmt.Errorf("reading the header: %v", err)
	}
	if !bytes.Equal(head, magic) {
		return fmt.Errorf("starts with %q, want %q%s", head, magic, hintFormat(head))
	}
	if atEnd {
		tail := make([]byte, n)
		if _, err := r.ReadAt(tail, size-n); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the footer: %v", err)
		}
		if !bytes.Equal(tail, magic) {
			return fmt.Errorf("ends with %q, want %q: truncated or not Parquet", tail, magic)
		}
	}
	return nil
}

func hintFormat(head []byte) string {
	switch {
	case bytes.HasPrefix(head, parquetMagic):
		return " (it is Parquet: name it .parquet)"
	case bytes.HasPrefix(arrowMagic, head) || bytes.HasPrefix(head, arrowMagic[:4]):
		return " (it looks like Arrow IPC: name it .arrow)"
	}
	return ""
}

// errorList gathers row errors of one object up to a limit.
type errorList struct {
	key  string
	max  int
	errs []error
}

func newErrorList(key string, max int) *errorList {
	if max <= 0 {
		max = 1
	}
	return &errorList{key: key, max: max}
}

// add records an error at a 1-based row and says whether to go on.
func (l *errorList) add(rowGroup int, row int64, column string, err error) bool {
	if len(l.errs) < l.max {
		l.errs = append(l.errs, &Error{Key: l.key, RowGroup: rowGroup, Row: row, Column: column, Err: err})
	}
	return len(l.errs) < l.max
}

func (l *errorList) full() bool  { return len(l.errs) >= l.max }
func (l *errorList) empty() bool { return len(l.errs) == 0 }

func (l *errorList) err() error { return joinErrors(l.errs) }

// joinErrors returns nil, the only error, or all of them joined.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// ColumnNames returns the top-level column names of a Parquet or Arrow
// object, for telling which table a loose file holds.
func ColumnNames(key string, r io.ReaderAt, size int64) (names []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Key: key, RowGroup: -1, Err: panicErr(p)}
		}
	}()
	switch FormatOfKey(key) {
	case FormatParquet:
		f, _, err := openParquet(key, r, size)
		if err != nil {
			return nil, err
		}
		for _, c := range f.Root().Columns() {
			names = append(names, c.Name())
		}
		return names, nil
	case FormatArrow:
		if err := checkMagic(r, size, arrowMagic, false); err != nil {
			return nil, &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: %v", ErrNotArrow, err)}
		}
		if footer, _, err := arrowFooter(r, size); err != nil || footer != nil && checkArrowSchema(footer) != nil {
			return nil, &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: unreadable footer", ErrCorrupt)}
		}
		fr, err := ipc.NewFileReader(io.NewSectionReader(r, 0, size))
		if err != nil {
			return nil, &Error{Key: key, RowGroup: -1, Err: arrowErr(err)}
		}
		defer fr.Close()
		for _, f := range fr.Schema().Fields() {
			names = append(names, f.Name)
		}
		return names, nil
	}
	return nil, &Error{Key: key, RowGroup: -1, Err: fmt.Errorf("%w: file name must end in .parquet or .arrow", ErrFormat)}
}
