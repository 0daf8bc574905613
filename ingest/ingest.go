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
// in the order of Platforms, each platform's first half, then its second
// (which Load reads at once): the order to hash them in ahead (see
// digest.Start).
func (p *Plan) Keys() []string {
	var keys []string
	for _, id := range p.Platforms {
		for f := range p.loadOrder(id) {
			keys = append(keys, f.info.Key)
		}
	}
	return keys
}

// loadOrder yields a platform's objects in the order they take their
// numbers in the platform: its first half, then the second.
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

// half yields a platform's objects of one half, table by table in the
// order of halfTables, each table's in key order.
func (p *Plan) half(id string, first bool) iter.Seq[found] {
	return func(yield func(found) bool) {
		for _, t := range halfTables(first) {
			for _, f := range p.byPlatform[id] {
				if f.loc.Table == t && !yield(f) {
					return
				}
			}
		}
	}
}

// halfTables returns the tables of a platform's first half or its second,
// in the order its loader reads them. The halves decode at once and take
// turns appending row groups (see turns), so they should take about as
// long: the custody transactions and the ledger's are much alike, so each
// goes with its side's balances, the custody transactions with the loans
// too and the ledger's with the accounts. The accounts come first: their
// row groups take the longest to append (a million holders' names, most
// of them new, at 100M rows a side: 60-150 ms), which the other half's
// reader then spends decoding ahead; last, they were appended once the
// first half was done, one processor idle. (100M: idle processor time
// over a run 2.4-2.5 core-s to 1.8-1.9.)
func halfTables(first bool) []formats.Table {
	if first {
		return []formats.Table{formats.CustodyTransactions, formats.CustodyBalances, formats.Loans}
	}
	return []formats.Table{formats.Accounts, formats.LedgerTransactions, formats.LedgerBalances}
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
	// Decoding batches kept from platform to platform, aheadBatches for
	// each half of a platform's tables (halfTables), which decode at
	// once: a half read one after the other uses its first.
	batches [2][]*formats.Batch
}

// Recycle hands back a platform that is reconciled and no longer read:
// the next Load fills its columns' memory rather than allocating new
// (see reconcile.Platform.Recycle). The loader holds it until then, so
// the caller counts it in its memory until the next Load or Drop.
func (ld *Loader) Recycle(p *reconcile.Platform) { ld.spare = p }

// Drop forgets a recycled platform, for the collector to free.
func (ld *Loader) Drop() { ld.spare = nil }

// HasSpare reports whether the loader holds a recycled platform.
func (ld *Loader) HasSpare() bool { return ld.spare != nil }

// Leftovers is the memory a loader keeps from one platform for the next:
// its recycled platform and its decoding batches.
type Leftovers struct {
	spare   *reconcile.Platform
	batches [2][]*formats.Batch
}

// Leave returns the loader's leftovers, or nil if it holds no recycled
// platform, and forgets them: for a loader that has none to Take once
// this one is done. (At 100M rows a side, where platforms go one at a
// time, the worker that waited from the start takes the run's last
// platform: its load was 0.2 s slower with batches of its own, and
// slower again faulting in columns of its own, on a core the other
// worker, done, left idle.)
func (ld *Loader) Leave() *Leftovers {
	if ld.spare == nil {
		return nil
	}
	lo := &Leftovers{spare: ld.spare, batches: ld.batches}
	ld.spare, ld.batches = nil, [2][]*formats.Batch{}
	return lo
}

// Take makes another loader's leftovers this loader's, in place of its
// own recycled platform, if any.
func (ld *Loader) Take(lo *Leftovers) {
	ld.spare = lo.spare
	for i, bs := range lo.batches {
		if bs != nil {
			ld.batches[i] = bs
		}
	}
}

// NewLoader returns a loader of the plan's platforms, which opens their
// objects, and has them hashed, through objs.
func NewLoader(objs *digest.Objects, plan *Plan, opt Options) *Loader {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	ld := &Loader{objs: objs, plan: plan, opt: opt}
	for h, t := range []formats.Table{formats.CustodyTransactions, formats.LedgerTransactions} {
		for range aheadBatches {
			ld.batches[h] = append(ld.batches[h], formats.NewBatch(formats.SchemaOf(t)))
		}
	}
	return ld
}

// aheadBatches is how many batches each half of a platform decodes into
// in turn: with the halves at once, a half's reader may decode the next
// while the rest wait to be appended in their turns (see appender).
const aheadBatches = 2

// Load decodes one platform's objects. Bad objects are rejected (see
// Loaded.Rejections), not errors; an error means the store failed.
//
// Its tables come in two halves (halfTables): the custody transactions
// with their balances and the loans, and the ledger's transactions with
// theirs and the accounts. Each half has a goroutine, which decodes its
// objects one after another into the one platform, and the two take
// turns appending what they decoded, a row group each (see turns): the
// platform's names are interned in an order fixed by the objects alone,
// whichever half decodes faster. With parallel, each half's row groups
// are appended by a goroutine of their own (see appender) while its
// reader decodes the next; without, only one half works at a time, its
// turn lasting from decoding a row group to appending it. The platform
// comes out the same either way, names and ids included.
//
// (Before, the halves of a platform decoded at once only when it might
// have the machine to itself, the second half into a platform of its own,
// with names of its own, which the first then adopted: its names interned
// again, its ids translated. At 100M rows a side, where every platform
// loaded so, that cost a second names table of 128 MiB and 70-100 ms at
// the end of each load, one processor idle.)
func (ld *Loader) Load(ctx context.Context, id string, parallel bool) (*Loaded, error) {
	p := ld.spare
	ld.spare = nil
	if p != nil {
		p.Recycle(id)
	} else {
		p = reconcile.NewPlatform(id)
	}
	l, err := ld.loadHalves(ctx, p, parallel, func(ctx context.Context, l *loader, f found, obj int) error {
		return l.load(ctx, f, obj)
	})
	if err != nil {
		return nil, err
	}
	l.log.Debug("platform loaded", "platform", id, "parallel", parallel, "bank_rows", p.Bank.N, "ledger_rows", p.Ledger.N, "rejected", len(l.rejects))
	return &Loaded{PlatformInput: PlatformInput{Platform: l.p, Input: l.in}, Objects: l.objects, Rejections: l.rejects, Rows: l.rows}, nil
}

// loadHalves loads the objects of platform p's two halves (halfTables)
// with each, a goroutine for each half, taking turns (see turns; whole
// turns without parallel). It returns the first half's loader, what the
// second's decoded merged into it.
func (ld *Loader) loadHalves(ctx context.Context, p *reconcile.Platform, parallel bool,
	each func(ctx context.Context, l *loader, f found, obj int) error) (*loader, error) {
	// The objects take their numbers up front, first half first, as one
	// loader reading them in turn would give them.
	var halves [2][]found
	var objs [2][]int
	for h := range halves {
		for f := range ld.plan.half(p.ID, h == 0) {
			halves[h] = append(halves[h], f)
			objs[h] = append(objs[h], p.AddObject(f.info.Key))
		}
	}
	t := newTurns(!parallel)
	ls := [2]*loader{ld.loaderOf(p, 0), ld.loaderOf(p, 1)}
	g, gctx := errgroup.WithContext(ctx)
	if parallel && !p.Streaming {
		p.ReadAhead()
		defer p.EndReadAhead()
	}
	for h, l := range ls {
		l.turn = turn{t: t, half: h}
		if parallel && !p.Streaming {
			// The half's appender, which ends its turns once its reader is
			// done and it has appended all it was handed.
			l.ahead = newAppender(p, l.turn, ld.batches[h])
			g.Go(func() error {
				defer t.done(h)
				l.ahead.run()
				return nil
			})
		}
		g.Go(func() error {
			if l.ahead != nil {
				defer close(l.ahead.jobs)
			} else {
				defer t.done(h)
			}
			for i, f := range halves[h] {
				if err := each(gctx, l, f, objs[h][i]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ls[0].merge(ls[1])
	return ls[0], nil
}

// appender appends the batches one half of a platform's reader decodes,
// in the half's turns, while the reader goes on with the next (see
// reconcile.Platform.ReadAhead): the reader need not wait for the other
// half's appends, only for a free batch. The reader checks each batch
// first (Platform.CheckOwner), so that an append cannot fail: the reader
// knows what becomes of an object once it is read, and goes on to the
// next, unless it must take a rejected one's rows back out. (With a
// half's reader appending its own batches, as with the halves one after
// the other, the halves went in step: the ledger's half, whose row groups
// decode faster than the custody's, waited for the custody's at each, and
// the accounts it has last were appended alone at the end.)
type appender struct {
	p       *reconcile.Platform
	turn    turn
	jobs    chan appendJob
	pool    chan *formats.Batch // the half's batches: the reader takes them, the appender gives them back
	pending sync.WaitGroup      // batches handed on and not yet appended
	names   reconcile.BatchNames
}

// appendJob is a batch for the appender, of number obj of the platform's
// objects.
type appendJob struct {
	b   *formats.Batch
	obj int
}

func newAppender(p *reconcile.Platform, u turn, batches []*formats.Batch) *appender {
	a := &appender{p: p, turn: u, jobs: make(chan appendJob, len(batches)), pool: make(chan *formats.Batch, len(batches))}
	for _, b := range batches {
		a.pool <- b
	}
	return a
}

// run appends the batches handed to it until the reader closes jobs.
func (a *appender) run() {
	for j := range a.jobs {
		// Only the names wait for the turn; the rest of the append
		// touches only this half's tables.
		a.turn.append(func() { a.p.InternNames(j.b, &a.names) })
		a.p.FillIn(j.obj, j.b, &a.names)
		a.pool <- j.b
		a.pending.Done()
	}
}

// turns orders the appends of a platform's two halves, each loaded by a
// goroutine of its own: the first half appends a row group, then the
// second, then the first again, and so on; once a half is done, the other
// goes on alone. The order is the objects' alone, so the names, interned
// as rows are appended, take the same ids however the goroutines run.
// With whole, a half's turn lasts from decoding its row group (see
// formats.ReadOptions.Prepare) to appending it: one half works at a time.
// Only appends end turns: a row group an object's errors keep from being
// appended ends none, so that the order is the same either way.
type turns struct {
	mu    sync.Mutex
	cond  sync.Cond
	next  int     // the half whose turn it is
	ended [2]bool // the halves done
	whole bool
}

func newTurns(whole bool) *turns {
	t := &turns{whole: whole}
	t.cond.L = &t.mu
	return t
}

// wait blocks until it is half h's turn, or the other half is done.
func (t *turns) wait(h int) {
	t.mu.Lock()
	for t.next != h && !t.ended[1-h] {
		t.cond.Wait()
	}
	t.mu.Unlock()
}

// pass ends half h's turn.
func (t *turns) pass(h int) {
	t.mu.Lock()
	t.next = 1 - h
	t.mu.Unlock()
	t.cond.Broadcast()
}

// done ends half h: the other goes on alone.
func (t *turns) done(h int) {
	t.mu.Lock()
	t.ended[h] = true
	t.next = 1 - h
	t.mu.Unlock()
	t.cond.Broadcast()
}

// turn is one half's place in turns; the zero turn waits for nothing (a
// loader of a platform of its own).
type turn struct {
	t    *turns
	half int
}

// begin starts decoding a row group: with whole turns, in this half's
// turn. (A row group decoded but not appended, its object rejected, ends
// no turn: the turns are the appends, whatever else is read.)
func (u turn) begin() {
	if u.t != nil && u.t.whole {
		u.t.wait(u.half)
	}
}

// append appends a decoded row group with fn, in this half's turn, and
// ends the turn.
func (u turn) append(fn func()) {
	if u.t == nil {
		fn()
		return
	}
	u.t.wait(u.half)
	fn()
	u.t.pass(u.half)
}

// loaderOf returns a loader of p's objects that decodes them into the
// batch of one half of a platform's tables (0: the first, 1: the second;
// see Loader.batches).
func (ld *Loader) loaderOf(p *reconcile.Platform, half int) *loader {
	return &loader{objs: ld.objs, opt: ld.opt, log: ld.opt.Logger, p: p, rows: map[string]int64{}, batch: ld.batches[half][0]}
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
	turn    turn           // its half's place, when two loaders fill one platform
	ahead   *appender      // when set, appends the batches it decodes, in their turns
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

// load decodes object f into the platform. obj is its number there
// (Platform.AddObject).
func (l *loader) load(ctx context.Context, f found, obj int) error {
	key := f.info.Key
	// The checksum for the manifest is taken from the same open object,
	// while it is decoded.
	o, hash, err := l.objs.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	defer o.Close()
	size := o.SizeBytes()
	// Only this object's table: the other half may be appending to others.
	// With an appender, which may still be appending this table's earlier
	// rows, the count is this loader's own (each table is one half's).
	var mark int
	if l.ahead != nil {
		mark = int(l.rows[f.loc.Table.String()])
	} else {
		mark = l.p.Rows(f.loc.Table)
	}
	rows, in, err := decodeInto(ctx, l.p, obj, key, f.loc, o, size, formats.ReadOptions{Scale: l.opt.Scale, Limits: l.opt.Limits, Batch: l.batch}, l.turn, l.ahead, l.drain)
	sum, herr := hash()
	if herr != nil {
		return fmt.Errorf("ingest: read %s: %w", key, herr)
	}
	if err != nil && !IsInputError(err) {
		return err
	}
	rec := Object{Key: key, SizeBytes: size, SHA256: sum, Table: f.loc.Table.String()}
	if err != nil {
		l.p.Truncate(f.loc.Table, mark)
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

// merge adds what another loader of the platform decoded (the second half
// of its tables) after what this one did: objects, rejections and counts.
func (l *loader) merge(o *loader) {
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

// decodeInto reads one object, number obj of the platform's, into the
// platform, appending each row group in its turn (see turns). It returns
// the rows read and, for transaction tables, the count and amount total
// the conservation check compares against. On an input error (see
// IsInputError) the caller must truncate the object's table back; any
// other error means the store could not be read.
//
// drain, when not nil, is handed each transaction batch's table once the
// batch's rows are appended (first: the object's first batch).
func decodeInto(ctx context.Context, p *reconcile.Platform, obj int, key string, loc Location, r io.ReaderAt, size int64, opt formats.ReadOptions,
	turn turn, ahead *appender, drain func(t *reconcile.Txns, obj int, first bool) error) (int64, reconcile.Input, error) {
	var rows int64
	var in reconcile.Input
	side, amountCol := reconcile.Bank, -1 // amountCol: transactions only
	switch loc.Table {
	case formats.CustodyTransactions:
		amountCol = formats.CTAmount
	case formats.LedgerTransactions:
		side, amountCol = reconcile.Ledger, formats.LTAmount
	}
	src := &ioErrorReader{r: r}
	opt.Prepare = func(b *formats.Batch) {
		turn.begin()
		p.Prepare(b)
	}
	if ahead != nil {
		opt.Batches = ahead.pool
	}
	err := formats.Read(ctx, key, src, size, formats.SchemaOf(loc.Table), opt, func(b *formats.Batch) error {
		if err := p.CheckOwner(key, loc.BankID, b); err != nil {
			if ahead != nil {
				ahead.pool <- b
			}
			return err
		}
		rows += int64(b.Len)
		if amountCol >= 0 {
			in.Rows[side] += int64(b.Len)
			in.Amount[side].AddAll(b.Cols[amountCol].Ints())
		}
		if ahead != nil {
			p.Advance(b)
			ahead.pending.Add(1)
			ahead.jobs <- appendJob{b: b, obj: obj}
			return nil
		}
		turn.append(func() { p.AppendChecked(obj, b) })
		if amountCol >= 0 && drain != nil {
			return drain(p.Side(side), obj, b.FirstRow == 0)
		}
		return nil
	})
	if err != nil && ahead != nil {
		// The caller takes the object's rows back out of its table: once
		// the appender is done with the table.
		ahead.pending.Wait()
	}
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
