package reconcile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"unsafe"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/internal/mem"
)

// Side is one of the two sides being reconciled.
type Side uint8

const (
	Ledger Side = iota // the platform's books
	Bank               // the custodian bank's records
)

func (s Side) String() string {
	if s == Bank {
		return "bank"
	}
	return "ledger"
}

// Dict interns the names of one platform (accounts, holders, loans,
// currencies, banks) as dense ids so that columns hold uint32s rather than
// strings. Id 0 is the empty name. Not safe for concurrent writes.
//
// It is an open-addressing table whose slots hold a hash tag, the id and
// the name's first 23 bytes (account numbers are 16 to 19 digits): a
// lookup of a name that short reads one slot, one memory access, where
// reading the name from elsewhere would be a second cache miss once the
// table outgrows the caches (a platform of a million accounts). Longer
// names compare their rest in the arena. A name's home slot is the first
// of a cache line's two (its probe reads both before the next line),
// from the top bits of its hash, which the tag keeps: growing the table
// moves slots without hashing or reading a name again, and nearly in
// order. Names cost no allocation: Name hands out views of the arena,
// whose bytes never change once written.
type Dict struct {
	arena []byte
	offs  []uint32 // name id is arena[offs[id]:offs[id+1]]: Strings' layout
	slots []dictSlot
	bits  uint // len(slots) is 1<<bits
	// hashes and ids are InternAll's scratch, kept between calls.
	hashes []uint64
	ids    []uint32
	rest   []uint32 // InternAll's names not in their home line
}

// dictSlot is a table slot, 32 bytes: id1 is the id plus one (0: empty),
// tag the top 32 bits of the name's hash, n the name's length (up to
// dictInline, more: see the arena) and head its first bytes.
type dictSlot struct {
	tag, id1 uint32
	n        uint8
	head     [dictInline]byte
}

// dictInline is how much of a name a slot holds.
const dictInline = 23

const (
	dictMinBits = 10
	dictMaxBits = 32 // home slots come from the 32-bit tag
)

// NewDict returns a dictionary holding only the empty name.
func NewDict() *Dict {
	d := &Dict{slots: make([]dictSlot, 1<<dictMinBits), bits: dictMinBits, offs: []uint32{0}}
	d.Intern(nil)
	return d
}

// Reuse returns an empty dictionary with d's table (cleared) and room for
// as many names as d holds. d's names stay valid (Name, and the views of
// them exceptions hold), but d must not be looked up or added to again.
func (d *Dict) Reuse() *Dict {
	clear(d.slots)
	n := &Dict{slots: d.slots, bits: d.bits, hashes: d.hashes, ids: d.ids, rest: d.rest,
		offs: make([]uint32, 1, cap(d.offs)), arena: make([]byte, 0, cap(d.arena))}
	d.slots, d.hashes, d.ids, d.rest = nil, nil, nil, nil
	n.Intern(nil)
	return n
}

// home returns the home slot of a name with hash tag tag: the first of
// its cache line, slots being 32 bytes and the table's array aligned to
// a page.
func (d *Dict) home(tag uint32) uint64 { return uint64(tag>>(32-d.bits)) &^ 1 }

// Intern returns the id of name, adding it if new.
func (d *Dict) Intern(name []byte) uint32 {
	return d.intern(name, hashBytes(name))
}

// intern is Intern with the name's hash.
func (d *Dict) intern(name []byte, h uint64) uint32 {
	s, id, ok := d.lookup(name, h)
	if ok {
		return id
	}
	return d.add(name, uint32(h>>32), s)
}

// lookup finds name (whose hash is h): its id, or, when it is new, the
// empty slot it would go in.
func (d *Dict) lookup(name []byte, h uint64) (slot uint64, id uint32, ok bool) {
	tag := uint32(h >> 32)
	mask := uint64(len(d.slots) - 1)
	n := min(len(name), dictInline+1) // dictInline+1: longer
	for s := d.home(tag); ; s = (s + 1) & mask {
		e := &d.slots[s]
		if e.id1 == 0 {
			return s, 0, false
		}
		if e.tag == tag && int(e.n) == n && d.same(e, name) {
			return s, e.id1 - 1, true
		}
	}
}

// same reports whether slot e, of a name as long as name up to
// dictInline+1 bytes, holds name.
func (d *Dict) same(e *dictSlot, name []byte) bool {
	if len(name) <= dictInline {
		return headIs(&e.head, name)
	}
	id := e.id1 - 1
	return bytes.Equal(e.head[:], name[:dictInline]) && bytes.Equal(d.arena[d.offs[id]+dictInline:d.offs[id+1]], name[dictInline:])
}

// headIs reports whether head starts with name, of at most dictInline
// bytes. Most names are 8 bytes or more: they are compared a word at a
// time, the last word overlapping the one before, with no call.
func headIs(head *[dictInline]byte, name []byte) bool {
	n := len(name)
	if n < 8 {
		return string(head[:n]) == string(name)
	}
	x := binary.LittleEndian.Uint64(head[:]) ^ binary.LittleEndian.Uint64(name)
	x |= binary.LittleEndian.Uint64(head[n-8:]) ^ binary.LittleEndian.Uint64(name[n-8:])
	if n > 16 {
		x |= binary.LittleEndian.Uint64(head[8:]) ^ binary.LittleEndian.Uint64(name[8:])
	}
	return x == 0
}

// add stores a new name in slot s of the table.
func (d *Dict) add(name []byte, tag uint32, s uint64) uint32 {
	id := uint32(d.Len())
	off := len(d.arena)
	if uint64(off)+uint64(len(name)) > math.MaxUint32 || id == math.MaxUint32 {
		panic("reconcile: more than 4 GiB of names in one platform")
	}
	d.arena = append(d.arena, name...)
	d.offs = append(d.offs, uint32(len(d.arena)))
	e := dictSlot{tag: tag, id1: id + 1, n: uint8(min(len(name), dictInline+1))}
	copy(e.head[:], name)
	d.slots[s] = e
	if dictFull(d.Len(), d.bits) {
		d.grow(d.bits + 1)
	}
	return id
}

// dictFull reports whether n names fill a table of 1<<bits slots: more
// than 5/8 of them, past which runs of full slots grow long.
func dictFull(n int, bits uint) bool { return uint64(n)*8 > 5<<bits }

// reserve grows the table so that n names do not fill it.
func (d *Dict) reserve(n int) {
	bits := d.bits
	for bits < dictMaxBits && dictFull(n, bits) {
		bits++
	}
	if bits > d.bits {
		d.grow(bits)
	}
}

// grow rebuilds the table with 1<<bits slots. The old slots are read in
// order of home slot (a run that wrapped around the end aside), and so
// are written nearly in order too.
func (d *Dict) grow(bits uint) {
	if bits > dictMaxBits {
		panic("reconcile: dictionary table beyond 2^32 slots")
	}
	old := d.slots
	d.slots = mem.MakeWritten[dictSlot](1 << bits)
	d.bits = bits
	mask := uint64(len(d.slots) - 1)
	for _, e := range old {
		if e.id1 == 0 {
			continue
		}
		s := d.home(e.tag)
		for d.slots[s].id1 != 0 {
			s = (s + 1) & mask
		}
		d.slots[s] = e
	}
	mem.Unadvise(old)
}

// Find returns the id of name if interned.
func (d *Dict) Find(name string) (uint32, bool) {
	b := bytesOf(name)
	_, id, ok := d.lookup(b, hashBytes(b))
	return id, ok
}

// Name returns the name of id, a view of the arena.
func (d *Dict) Name(id uint32) string {
	start, end := d.offs[id], d.offs[id+1]
	if start == end {
		return ""
	}
	return unsafe.String(&d.arena[start], int(end-start))
}

// Len returns the number of names, the empty one included.
func (d *Dict) Len() int { return len(d.offs) - 1 }

// InternAll returns the ids of every value of vals (a dictionary page's
// values, say, all different), adding the new ones: the ids are Intern's,
// value by value. They are d's scratch, valid until d's next InternAll.
//
// Each value's home slot is prefetched internAhead values before its
// lookup, so that the processor fetches several cache lines at once rather
// than one miss after another, and the lookups find them in cache. (Plain
// loads ahead, in blocks, did this before; but a load that misses holds up
// the instructions behind it until its line comes, a prefetch does not: on
// a platform of 1.2 million account names, looking up a page of 490k of
// them went from 101 to 84 ns a name.) A page larger than the table is
// mostly new names: the table is first grown to hold them all, rather
// than doubled again and again.
//
// A name not in its home line (9% of them, the table being 43% full on
// the 100M store) waits for a second pass over those only, a block of
// values after the first (see internAll): probing on at once, into the
// next cache line, took a miss no prefetch had covered, and the loop
// stalled on it. The second pass prefetches the lines its
// probes read as the first does. Each pass goes in order and only the
// second adds, so a new name takes the id one pass would give it.
// (BenchmarkDictInternAllLarge: 34-36 ns a name to 25-26; the 100M
// store's run: 10.6 processor-seconds in internAll to 8.9. Homes that
// were any slot rather than a line's first left 21% of names to the
// second pass: 8.8 processor-seconds, against 8.4.)
func (d *Dict) InternAll(vals *formats.Strings) []uint32 {
	if n := vals.Len(); n > d.Len() {
		d.reserve(d.Len() + n)
	}
	return d.internAll(vals)
}

// internAll is InternAll without growing the table first: for values that
// may repeat many times, a plain column's.
//
// The two passes go a block of internBlock values at a time: the first
// pass's lines are then still in the processor's cache when the second
// probes them, where over a whole page (550k names at 100M rows a side)
// they had long been evicted, and each name in the second pass took a
// miss of its own. New names still take their ids in order of
// appearance: a block's come before the next block's, and in order within
// it. (The 100M store's run: the second pass 1.42 to 1.02 CPU-s, internAll
// 7.55 to 7.11; its user time 39.53 to 39.10 s on average over four runs
// each, taking turns.)
func (d *Dict) internAll(vals *formats.Strings) []uint32 {
	n := vals.Len()
	d.ids = mem.Grow(d.ids[:0], n)[:n]
	ids := d.ids
	d.hashes = mem.Grow(d.hashes[:0], n)[:n]
	hashAll(vals, d.hashes)
	for _, h := range d.hashes[:min(internAhead, n)] {
		d.prefetchHome(h)
	}
	rest := d.rest[:0]
	for start := 0; start < n; start += internBlock {
		end := min(start+internBlock, n)
		rest = d.findAtHome(vals, start, end, rest[:0])
		// Then the rest in order, so that new names take their ids in
		// order of appearance as before, their probes' lines prefetched.
		for j, k := range rest {
			if a := j + prefetchAhead; a < len(rest) {
				d.prefetchProbe(d.hashes[rest[a]])
			}
			ids[k] = d.intern(vals.At(int(k)), d.hashes[k])
		}
	}
	d.rest = rest
	return ids
}

// findAtHome is internAll's first pass over values start to end: the
// names found in their home line, most of them, get their ids in d.ids;
// the others, appended to rest, wait for the second pass, rather than each
// go on probing (or adding) with a miss no prefetch covers.
func (d *Dict) findAtHome(vals *formats.Strings, start, end int, rest []uint32) []uint32 {
	n := len(d.hashes)
	var homes [8]uintptr // the home lines of the next eight values ahead
	for k := start; k < end; k++ {
		if k%len(homes) == 0 {
			if a := k + internAhead; a < n {
				for j := range homes {
					homes[j] = uintptr(unsafe.Pointer(&d.slots[d.home(uint32(d.hashes[min(a+j, n-1)]>>32))]))
				}
				prefetch8(&homes)
			}
		}
		h := d.hashes[k]
		name := vals.At(k)
		tag := uint32(h >> 32)
		s := d.home(tag)
		// The name's id plus one if its home line holds it. A name longer
		// than a slot's head compares in the arena too: the second pass's.
		id1 := uint32(0)
		if ln := len(name); ln >= 8 && ln <= dictInline {
			// Both slots compared without a branch a slot: which one
			// holds the name, if either, is a coin toss the processor
			// would mispredict.
			w0 := binary.LittleEndian.Uint64(name)
			wl := binary.LittleEndian.Uint64(name[ln-8:])
			var w8 uint64
			if ln > 16 {
				w8 = binary.LittleEndian.Uint64(name[8:])
			}
			line := (*[2]dictSlot)(d.slots[s : s+2])
			id1 = slotID(&line[0], tag, ln, w0, wl, w8) | slotID(&line[1], tag, ln, w0, wl, w8)
		} else if ln < 8 {
			line := (*[2]dictSlot)(d.slots[s : s+2])
			for i := range line {
				if e := &line[i]; e.tag == tag && e.id1 != 0 && int(e.n) == len(name) && headIs(&e.head, name) {
					id1 = e.id1
					break
				}
			}
		}
		if id1 != 0 {
			d.ids[k] = id1 - 1
		} else {
			rest = append(rest, uint32(k))
		}
	}
	return rest
}

// slotID returns slot e's id plus one if it holds the name of length
// ln (8 to dictInline bytes) and hash tag tag whose first, last and (past
// 16 bytes) middle words are w0, wl and w8; else 0.
func slotID(e *dictSlot, tag uint32, ln int, w0, wl, w8 uint64) uint32 {
	// (| and ^ bind alike, left to right: each difference in brackets.)
	x := uint64(e.tag^tag) | uint64(int(e.n)^ln) |
		(binary.LittleEndian.Uint64(e.head[:]) ^ w0) | (binary.LittleEndian.Uint64(e.head[ln-8:]) ^ wl)
	if ln > 16 {
		x |= binary.LittleEndian.Uint64(e.head[8:]) ^ w8
	}
	id1 := e.id1
	if x != 0 {
		id1 = 0
	}
	return id1
}

// internBlock is how many values internAll's two passes take at a time:
// their home lines (64 bytes each) fit the processor's cache.
const internBlock = 4096

// internAhead is how many values ahead internAll's first pass prefetches
// home lines: further than prefetchAhead, more misses in flight, once the
// second pass no longer took misses of its own beside them. (The 100M
// store's run, six runs each taking turns: user time 38.68 to 38.31 s,
// wall 22.08 to 21.72 s; 48 and 64 no better. In cache a name costs a
// little more: BenchmarkDictInternAll 12.7-12.9 to 13.1 ns; 10M runs did
// not move.)
const internAhead = 32

// prefetchProbe starts fetching the home slot of a name with hash h and
// the line after it.
func (d *Dict) prefetchProbe(h uint64) {
	s := d.home(uint32(h >> 32))
	prefetch(unsafe.Pointer(&d.slots[s]))
	prefetch(unsafe.Pointer(&d.slots[((s|1)+1)&uint64(len(d.slots)-1)]))
}

// prefetchHome starts fetching the home slot of a name with hash h.
func (d *Dict) prefetchHome(h uint64) {
	prefetch(unsafe.Pointer(&d.slots[d.home(uint32(h>>32))]))
}

// bytesOf views s as bytes, which must not be written.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Span records where one input object's rows start in a table.
type Span struct {
	Obj   int // index into Platform.Objects
	Start int // first row of the object in the table
}

// spans locates rows in their objects.
type spans []Span

// locate returns the object index and 1-based row of table row i.
func (s spans) locate(i int) (obj int, row int) {
	k := sort.Search(len(s), func(k int) bool { return s[k].Start > i }) - 1
	return s[k].Obj, i - s[k].Start + 1
}

// Txns is one side's transactions of one platform, column by column. Ids
// of accounts, currencies, loans and banks refer to the platform's Dict.
type Txns struct {
	Side     Side
	N        int
	ID       formats.Strings // bank_txn_id, or the ledger's txn_id
	Ref      formats.Strings // bank only: platform_txn_id ("" when absent)
	Bank     []uint32        // bank only
	Payer    []uint32
	Payee    []uint32
	Currency []uint32
	Loan     []uint32 // 0: no loan
	Amount   []int64
	Fee      []int64
	BookedAt []int64 // µs since the Unix epoch
	Kind     []uint8
	Status   []uint8
	Spans    spans
	// Orig, when set, is each row's index in the whole platform's table
	// (the table Spans locate), for a part of a platform reconciled in
	// parts (ReconcileParts): its rows are in increasing Orig. Nil: row i
	// is the table's row i.
	Orig []int64
}

// orig returns the whole table's index of row i.
func (t *Txns) orig(i int) int {
	if t.Orig == nil {
		return i
	}
	return int(t.Orig[i])
}

// Key returns the match key of row i: platform_txn_id at the bank, txn_id
// in the ledger.
func (t *Txns) Key(i int) []byte {
	if t.Side == Bank {
		return t.Ref.At(i)
	}
	return t.ID.At(i)
}

// grow makes room for n more rows.
func (t *Txns) grow(n int) {
	t.growInPlace(n)
	t.growAppended(n)
}

// growInPlace makes room for n more rows in the columns a reader decodes
// in place (see Platform.Prepare).
func (t *Txns) growInPlace(n int) {
	t.Amount, t.Fee, t.BookedAt = room(t.Amount, n), room(t.Fee, n), room(t.BookedAt, n)
	t.ID.Offsets = room(t.ID.Offsets, n+1)
	if t.Side == Bank {
		t.Ref.Offsets = room(t.Ref.Offsets, n+1)
	}
}

// growAppended makes room for n more rows in the columns Append fills.
func (t *Txns) growAppended(n int) {
	t.Payer, t.Payee, t.Currency, t.Loan = room(t.Payer, n), room(t.Payee, n), room(t.Currency, n), room(t.Loan, n)
	t.Kind, t.Status = room(t.Kind, n), room(t.Status, n)
	if t.Side == Bank {
		t.Bank = room(t.Bank, n)
	}
}

// room makes room for n more elements, and for n/64 more when it must
// allocate: a worker filling a recycled platform (Platform.Recycle) a few
// rows larger than the last then does not allocate, zero and copy its
// largest arrays again.
func room[S ~[]E, E any](s S, n int) S {
	if cap(s)-len(s) >= n {
		return s
	}
	return mem.Grow(s, n+n/64)
}

func (t *Txns) truncate(n int) {
	t.N = n
	t.truncateInPlace(n)
	if t.Side == Bank {
		t.Bank = t.Bank[:n]
	}
	t.Payer, t.Payee, t.Currency, t.Loan = t.Payer[:n], t.Payee[:n], t.Currency[:n], t.Loan[:n]
	t.Kind, t.Status = t.Kind[:n], t.Status[:n]
	for len(t.Spans) > 0 && t.Spans[len(t.Spans)-1].Start >= n {
		t.Spans = t.Spans[:len(t.Spans)-1]
	}
}

// truncateInPlace keeps the first n rows of the columns a reader decodes
// in place.
func (t *Txns) truncateInPlace(n int) {
	truncStrings(&t.ID, n)
	if t.Side == Bank {
		truncStrings(&t.Ref, n)
	}
	t.Amount, t.Fee, t.BookedAt = t.Amount[:n], t.Fee[:n], t.BookedAt[:n]
}

// ClearRows empties t of its rows and spans, keeping its memory.
func (t *Txns) ClearRows() {
	t.truncate(0)
	t.Orig = t.Orig[:0]
}

// truncStrings keeps the first n values.
func truncStrings(s *formats.Strings, n int) {
	if len(s.Offsets) == 0 {
		return
	}
	s.Bytes = s.Bytes[:s.Offsets[n]]
	s.Offsets = s.Offsets[:n+1]
}

// CustodyBalances are the bank's per-account balances of the day.
type CustodyBalances struct {
	N        int
	Bank     []uint32
	Account  []uint32
	Currency []uint32
	Opening  []int64
	Closing  []int64
	Spans    spans
}

// LedgerBalances are the platform's per-account balances of the day.
type LedgerBalances struct {
	N        int
	Account  []uint32
	Currency []uint32
	Closing  []int64
	Spans    spans
}

// Accounts is the platform's account registry.
type Accounts struct {
	N       int
	Account []uint32
	Role    []uint8
	Holder  []uint32
	Related []bool
	Spans   spans
}

// Loans is the platform's loan registry.
type Loans struct {
	N         int
	Loan      []uint32
	Borrower  []uint32
	Principal []int64
	Currency  []uint32
	Spans     spans
}

// Platform is everything the engine reconciles for one platform on one
// business date. Fill it with Append, then hand it to Reconcile.
type Platform struct {
	ID      string
	Names   *Dict
	Ledger  Txns
	Bank    Txns
	CBal    CustodyBalances
	LBal    LedgerBalances
	Acc     Accounts
	Loans   Loans
	Objects []string // keys of the objects whose rows were appended
	// Streaming marks a platform whose transactions are taken away batch
	// by batch as they are read (ClearRows), to be reconciled in parts:
	// their tables are not sized for a whole object.
	Streaming bool
	// ahead, by side, while the platform is read ahead (ReadAhead): the
	// columns its readers decode in place, past the rows appended.
	ahead [2]*Txns
}

// ReadAhead lets the platform's readers run ahead of the appends, a
// table's reader and the appender of its batches being two goroutines:
// from now on Prepare installs columns that follow the reader, which
// Advance moves past each batch decoded, rather than the platform's own
// (which the appender's Append sets from its batch), so that a batch
// decoded while an earlier one waits to be appended goes after its rows,
// in the same arrays, and Append still copies nothing. EndReadAhead ends
// it, once every batch read is appended.
func (p *Platform) ReadAhead() {
	for _, t := range []*Txns{&p.Ledger, &p.Bank} {
		p.ahead[t.Side] = &Txns{Side: t.Side, ID: t.ID, Ref: t.Ref, Amount: t.Amount, Fee: t.Fee, BookedAt: t.BookedAt}
	}
}

// EndReadAhead ends ReadAhead.
func (p *Platform) EndReadAhead() { p.ahead = [2]*Txns{} }

// Advance moves the columns a transactions batch was decoded into past
// its rows, while the platform is read ahead (ReadAhead): the reader
// calls it once the batch is decoded, before it prepares the next.
func (p *Platform) Advance(b *formats.Batch) {
	if t := p.decodeTxns(b.Schema.Table); t != nil && t == p.ahead[t.Side] {
		takeInPlace(t, b)
	}
}

// Side returns the platform's transactions of side s.
func (p *Platform) Side(s Side) *Txns {
	if s == Bank {
		return &p.Bank
	}
	return &p.Ledger
}

// NewPlatform returns an empty platform.
func NewPlatform(id string) *Platform {
	p := &Platform{ID: id, Names: NewDict()}
	p.Ledger.Side = Ledger
	p.Bank.Side = Bank
	return p
}

// Recycle empties p for platform id, keeping the memory of its columns
// and its names' table, so that a worker going through many platforms
// does not allocate (and zero, and fault in) its largest arrays again for
// each. Nothing may read p's rows afterwards; the names themselves are not
// reused (exceptions hold them).
func (p *Platform) Recycle(id string) {
	for _, t := range formats.Tables() {
		p.Truncate(t, 0)
	}
	p.ID, p.Names, p.Objects = id, p.Names.Reuse(), nil
}

// Append adds a decoded batch of table rows from object key (obj is its
// index from AddObject). bank is the bank= segment of the key ("" for
// ledger and registry tables). A row whose platform_id or bank_id
// contradicts its key is an error with its row and column; the caller
// then discards the whole object with Truncate.
func (p *Platform) Append(obj int, key, bank string, b *formats.Batch) error {
	if err := p.CheckOwner(key, bank, b); err != nil {
		return err
	}
	p.AppendChecked(obj, b)
	return nil
}

// AppendChecked is Append of a batch CheckOwner accepted.
func (p *Platform) AppendChecked(obj int, b *formats.Batch) {
	cols := nameColsOf(b.Schema.Table)
	p.appendBatch(obj, b, func(i int, dst []uint32) []uint32 { return p.internCol(&b.Cols[cols[i]], b.Len, dst) })
}

// BatchNames is a batch's names interned (InternNames), for FillIn to
// fill its rows in with. A BatchNames is reused batch after batch.
type BatchNames struct {
	cols [maxNameCols]internedCol
}

// internedCol is one name column of a batch interned: the ids of its
// dictionary's entries, or of each of its values when it is plain.
type internedCol struct {
	ids  []uint32
	dict bool
}

// InternNames interns the names of a batch CheckOwner accepted, the part
// of AppendChecked that reads and writes the names table; FillIn then
// does the rest, which reads and writes only the batch's table: two
// loaders appending to two tables of the platform take turns for
// InternNames only. (At 100M rows a side, filling in the rows' ids
// from their dictionaries' was a sixth of the turns' time.)
func (p *Platform) InternNames(b *formats.Batch, bn *BatchNames) {
	for i, c := range nameColsOf(b.Schema.Table) {
		col := &b.Cols[c]
		ic := &bn.cols[i]
		if col.Dict != nil {
			ic.ids, ic.dict = append(ic.ids[:0], p.Names.InternAll(col.Dict)...), true
		} else {
			ic.ids, ic.dict = p.internCol(col, b.Len, ic.ids[:0]), false
		}
	}
}

// FillIn appends a batch whose names InternNames interned into bn, as
// AppendChecked would have.
func (p *Platform) FillIn(obj int, b *formats.Batch, bn *BatchNames) {
	cols := nameColsOf(b.Schema.Table)
	p.appendBatch(obj, b, func(i int, dst []uint32) []uint32 {
		ic := &bn.cols[i]
		if !ic.dict {
			return append(dst, ic.ids...)
		}
		return mapIDs(dst, &b.Cols[cols[i]], b.Len, ic.ids)
	})
}

// maxNameCols is the most name columns a table has.
const maxNameCols = 5

// nameColsOf returns the batch columns of table t's names, in the order
// they are interned.
func nameColsOf(t formats.Table) []int {
	switch t {
	case formats.CustodyTransactions:
		return []int{formats.CTBankID, formats.CTPayer, formats.CTPayee, formats.CTCurrency, formats.CTLoanID}
	case formats.LedgerTransactions:
		return []int{formats.LTPayer, formats.LTPayee, formats.LTCurrency, formats.LTLoanID}
	case formats.CustodyBalances:
		return []int{formats.CBBankID, formats.CBAccountID, formats.CBCurrency}
	case formats.LedgerBalances:
		return []int{formats.LBAccountID, formats.LBCurrency}
	case formats.Accounts:
		return []int{formats.ACAccountID, formats.ACHolderID}
	case formats.Loans:
		return []int{formats.LNLoanID, formats.LNBorrower, formats.LNCurrency}
	}
	return nil
}

// appendBatch appends a batch's rows, the ids of its i-th name column
// (nameColsOf) appended to dst by names(i, dst).
func (p *Platform) appendBatch(obj int, b *formats.Batch, names func(i int, dst []uint32) []uint32) {
	switch b.Schema.Table {
	case formats.CustodyTransactions:
		p.appendTxns(&p.Bank, obj, b, names)
	case formats.LedgerTransactions:
		p.appendTxns(&p.Ledger, obj, b, names)
	case formats.CustodyBalances:
		p.appendCBal(obj, b, names)
	case formats.LedgerBalances:
		p.appendLBal(obj, b, names)
	case formats.Accounts:
		p.appendAccounts(obj, b, names)
	case formats.Loans:
		p.appendLoans(obj, b, names)
	}
}

// AddObject registers an input object and returns its index.
func (p *Platform) AddObject(key string) int {
	p.Objects = append(p.Objects, key)
	return len(p.Objects) - 1
}

// Rows returns how many rows of table t the platform holds.
func (p *Platform) Rows(t formats.Table) int {
	switch t {
	case formats.CustodyTransactions:
		return p.Bank.N
	case formats.LedgerTransactions:
		return p.Ledger.N
	case formats.CustodyBalances:
		return p.CBal.N
	case formats.LedgerBalances:
		return p.LBal.N
	case formats.Accounts:
		return p.Acc.N
	case formats.Loans:
		return p.Loans.N
	}
	return 0
}

// Truncate drops the rows of table t past its first n. It reads and
// writes no other table's: another loader may be appending to those.
func (p *Platform) Truncate(t formats.Table, n int) {
	switch t {
	case formats.CustodyTransactions, formats.LedgerTransactions:
		side := Bank
		if t == formats.LedgerTransactions {
			side = Ledger
		}
		if tx := p.Side(side); tx.N > n {
			tx.truncate(n)
		}
		// What was read ahead goes too: the rows past n are of the
		// object being rolled back.
		if a := p.ahead[side]; a != nil {
			a.truncateInPlace(n)
		}
	case formats.CustodyBalances:
		if c := &p.CBal; c.N > n {
			c.N, c.Bank, c.Account, c.Currency, c.Opening, c.Closing = n, c.Bank[:n], c.Account[:n], c.Currency[:n], c.Opening[:n], c.Closing[:n]
			c.Spans = trimSpans(c.Spans, n)
		}
	case formats.LedgerBalances:
		if l := &p.LBal; l.N > n {
			l.N, l.Account, l.Currency, l.Closing = n, l.Account[:n], l.Currency[:n], l.Closing[:n]
			l.Spans = trimSpans(l.Spans, n)
		}
	case formats.Accounts:
		if a := &p.Acc; a.N > n {
			a.N, a.Account, a.Role, a.Holder, a.Related = n, a.Account[:n], a.Role[:n], a.Holder[:n], a.Related[:n]
			a.Spans = trimSpans(a.Spans, n)
		}
	case formats.Loans:
		if o := &p.Loans; o.N > n {
			o.N, o.Loan, o.Borrower, o.Principal, o.Currency = n, o.Loan[:n], o.Borrower[:n], o.Principal[:n], o.Currency[:n]
			o.Spans = trimSpans(o.Spans, n)
		}
	}
}

func trimSpans(s spans, n int) spans {
	for len(s) > 0 && s[len(s)-1].Start >= n {
		s = s[:len(s)-1]
	}
	return s
}

func addSpan(s spans, obj, start int) spans {
	if len(s) > 0 && s[len(s)-1].Obj == obj {
		return s
	}
	return append(s, Span{Obj: obj, Start: start})
}

// CheckOwner reports the first row of b that contradicts its key, by
// naming another platform (or bank) than key's, with its row and column:
// Append's check, which a reader running ahead of the appends (ReadAhead)
// makes itself, so that it knows at once whether it is done with its
// object.
func (p *Platform) CheckOwner(key, bank string, b *formats.Batch) error {
	s := b.Schema
	check := func(name, want, what string) error {
		i := s.Index(name)
		if i < 0 || want == "" {
			return nil
		}
		col := &b.Cols[i]
		if col.Dict != nil {
			// Check the dictionary entries once; only when one is wrong
			// look for the first row that uses it.
			ok := true
			for k := range col.Dict.Len() {
				ok = ok && string(col.Dict.At(k)) == want
			}
			if ok {
				return nil
			}
		}
		for r := 0; r < b.Len; r++ {
			if got := col.At(r); string(got) != want {
				return &formats.Error{Key: key, RowGroup: b.RowGroup, Row: b.FirstRow + int64(r) + 1, Column: name,
					Err: fmt.Errorf("%w: %s %q in a file under %s=%s", formats.ErrBadValue, what, got, what, want)}
			}
		}
		return nil
	}
	if err := check("platform_id", p.ID, "platform"); err != nil {
		return err
	}
	return check("bank_id", bank, "bank")
}

// internCol appends the ids of a string column's n values. A column in
// dictionary form is interned once per dictionary entry.
func (p *Platform) internCol(c *formats.Col, n int, dst []uint32) []uint32 {
	if c.Dict != nil {
		return mapIDs(dst, c, n, p.Names.InternAll(c.Dict))
	}
	if n == 0 {
		return dst
	}
	// In batches, as a dictionary's values: plain columns are the ones
	// with many distinct values (a balance per account, say).
	vals := formats.Strings{Offsets: c.Str.Offsets[:n+1], Bytes: c.Str.Bytes}
	return append(dst, p.Names.internAll(&vals)...)
}

// mapIDs appends the ids of a dictionary column's n values to dst, ids
// being those of its dictionary's entries.
func mapIDs(dst []uint32, c *formats.Col, n int, ids []uint32) []uint32 {
	start := len(dst)
	dst = room(dst, n)[:start+n]
	out := dst[start:]
	for i, k := range c.Idx[:n] {
		id := uint32(0) // null: the empty name
		if k >= 0 {
			id = ids[k]
		}
		out[i] = id
	}
	return dst
}

// appendStrings appends the n values of a string column.
func appendStrings(dst *formats.Strings, c *formats.Col, n int) {
	if len(dst.Offsets) == 0 {
		dst.Offsets = append(dst.Offsets, 0)
	}
	if c.Dict != nil {
		for r := range n {
			dst.Append(c.At(r))
		}
		return
	}
	src := &c.Str
	base := uint32(len(dst.Bytes))
	dst.Bytes = append(dst.Bytes, src.Bytes[:src.Offsets[n]]...)
	for r := 1; r <= n; r++ {
		dst.Offsets = append(dst.Offsets, base+src.Offsets[r])
	}
}

func appendU8(dst []uint8, src []int64) []uint8 {
	for _, v := range src {
		dst = append(dst, uint8(v))
	}
	return dst
}

// txnCols are the positions of a transaction table's columns.
type txnCols struct{ id, ref, payer, payee, amount, fee, currency, kind, status, booked, loan int }

func txnColsOf(side Side) txnCols {
	if side == Bank {
		return txnCols{formats.CTBankTxnID, formats.CTPlatformTxnID, formats.CTPayer, formats.CTPayee, formats.CTAmount, formats.CTFee,
			formats.CTCurrency, formats.CTKind, formats.CTStatus, formats.CTBookedAt, formats.CTLoanID}
	}
	return txnCols{formats.LTTxnID, -1, formats.LTPayer, formats.LTPayee, formats.LTAmount, formats.LTFee,
		formats.LTCurrency, formats.LTKind, formats.LTStatus, formats.LTBookedAt, formats.LTLoanID}
}

// Prepare is a formats.ReadOptions.Prepare hook: for transaction tables it
// installs the platform's own id, amount, fee and time arrays (those that
// run ahead of the appends, while the platform is read ahead: ReadAhead)
// as the batch's destination, so the reader appends to them with no copy.
func (p *Platform) Prepare(b *formats.Batch) {
	t := p.decodeTxns(b.Schema.Table)
	if t == nil {
		return
	}
	if b.FirstRow == 0 && b.ObjectRows > 0 && !p.Streaming {
		t.growInPlace(int(b.ObjectRows)) // once per object: no doubling copies
	}
	c := txnColsOf(t.Side)
	b.Cols[c.id].Install(&t.ID, nil)
	if c.ref >= 0 {
		b.Cols[c.ref].Install(&t.Ref, nil)
	}
	b.Cols[c.amount].Install(nil, t.Amount)
	b.Cols[c.fee].Install(nil, t.Fee)
	b.Cols[c.booked].Install(nil, t.BookedAt)
}

// decodeTxns returns the transactions a reader of table t decodes into
// in place (Prepare): those read ahead (ReadAhead), else the platform's
// own; nil for a table of no transactions.
func (p *Platform) decodeTxns(t formats.Table) *Txns {
	side := Bank
	switch t {
	case formats.CustodyTransactions:
	case formats.LedgerTransactions:
		side = Ledger
	default:
		return nil
	}
	if a := p.ahead[side]; a != nil {
		return a
	}
	return p.Side(side)
}

// takeInPlace takes back into t the columns of b that Prepare installed.
func takeInPlace(t *Txns, b *formats.Batch) {
	c := txnColsOf(t.Side)
	if c.ref >= 0 {
		takeStrings(&t.Ref, &b.Cols[c.ref], b.Len)
	}
	takeStrings(&t.ID, &b.Cols[c.id], b.Len)
	t.Amount = takeInts(t.Amount, &b.Cols[c.amount])
	t.Fee = takeInts(t.Fee, &b.Cols[c.fee])
	t.BookedAt = takeInts(t.BookedAt, &b.Cols[c.booked])
}

// takeStrings takes a string column back from a batch: the installed
// array, or a copy of the batch's own values.
func takeStrings(dst *formats.Strings, c *formats.Col, n int) {
	if c.Installed && c.Dict == nil {
		*dst = c.Str
		return
	}
	appendStrings(dst, c, n)
}

// takeInts takes an int column back from a batch.
func takeInts(dst []int64, c *formats.Col) []int64 {
	if c.Installed {
		return c.Int
	}
	return append(dst, c.Int...)
}

func (p *Platform) appendTxns(t *Txns, obj int, b *formats.Batch, names func(i int, dst []uint32) []uint32) {
	n := b.Len
	if n == 0 {
		return
	}
	if b.FirstRow == 0 && b.ObjectRows > 0 && !p.Streaming {
		// Once per object: no doubling copies. Prepare grew the columns
		// it installed.
		if b.Cols[txnColsOf(t.Side).amount].Installed {
			t.growAppended(int(b.ObjectRows))
		} else {
			t.grow(int(b.ObjectRows))
		}
	}
	t.Spans = addSpan(t.Spans, obj, t.N)
	c := txnColsOf(t.Side)
	takeInPlace(t, b)
	// The names in nameColsOf's order: the bank's first, at the bank.
	k := 0
	if c.ref >= 0 {
		t.Bank = names(0, t.Bank)
		k = 1
	}
	t.Payer = names(k, t.Payer)
	t.Payee = names(k+1, t.Payee)
	t.Currency = names(k+2, t.Currency)
	t.Loan = names(k+3, t.Loan)
	t.Kind = appendU8(t.Kind, b.Cols[c.kind].Int)
	t.Status = appendU8(t.Status, b.Cols[c.status].Int)
	t.N += n
}

func (p *Platform) appendCBal(obj int, b *formats.Batch, names func(i int, dst []uint32) []uint32) {
	c := &p.CBal
	if b.Len == 0 {
		return
	}
	c.Spans = addSpan(c.Spans, obj, c.N)
	c.Bank = names(0, c.Bank)
	c.Account = names(1, c.Account)
	c.Currency = names(2, c.Currency)
	c.Opening = append(c.Opening, b.Cols[formats.CBOpening].Int...)
	c.Closing = append(c.Closing, b.Cols[formats.CBClosing].Int...)
	c.N += b.Len
}

func (p *Platform) appendLBal(obj int, b *formats.Batch, names func(i int, dst []uint32) []uint32) {
	l := &p.LBal
	if b.Len == 0 {
		return
	}
	l.Spans = addSpan(l.Spans, obj, l.N)
	l.Account = names(0, l.Account)
	l.Currency = names(1, l.Currency)
	l.Closing = append(l.Closing, b.Cols[formats.LBClosing].Int...)
	l.N += b.Len
}

func (p *Platform) appendAccounts(obj int, b *formats.Batch, names func(i int, dst []uint32) []uint32) {
	a := &p.Acc
	if b.Len == 0 {
		return
	}
	a.Spans = addSpan(a.Spans, obj, a.N)
	a.Account = names(0, a.Account)
	a.Role = appendU8(a.Role, b.Cols[formats.ACRole].Int)
	a.Holder = names(1, a.Holder)
	for _, v := range b.Cols[formats.ACRelatedParty].Int {
		a.Related = append(a.Related, v != 0)
	}
	a.N += b.Len
}

func (p *Platform) appendLoans(obj int, b *formats.Batch, names func(i int, dst []uint32) []uint32) {
	o := &p.Loans
	if b.Len == 0 {
		return
	}
	o.Spans = addSpan(o.Spans, obj, o.N)
	o.Loan = names(0, o.Loan)
	o.Borrower = names(1, o.Borrower)
	o.Principal = append(o.Principal, b.Cols[formats.LNPrincipal].Int...)
	o.Currency = names(2, o.Currency)
	o.N += b.Len
}
