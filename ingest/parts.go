package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/reconcile"
	"github.com/recon-dev/recon/spill"
)

// Parted is a platform loaded in parts, for reconcile.ReconcileParts:
// everything but its transactions in memory (Platform, whose Ledger and
// Bank hold only the whole tables' Spans), the transactions in part
// files on local disk. Close removes the files.
type Parted struct {
	Loaded
	// Fees are the fee cap's keys of the accepted bank transactions,
	// taken as they went to disk.
	Fees  reconcile.FeeKeys
	files [][2]*spill.File // by part and side
	// rejected are the rows, by side, of objects rejected after some of
	// their rows went to disk: [start, end) in the whole table's numbering.
	rejected [2][][2]int64
	spans    [2][]reconcile.Span
	scratch  [2]*reconcile.Txns
	// The rows matching by reference leaves, by leftover part and side
	// (reconcile.LeftRows): written while the parts are reconciled, read
	// once they all are.
	left      [][2]*spill.Writer
	leftFiles [][2]*spill.File
	dir       string
}

// writerBatches is how many full spill batches (about 5 MiB each) a
// platform's part writers hold at most together, at up to 512 parts.
const writerBatches = 16

// leftBatchRows is the batch of the leftover parts' writers (Keep): few
// rows on a normal day, in 2K writers open at once.
const leftBatchRows = 1 << 12

// partSink takes one side's transaction batches to its part files.
type partSink struct {
	writers []*spill.Writer // by part
	next    int64           // rows gone to disk so far: the whole table's numbering
	rows    [][]int32       // scratch: a batch's rows by part
	spans   []reconcile.Span
	fees    *reconcile.FeeKeys // the bank's sink only
}

// drain is a loader's drain for one side: the batch's rows go to their
// parts' files and leave memory.
func (s *partSink) drain(t *reconcile.Txns, obj int, first bool) error {
	if first {
		s.spans = append(s.spans, reconcile.Span{Obj: obj, Start: int(s.next)})
	}
	t.Orig = t.Orig[:0]
	for i := range t.N {
		t.Orig = append(t.Orig, s.next+int64(i))
	}
	err := reconcile.ByPart(t, s.rows, nil, reconcile.PartOf, func(k int, rs []int32) error { return s.writers[k].Append(t, rs) })
	if err != nil {
		return err
	}
	if s.fees != nil {
		s.fees.Add(t)
	}
	s.next += int64(t.N)
	t.ClearRows()
	return nil
}

// LoadParts loads platform id in parts: its balances and registry into
// memory, its transactions into parts part files in dir as they are
// decoded, batch by batch (reconcile.PartOf), so that memory holds one
// batch of them at a time. A rejected object's rows are dropped when the
// parts are read back.
//
// The platform's two halves load as Load's do, taking turns, decoding at
// once with parallel. The platform comes out the same either way, names
// and ids included.
func (ld *Loader) LoadParts(ctx context.Context, id string, parts int, dir string, parallel bool) (pt *Parted, err error) {
	p := reconcile.NewPlatform(id)
	p.Streaming = true
	pt = &Parted{files: make([][2]*spill.File, parts), dir: dir,
		left: make([][2]*spill.Writer, parts), leftFiles: make([][2]*spill.File, parts)}
	var sinks [2]*partSink
	defer func() {
		if err != nil {
			for _, s := range sinks {
				if s == nil {
					continue
				}
				for _, w := range s.writers {
					if w != nil {
						w.Abort()
					}
				}
			}
			pt.Close()
		}
	}()
	// Each writer holds a batch: a platform of many parts (a small limit)
	// writes smaller batches, so that its 2K writers hold no more than
	// writerBatches full ones.
	batchRows := min(max(spill.RowsPerBatchMax*writerBatches/(2*parts), 1<<12), spill.RowsPerBatchMax)
	for _, side := range []reconcile.Side{reconcile.Ledger, reconcile.Bank} {
		s := &partSink{writers: make([]*spill.Writer, parts), rows: make([][]int32, parts)}
		if side == reconcile.Bank {
			s.fees = &pt.Fees
		}
		sinks[side] = s
		for k := range s.writers {
			w, err := spill.CreateBatched(ctx, dir, side, batchRows)
			if err != nil {
				return nil, fmt.Errorf("ingest: platform %s: %w", id, err)
			}
			s.writers[k] = w
		}
	}
	l, err := ld.loadHalves(ctx, p, parallel, func(ctx context.Context, l *loader, f found, obj int) error {
		return l.loadPart(ctx, f, obj, &sinks, pt)
	})
	if err != nil {
		return nil, err
	}
	for side, s := range sinks {
		for k, w := range s.writers {
			f, err := w.Close()
			if err != nil {
				return nil, fmt.Errorf("ingest: platform %s: %w", id, err)
			}
			s.writers[k] = nil
			pt.files[k][side] = f
		}
		pt.spans[side] = s.spans
	}
	l.p.Ledger.Spans, l.p.Bank.Spans = pt.spans[reconcile.Ledger], pt.spans[reconcile.Bank]
	pt.Loaded = Loaded{PlatformInput: PlatformInput{Platform: l.p, Input: l.in}, Objects: l.objects, Rejections: l.rejects, Rows: l.rows}
	l.log.Debug("platform loaded in parts", "platform", id, "parts", parts, "parallel", parallel,
		"bank_rows", sinks[reconcile.Bank].next, "ledger_rows", sinks[reconcile.Ledger].next, "rejected", len(l.rejects))
	return pt, nil
}

// loadPart loads object f, number obj of the platform's, its
// transactions through the sinks. Of sinks and pt, it touches only the
// side of the object's table: the two halves of a platform run it at once.
func (l *loader) loadPart(ctx context.Context, f found, obj int, sinks *[2]*partSink, pt *Parted) error {
	l.drain = func(t *reconcile.Txns, obj int, first bool) error {
		return sinks[t.Side].drain(t, obj, first)
	}
	side, ok := txnSide(f.loc.Table)
	if !ok {
		return l.load(ctx, f, obj)
	}
	s := sinks[side]
	start, nfees, nrej := s.next, 0, len(l.rejects)
	if s.fees != nil {
		nfees = len(*s.fees)
	}
	if err := l.load(ctx, f, obj); err != nil {
		return err
	}
	if len(l.rejects) > nrej {
		if s.fees != nil {
			*s.fees = (*s.fees)[:nfees]
		}
		if s.next > start {
			pt.rejected[side] = append(pt.rejected[side], [2]int64{start, s.next})
		}
	}
	return nil
}

// txnSide returns the side of a transactions table.
func txnSide(t formats.Table) (reconcile.Side, bool) {
	switch t {
	case formats.CustodyTransactions:
		return reconcile.Bank, true
	case formats.LedgerTransactions:
		return reconcile.Ledger, true
	}
	return 0, false
}

// Part reads part k back: a reconcile.PartLoader. The tables it returns
// are reused by its next call.
func (pt *Parted) Part(ctx context.Context, k int) (ledger, bank *reconcile.Txns, err error) {
	var out [2]*reconcile.Txns
	for _, side := range []reconcile.Side{reconcile.Ledger, reconcile.Bank} {
		t := pt.scratchOf(side)
		if err := spill.Read(ctx, pt.files[k][side], t); err != nil {
			return nil, nil, fmt.Errorf("ingest: platform %s, part %d: %w", pt.Platform.ID, k, err)
		}
		if len(pt.rejected[side]) > 0 {
			t = dropRows(t, pt.rejected[side])
		}
		t.Spans = pt.spans[side]
		out[side] = t
	}
	return out[reconcile.Ledger], out[reconcile.Bank], nil
}

// dropRows returns t without the rows whose Orig falls in one of the
// ranges (in increasing order).
func dropRows(t *reconcile.Txns, ranges [][2]int64) *reconcile.Txns {
	kept := &reconcile.Txns{Side: t.Side}
	r := 0
	for i := range t.N {
		o := t.Orig[i]
		for r < len(ranges) && o >= ranges[r][1] {
			r++
		}
		if r < len(ranges) && o >= ranges[r][0] {
			continue
		}
		kept.AppendRow(t, i)
	}
	return kept
}

// Keep is reconcile.LeftRows' Keep: leftover part k's rows go to a file
// of their own.
func (pt *Parted) Keep(ctx context.Context, k int, t *reconcile.Txns, rows []int32) error {
	w := pt.left[k][t.Side]
	if w == nil {
		var err error
		if w, err = spill.CreateBatched(ctx, pt.dir, t.Side, leftBatchRows); err != nil {
			return fmt.Errorf("ingest: platform %s: %w", pt.Platform.ID, err)
		}
		pt.left[k][t.Side] = w
	}
	return w.Append(t, rows)
}

// Left is reconcile.LeftRows' Left: it reads leftover part k back. Every
// leftover part is complete once the first is asked for. The tables it
// returns are reused by its next call.
func (pt *Parted) Left(ctx context.Context, k int) (ledger, bank *reconcile.Txns, err error) {
	for j, ws := range pt.left {
		for side, w := range ws {
			if w == nil {
				continue
			}
			f, err := w.Close()
			if err != nil {
				return nil, nil, fmt.Errorf("ingest: platform %s: %w", pt.Platform.ID, err)
			}
			pt.left[j][side] = nil
			pt.leftFiles[j][side] = f
		}
	}
	var out [2]*reconcile.Txns
	for _, side := range []reconcile.Side{reconcile.Ledger, reconcile.Bank} {
		t := pt.scratchOf(side)
		if f := pt.leftFiles[k][side]; f != nil {
			if err := spill.Read(ctx, f, t); err != nil {
				return nil, nil, fmt.Errorf("ingest: platform %s, leftover part %d: %w", pt.Platform.ID, k, err)
			}
		}
		t.Spans = pt.spans[side]
		out[side] = t
	}
	return out[reconcile.Ledger], out[reconcile.Bank], nil
}

// scratchOf returns side's reusable table, emptied.
func (pt *Parted) scratchOf(side reconcile.Side) *reconcile.Txns {
	t := pt.scratch[side]
	if t == nil {
		t = &reconcile.Txns{Side: side}
		pt.scratch[side] = t
	}
	t.ClearRows()
	return t
}

// Close removes the part files.
func (pt *Parted) Close() error {
	var errs []error
	for _, ws := range pt.left {
		for _, w := range ws {
			if w != nil {
				w.Abort()
			}
		}
	}
	pt.left = nil
	for _, fs := range slices.Concat(pt.files, pt.leftFiles) {
		for _, f := range fs {
			if f != nil {
				if err := f.Remove(); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
	}
	pt.files, pt.leftFiles = nil, nil
	return errors.Join(errs...)
}
