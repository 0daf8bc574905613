package reconcile

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"slices"
	"unsafe"

	"github.com/recon-dev/recon/formats"
)

// outcome is what became of one input transaction.
type outcome uint8

const (
	outNone    outcome = iota // not yet decided
	outRef                    // matched by reference
	outUnref                  // matched without reference
	outDup                    // a second use of a match key: DUPLICATE_*
	outMissing                // unmatched and it moved money: MISSING_*
	outIdle                   // unmatched and it moved nothing: no exception
	numOutcomes
)

// pair is a matched ledger row and bank row.
type pair struct {
	l, b  int32
	byRef bool
}

// matching holds the outcome of every row of both sides of one platform
// and the matched pairs, as the bank row of each ledger row: walking the
// pairs in ledger order reads the columns in order.
type matching struct {
	lOut, bOut []outcome
	lMatch     []int32 // bank row matched to each ledger row, or -1
}

func newMatching(p *Platform) *matching {
	m := &matching{lOut: make([]outcome, p.Ledger.N), bOut: make([]outcome, p.Bank.N),
		lMatch: make([]int32, p.Ledger.N)}
	for i := range m.lMatch {
		m.lMatch[i] = -1
	}
	return m
}

// out returns the outcomes of side's rows.
func (m *matching) out(side Side) []outcome {
	if side == Bank {
		return m.bOut
	}
	return m.lOut
}

// pairs returns the matched pairs in ledger order.
func (m *matching) pairs() []pair {
	var out []pair
	for l, b := range m.lMatch {
		if b >= 0 {
			out = append(out, pair{l: int32(l), b: b, byRef: m.lOut[l] == outRef})
		}
	}
	return out
}

func (m *matching) match(l, b int32, o outcome) {
	m.lOut[l], m.bOut[b], m.lMatch[l] = o, o, b
}

// joinOnHash pairs ledger row l with bank row b on their keys' hash
// alone: a tentative pair, both rows' outcomes still undecided, which
// matchByReference checks byte for byte once every partition is joined.
func (m *matching) joinOnHash(l, b int32) { m.lMatch[l] = b }

// item is one row in a partition: its hash and index. side orders ledger
// rows before bank rows inside a key group.
type item struct {
	h    uint64
	idx  int32
	side Side
}

// refItem is one row in a partition of matching by reference: its index,
// and 32 bits of its key's hash that the partition's top bits are not (the
// side is the list's). Eight bytes, not an item's sixteen: at 12.5M rows a
// side, 200 MB less a platform to write at random into 1024 partitions and
// to fault in. Keys of one 32-bit hash in a partition (~70 of 1024
// partitions on a 100M platform) take refJoin's slower path, keys of
// several rows; which rows pair is decided by their bytes either way.
type refItem struct {
	h   uint32
	idx int32
}

// partitionItems groups items in place into 2^bits partitions by the top
// bits of their hash (one counting pass, then cycles of swaps: American
// flag sort, no second array). Within a partition the items keep no
// particular order, so callers that need input order sort or use indexes.
// It returns the items and the partition bounds.
func partitionItems(items []item, bits uint) ([]item, []int) {
	nparts := 1 << bits
	bounds := make([]int, nparts+1)
	if bits == 0 {
		bounds[1] = len(items)
		return items, bounds
	}
	shift := 64 - bits
	for _, it := range items {
		bounds[(it.h>>shift)+1]++
	}
	for p := 1; p <= nparts; p++ {
		bounds[p] += bounds[p-1]
	}
	next := slices.Clone(bounds[:nparts])
	for p := range nparts {
		for next[p] < bounds[p+1] {
			it := items[next[p]]
			q := int(it.h >> shift)
			if q == p {
				next[p]++
				continue
			}
			// Put it where it belongs and take what was there.
			items[next[p]], items[next[q]] = items[next[q]], it
			next[q]++
		}
	}
	return items, bounds
}

// refBlock is how many items a block of a partition holds: 2 KiB.
const refBlock = 256

// refParts is one side's items of matching by reference, grouped into
// partitions by the top bits of their keys' hash. A partition is a chain
// of blocks of refBlock items, taken from items as it fills them, all
// full but its last.
type refParts struct {
	items []refItem
	next  []int32 // each block's next in its partition's chain; -1: the last
	head  []int32 // each partition's first block; -1: none
	end   []int32 // each partition's end: after its last item in items, in its last block
}

// hashPartition returns a refItem for each of the n keys (an empty bank
// reference has none), grouped into 2^bits partitions by the top bits of
// their hash, in key order within each. It reads and hashes each key
// once: an item goes to the block its partition is filling, and a full
// block chains a new one, so that no first pass need count the
// partitions' sizes. (Counting first, then writing each item to its place
// in one array, read and hashed every key twice: at 12.5M rows a side,
// 11.0 ns a key against 7.1 in a benchmark, one core; in a 100M run,
// where both sides partition at once and their keys no longer fit the
// processor's cache for the second pass, 17.5 ns a key.)
func hashPartition(keys *formats.Strings, n int, side Side, hash func([]byte) uint64, bits uint) *refParts {
	nparts := 1 << bits
	nblocks := n/refBlock + nparts // each partition's last block part full at most
	rp := &refParts{
		items: make([]refItem, nblocks*refBlock),
		next:  make([]int32, nblocks),
		head:  make([]int32, nparts),
		end:   make([]int32, nparts),
	}
	for p := range rp.head {
		rp.head[p] = -1
	}
	shift := 64 - bits // 64 when bits is 0: one partition
	free := int32(0)   // the next block no partition has taken
	for i := range n {
		// A bank row without a reference has no item.
		if side == Bank && keys.Offsets[i] == keys.Offsets[i+1] {
			continue
		}
		h := hash(keys.At(i))
		p := h >> shift
		e := rp.end[p]
		if e%refBlock == 0 { // its last block is full, or it has none
			b := free
			free++
			rp.next[b] = -1
			if rp.head[p] < 0 {
				rp.head[p] = b
			} else {
				rp.next[(e-1)/refBlock] = b // the full block e ends
			}
			e = b * refBlock
		}
		rp.items[e] = refItem{h: uint32(h), idx: int32(i)}
		rp.end[p] = e + 1
	}
	return rp
}

// appendPart appends the items of partition p to dst, in key order.
func (rp *refParts) appendPart(dst []refItem, p int) []refItem {
	for b := rp.head[p]; b >= 0; b = rp.next[b] {
		start := int(b) * refBlock
		end := start + refBlock
		if rp.next[b] < 0 { // the last, maybe part full
			end = int(rp.end[p])
		}
		dst = append(dst, rp.items[start:end]...)
	}
	return dst
}

// matchByReference pairs bank rows with ledger rows whose txn_id equals
// their platform_txn_id, marking duplicates. Rows it leaves undecided go
// on to matching without reference.
//
// Both sides are radix-partitioned by the 64-bit hash of the key and each
// partition is hash-joined on its own: its table stays in cache, and
// partitions run in parallel, writing only their own rows' slots. Keys
// that meet once on each side are joined on the hash alone, then checked
// byte for byte in one pass in ledger order (reading the columns in order,
// not at random); keys with several rows are compared byte for byte.
func (r *run) matchByReference(ctx context.Context, m *matching) error {
	p := r.p
	hash := hashBytes
	if r.opt.keyHash != nil {
		hash = r.opt.keyHash
	}
	// The two sides are hashed and partitioned at once.
	bits := partitionBits(p.Ledger.N+p.Bank.N, r.opt)
	var lp, bp *refParts
	err := parallelFor(ctx, r.opt.Workers, 2, func(side int) error {
		if side == 0 {
			lp = hashPartition(&p.Ledger.ID, p.Ledger.N, Ledger, hash, bits)
		} else {
			bp = hashPartition(&p.Bank.Ref, p.Bank.N, Bank, hash, bits)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Each partition's blocks are copied into one array a side, taken from
	// and given back to scratch: one pair for each partition joined at once.
	scratch := make(chan *[2][]refItem, max(r.opt.Workers, 1))
	for range cap(scratch) {
		scratch <- &[2][]refItem{}
	}
	err = parallelFor(ctx, r.opt.Workers, 1<<bits, func(part int) error {
		sc := <-scratch
		sc[0], sc[1] = lp.appendPart(sc[0][:0], part), bp.appendPart(sc[1][:0], part)
		r.refJoin(sc[0], sc[1], m)
		scratch <- sc
		return nil
	})
	if err != nil {
		return err
	}
	// Check the pairs joined on the hash alone (their outcomes are still
	// undecided; the pairs of keys with several rows were compared byte
	// for byte). Two different keys with one hash, each alone on its side,
	// are not a pair: the ledger row stays undecided, and so does the
	// bank row (its reference names no ledger row, or its own would have
	// joined the group). Chunks of ledger rows go to the workers: a pair's
	// rows are its own.
	L, B := &p.Ledger, &p.Bank
	return r.parallelRows(ctx, L.N, func(lo, hi int) {
		for l := lo; l < hi; l++ {
			b := m.lMatch[l]
			if b < 0 || m.lOut[l] != outNone {
				continue
			}
			if bytes.Equal(L.ID.At(l), B.Ref.At(int(b))) {
				m.lOut[l], m.bOut[b] = outRef, outRef
			} else {
				m.lMatch[l] = -1
			}
		}
	})
}

// refKey returns the match key of row idx of side.
func (r *run) refKey(side Side, idx int32) []byte {
	return r.p.Side(side).Key(int(idx))
}

// joinSlots returns an empty open-addressing table for n ledger items: a
// power of two, at least twice n.
func joinSlots(n int) []int32 {
	size := 1
	for size < 2*n {
		size <<= 1
	}
	return make([]int32, size)
}

// refJoinOneToOne matches one partition in the common case, where no two
// ledger rows share a key hash and no two bank rows meet the same ledger
// row: a table of the ledger rows, probed by the bank rows, each pair
// matched, as refJoin's key groups of one row a side would be. It reports
// false, having matched nothing, on any other partition, for refJoin's
// key groups to decide. slots is an empty table (joinSlots), which it
// fills with ledger items plus one.
func refJoinOneToOne(ls, bs []refItem, slots []int32, m *matching) bool {
	mask := uint64(len(slots) - 1)
	for i, it := range ls {
		s := uint64(it.h) & mask
		for ; slots[s] != 0; s = (s + 1) & mask {
			if ls[slots[s]-1].h == it.h {
				return false
			}
		}
		slots[s] = int32(i + 1)
	}
	hit := make([]int32, len(ls)) // bank item plus one met by each ledger item
	for j, it := range bs {
		for s := uint64(it.h) & mask; slots[s] != 0; s = (s + 1) & mask {
			if i := slots[s] - 1; ls[i].h == it.h {
				if hit[i] != 0 {
					return false
				}
				hit[i] = int32(j + 1)
				break
			}
		}
	}
	// The rows of a partition are spread over the whole platform: each
	// pair writes to a cache line of its own, fetched prefetchAhead pairs
	// ahead. Only the ledger row's match is written: the outcomes are set
	// by the byte check, which goes in ledger order.
	for i, j := range hit {
		if a := i + prefetchAhead; a < len(hit) && hit[a] != 0 {
			prefetch(unsafe.Pointer(&m.lMatch[ls[a].idx]))
		}
		if j != 0 {
			m.joinOnHash(ls[i].idx, bs[j-1].idx)
		}
	}
	return true
}

// keyGroup is the rows of one key hash within a partition.
type keyGroup struct {
	h              uint32
	firstL, firstB int32 // first ledger and bank item (slots in the partition)
	nL, nB         int32
}

// refJoin matches one partition.
func (r *run) refJoin(ls, bs []refItem, m *matching) {
	if len(ls) == 0 {
		return // bank references that name nothing: matching without reference
	}
	slots := joinSlots(len(ls))
	if refJoinOneToOne(ls, bs, slots, m) {
		return
	}
	// Open addressing over the distinct ledger key hashes; a slot holds a
	// group number plus one.
	clear(slots)
	mask := uint64(len(slots) - 1)
	groups := make([]keyGroup, 0, len(ls))
	lg := make([]int32, len(ls)) // group of each ledger item
	find := func(h uint32, insert bool) int32 {
		for s := uint64(h) & mask; ; s = (s + 1) & mask {
			g := slots[s] - 1
			if g < 0 {
				if !insert {
					return -1
				}
				groups = append(groups, keyGroup{h: h, firstL: -1, firstB: -1})
				slots[s] = int32(len(groups))
				return int32(len(groups) - 1)
			}
			if groups[g].h == h {
				return g
			}
		}
	}
	for i, it := range ls {
		g := find(it.h, true)
		if groups[g].firstL < 0 {
			groups[g].firstL = int32(i)
		}
		groups[g].nL++
		lg[i] = g
	}
	bg := make([]int32, len(bs))
	for i, it := range bs {
		g := find(it.h, false)
		bg[i] = g
		if g >= 0 {
			if groups[g].firstB < 0 {
				groups[g].firstB = int32(i)
			}
			groups[g].nB++
		}
	}
	var complexGroups []int32
	for g := range groups {
		k := &groups[g]
		switch {
		case k.nL == 1 && k.nB == 0:
			// A ledger row without bank reference: matching without reference.
		case k.nL == 1 && k.nB == 1:
			m.joinOnHash(ls[k.firstL].idx, bs[k.firstB].idx)
		default:
			complexGroups = append(complexGroups, int32(g))
		}
	}
	if len(complexGroups) == 0 {
		return
	}
	// Groups of several rows: split by the actual key bytes, then each key
	// as the contract says (nearest pair, the rest duplicates).
	members := map[int32]*[2][]refItem{}
	for _, g := range complexGroups {
		members[g] = &[2][]refItem{}
	}
	for i, it := range ls {
		if mb := members[lg[i]]; mb != nil {
			mb[0] = append(mb[0], it)
		}
	}
	for i, it := range bs {
		if bg[i] >= 0 {
			if mb := members[bg[i]]; mb != nil {
				mb[1] = append(mb[1], it)
			}
		}
	}
	byIdx := func(a, b refItem) int { return cmp.Compare(a.idx, b.idx) }
	for _, g := range complexGroups {
		mb := members[g]
		// Partitions do not keep input order; the rules below need it.
		slices.SortFunc(mb[0], byIdx)
		slices.SortFunc(mb[1], byIdx)
		for len(mb[0]) > 0 {
			key := r.refKey(Ledger, mb[0][0].idx)
			var kl, kb, restL, restB []refItem
			for _, it := range mb[0] {
				if bytes.Equal(r.refKey(Ledger, it.idx), key) {
					kl = append(kl, it)
				} else {
					restL = append(restL, it)
				}
			}
			for _, it := range mb[1] {
				if bytes.Equal(r.refKey(Bank, it.idx), key) {
					kb = append(kb, it)
				} else {
					restB = append(restB, it)
				}
			}
			r.matchKey(kl, kb, m)
			mb[0], mb[1] = restL, restB
		}
		// Bank rows left have references no ledger row carries:
		// matching without reference.
	}
}

// matchKey decides the rows of one key: the nearest pair is matched, every
// other row is a duplicate; with no bank row, the first ledger row goes on
// to matching without reference.
func (r *run) matchKey(ls, bs []refItem, m *matching) {
	if len(bs) == 0 {
		for _, it := range ls[1:] {
			m.lOut[it.idx] = outDup
		}
		return
	}
	bl, bb := r.nearestPair(ls, bs)
	for _, it := range ls {
		m.lOut[it.idx] = outDup
	}
	for _, it := range bs {
		m.bOut[it.idx] = outDup
	}
	m.match(bl, bb, outRef)
}

// nearestPair picks, among rows sharing a key, the pair nearest in time,
// then the smallest ids (ledger rows of one key share their id, so input
// order decides between them).
func (r *run) nearestPair(ls, bs []refItem) (int32, int32) {
	L, B := &r.p.Ledger, &r.p.Bank
	bestL, bestB := ls[0].idx, bs[0].idx
	bestD := absDiff(L.BookedAt[bestL], B.BookedAt[bestB])
	for _, l := range ls {
		for _, b := range bs {
			d := absDiff(L.BookedAt[l.idx], B.BookedAt[b.idx])
			if d < bestD || (d == bestD && l.idx == bestL && bytes.Compare(B.ID.At(int(b.idx)), B.ID.At(int(bestB))) < 0) {
				bestL, bestB, bestD = l.idx, b.idx, d
			}
		}
	}
	return bestL, bestB
}

func absDiff(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}

// unrefKey hashes the fields matching without reference compares.
func unrefKey(payer, payee, currency uint32, amount int64) uint64 {
	h := uint64(payer)*0x9E3779B97F4A7C15 ^ uint64(payee)*0xC2B2AE3D27D4EB4F
	h ^= uint64(currency)*0x165667B19E3779F9 ^ uint64(amount)*0xD6E8FEB86659FD93
	h ^= h >> 32
	h *= 0x94D049BB133111EB
	h ^= h >> 29
	return h
}

// matchWithoutReference pairs the undecided rows of both sides on payer,
// payee, amount and currency within the date window, greedily in the order
// (time distance, ledger txn_id, bank_txn_id).
func (r *run) matchWithoutReference(ctx context.Context, m *matching) error {
	L, B := &r.p.Ledger, &r.p.Bank
	var items []item
	for i := range L.N {
		if m.lOut[i] == outNone {
			items = append(items, item{h: unrefKey(L.Payer[i], L.Payee[i], L.Currency[i], L.Amount[i]), idx: int32(i), side: Ledger})
		}
	}
	for i := range B.N {
		if m.bOut[i] == outNone {
			items = append(items, item{h: unrefKey(B.Payer[i], B.Payee[i], B.Currency[i], B.Amount[i]), idx: int32(i), side: Bank})
		}
	}
	items, bounds := partitionItems(items, partitionBits(len(items), r.opt))
	return parallelFor(ctx, r.opt.Workers, len(bounds)-1, func(part int) error {
		r.unrefPartition(items[bounds[part]:bounds[part+1]], m)
		return nil
	})
}

// fields returns what matching without reference compares for a row.
func (r *run) fields(it item) (uint32, uint32, uint32, int64) {
	t := r.side(it.side)
	i := it.idx
	return t.Payer[i], t.Payee[i], t.Currency[i], t.Amount[i]
}

func (r *run) side(s Side) *Txns { return r.p.Side(s) }

func (r *run) unrefPartition(items []item, m *matching) {
	slices.SortFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		ap, aq, ac, aa := r.fields(a)
		bp, bq, bc, ba := r.fields(b)
		if c := cmp.Compare(ap, bp); c != 0 {
			return c
		}
		if c := cmp.Compare(aq, bq); c != 0 {
			return c
		}
		if c := cmp.Compare(ac, bc); c != 0 {
			return c
		}
		if c := cmp.Compare(aa, ba); c != 0 {
			return c
		}
		if c := cmp.Compare(a.side, b.side); c != 0 {
			return c
		}
		ta, tb := r.side(a.side).BookedAt[a.idx], r.side(b.side).BookedAt[b.idx]
		if c := cmp.Compare(ta, tb); c != 0 {
			return c
		}
		if c := bytes.Compare(r.side(a.side).ID.At(int(a.idx)), r.side(b.side).ID.At(int(b.idx))); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	d := newDayer(r.loc)
	g := greedy{r: r, d: d}
	var pairs []pair
	for start := 0; start < len(items); {
		end := start + 1
		for end < len(items) && items[end].h == items[start].h && r.sameFields(items[end], items[start]) {
			end++
		}
		group := items[start:end]
		nl := 0
		for nl < len(group) && group[nl].side == Ledger {
			nl++
		}
		if nl > 0 && nl < len(group) {
			pairs = g.match(group[:nl], group[nl:], pairs)
		}
		start = end
	}
	for _, pr := range pairs {
		m.match(pr.l, pr.b, outUnref)
	}
}

func (r *run) sameFields(a, b item) bool {
	ap, aq, ac, aa := r.fields(a)
	bp, bq, bc, ba := r.fields(b)
	return ap == bp && aq == bq && ac == bc && aa == ba
}

// greedy matches one group of ledger rows and bank rows that agree on
// payer, payee, amount and currency. Both lists are sorted by (time, id).
//
// It is the greedy matching over all candidate pairs in the order (time
// distance, ledger id, bank id), computed lazily: each ledger row keeps a
// stream of its candidates in that order, and a heap holds each unmatched
// ledger row's best candidate. A popped candidate whose bank row is taken
// is replaced by the stream's next; otherwise it is the best remaining
// pair overall and is matched.
type greedy struct {
	r  *run
	d  *dayer
	ls []item
	bs []item
	lt []int64 // ledger times
	bt []int64 // bank times
	ld []int64 // ledger days
	bd []int64 // bank days
	st []stream
	h  candHeap
	tk []bool // bank row taken
}

type stream struct {
	lp, rp int   // next bank slot to the left (going down) and right (going up)
	buf    []int // bank slots at the current distance, in (id, index) order
	bi     int
}

type cand struct {
	dist   int64
	ls, bs int // slots in the group
}

type candHeap struct {
	g *greedy
	c []cand
}

func (h *candHeap) Len() int { return len(h.c) }
func (h *candHeap) Less(i, j int) bool {
	a, b := h.c[i], h.c[j]
	if a.dist != b.dist {
		return a.dist < b.dist
	}
	g := h.g
	if a.ls != b.ls {
		if c := bytes.Compare(g.r.p.Ledger.ID.At(int(g.ls[a.ls].idx)), g.r.p.Ledger.ID.At(int(g.ls[b.ls].idx))); c != 0 {
			return c < 0
		}
		return g.ls[a.ls].idx < g.ls[b.ls].idx
	}
	return g.bankLess(a.bs, b.bs)
}
func (h *candHeap) Swap(i, j int) { h.c[i], h.c[j] = h.c[j], h.c[i] }
func (h *candHeap) Push(x any)    { h.c = append(h.c, x.(cand)) }
func (h *candHeap) Pop() any {
	x := h.c[len(h.c)-1]
	h.c = h.c[:len(h.c)-1]
	return x
}

// bankLess orders bank slots by (bank_txn_id, row).
func (g *greedy) bankLess(a, b int) bool {
	B := &g.r.p.Bank
	if c := bytes.Compare(B.ID.At(int(g.bs[a].idx)), B.ID.At(int(g.bs[b].idx))); c != 0 {
		return c < 0
	}
	return g.bs[a].idx < g.bs[b].idx
}

func (g *greedy) match(ls, bs []item, pairs []pair) []pair {
	L, B := &g.r.p.Ledger, &g.r.p.Bank
	window := int64(g.r.opt.DateWindowDays)
	if len(ls) == 1 && len(bs) == 1 {
		// The common case: one candidate pair.
		dl, db := g.d.day(L.BookedAt[ls[0].idx]), g.d.day(B.BookedAt[bs[0].idx])
		if absDiff(dl, db) <= window {
			pairs = append(pairs, pair{l: ls[0].idx, b: bs[0].idx})
		}
		return pairs
	}
	g.ls, g.bs = ls, bs
	g.lt, g.bt, g.ld, g.bd = g.lt[:0], g.bt[:0], g.ld[:0], g.bd[:0]
	for _, it := range ls {
		t := L.BookedAt[it.idx]
		g.lt, g.ld = append(g.lt, t), append(g.ld, g.d.day(t))
	}
	for _, it := range bs {
		t := B.BookedAt[it.idx]
		g.bt, g.bd = append(g.bt, t), append(g.bd, g.d.day(t))
	}
	g.tk = append(g.tk[:0], make([]bool, len(bs))...)
	g.st = append(g.st[:0], make([]stream, len(ls))...)
	g.h = candHeap{g: g, c: g.h.c[:0]}
	for l := range ls {
		p, _ := slices.BinarySearch(g.bt, g.lt[l]) // first bank slot at or after the ledger time
		for p > 0 && g.bt[p-1] == g.lt[l] {
			p--
		}
		g.st[l] = stream{lp: p - 1, rp: p}
		if c, ok := g.next(l, window); ok {
			g.h.c = append(g.h.c, c)
		}
	}
	heap.Init(&g.h)
	for g.h.Len() > 0 {
		c := heap.Pop(&g.h).(cand)
		if g.tk[c.bs] {
			if n, ok := g.next(c.ls, window); ok {
				heap.Push(&g.h, n)
			}
			continue
		}
		g.tk[c.bs] = true
		pairs = append(pairs, pair{l: ls[c.ls].idx, b: bs[c.bs].idx})
	}
	return pairs
}

// next returns ledger slot l's best candidate whose bank row is not taken.
func (g *greedy) next(l int, window int64) (cand, bool) {
	s := &g.st[l]
	tl, dl := g.lt[l], g.ld[l]
	for {
		for s.bi < len(s.buf) {
			b := s.buf[s.bi]
			s.bi++
			if !g.tk[b] {
				return cand{dist: absDiff(tl, g.bt[b]), ls: l, bs: b}, true
			}
		}
		s.buf, s.bi = s.buf[:0], 0
		if s.lp >= 0 && absDiff(dl, g.bd[s.lp]) > window {
			s.lp = -1 // days only grow further apart going left
		}
		if s.rp < len(g.bs) && absDiff(dl, g.bd[s.rp]) > window {
			s.rp = len(g.bs)
		}
		haveL, haveR := s.lp >= 0, s.rp < len(g.bs)
		if !haveL && !haveR {
			return cand{}, false
		}
		var dL, dR int64 = -1, -1
		if haveL {
			dL = tl - g.bt[s.lp]
		}
		if haveR {
			dR = g.bt[s.rp] - tl
		}
		takeL := haveL && (!haveR || dL <= dR)
		takeR := haveR && (!haveL || dR <= dL)
		if takeL {
			t, j := g.bt[s.lp], s.lp
			for j >= 0 && g.bt[j] == t {
				j--
			}
			for k := j + 1; k <= s.lp; k++ {
				s.buf = append(s.buf, k)
			}
			s.lp = j
		}
		if takeR {
			t, j := g.bt[s.rp], s.rp
			for j < len(g.bs) && g.bt[j] == t {
				j++
			}
			for k := s.rp; k < j; k++ {
				s.buf = append(s.buf, k)
			}
			s.rp = j
		}
		if takeL && takeR {
			slices.SortFunc(s.buf, func(a, b int) int {
				if g.bankLess(a, b) {
					return -1
				}
				if g.bankLess(b, a) {
					return 1
				}
				return 0
			})
		}
	}
}
