package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/recon-dev/recon/digest"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/reconcile"
	"github.com/recon-dev/recon/store"
)

// Options control a load.
type Options struct {
	Date   string // business date YYYY-MM-DD
	Scale  int
	Limits formats.Limits
	Logger *slog.Logger // nil: discard
}

// Object is one input object as the manifest records it.
type Object struct {
	Key       string `json:"key"`
	SizeBytes int64  `json:"size_bytes"`
	SHA256    string `json:"sha256"`
	Table     string `json:"table"`
	Rows      int64  `json:"rows"`
	Rejected  bool   `json:"rejected,omitempty"`
}

// Rejection is an input object that was not used, and why.
type Rejection struct {
	Location
	Key    string
	Reason error
}

// PlatformInput is one platform's decoded inputs.
type PlatformInput struct {
	Platform *reconcile.Platform
	Input    reconcile.Input
}

// Plan is what Discover found: a date's input objects by platform, and
// the objects whose keys do not follow the layout.
type Plan struct {
	Date       string
	Platforms  []string // sorted
	byPlatform map[string][]found
	// Rejections are objects whose key does not follow the layout; they
	// are recorded in Objects too.
	Rejections []Rejection
	Objects    []Object
}

// Loaded is one platform's decoded inputs and what became of its objects.
type Loaded struct {
	PlatformInput
	Objects    []Object
	Rejections []Rejection
	Rows       map[string]int64 // accepted rows per table name
}

type found struct {
	info store.ObjectInfo
	loc  Location
}

// Discover lists the inputs of opt.Date without reading them.
func Discover(ctx context.Context, st store.Store, opt Options) (*Plan, error) {
	plan := &Plan{Date: opt.Date, byPlatform: map[string][]found{}}
	var nobj int
	for _, t := range formats.Tables() {
		infos, err := st.List(ctx, prefix(t, opt.Date))
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		for _, info := range infos {
			if ignored(info.Key) {
				continue
			}
			nobj++
			if opt.Limits.FilesPerRun > 0 && nobj > opt.Limits.FilesPerRun {
				return nil, fmt.Errorf("ingest: more than %d input objects (limit files_per_run)", opt.Limits.FilesPerRun)
			}
			loc, err := parseKey(t, opt.Date, info.Key)
			if err != nil {
				plan.Rejections = append(plan.Rejections, Rejection{Location: loc, Key: info.Key, Reason: fmt.Errorf("%s: %w", info.Key, err)})
				plan.Objects = append(plan.Objects, Object{Key: info.Key, SizeBytes: info.SizeBytes, Table: t.String(), Rejected: true})
				continue
			}
			plan.byPlatform[loc.PlatformID] = append(plan.byPlatform[loc.PlatformID], found{info: info, loc: loc})
		}
	}
	for id := range plan.byPlatform {
		plan.Platforms = append(plan.Platforms, id)
	}
	slices.Sort(plan.Platforms)
	return plan, nil
}

// Keys returns the keys of the objects to load, platform after platform
// in the order of Platforms, each platform's in the order Load reads them
// (its first half, then the second): the order to hash them in ahead
// (see digest.Start).
func (p *Plan) Keys() []string {
	var keys []string
	for _, id := range p.Platforms {
		for f := range p.loadOrder(id) {
			keys = append(keys, f.info.Key)
		}
	}
	return keys
}

// loadOrder yields a platform's objects in the order Load reads them when
// it does not split: its first half, then the second.
func (p *Plan) loadOrder(id string) iter.Seq[found] {
	return func(yield func(found) bool) {
		for _, first := range []bool{true, false} {
			for f := range p.half(id, first) {
				if !yield(f) {
					return
				}
			}
		}
	}
}

// half yields a platform's objects of one half, in key order: the first
// half's (loaded first, and into the platform itself when Load splits) or
// the second's.
func (p *Plan) half(id string, first bool) iter.Seq[found] {
	return func(yield func(found) bool) {
		for _, f := range p.byPlatform[id] {
			if inFirstHalf(f.loc.Table) == first && !yield(f) {
				return
			}
		}
	}
}

// inFirstHalf reports whether a platform's table t is in the first half
// of its load. The halves take about as long when Load splits them: the
// custody transactions and the ledger's are much alike, so each goes with
// its side's balances, the custody transactions with the loans too and
// the ledger's with the accounts. (At 12.5M rows a side, one platform at a
// time: the custody transactions, the larger, take 1.7 s with the
// ledger's names to adopt, the ledger's 1.6 s, the accounts and each
// balances table about 0.06 s. With both balances in the first half, the
// second ended 0.12-0.17 s before it, a processor idle; now 0.01-0.1 s.)
func inFirstHalf(t formats.Table) bool {
	switch t {
	case formats.CustodyTransactions, formats.CustodyBalances, formats.Loans:
		return true
	}
	return false
}

// SizeBytes returns the total size of a platform's input objects, for
// planning memory.
func (p *Plan) SizeBytes(platform string) int64 {
	var n int64
	for _, f := range p.byPlatform[platform] {
		n += f.info.SizeBytes
	}
	return n
}

// Loader decodes platforms one after another. The platform a Load
// returns is the caller's: the loader keeps no reference to it unless the
// caller hands it back with Recycle, for the next Load to fill its
// columns (one platform's memory, never two). Not safe for concurrent
// use.
type Loader struct {
	objs  *digest.Objects
	plan  *Plan
	opt   Options
	spare *reconcile.Platform // a reconciled platform whose columns the next Load reuses
	// sideNames is the last side platform's names, whose table the next
	// Load's side reuses (Dict.Reuse).
	sideNames *reconcile.Dict
	// Decoding batches kept from platform to platform, one for each half
	// of a platform's tables (inFirstHalf): the two halves of a split load
	// decode at once, each into its own; a load that does not split reads
	// both halves into the first.
	batches [2]*formats.Batch
}

// Recycle hands back a platform that is reconciled and no longer read:
// the next Load fills its columns' memory rather than allocating new
// (see reconcile.Platform.Recycle). The loader holds it until then, so
// the caller counts it in its memory until the next Load or Drop.
func (ld *Loader) Recycle(p *reconcile.Platform) { ld.spare = p }

// Drop forgets a recycled platform, for the collector to free.
func (ld *Loader) Drop() { ld.spare, ld.sideNames = nil, nil }

// HasSpare reports whether the loader holds a recycled platform.
func (ld *Loader) HasSpare() bool { return ld.spare != nil }

// Leftovers is the memory a loader keeps from one platform for the next:
// its recycled platform, its side platform's names table and its
// decoding batches.
type Leftovers struct {
	spare     *reconcile.Platform
	sideNames *reconcile.Dict
	batches   [2]*formats.Batch
}

// Leave returns the loader's leftovers, or nil if it holds no recycled
// platform, and forgets them: for a loader that has none to Take once
// this one is done. (At 100M rows a side, where platforms go one at a
// time, the worker that waited from the start takes the run's last
// platform: it took 0.2 s to make a side names table of its own, and its
// load was 0.2 s slower with batches of its own, both on a core the other
// worker, done, left idle.)
func (ld *Loader) Leave() *Leftovers {
	if ld.spare == nil {
		return nil
	}
	lo := &Leftovers{spare: ld.spare, sideNames: ld.sideNames, batches: ld.batches}
	ld.spare, ld.sideNames, ld.batches = nil, nil, [2]*formats.Batch{}
	return lo
}

// Take makes another loader's leftovers this loader's, in place of its
// own recycled platform and side names, if any.
func (ld *Loader) Take(lo *Leftovers) {
	ld.spare, ld.sideNames = lo.spare, lo.sideNames
	for i, b := range lo.batches {
		if b != nil {
			ld.batches[i] = b
		}
	}
}

// NewLoader returns a loader of the plan's platforms, which opens their
// objects, and has them hashed, through objs.
func NewLoader(objs *digest.Objects, plan *Plan, opt Options) *Loader {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Loader{objs: objs, plan: plan, opt: opt, batches: [2]*formats.Batch{
		formats.NewBatch(formats.SchemaOf(formats.CustodyTransactions)),
		formats.NewBatch(formats.SchemaOf(formats.LedgerTransactions)),
	}}
}

// Load decodes one platform's objects. Bad objects are rejected (see
// Loaded.Rejections), not errors; an error means the store failed.
//
// Its tables come in two halves (inFirstHalf): the custody transactions
// with their balances and the loans, then the ledger's transactions with
// theirs and the accounts. With split, the two decode at once: the first
// half into the platform, the second into a platform of its own (its own
// names),
// adopted with its names and ids translated (see reconcile.Adoption: its
// ledger transactions while it decodes the accounts, the rest at the
// end), which costs a second names table and the translation. Split is
// for a platform that may have the machine to itself (one that runs
// alone, one of a run's last round); where other workers keep the
// processors busy, one after the other is cheaper.
// Either way the platform comes out the same, names and ids included: the
// first half's names take the first ids, the second's follow in order of
// appearance.
func (ld *Loader) Load(ctx context.Context, id string, split bool) (*Loaded, error) {
	l := ld.loaderOf(reconcile.NewPlatform(id), 0)
	side := l
	if split {
		side = ld.loaderOf(reconcile.NewPlatform(id), 1)
	}
	if sp := ld.spare; sp != nil {
		ld.spare = nil
		names := sp.Names.Len() // before Recycle empties them
		sp.Recycle(id)
		if split {
			// The side's names start with the last side's table, or one
			// the size of the last platform's; the platform keeps its own
			// (Recycle). (A loader that dropped its side's table, waiting
			// for memory, and took another worker's platform sized it
			// from the recycled, empty, names: a 100M platform's side
			// table then grew from 2^20 slots to 2^22 again.)
			if ld.sideNames != nil {
				side.p.Names = ld.sideNames.Reuse()
			} else {
				side.p.Names = reconcile.NewDictFor(names)
			}
			// The side platform fills the old columns of its tables.
			q := side.p
			q.Ledger, sp.Ledger = sp.Ledger, q.Ledger
			q.Acc, sp.Acc = sp.Acc, q.Acc
		}
		l.p = sp
	}
	if split {
		// Once the second half's ledger transactions are all in (they
		// come before its accounts, in key order), it hands over a
		// snapshot of its names, and the first half, done with its own,
		// adopts those names and transactions while the second decodes
		// the accounts: what is left to adopt at the end is the accounts
		// and the ledger's balances.
		ledgerIn := make(chan formats.Strings, 1)
		var adoption reconcile.Adoption
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error {
			for f := range ld.plan.half(id, true) {
				if err := l.load(gctx, f); err != nil {
					return err
				}
			}
			select {
			case view, ok := <-ledgerIn:
				if ok {
					adoption.TakeLedger(l.p, view, &side.p.Ledger)
				}
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
		g.Go(func() error {
			defer close(ledgerIn)
			files := slices.Collect(ld.plan.half(id, false))
			last := -1 // the last ledger transactions file
			for i, f := range files {
				if f.loc.Table == formats.LedgerTransactions {
					last = i
				}
			}
			for i, f := range files {
				if err := side.load(gctx, f); err != nil {
					return err
				}
				if i == last && i < len(files)-1 {
					ledgerIn <- side.p.Names.Snapshot()
				}
			}
			return nil
		})
		if err := g.Wait(); err != nil {
			return nil, err
		}
		// Adoption empties the side platform: its names are taken first.
		// Adopted, only their table is of use now.
		ld.sideNames = side.p.Names
		l.merge(side, &adoption)
	} else {
		for f := range ld.plan.loadOrder(id) {
			if err := l.load(ctx, f); err != nil {
				return nil, err
			}
		}
	}
	l.log.Debug("platform loaded", "platform", id, "split", split, "bank_rows", l.p.Bank.N, "ledger_rows", l.p.Ledger.N, "rejected", len(l.rejects))
	return &Loaded{PlatformInput: PlatformInput{Platform: l.p, Input: l.in}, Objects: l.objects, Rejections: l.rejects, Rows: l.rows}, nil
}

// loaderOf returns a loader of p's objects that decodes them into the
// batch of one half of a platform's tables (0: the first, 1: the second;
// see Loader.batches).
func (ld *Loader) loaderOf(p *reconcile.Platform, half int) *loader {
	return &loader{objs: ld.objs, opt: ld.opt, log: ld.opt.Logger, p: p, rows: map[string]int64{}, batch: ld.batches[half]}
}

// loader decodes one platform's objects, one after another.
type loader struct {
	objs    *digest.Objects
	opt     Options
	log     *slog.Logger
	p       *reconcile.Platform
	in      reconcile.Input
	objects []Object
	rejects []Rejection
	rows    map[string]int64
	batch   *formats.Batch // reused for every object it reads
	// drain, when set, takes each transaction batch's rows away once
	// appended (a platform loaded in parts: LoadParts).
	drain func(t *reconcile.Txns, obj int, first bool) error
}

// ioErrorReader remembers the first error of the underlying ReaderAt, so
// that a failing store is told apart from a corrupt file.
type ioErrorReader struct {
	r   io.ReaderAt
	mu  sync.Mutex
	err error
}

func (e *ioErrorReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := e.r.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) {
		e.mu.Lock()
		if e.err == nil {
			e.err = err
		}
		e.mu.Unlock()
	}
	return n, err
}

func (l *loader) load(ctx context.Context, f found) error {
	key := f.info.Key
	// The checksum for the manifest is taken from the same open object,
	// while it is decoded.
	obj, hash, err := l.objs.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	defer obj.Close()
	size := obj.SizeBytes()
	mark := l.p.Mark()
	rows, in, err := decodeInto(ctx, l.p, key, f.loc, obj, size, formats.ReadOptions{Scale: l.opt.Scale, Limits: l.opt.Limits, Batch: l.batch}, l.drain)
	sum, herr := hash()
	if herr != nil {
		return fmt.Errorf("ingest: read %s: %w", key, herr)
	}
	if err != nil && !IsInputError(err) {
		return err
	}
	rec := Object{Key: key, SizeBytes: size, SHA256: sum, Table: f.loc.Table.String()}
	if err != nil {
		l.p.Rollback(mark)
		rec.Rejected = true
		l.rejects = append(l.rejects, Rejection{Location: f.loc, Key: key, Reason: err})
		l.log.Warn("input rejected", "key", key, "reason", err.Error())
	} else {
		rec.Rows = rows
		l.rows[f.loc.Table.String()] += rows
		for s := range in.Rows {
			l.in.Rows[s] += in.Rows[s]
			l.in.Amount[s].AddSum(in.Amount[s])
		}
	}
	l.objects = append(l.objects, rec)
	return nil
}

// merge adds what another loader decoded (the second half of a
// platform's tables) after what this one holds, finishing a, the
// adoption of its platform begun while it loaded.
func (l *loader) merge(o *loader, a *reconcile.Adoption) {
	a.Finish(l.p, o.p)
	l.objects = append(l.objects, o.objects...)
	l.rejects = append(l.rejects, o.rejects...)
	for t, n := range o.rows {
		l.rows[t] += n
	}
	for s := range o.in.Rows {
		l.in.Rows[s] += o.in.Rows[s]
		l.in.Amount[s].AddSum(o.in.Amount[s])
	}
}

// IsInputError reports whether err is about the input's content (reject
// the file) rather than about reading it (fail the run).
func IsInputError(err error) bool {
	var fe *formats.Error
	return errors.As(err, &fe)
}

// decodeInto reads one object into the platform. It returns the rows read
// and, for transaction tables, the count and amount total the
// conservation check compares against. On an input error (see
// IsInputError) the caller must roll the platform back; any other error
// means the store could not be read.
//
// drain, when not nil, is handed each transaction batch's table once the
// batch's rows are appended (first: the object's first batch).
func decodeInto(ctx context.Context, p *reconcile.Platform, key string, loc Location, r io.ReaderAt, size int64, opt formats.ReadOptions,
	drain func(t *reconcile.Txns, obj int, first bool) error) (int64, reconcile.Input, error) {
	var rows int64
	var in reconcile.Input
	side, amountCol := reconcile.Bank, -1 // amountCol: transactions only
	switch loc.Table {
	case formats.CustodyTransactions:
		amountCol = formats.CTAmount
	case formats.LedgerTransactions:
		side, amountCol = reconcile.Ledger, formats.LTAmount
	}
	objIdx := p.AddObject(key)
	src := &ioErrorReader{r: r}
	opt.Prepare = p.Prepare
	err := formats.Read(ctx, key, src, size, formats.SchemaOf(loc.Table), opt, func(b *formats.Batch) error {
		if err := p.Append(objIdx, key, loc.BankID, b); err != nil {
			return err
		}
		rows += int64(b.Len)
		if amountCol >= 0 {
			in.Rows[side] += int64(b.Len)
			in.Amount[side].AddAll(b.Cols[amountCol].Ints())
			if drain != nil {
				return drain(p.Side(side), objIdx, b.FirstRow == 0)
			}
		}
		return nil
	})
	switch {
	case src.err != nil:
		return 0, in, fmt.Errorf("ingest: read %s: %w", key, src.err)
	case ctx.Err() != nil:
		return 0, in, ctx.Err()
	case err != nil && !IsInputError(err):
		return 0, in, fmt.Errorf("ingest: %s: %w", key, err)
	}
	return rows, in, err
}
