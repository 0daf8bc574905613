package spill

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/internal/mem"
	"github.com/recon-dev/recon/reconcile"
)

// Read appends all rows of f to t, which must be of f's side and hold
// Orig for each of its rows (a new Txns holds none): Orig, N and every
// column (Ref and Bank on the bank side) grow by f.Rows, in the order the
// rows were appended. Spans are left alone. ctx is checked before each
// batch. On error t is left as it was.
func Read(ctx context.Context, f *File, t *reconcile.Txns) (err error) {
	batch := -1
	fail := func(e error) error { return &Error{Op: "read", Path: f.Path, Batch: batch, Err: e} }
	if err := fits(f, t); err != nil {
		return fail(err)
	}
	if len(f.segments) == 0 {
		return fail(fmt.Errorf("%w: a File no Writer closed", ErrMismatch))
	}
	m := mark(t)
	defer func() {
		if p := recover(); p != nil {
			err = fail(fmt.Errorf("%w: reader panic: %v", ErrCorrupt, p))
		}
		if err != nil {
			m.restore(t)
		}
	}()
	fh, err := os.Open(f.Path)
	if err != nil {
		return fail(err)
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err != nil {
		return fail(err)
	} else if fi.Size() != f.Size {
		return fail(fmt.Errorf("%w: %d bytes, %d were written", ErrCorrupt, fi.Size(), f.Size))
	}
	grow(t, f)
	lim := f.segmentBytesMax()
	sr := &segmentReader{r: fh, segments: f.segments, buf: make([]byte, 0, lim)}
	rd, err := ipc.NewReaderFromMessageReader(sr, ipc.WithSchema(schemas[f.Side]))
	if err != nil {
		return fail(sr.errOr(err))
	}
	defer rd.Release()
	if err := checkMeta(rd.Schema(), f.Side); err != nil {
		return fail(err)
	}
	for batch = 0; ; batch++ {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		if !rd.Next() {
			break
		}
		if err := appendBatch(t, rd.RecordBatch(), f.Rows-(t.N-m.n)); err != nil {
			return fail(err)
		}
	}
	if err := rd.Err(); err != nil {
		return fail(sr.errOr(err))
	}
	batch = -1
	if err := sr.atEnd(); err != nil {
		return fail(err)
	}
	if got := t.N - m.n; got != f.Rows {
		return fail(fmt.Errorf("%w: %d rows, %d were written", ErrCorrupt, got, f.Rows))
	}
	return nil
}

// fits checks that t can take f's rows.
func fits(f *File, t *reconcile.Txns) error {
	if t.Side != f.Side {
		return fmt.Errorf("%w: %s transactions for a %s file", ErrMismatch, t.Side, f.Side)
	}
	n := t.N
	lens := []int{len(t.Orig), t.ID.Len(), len(t.Payer), len(t.Payee), len(t.Currency), len(t.Loan),
		len(t.Amount), len(t.Fee), len(t.BookedAt), len(t.Kind), len(t.Status)}
	if t.Side == reconcile.Bank {
		lens = append(lens, t.Ref.Len(), len(t.Bank))
	}
	for _, l := range lens {
		if l != n {
			return fmt.Errorf("%w: a column of %d values (Orig, ID, ...: %v) in a table of %d rows", ErrMismatch, l, lens, n)
		}
	}
	return nil
}

// checkMeta checks the schema's metadata, which Arrow's schema equality
// leaves out.
func checkMeta(s *arrow.Schema, side reconcile.Side) error {
	md := s.Metadata()
	for _, kv := range [][2]string{{"recon.spill.version", version}, {"recon.spill.side", side.String()}} {
		if i := md.FindKey(kv[0]); i < 0 || md.Values()[i] != kv[1] {
			return fmt.Errorf("%w: schema metadata %v, want %s=%s", ErrCorrupt, md, kv[0], kv[1])
		}
	}
	return nil
}

// txnsMark is the lengths of t's columns before a Read.
type txnsMark struct {
	n, idBytes, refBytes  int
	idOffsets, refOffsets int
}

func mark(t *reconcile.Txns) txnsMark {
	return txnsMark{n: t.N, idBytes: len(t.ID.Bytes), refBytes: len(t.Ref.Bytes),
		idOffsets: len(t.ID.Offsets), refOffsets: len(t.Ref.Offsets)}
}

// restore truncates t's columns back to m.
func (m txnsMark) restore(t *reconcile.Txns) {
	n := m.n
	t.N = n
	t.Orig = t.Orig[:n]
	t.ID.Bytes, t.ID.Offsets = t.ID.Bytes[:m.idBytes], t.ID.Offsets[:m.idOffsets]
	t.Payer, t.Payee, t.Currency, t.Loan = t.Payer[:n], t.Payee[:n], t.Currency[:n], t.Loan[:n]
	t.Amount, t.Fee, t.BookedAt = t.Amount[:n], t.Fee[:n], t.BookedAt[:n]
	t.Kind, t.Status = t.Kind[:n], t.Status[:n]
	if t.Side == reconcile.Bank {
		t.Bank = t.Bank[:n]
		t.Ref.Bytes, t.Ref.Offsets = t.Ref.Bytes[:m.refBytes], t.Ref.Offsets[:m.refOffsets]
	}
}

// grow makes room in t for f's rows.
func grow(t *reconcile.Txns, f *File) {
	n := f.Rows
	t.Orig = mem.Grow(t.Orig, n)
	t.Payer, t.Payee = mem.Grow(t.Payer, n), mem.Grow(t.Payee, n)
	t.Currency, t.Loan = mem.Grow(t.Currency, n), mem.Grow(t.Loan, n)
	t.Amount, t.Fee, t.BookedAt = mem.Grow(t.Amount, n), mem.Grow(t.Fee, n), mem.Grow(t.BookedAt, n)
	t.Kind, t.Status = mem.Grow(t.Kind, n), mem.Grow(t.Status, n)
	growStrings(&t.ID, n, f.idBytes)
	if t.Side == reconcile.Bank {
		t.Bank = mem.Grow(t.Bank, n)
		growStrings(&t.Ref, n, f.refBytes)
	}
}

func growStrings(s *formats.Strings, n, bytes int) {
	if len(s.Offsets) == 0 {
		s.Offsets = append(s.Offsets, 0)
	}
	s.Offsets = mem.Grow(s.Offsets, n)
	s.Bytes = mem.Grow(s.Bytes, bytes)
}

// appendBatch appends the rows of one record batch to t; left is the
// number of rows the file has yet to give.
func appendBatch(t *reconcile.Txns, rec arrow.RecordBatch, left int) error {
	n := int(rec.NumRows())
	if n <= 0 || n > RowsPerBatchMax || n > left {
		return fmt.Errorf("%w: a batch of %d rows (at most %d, %d left)", ErrCorrupt, n, RowsPerBatchMax, left)
	}
	if want := len(schemas[t.Side].Fields()); int(rec.NumCols()) != want {
		return fmt.Errorf("%w: %d columns, want %d", ErrCorrupt, rec.NumCols(), want)
	}
	d := decoder{rec: rec, n: n}
	orig := column[int64](&d, colOrig)
	payer, payee := column[uint32](&d, colPayer), column[uint32](&d, colPayee)
	currency, loan := column[uint32](&d, colCurrency), column[uint32](&d, colLoan)
	amount, fee, bookedAt := column[int64](&d, colAmount), column[int64](&d, colFee), column[int64](&d, colBookedAt)
	kind, status := column[uint8](&d, colKind), column[uint8](&d, colStatus)
	idOffs, idData := d.binary(colID)
	var bank []uint32
	var refOffs []int32
	var refData []byte
	if t.Side == reconcile.Bank {
		bank = column[uint32](&d, colBank)
		refOffs, refData = d.binary(colRef)
	}
	if d.err != nil {
		return d.err
	}
	if err := appendStrings(&t.ID, idOffs, idData); err != nil {
		return fmt.Errorf("column id: %w", err)
	}
	if t.Side == reconcile.Bank {
		if err := appendStrings(&t.Ref, refOffs, refData); err != nil {
			return fmt.Errorf("column ref: %w", err)
		}
		t.Bank = append(t.Bank, bank...)
	}
	t.Orig = append(t.Orig, orig...)
	t.Payer, t.Payee = append(t.Payer, payer...), append(t.Payee, payee...)
	t.Currency, t.Loan = append(t.Currency, currency...), append(t.Loan, loan...)
	t.Amount, t.Fee, t.BookedAt = append(t.Amount, amount...), append(t.Fee, fee...), append(t.BookedAt, bookedAt...)
	t.Kind, t.Status = append(t.Kind, kind...), append(t.Status, status...)
	t.N += n
	return nil
}

// decoder checks and views the columns of one record batch; its first
// error sticks.
type decoder struct {
	rec arrow.RecordBatch
	n   int
	err error
}

// buffers returns column i's buffers, after checking its shape.
func (d *decoder) buffers(i, want int) []*memory.Buffer {
	if d.err != nil {
		return nil
	}
	a := d.rec.Column(i)
	bufs := a.Data().Buffers()
	name := d.rec.ColumnName(i)
	switch {
	case a.Len() != d.n:
		d.err = fmt.Errorf("%w: column %s: %d values in a batch of %d rows", ErrCorrupt, name, a.Len(), d.n)
	case a.NullN() != 0:
		d.err = fmt.Errorf("%w: column %s: %d nulls", ErrCorrupt, name, a.NullN())
	case a.Data().Offset() != 0:
		d.err = fmt.Errorf("%w: column %s: offset %d", ErrCorrupt, name, a.Data().Offset())
	case len(bufs) != want:
		d.err = fmt.Errorf("%w: column %s: %d buffers", ErrCorrupt, name, len(bufs))
	}
	if d.err != nil {
		return nil
	}
	return bufs
}

// column views column i's n values.
func column[T fixed](d *decoder, i int) []T {
	bufs := d.buffers(i, 2)
	if bufs == nil {
		return nil
	}
	s, err := view[T](bufs[1], d.n)
	if err != nil {
		d.err = fmt.Errorf("column %s: %w", d.rec.ColumnName(i), err)
	}
	return s
}

// binary views binary column i's offsets and bytes, checking that the
// offsets increase within the bytes.
func (d *decoder) binary(i int) ([]int32, []byte) {
	bufs := d.buffers(i, 3)
	if bufs == nil {
		return nil, nil
	}
	offs, err := view[int32](bufs[1], d.n+1)
	var data []byte
	if bufs[2] != nil {
		data = bufs[2].Bytes()
	}
	if err == nil && (offs[0] < 0 || int(offs[d.n]) > len(data)) {
		err = fmt.Errorf("%w: offsets %d to %d of %d bytes", ErrCorrupt, offs[0], offs[d.n], len(data))
	}
	if err != nil {
		d.err = fmt.Errorf("column %s: %w", d.rec.ColumnName(i), err)
	}
	return offs, data
}

// view views buffer b as n values of T.
func view[T fixed](b *memory.Buffer, n int) ([]T, error) {
	var z T
	size := int(unsafe.Sizeof(z))
	var bs []byte
	if b != nil {
		bs = b.Bytes()
	}
	if len(bs) < n*size {
		return nil, fmt.Errorf("%w: %d bytes for %d values of %d bytes", ErrCorrupt, len(bs), n, size)
	}
	if n == 0 {
		return nil, nil
	}
	p := unsafe.Pointer(unsafe.SliceData(bs))
	if uintptr(p)%unsafe.Alignof(z) != 0 {
		return nil, fmt.Errorf("%w: misaligned buffer", ErrCorrupt)
	}
	return unsafe.Slice((*T)(p), n), nil
}

// appendStrings appends the values of an Arrow binary column, value k
// being data[offs[k]:offs[k+1]], to s (whose Offsets are not empty): one
// copy of the bytes, the offsets moved to s's arena. offs[0] and the last
// offset are within data; the others are checked here.
func appendStrings(s *formats.Strings, offs []int32, data []byte) error {
	first, last := offs[0], offs[len(offs)-1]
	if uint64(len(s.Bytes))+uint64(last-first) > math.MaxUint32 {
		return fmt.Errorf("%w: more than 4 GiB of strings in one column", ErrLimit)
	}
	l := len(s.Offsets)
	base := uint32(len(s.Bytes)) - uint32(first) // mod 2^32: base+o is the arena's offset
	prev := first
	for _, o := range offs[1:] {
		if o < prev {
			s.Offsets = s.Offsets[:l]
			return fmt.Errorf("%w: offsets decrease, %d after %d", ErrCorrupt, o, prev)
		}
		prev = o
		s.Offsets = append(s.Offsets, base+uint32(o))
	}
	s.Bytes = append(s.Bytes, data[first:last]...)
	return nil
}

// segmentReader reads a file segment by segment and hands its messages
// to the IPC reader, whose metadata and body are views of the segment
// (no copy): only once the segment's checksum is checked, because the IPC
// reader trusts the lengths and offsets it reads (a corrupt vector length
// in a message header can make it allocate without bound, and exhaust
// memory). A message's views are valid until the next call of Message,
// which the IPC reader makes once the record batch before is released.
type segmentReader struct {
	r        io.Reader
	segments []segment
	next     int    // index of the next segment
	pos      int64  // file offset of the end of buf
	buf      []byte // the current segment, checked
	off      int    // bytes of buf read
	eos      bool   // the end-of-stream marker was read
	err      error  // the first error reading or checking the stream
}

// Message returns the next message; io.EOF at the end-of-stream marker.
func (s *segmentReader) Message() (*ipc.Message, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.off == len(s.buf) {
		if s.eos || s.next == len(s.segments) {
			s.err = fmt.Errorf("%w: no message after byte %d", ErrCorrupt, s.pos)
			return nil, s.err
		}
		if s.err = s.load(); s.err != nil {
			return nil, s.err
		}
	}
	m, err := s.message()
	if err != nil && err != io.EOF {
		s.err = err
	}
	return m, err
}

// message cuts the next message out of the segment: the continuation
// marker, the metadata's length, the metadata and the body, whose length
// the metadata states.
func (s *segmentReader) message() (*ipc.Message, error) {
	b := s.buf[s.off:]
	at := s.pos - int64(len(b))
	if len(b) < 8 || binary.LittleEndian.Uint32(b) != 0xffff_ffff {
		return nil, fmt.Errorf("%w: no message at byte %d", ErrCorrupt, at)
	}
	metaBytes := int64(binary.LittleEndian.Uint32(b[4:]))
	if metaBytes == 0 {
		s.off += 8
		s.eos = true
		return nil, io.EOF
	}
	if metaBytes > int64(len(b)-8) {
		return nil, fmt.Errorf("%w: a message at byte %d states %d bytes of metadata", ErrCorrupt, at, metaBytes)
	}
	meta := memory.NewBufferBytes(b[8 : 8+metaBytes])
	m := ipc.NewMessage(meta, memory.NewBufferBytes(nil))
	bodyBytes := m.BodyLen()
	m.Release()
	if bodyBytes < 0 || bodyBytes > int64(len(b))-8-metaBytes {
		return nil, fmt.Errorf("%w: a message at byte %d states a body of %d bytes", ErrCorrupt, at, bodyBytes)
	}
	end := 8 + metaBytes + bodyBytes
	s.off += int(end)
	return ipc.NewMessage(meta, memory.NewBufferBytes(b[8+metaBytes:end])), nil
}

// Retain and Release do nothing: the reader's memory is the garbage
// collector's.
func (s *segmentReader) Retain()  {}
func (s *segmentReader) Release() {}

// load reads and checks the next segment.
func (s *segmentReader) load() error {
	seg := s.segments[s.next]
	if seg.end < s.pos {
		return fmt.Errorf("%w: segment %d ends at %d, before %d", ErrMismatch, s.next, seg.end, s.pos)
	}
	s.buf = s.buf[:seg.end-s.pos]
	s.off = 0
	if _, err := io.ReadFull(s.r, s.buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: the file ends within bytes %d to %d", ErrCorrupt, s.pos, seg.end)
		}
		return err
	}
	if sum := crc32.Checksum(s.buf, castagnoli); sum != seg.crc {
		return fmt.Errorf("%w: bytes %d to %d: checksum %08x, %08x was written", ErrCorrupt, s.pos, seg.end, sum, seg.crc)
	}
	s.pos = seg.end
	s.next++
	return nil
}

// errOr returns the reader's error, or err, an error of the IPC reader,
// as corruption.
func (s *segmentReader) errOr(err error) error {
	if s.err != nil {
		return s.err
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

// atEnd checks that the stream's end marker ended the last segment.
func (s *segmentReader) atEnd() error {
	if !s.eos || s.next != len(s.segments) || s.off != len(s.buf) {
		return fmt.Errorf("%w: the end-of-stream marker is not at the file's end, byte %d", ErrCorrupt, s.segments[len(s.segments)-1].end)
	}
	return nil
}
