package digest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/recon-dev/recon/store"
)

// Objects opens a run's input objects for their readers and takes each
// one's SHA-256 (for the manifest) from the same open object, so the sum
// is of the very bytes decoded. One goroutine hashes: it opens the
// objects in the order the readers will ask for them, up to a window
// ahead of them, and hashes 16 at a time (see lanes). An object asked for
// out of that order is opened at once, ahead of the rest.
type Objects struct {
	st     store.Store
	ctx    context.Context // the hasher's; cancelled by Close
	cancel context.CancelFunc
	done   chan struct{} // closed when the hasher has stopped
	window int
	x16    bool          // hash with block16
	wake   chan struct{} // a reader asked for an object or took one

	mu      sync.Mutex
	byKey   map[string]*entry
	order   []*entry // as the readers will ask for them
	next    int      // order[next:] are not opened yet
	asked   []*entry // asked for before the hasher reached them
	ahead   int      // opened by the hasher, not yet asked for
	stopped bool     // the hasher has stopped: open nothing more
}

type entry struct {
	key    string
	obj    store.Object
	err    error         // from opening it
	opened chan struct{} // closed once obj or err is set
	sum    string
	serr   error
	summed chan struct{} // closed once sum or serr is set

	// Under Objects.mu:
	queued bool // picked by the hasher or waiting in asked
	taken  bool // Open was called for it
	ahead  bool // opened ahead of its reader: counts in Objects.ahead
}

func newEntry(key string) *entry {
	return &entry{key: key, opened: make(chan struct{}), summed: make(chan struct{})}
}

// DefaultWindow is how many objects the hasher opens ahead of their
// readers: enough to keep its 16 lanes busy, and a run of a few dozen
// objects hashed in one go.
const DefaultWindow = 64

// minBatch is how much room in the window idle lanes wait for.
const minBatch = 8

// Start returns the objects of keys, to be read in that order, and starts
// hashing them. window bounds how many it holds open ahead of their
// readers (0: DefaultWindow). Close releases it.
func Start(ctx context.Context, st store.Store, keys []string, window int) *Objects {
	return start(ctx, st, keys, window, haveX16)
}

func start(ctx context.Context, st store.Store, keys []string, window int, x16 bool) *Objects {
	if window <= 0 {
		window = DefaultWindow
	}
	hctx, cancel := context.WithCancel(ctx)
	o := &Objects{st: st, ctx: hctx, cancel: cancel, done: make(chan struct{}), window: window, x16: x16,
		wake: make(chan struct{}, 1), byKey: make(map[string]*entry, len(keys))}
	for _, k := range keys {
		if o.byKey[k] == nil {
			e := newEntry(k)
			o.byKey[k] = e
			o.order = append(o.order, e)
		}
	}
	go o.run()
	return o
}

// Open returns the object under key and a function that waits for its
// SHA-256 (lowercase hex). Each key is opened once. The caller closes the
// object, after sum has returned.
func (o *Objects) Open(ctx context.Context, key string) (obj store.Object, sum func() (string, error), err error) {
	o.mu.Lock()
	e := o.byKey[key]
	if e == nil {
		e = newEntry(key)
		o.byKey[key] = e
	}
	switch {
	case e.taken:
		o.mu.Unlock()
		return nil, nil, fmt.Errorf("digest: %s opened twice", key)
	case o.stopped && !e.queued:
		o.mu.Unlock()
		return nil, nil, fmt.Errorf("digest: open %s: %w", key, o.stopErr())
	}
	e.taken = true
	if e.ahead {
		e.ahead = false
		o.ahead--
	}
	if !e.queued {
		e.queued = true
		o.asked = append(o.asked, e)
	}
	o.mu.Unlock()
	o.poke()
	select {
	case <-e.opened:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if e.err != nil {
		return nil, nil, e.err
	}
	return e.obj, func() (string, error) {
		select {
		case <-e.summed:
			return e.sum, e.serr
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}, nil
}

// Close stops the hasher and closes the objects it opened that no reader
// took. Objects taken are their readers' to close.
func (o *Objects) Close() {
	o.cancel()
	<-o.done
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.byKey {
		if e.obj != nil && !e.taken {
			e.obj.Close()
		}
	}
}

func (o *Objects) stopErr() error {
	if err := o.ctx.Err(); err != nil {
		return err
	}
	return errors.New("hasher stopped")
}

// poke wakes the hasher if it waits.
func (o *Objects) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// pick returns the next object to open: one a reader waits for, else the
// next in order if the window has room; nil if none. Idle lanes wait for
// room for a batch (minBatch objects, or all that are left), so that the
// objects do not trickle in one by one as readers take them, each hashed
// alone (see minX16).
func (o *Objects) pick(idle bool) *entry {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.asked) > 0 {
		e := o.asked[0]
		o.asked = o.asked[1:]
		return e
	}
	if idle && o.window-o.ahead < min(minBatch, o.window) && o.next+o.window-o.ahead < len(o.order) {
		return nil
	}
	for o.ahead < o.window && o.next < len(o.order) {
		e := o.order[o.next]
		o.next++
		if e.queued {
			continue
		}
		e.queued, e.ahead = true, true
		o.ahead++
		return e
	}
	return nil
}

// run is the hasher: it keeps its lanes full and hashes until Close.
func (o *Objects) run() {
	defer close(o.done)
	ls := &lanes{x16: o.x16}
	defer func() {
		err := o.stopErr()
		o.mu.Lock()
		o.stopped = true
		o.mu.Unlock()
		ls.fail(err)
		// Whoever waits for an object not yet opened is told why.
		o.mu.Lock()
		defer o.mu.Unlock()
		for _, e := range o.byKey {
			if e.queued && e.obj == nil && e.err == nil {
				e.err = fmt.Errorf("digest: open %s: %w", e.key, err)
				e.serr = e.err
				close(e.opened)
				close(e.summed)
			}
		}
	}()
	for o.ctx.Err() == nil {
		for idle := ls.idle(); ls.free(); idle = false {
			e := o.pick(idle)
			if e == nil {
				break
			}
			obj, err := o.st.Open(o.ctx, e.key)
			o.mu.Lock()
			e.obj, e.err = obj, err
			if err != nil {
				e.serr = err
				close(e.summed)
			}
			close(e.opened)
			o.mu.Unlock()
			if err == nil {
				ls.start(e)
			}
		}
		if ls.idle() {
			select {
			case <-o.wake:
			case <-o.ctx.Done():
			}
			continue
		}
		ls.step(o.ctx)
	}
}
