package spill

import (
	"bufio"
	"context"

	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/reconcile"
)

// Writer appends rows of one side's transactions to one spill file. The
// zero value is not usable: call Create. It is not safe for concurrent
// use.
type Writer struct {
	ctx  context.Context
	side reconcile.Side
	path string
	f    *os.File // nil once closed or aborted
	buf  *bufio.Writer
	sum  sumWriter
	ipc  *ipc.Writer
	err  error // the first error; every later call returns it

	batchRows               int // rows per batch, at most RowsPerBatchMax
	rows, idBytes, refBytes int
	segments                []segment
	flushed                 int // batches written
	b                       batch
	cols                    []arrow.Array // flush's scratch
}

// Create starts a spill file of side in dir (os.CreateTemp; "" is
// os.TempDir). ctx is checked before each batch is written.
func Create(ctx context.Context, dir string, side reconcile.Side) (*Writer, error) {
	return CreateBatched(ctx, dir, side, RowsPerBatchMax)
}

// CreateBatched is Create with batches of at most rows rows, from 1 to
// RowsPerBatchMax: a Writer holds one batch in memory, which callers
// with many writers open at once keep small.
func CreateBatched(ctx context.Context, dir string, side reconcile.Side, rows int) (*Writer, error) {
	if rows < 1 || rows > RowsPerBatchMax {
		return nil, &Error{Op: "create", Path: dir, Batch: -1, Err: fmt.Errorf("%w: %d rows a batch, want 1 to %d", ErrMismatch, rows, RowsPerBatchMax)}
	}
	if side != reconcile.Ledger && side != reconcile.Bank {
		return nil, &Error{Op: "create", Path: dir, Batch: -1, Err: fmt.Errorf("%w: side %d", ErrMismatch, side)}
	}
	f, err := os.CreateTemp(dir, "recon-spill-"+side.String()+"-*.arrows")
	if err != nil {
		return nil, &Error{Op: "create", Path: dir, Batch: -1, Err: err}
	}
	w := &Writer{ctx: ctx, side: side, path: f.Name(), f: f, batchRows: rows}
	w.buf = bufio.NewWriterSize(f, writeBufferBytes)
	w.sum.w = w.buf
	w.ipc = ipc.NewWriter(&w.sum, ipc.WithSchema(schemas[side]))
	w.b.init(side, rows)
	w.cols = make([]arrow.Array, len(schemas[side].Fields()))
	return w, nil
}

// Rows returns the number of rows appended so far.
func (w *Writer) Rows() int { return w.rows }

// Path returns the file's path.
func (w *Writer) Path() string { return w.path }

// Append adds rows of t, which must be of the writer's side: rows are
// indexes into t, in increasing order. A row's original index is
// t.Orig[i] when t.Orig is set, else i. Full batches are written as they
// fill.
func (w *Writer) Append(t *reconcile.Txns, rows []int32) error {
	if w.err != nil {
		return w.err
	}
	if err := w.check(t, rows); err != nil {
		return w.fail(-1, err)
	}
	for len(rows) > 0 {
		k := w.b.fit(t, rows[:min(len(rows), w.batchRows-w.b.n)])
		if k == 0 {
			if w.b.n == 0 {
				return w.fail(-1, fmt.Errorf("%w: a row's id and ref, %d and %d bytes, exceed the %d bytes of a batch",
					ErrLimit, len(t.ID.At(int(rows[0]))), len(ref(t, int(rows[0]))), stringBytesPerBatchMax))
			}
			if err := w.flush(); err != nil {
				return err
			}
			continue
		}
		w.b.add(t, rows[:k])
		w.rows += k
		rows = rows[k:]
		if w.b.n == w.batchRows {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// check checks Append's arguments before anything is added.
func (w *Writer) check(t *reconcile.Txns, rows []int32) error {
	if t.Side != w.side {
		return fmt.Errorf("%w: %s transactions for a %s file", ErrMismatch, t.Side, w.side)
	}
	if t.Orig != nil && len(t.Orig) < t.N {
		return fmt.Errorf("%w: %d Orig for %d rows", ErrMismatch, len(t.Orig), t.N)
	}
	prev := int32(-1)
	for k, r := range rows {
		if r <= prev || int(r) >= t.N {
			return fmt.Errorf("%w: rows[%d] is %d after %d, of %d rows", ErrRows, k, r, prev, t.N)
		}
		prev = r
	}
	return nil
}

// ref returns the ref of row i ("" on the ledger side).
func ref(t *reconcile.Txns, i int) []byte {
	if t.Side != reconcile.Bank {
		return nil
	}
	return t.Ref.At(i)
}

// Close writes the last batch and the end of the stream, and closes the
// file, which then belongs to the File returned. On error the file is
// removed.
func (w *Writer) Close() (*File, error) {
	if w.err != nil {
		w.Abort()
		return nil, w.err
	}
	if err := w.flush(); err != nil {
		w.Abort()
		return nil, err
	}
	err := w.ipc.Close()
	w.cut()
	if err == nil {
		err = w.buf.Flush()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	if err != nil {
		w.fail(-1, err)
		os.Remove(w.path)
		return nil, w.err
	}
	w.err = &Error{Op: "write", Path: w.path, Batch: -1, Err: ErrClosed}
	return &File{Path: w.path, Side: w.side, Rows: w.rows, Size: w.sum.n, segments: w.segments,
		idBytes: w.idBytes, refBytes: w.refBytes}, nil
}

// Abort closes and removes the file, unless Close succeeded.
func (w *Writer) Abort() {
	if w.f == nil {
		return
	}
	w.f.Close()
	os.Remove(w.path)
	w.f = nil
	if w.err == nil {
		w.err = &Error{Op: "write", Path: w.path, Batch: -1, Err: ErrClosed}
	}
}

// fail records err as the writer's error.
func (w *Writer) fail(batch int, err error) error {
	if w.err == nil {
		w.err = &Error{Op: "write", Path: w.path, Batch: batch, Err: err}
	}
	return w.err
}

// flush writes the batch, if it holds rows, as one record batch.
func (w *Writer) flush() error {
	b := &w.b
	if b.n == 0 {
		return nil
	}
	batch := w.flushed
	if err := w.ctx.Err(); err != nil {
		return w.fail(batch, err)
	}
	c := w.cols
	c[colOrig] = fixedArray(arrow.PrimitiveTypes.Int64, b.orig)
	c[colPayer] = fixedArray(arrow.PrimitiveTypes.Uint32, b.payer)
	c[colPayee] = fixedArray(arrow.PrimitiveTypes.Uint32, b.payee)
	c[colCurrency] = fixedArray(arrow.PrimitiveTypes.Uint32, b.currency)
	c[colLoan] = fixedArray(arrow.PrimitiveTypes.Uint32, b.loan)
	c[colAmount] = fixedArray(arrow.PrimitiveTypes.Int64, b.amount)
	c[colFee] = fixedArray(arrow.PrimitiveTypes.Int64, b.fee)
	c[colBookedAt] = fixedArray(arrow.PrimitiveTypes.Int64, b.bookedAt)
	c[colKind] = fixedArray(arrow.PrimitiveTypes.Uint8, b.kind)
	c[colStatus] = fixedArray(arrow.PrimitiveTypes.Uint8, b.status)
	c[colID] = b.id.array()
	if w.side == reconcile.Bank {
		c[colBank] = fixedArray(arrow.PrimitiveTypes.Uint32, b.bank)
		c[colRef] = b.ref.array()
	}
	rec := array.NewRecordBatch(schemas[w.side], c, int64(b.n))
	for i, a := range c {
		a.Release()
		c[i] = nil
	}
	err := w.ipc.Write(rec)
	rec.Release()
	if err != nil {
		return w.fail(batch, err)
	}
	w.cut()
	w.idBytes += len(b.id.data)
	w.refBytes += len(b.ref.data)
	w.flushed++
	b.reset()
	return nil
}

// cut ends a segment where the bytes written so far end.
func (w *Writer) cut() {
	w.segments = append(w.segments, segment{end: w.sum.n, crc: w.sum.crc})
	w.sum.crc = 0
}

// fixedArray makes an Arrow array of s, without copying it: s must not
// change until the array is written.
func fixedArray[T fixed](dt arrow.DataType, s []T) arrow.Array {
	d := array.NewData(dt, len(s), []*memory.Buffer{nil, memory.NewBufferBytes(asBytes(s))}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// batch is the rows of the record batch being filled, column by column.
type batch struct {
	n                            int
	orig, amount, fee, bookedAt  []int64
	payer, payee, currency, loan []uint32
	bank                         []uint32
	kind, status                 []uint8
	id, ref                      strCol
}

func (b *batch) init(side reconcile.Side, n int) {
	b.orig, b.amount, b.fee, b.bookedAt = make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
	b.payer, b.payee, b.currency, b.loan = make([]uint32, 0, n), make([]uint32, 0, n), make([]uint32, 0, n), make([]uint32, 0, n)
	b.kind, b.status = make([]uint8, 0, n), make([]uint8, 0, n)
	b.id.offs = make([]int32, 1, n+1)
	if side == reconcile.Bank {
		b.bank = make([]uint32, 0, n)
		b.ref.offs = make([]int32, 1, n+1)
	}
}

func (b *batch) reset() {
	b.n = 0
	b.orig, b.amount, b.fee, b.bookedAt = b.orig[:0], b.amount[:0], b.fee[:0], b.bookedAt[:0]
	b.payer, b.payee, b.currency, b.loan = b.payer[:0], b.payee[:0], b.currency[:0], b.loan[:0]
	b.bank, b.kind, b.status = b.bank[:0], b.kind[:0], b.status[:0]
	b.id.reset()
	b.ref.reset()
}

// fit returns how many of rows (as many as the batch has room for) keep
// the batch's id and ref bytes within stringBytesPerBatchMax.
func (b *batch) fit(t *reconcile.Txns, rows []int32) int {
	idBytes, refBytes := len(b.id.data), len(b.ref.data)
	for k, r := range rows {
		idBytes += int(t.ID.Offsets[r+1] - t.ID.Offsets[r])
		if t.Side == reconcile.Bank {
			refBytes += int(t.Ref.Offsets[r+1] - t.Ref.Offsets[r])
		}
		if idBytes > stringBytesPerBatchMax || refBytes > stringBytesPerBatchMax {
			return k
		}
	}
	return len(rows)
}

// add appends rows of t, which fit: column by column, each a tight loop.
func (b *batch) add(t *reconcile.Txns, rows []int32) {
	if t.Orig != nil {
		b.orig = gather(b.orig, t.Orig, rows)
	} else {
		k := len(b.orig)
		b.orig = b.orig[:k+len(rows)]
		for j, r := range rows {
			b.orig[k+j] = int64(r)
		}
	}
	b.payer = gather(b.payer, t.Payer, rows)
	b.payee = gather(b.payee, t.Payee, rows)
	b.currency = gather(b.currency, t.Currency, rows)
	b.loan = gather(b.loan, t.Loan, rows)
	b.amount = gather(b.amount, t.Amount, rows)
	b.fee = gather(b.fee, t.Fee, rows)
	b.bookedAt = gather(b.bookedAt, t.BookedAt, rows)
	b.kind = gather(b.kind, t.Kind, rows)
	b.status = gather(b.status, t.Status, rows)
	b.id.gather(&t.ID, rows)
	if t.Side == reconcile.Bank {
		b.bank = gather(b.bank, t.Bank, rows)
		b.ref.gather(&t.Ref, rows)
	}
	b.n += len(rows)
}

// gather appends src[r] for each of rows to dst, which has room.
func gather[T fixed](dst, src []T, rows []int32) []T {
	k := len(dst)
	dst = dst[:k+len(rows)]
	out := dst[k:]
	for j, r := range rows {
		out[j] = src[r]
	}
	return dst
}

// strCol is a string column of a batch in Arrow's layout: value k is
// data[offs[k]:offs[k+1]].
type strCol struct {
	offs []int32
	data []byte
}

// gather appends the values of rows (increasing) of src, those of
// consecutive rows in one copy; the batch's limit keeps them below 2 GiB.
func (s *strCol) gather(src *formats.Strings, rows []int32) {
	for j := 0; j < len(rows); {
		first, k := rows[j], j+1
		for k < len(rows) && rows[k] == rows[k-1]+1 {
			k++
		}
		offs := src.Offsets[first : rows[k-1]+2]
		base := uint32(len(s.data)) - offs[0] // mod 2^32: base+o is the offset in s.data
		s.data = append(s.data, src.Bytes[offs[0]:offs[len(offs)-1]]...)
		for _, o := range offs[1:] {
			s.offs = append(s.offs, int32(base+o))
		}
		j = k
	}
}

func (s *strCol) reset() {
	if s.offs != nil {
		s.offs = s.offs[:1]
	}
	s.data = s.data[:0]
}

func (s *strCol) array() arrow.Array {
	d := array.NewData(arrow.BinaryTypes.Binary, len(s.offs)-1,
		[]*memory.Buffer{nil, memory.NewBufferBytes(asBytes(s.offs)), memory.NewBufferBytes(s.data)}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// sumWriter counts the bytes on their way to w, and checksums those of
// the segment being written.
type sumWriter struct {
	w   io.Writer
	n   int64
	crc uint32
}

func (s *sumWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.n += int64(n)
	s.crc = crc32.Update(s.crc, castagnoli, p[:n])
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}
