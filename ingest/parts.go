package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/recon-dev/recon/reconcile"
	"github.com/recon-dev/recon/spill"
)

// Parted is a platform loaded in parts, for reconcile.ReconcileParts:
// everything but its transactions in memory (Platform, whose Ledger and
// Bank hold only the whole tables' Spans), the transactions in part
// files on local disk. Close removes the files.
type Parted struct {
	Loaded
	Parts int
	// Fees are the fee cap's keys of the accepted bank transactions,
	// taken as they went to disk.
	Fees  reconcile.FeeKeys
	files [][2]*spill.File // by part and side
	// rejected are the rows, by side, of objects rejected after some of
	// their rows went to disk: [start, end) in the whole table's numbering.
	rejected [2][][2]int64
	spans    [2][]reconcile.Span
	scratch  [2]*reconcile.Txns
}

// LoadParts loads platform id in parts: its balances and registry into
// memory, its transactions into parts part files in dir as they are
// decoded, batch by batch (reconcile.PartOf), so that memory holds one
// batch of them at a time. A rejected object's rows are dropped when the
// parts are read back.
func (ld *Loader) LoadParts(ctx context.Context, id string, parts int, dir string) (pt *Parted, err error) {
	l := &loader{objs: ld.objs, opt: ld.opt, log: ld.opt.Logger, p: reconcile.NewPlatform(id), rows: map[string]int64{}, batches: ld.batches}
	l.p.Streaming = true
	pt = &Parted{Parts: parts, files: make([][2]*spill.File, parts)}
	writers := make([][2]*spill.Writer, parts)
	defer func() {
		if err != nil {
			for _, ws := range writers {
				for _, w := range ws {
					if w != nil {
						w.Abort()
					}
				}
			}
			pt.Close()
		}
	}()
	for k := range writers {
		for _, side := range []reconcile.Side{reconcile.Ledger, reconcile.Bank} {
			w, err := spill.Create(ctx, dir, side)
			if err != nil {
				return nil, fmt.Errorf("ingest: platform %s: %w", id, err)
			}
			writers[k][side] = w
		}
	}
	var next [2]int64 // rows gone to disk so far, by side: the whole table's numbering
	rows := make([][]int32, parts)
	l.drain = func(t *reconcile.Txns, obj int, first bool) error {
		if first {
			pt.spans[t.Side] = append(pt.spans[t.Side], reconcile.Span{Obj: obj, Start: int(next[t.Side])})
		}
		t.Orig = t.Orig[:0]
		for i := range t.N {
			t.Orig = append(t.Orig, next[t.Side]+int64(i))
		}
		for k := range rows {
			rows[k] = rows[k][:0]
		}
		for i := range t.N {
			k := reconcile.PartOf(t, i, parts)
			rows[k] = append(rows[k], int32(i))
		}
		for k, rs := range rows {
			if len(rs) > 0 {
				if err := writers[k][t.Side].Append(t, rs); err != nil {
					return err
				}
			}
		}
		if t.Side == reconcile.Bank {
			pt.Fees.Add(t)
		}
		next[t.Side] += int64(t.N)
		t.ClearRows()
		return nil
	}
	for f := range ld.plan.loadOrder(id) {
		start, nfees := next, len(pt.Fees)
		nrej := len(l.rejects)
		if err := l.load(ctx, f); err != nil {
			return nil, err
		}
		if len(l.rejects) > nrej {
			pt.Fees = pt.Fees[:nfees]
			for side := range next {
				if next[side] > start[side] {
					pt.rejected[side] = append(pt.rejected[side], [2]int64{start[side], next[side]})
				}
			}
		}
	}
	for k, ws := range writers {
		for side, w := range ws {
			f, err := w.Close()
			if err != nil {
				return nil, fmt.Errorf("ingest: platform %s: %w", id, err)
			}
			writers[k][side] = nil
			pt.files[k][side] = f
		}
	}
	l.p.Ledger.Spans, l.p.Bank.Spans = pt.spans[reconcile.Ledger], pt.spans[reconcile.Bank]
	pt.Loaded = Loaded{PlatformInput: PlatformInput{Platform: l.p, Input: l.in}, Objects: l.objects, Rejections: l.rejects, Rows: l.rows}
	l.log.Debug("platform loaded in parts", "platform", id, "parts", parts, "bank_rows", next[reconcile.Bank], "ledger_rows", next[reconcile.Ledger],
		"rejected", len(l.rejects))
	return pt, nil
}

// Part reads part k back: a reconcile.PartLoader. The tables it returns
// are reused by its next call.
func (pt *Parted) Part(ctx context.Context, k int) (ledger, bank *reconcile.Txns, err error) {
	var out [2]*reconcile.Txns
	for _, side := range []reconcile.Side{reconcile.Ledger, reconcile.Bank} {
		t := pt.scratch[side]
		if t == nil {
			t = &reconcile.Txns{Side: side}
			pt.scratch[side] = t
		}
		t.ClearRows()
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

// Close removes the part files.
func (pt *Parted) Close() error {
	var errs []error
	for _, fs := range pt.files {
		for _, f := range fs {
			if f != nil {
				if err := f.Remove(); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
	}
	pt.files = nil
	return errors.Join(errs...)
}
