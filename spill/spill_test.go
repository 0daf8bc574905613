package spill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/reconcile"
)

// randTxns returns n random rows of side: ids and refs of 0 to maxID
// arbitrary bytes (empty ones and invalid UTF-8 included), every number
// over its whole range, and Orig increasing from origBase when withOrig.
func randTxns(rng *rand.Rand, side reconcile.Side, n, maxID int, withOrig bool, origBase int64) *reconcile.Txns {
	t := &reconcile.Txns{Side: side, N: n}
	str := func(s *formats.Strings) {
		b := make([]byte, rng.IntN(maxID+1))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		s.Append(b)
	}
	t.ID.Offsets = []uint32{0}
	if side == reconcile.Bank {
		t.Ref.Offsets = []uint32{0}
	}
	o := origBase
	for range n {
		if withOrig {
			o += 1 + int64(rng.IntN(3))
			t.Orig = append(t.Orig, o)
		}
		str(&t.ID)
		t.Payer = append(t.Payer, rng.Uint32())
		t.Payee = append(t.Payee, rng.Uint32())
		t.Currency = append(t.Currency, rng.Uint32())
		t.Loan = append(t.Loan, rng.Uint32()>>rng.IntN(33)) // zeros too
		t.Amount = append(t.Amount, int64(rng.Uint64()))
		t.Fee = append(t.Fee, int64(rng.Uint64())>>rng.IntN(64))
		t.BookedAt = append(t.BookedAt, int64(rng.Uint64()))
		t.Kind = append(t.Kind, uint8(rng.Uint32()))
		t.Status = append(t.Status, uint8(rng.Uint32()))
		if side == reconcile.Bank {
			t.Bank = append(t.Bank, rng.Uint32())
			if rng.IntN(3) == 0 {
				t.Ref.Append(nil)
			} else {
				str(&t.Ref)
			}
		}
	}
	return t
}

// randRows returns an increasing subset of 0..n-1.
func randRows(rng *rand.Rand, n int) []int32 {
	var rows []int32
	p := rng.Float64()
	for i := range n {
		if rng.Float64() < p {
			rows = append(rows, int32(i))
		}
	}
	return rows
}

// gatherRows appends rows of t to want, row by row: the result Read must give.
func gatherRows(want, t *reconcile.Txns, rows []int32) {
	for _, r := range rows {
		orig := int64(r)
		if t.Orig != nil {
			orig = t.Orig[r]
		}
		want.Orig = append(want.Orig, orig)
		want.ID.Append(t.ID.At(int(r)))
		want.Payer = append(want.Payer, t.Payer[r])
		want.Payee = append(want.Payee, t.Payee[r])
		want.Currency = append(want.Currency, t.Currency[r])
		want.Loan = append(want.Loan, t.Loan[r])
		want.Amount = append(want.Amount, t.Amount[r])
		want.Fee = append(want.Fee, t.Fee[r])
		want.BookedAt = append(want.BookedAt, t.BookedAt[r])
		want.Kind = append(want.Kind, t.Kind[r])
		want.Status = append(want.Status, t.Status[r])
		if t.Side == reconcile.Bank {
			want.Bank = append(want.Bank, t.Bank[r])
			want.Ref.Append(t.Ref.At(int(r)))
		}
		want.N++
	}
}

// diff describes the first difference between two Txns, or returns "".
func diff(got, want *reconcile.Txns) string {
	if got.Side != want.Side || got.N != want.N {
		return fmt.Sprintf("side %s, %d rows; want %s, %d", got.Side, got.N, want.Side, want.N)
	}
	str := func(name string, g, w *formats.Strings) string {
		if g.Len() != w.Len() {
			return fmt.Sprintf("%s: %d values, want %d", name, g.Len(), w.Len())
		}
		for i := range w.Len() {
			if !bytes.Equal(g.At(i), w.At(i)) {
				return fmt.Sprintf("%s[%d] = %q, want %q", name, i, g.At(i), w.At(i))
			}
		}
		if w.Len() > 0 && (!slices.Equal(g.Offsets, w.Offsets) || !bytes.Equal(g.Bytes, w.Bytes)) {
			return name + ": arena differs"
		}
		return ""
	}
	for _, d := range []string{
		eq("Orig", got.Orig, want.Orig), str("ID", &got.ID, &want.ID), str("Ref", &got.Ref, &want.Ref),
		eq("Bank", got.Bank, want.Bank), eq("Payer", got.Payer, want.Payer), eq("Payee", got.Payee, want.Payee),
		eq("Currency", got.Currency, want.Currency), eq("Loan", got.Loan, want.Loan),
		eq("Amount", got.Amount, want.Amount), eq("Fee", got.Fee, want.Fee), eq("BookedAt", got.BookedAt, want.BookedAt),
		eq("Kind", got.Kind, want.Kind), eq("Status", got.Status, want.Status),
	} {
		if d != "" {
			return d
		}
	}
	if got.Spans != nil {
		return "Spans set"
	}
	return ""
}

func eq[T comparable](name string, got, want []T) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			return fmt.Sprintf("%s[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
	return ""
}

// write writes rows of each of ts (rows[k] of ts[k]) to a new file.
func write(tb testing.TB, side reconcile.Side, ts []*reconcile.Txns, rows [][]int32) *File {
	return writeBatches(tb, side, ts, rows, RowsPerBatchMax)
}

// writeBatches is write in batches of batchRows rows.
func writeBatches(tb testing.TB, side reconcile.Side, ts []*reconcile.Txns, rows [][]int32, batchRows int) *File {
	tb.Helper()
	w, err := CreateBatched(context.Background(), tb.TempDir(), side, batchRows)
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Abort()
	n := 0
	for k, t := range ts {
		if err := w.Append(t, rows[k]); err != nil {
			tb.Fatal(err)
		}
		n += len(rows[k])
		if w.Rows() != n {
			tb.Fatalf("Rows() = %d, want %d", w.Rows(), n)
		}
	}
	f, err := w.Close()
	if err != nil {
		tb.Fatal(err)
	}
	if f.Rows != n || f.Side != side {
		tb.Fatalf("File %+v, want %d rows of %s", f, n, side)
	}
	return f
}

func TestRoundTripProperty(t *testing.T) {
	for seed := range uint64(40) {
		for _, side := range []reconcile.Side{reconcile.Ledger, reconcile.Bank} {
			t.Run(fmt.Sprintf("seed%d/%s", seed, side), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, uint64(side)))
				want := &reconcile.Txns{Side: side}
				var ts []*reconcile.Txns
				var rows [][]int32
				for k := range rng.IntN(5) {
					n := []int{0, 1, 2, 127, 128, 129, 1000, rng.IntN(3000)}[rng.IntN(8)]
					if seed%10 == 9 && k == 0 {
						n = RowsPerBatchMax + 1 // a full batch and one row
					}
					tt := randTxns(rng, side, n, []int{0, 3, 40}[rng.IntN(3)], rng.IntN(2) == 0, int64(k)<<40)
					r := randRows(rng, n)
					if seed%10 == 9 && k == 0 {
						r = make([]int32, n)
						for i := range r {
							r[i] = int32(i)
						}
					}
					ts, rows = append(ts, tt), append(rows, r)
					gatherRows(want, tt, r)
				}
				f := write(t, side, ts, rows)
				defer f.Remove()
				got := &reconcile.Txns{Side: side}
				if err := Read(context.Background(), f, got); err != nil {
					t.Fatal(err)
				}
				if d := diff(got, want); d != "" {
					t.Fatal(d)
				}
				// Read again, onto rows already there.
				if err := Read(context.Background(), f, got); err != nil {
					t.Fatal(err)
				}
				gatherRows(want, want, seq(want.N))
				if d := diff(got, want); d != "" {
					t.Fatal("second read:", d)
				}
			})
		}
	}
}

// seq returns 0..n-1.
func seq(n int) []int32 {
	r := make([]int32, n)
	for i := range r {
		r[i] = int32(i)
	}
	return r
}

func TestEmpty(t *testing.T) {
	for _, side := range []reconcile.Side{reconcile.Ledger, reconcile.Bank} {
		tt := randTxns(rand.New(rand.NewPCG(1, 2)), side, 10, 5, false, 0)
		for _, rows := range [][][]int32{nil, {nil}, {{}, nil, {}}} {
			ts := make([]*reconcile.Txns, len(rows))
			for k := range ts {
				ts[k] = tt
			}
			f := write(t, side, ts, rows)
			got := &reconcile.Txns{Side: side}
			if err := Read(context.Background(), f, got); err != nil {
				t.Fatal(err)
			}
			if got.N != 0 || len(got.Orig) != 0 || got.ID.Len() != 0 {
				t.Fatalf("%s: read %d rows of an empty file", side, got.N)
			}
			if err := f.Remove(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(f.Path); !os.IsNotExist(err) {
				t.Fatalf("after Remove: %v", err)
			}
			if err := f.Remove(); err != nil {
				t.Fatal("second Remove:", err)
			}
		}
	}
}

// TestLongStrings: batches cut by string bytes rather than rows, and a
// value longer than a batch may hold.
func TestLongStrings(t *testing.T) {
	side := reconcile.Bank
	tt := &reconcile.Txns{Side: side}
	long := bytes.Repeat([]byte{0xff, 'x'}, 32<<10) // 64 KiB: formats.Limits.StringBytes
	for i := range 300 {
		src := randTxns(rand.New(rand.NewPCG(uint64(i), 0)), side, 1, 4, false, 0)
		gatherRows(tt, src, []int32{0})
		tt.ID.Offsets = tt.ID.Offsets[:i+1]
		tt.ID.Bytes = tt.ID.Bytes[:tt.ID.Offsets[i]]
		tt.ID.Append(long[:len(long)-i])
	}
	tt.Orig = nil
	f := write(t, side, []*reconcile.Txns{tt}, [][]int32{seq(tt.N)})
	defer f.Remove()
	if len(f.segments) != 3 { // two batches, then the end of the stream
		t.Fatalf("%d segments, want 3", len(f.segments))
	}
	got := &reconcile.Txns{Side: side}
	if err := Read(context.Background(), f, got); err != nil {
		t.Fatal(err)
	}
	want := &reconcile.Txns{Side: side}
	gatherRows(want, tt, seq(tt.N))
	if d := diff(got, want); d != "" {
		t.Fatal(d)
	}

	huge := &reconcile.Txns{Side: reconcile.Ledger}
	gatherRows(huge, randTxns(rand.New(rand.NewPCG(1, 1)), reconcile.Ledger, 1, 0, false, 0), []int32{0})
	huge.Orig = nil
	huge.ID = formats.Strings{}
	huge.ID.Append(make([]byte, stringBytesPerBatchMax+1))
	w, err := Create(context.Background(), t.TempDir(), reconcile.Ledger)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.Append(huge, []int32{0}); !errors.Is(err, ErrLimit) {
		t.Fatalf("Append of a %d-byte id: %v, want ErrLimit", huge.ID.Len(), err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bank := randTxns(rand.New(rand.NewPCG(3, 3)), reconcile.Bank, 10, 5, false, 0)
	ledger := randTxns(rand.New(rand.NewPCG(3, 4)), reconcile.Ledger, 10, 5, false, 0)

	for _, rows := range []int{0, RowsPerBatchMax + 1} {
		if _, err := CreateBatched(ctx, dir, reconcile.Bank, rows); !errors.Is(err, ErrMismatch) {
			t.Errorf("CreateBatched with %d rows a batch: %v, want ErrMismatch", rows, err)
		}
	}
	w, err := Create(ctx, dir, reconcile.Bank)
	if err != nil {
		t.Fatal(err)
	}
	path := w.Path()
	for _, c := range []struct {
		t    *reconcile.Txns
		rows []int32
		want error
	}{
		{ledger, []int32{0}, ErrMismatch},
		{bank, []int32{1, 1}, ErrRows},
		{bank, []int32{2, 1}, ErrRows},
		{bank, []int32{10}, ErrRows},
		{bank, []int32{-1}, ErrRows},
	} {
		w, err := Create(ctx, dir, reconcile.Bank)
		if err != nil {
			t.Fatal(err)
		}
		err = w.Append(c.t, c.rows)
		if !errors.Is(err, c.want) || !strings.HasPrefix(err.Error(), "spill: write "+w.Path()+": ") {
			t.Errorf("Append(%s, %v) = %v, want %v", c.t.Side, c.rows, err, c.want)
		}
		if _, err2 := w.Close(); !errors.Is(err2, c.want) {
			t.Errorf("Close after %v: %v", err, err2)
		}
		if _, err := os.Stat(w.Path()); !os.IsNotExist(err) {
			t.Errorf("failed writer's file left: %v", err)
		}
	}

	// Abort removes; Abort after Close does not.
	w.Abort()
	w.Abort()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("after Abort: %v", err)
	}
	if err := w.Append(bank, []int32{0}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Abort: %v", err)
	}
	f := write(t, reconcile.Bank, []*reconcile.Txns{bank}, [][]int32{{0, 3}})
	defer f.Remove()

	// Read into the wrong side, and into rows without Orig.
	if err := Read(ctx, f, &reconcile.Txns{Side: reconcile.Ledger}); !errors.Is(err, ErrMismatch) ||
		!strings.HasPrefix(err.Error(), "spill: read "+f.Path+": ") {
		t.Errorf("Read into the ledger: %v", err)
	}
	if err := Read(ctx, f, bank); !errors.Is(err, ErrMismatch) {
		t.Errorf("Read into rows without Orig: %v", err)
	}

	// A cancelled context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := Read(cctx, f, &reconcile.Txns{Side: reconcile.Bank}); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context: %v", err)
	}
	w, err = Create(cctx, dir, reconcile.Bank)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(bank, seq(10)); err != nil {
		t.Fatal(err) // no batch written yet
	}
	if _, err := w.Close(); !errors.Is(err, context.Canceled) {
		t.Errorf("Close with a cancelled context: %v", err)
	}

	// A removed file.
	g := write(t, reconcile.Bank, []*reconcile.Txns{bank}, [][]int32{{0}})
	g.Remove()
	if err := Read(ctx, g, &reconcile.Txns{Side: reconcile.Bank}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read of a removed file: %v", err)
	}
}

// corruptCase writes a file of several batches for the corruption tests,
// and returns it with its bytes and a Txns of rows already read (which a
// failed Read must leave as they are).
func corruptCase(t *testing.T) (*File, []byte, func() *reconcile.Txns) {
	rng := rand.New(rand.NewPCG(7, 7))
	tt := randTxns(rng, reconcile.Bank, 2500, 12, true, 0)
	f := writeBatches(t, reconcile.Bank, []*reconcile.Txns{tt, tt}, [][]int32{seq(tt.N), {0, 5, 9}}, 1000)
	t.Cleanup(func() { f.Remove() })
	data, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	before := func() *reconcile.Txns {
		b := &reconcile.Txns{Side: reconcile.Bank}
		gatherRows(b, tt, []int32{1, 2, 3})
		return b
	}
	return f, data, before
}

// readCorrupt reads f, whose file holds data, checking that Read fails
// with ErrCorrupt and leaves t as it was.
func readCorrupt(t *testing.T, f *File, data []byte, before func() *reconcile.Txns, what string) {
	t.Helper()
	if err := os.WriteFile(f.Path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	got := before()
	err := Read(context.Background(), f, got)
	if !errors.Is(err, ErrCorrupt) || !strings.HasPrefix(err.Error(), "spill: read "+f.Path+": ") {
		t.Fatalf("%s: Read = %v, want ErrCorrupt", what, err)
	}
	if d := diff(got, before()); d != "" {
		t.Fatalf("%s: failed Read changed t: %s", what, d)
	}
}

func TestTruncated(t *testing.T) {
	f, data, before := corruptCase(t)
	cuts := []int{0, 1, 7, 8, len(data) / 2, len(data) - 8, len(data) - 1}
	for i := 16; i < len(data); i += len(data) / 97 {
		cuts = append(cuts, i)
	}
	cuts = append(cuts, messageEnds(t, data)...)
	for _, cut := range cuts {
		what := fmt.Sprintf("cut at %d of %d", cut, len(data))
		readCorrupt(t, f, data[:cut], before, what)
		// As if the File had recorded the size cut (the checksum of the
		// segment cut then fails) ...
		g := *f
		g.Size = int64(cut)
		readCorrupt(t, &g, data[:cut], before, what+", size forged")
		// ... and the segments too, so that the IPC reader meets the cut:
		// at a message's end, it takes it for the end of the stream.
		g.segments = forge(f.segments, data[:cut])
		readCorrupt(t, &g, data[:cut], before, what+", segments forged")
	}
}

// forge returns the segments of a file cut to data: those that end
// before the cut, then one up to it, each with data's checksum.
func forge(segs []segment, data []byte) []segment {
	var out []segment
	var start int64
	for _, s := range segs {
		end := min(s.end, int64(len(data)))
		out = append(out, segment{end: end, crc: crc32.Checksum(data[start:end], castagnoli)})
		if start = end; end == int64(len(data)) {
			break
		}
	}
	return out
}

func TestCorrupted(t *testing.T) {
	f, data, before := corruptCase(t)
	rng := rand.New(rand.NewPCG(9, 9))
	bad := make([]byte, len(data))
	for i := range 1000 {
		copy(bad, data)
		pos := rng.IntN(len(data))
		if i < 300 {
			pos = i // the schema and the first message's header
		}
		bad[pos] ^= byte(1 + rng.IntN(255))
		readCorrupt(t, f, bad, before, fmt.Sprintf("byte %d of %d", pos, len(data)))
	}
}

// messageEnds returns the offsets at which the stream's messages end.
func messageEnds(t *testing.T, data []byte) []int {
	var ends []int
	r := bytes.NewReader(data)
	mr := ipc.NewMessageReader(r)
	defer mr.Release()
	for {
		m, err := mr.Message()
		if err != nil {
			break
		}
		m.Release()
		ends = append(ends, len(data)-r.Len())
	}
	if len(ends) < 3 {
		t.Fatalf("%d messages", len(ends))
	}
	return ends
}

// TestSecondReader reads a file with Arrow's own stream reader.
func TestSecondReader(t *testing.T) {
	tt := randTxns(rand.New(rand.NewPCG(5, 5)), reconcile.Bank, 300, 10, true, 100)
	f := write(t, reconcile.Bank, []*reconcile.Txns{tt}, [][]int32{{4, 200}})
	defer f.Remove()
	fh, err := os.Open(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rd, err := ipc.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	want := "orig payer payee currency loan amount_minor fee_minor booked_at_us kind status id bank ref"
	var names []string
	for _, fl := range rd.Schema().Fields() {
		names = append(names, fl.Name)
	}
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("columns %q, want %q", got, want)
	}
	if !rd.Next() {
		t.Fatal(rd.Err())
	}
	rec := rd.RecordBatch()
	orig := rec.Column(colOrig).(*array.Int64)
	id := rec.Column(colID).(*array.Binary)
	amt := rec.Column(colAmount).(*array.Int64)
	if rec.NumRows() != 2 || orig.Value(1) != tt.Orig[200] || !bytes.Equal(id.Value(0), tt.ID.At(4)) || amt.Value(1) != tt.Amount[200] {
		t.Fatalf("record %v", rec)
	}
	if rd.Next() {
		t.Fatal("a second batch")
	}
}

// TestReadAllocs: Read allocates per batch, not per row.
func TestReadAllocs(t *testing.T) {
	tt := randTxns(rand.New(rand.NewPCG(6, 6)), reconcile.Bank, 4*RowsPerBatchMax, 12, true, 0)
	f := write(t, reconcile.Bank, []*reconcile.Txns{tt}, [][]int32{seq(tt.N)})
	defer f.Remove()
	got := &reconcile.Txns{Side: reconcile.Bank}
	allocs := testing.AllocsPerRun(3, func() {
		truncate(got)
		if err := Read(context.Background(), f, got); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.0f allocations for %d rows in 4 batches", allocs, tt.N)
	if perBatch := allocs / 4; perBatch > 200 {
		t.Fatalf("%.0f allocations for 4 batches", allocs)
	}
}

// truncate empties t, keeping its memory.
func truncate(t *reconcile.Txns) { mark(&reconcile.Txns{}).restore(t) }

// BenchmarkRoundTrip writes 1M bank rows (ids of 0 to 24 bytes) to a
// file and reads them back.
func BenchmarkRoundTrip(b *testing.B) {
	const n = 1 << 20
	tt := randTxns(rand.New(rand.NewPCG(1, 1)), reconcile.Bank, n, 24, true, 0)
	rows := seq(n)
	dir := b.TempDir()
	got := &reconcile.Txns{Side: reconcile.Bank}
	ctx := context.Background()
	var size int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w, err := Create(ctx, dir, reconcile.Bank)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Append(tt, rows); err != nil {
			b.Fatal(err)
		}
		f, err := w.Close()
		if err != nil {
			b.Fatal(err)
		}
		truncate(got)
		if err := Read(ctx, f, got); err != nil {
			b.Fatal(err)
		}
		size = f.Size
		f.Remove()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
	b.ReportMetric(float64(size)/n, "B/row")
}
