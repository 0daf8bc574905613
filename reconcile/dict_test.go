package reconcile

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/recon-dev/recon/formats"
)

func TestDict(t *testing.T) {
	d := NewDict()
	if d.Len() != 1 || d.Intern(nil) != 0 || d.Name(0) != "" {
		t.Fatal("empty name is not id 0")
	}
	for i := range 100_000 {
		if id := d.Intern([]byte(fmt.Sprint("acct-", i))); id != uint32(i+1) {
			t.Fatalf("name %d got id %d", i, id)
		}
	}
	for i := range 100_000 {
		name := fmt.Sprint("acct-", i)
		if id := d.Intern([]byte(name)); id != uint32(i+1) || d.Name(id) != name {
			t.Fatalf("again %d: %d", i, id)
		}
		if id, ok := d.Find(name); !ok || id != uint32(i+1) {
			t.Fatalf("find %d: %d %v", i, id, ok)
		}
	}
	if _, ok := d.Find("nobody"); ok {
		t.Fatal("found a name never interned")
	}
}

func BenchmarkDictIntern(b *testing.B) {
	names := make([][]byte, 200_000)
	for i := range names {
		names[i] = []byte(fmt.Sprintf("P001-INV-%06d", i))
	}
	d := NewDict()
	for _, n := range names {
		d.Intern(n)
	}
	b.ResetTimer()
	for i := range b.N {
		d.Intern(names[(i*7919)%len(names)])
	}
}

func TestDictInternAll(t *testing.T) {
	d := NewDict()
	for round := range 4 {
		var vals formats.Strings
		for i := range 3000 {
			name := fmt.Sprint("n-", (i*7+round*1000)%5000)
			vals.AppendString(name)
			if i%100 == 0 {
				d.Intern([]byte(fmt.Sprint("single-", round, "-", i))) // mixed with single interns
			}
		}
		vals.AppendString("n-1") // a repeat within the batch
		ids := d.InternAll(&vals)
		for k := range vals.Len() {
			if d.Name(ids[k]) != vals.String(k) {
				t.Fatalf("round %d value %d: id %d is %q, want %q", round, k, ids[k], d.Name(ids[k]), vals.String(k))
			}
			if id, _ := d.Find(vals.String(k)); id != ids[k] {
				t.Fatalf("round %d: InternAll and Find disagree on %q", round, vals.String(k))
			}
		}
	}
	seen := map[string]bool{}
	for id := range d.Len() {
		if seen[d.Name(uint32(id))] {
			t.Fatalf("name %q interned twice", d.Name(uint32(id)))
		}
		seen[d.Name(uint32(id))] = true
	}
}

func BenchmarkDictInternAll(b *testing.B) {
	var vals formats.Strings
	for i := range 100_000 {
		vals.AppendString(fmt.Sprintf("P001-INV-%06d", (i*7919)%100_000))
	}
	d := NewDict()
	d.InternAll(&vals)
	b.ResetTimer()
	for range b.N {
		d.InternAll(&vals)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*vals.Len()), "ns/name")
}

// TestDictInternAllOrder checks that InternAll and internAll give every
// name the id Intern would, value by value: found names in their home
// slot or further along, new names in order of appearance (repeats among
// them, for internAll), short and long names, the table growing in the
// middle of a batch.
func TestDictInternAllOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	got, want := NewDict(), NewDict()
	name := func() string {
		switch i := rng.IntN(40_000); i % 5 {
		case 0:
			return fmt.Sprint(i) // shorter than a word
		case 1:
			return fmt.Sprintf("P001-H-INV-%06d-%s", i, strings.Repeat("x", i%9)) // past the slot's head
		default:
			return fmt.Sprintf("P001-INV-%06d", i)
		}
	}
	for round := range 12 {
		var vals formats.Strings
		seen := map[string]bool{}
		size := 1 + rng.IntN(9000)
		if round < 2 {
			size = 2*internBlock + 17 // blocks of the two passes, the last one short
		}
		for range size {
			v := name()
			if round%2 == 0 && seen[v] {
				continue // a dictionary page's values are all different
			}
			seen[v] = true
			vals.AppendString(v)
		}
		var ids []uint32
		if round%2 == 0 {
			ids = got.InternAll(&vals)
		} else {
			ids = got.internAll(&vals)
		}
		for k := range vals.Len() {
			if w := want.Intern(vals.At(k)); ids[k] != w {
				t.Fatalf("round %d value %d (%q): id %d, Intern gives %d", round, k, vals.String(k), ids[k], w)
			}
		}
	}
	if got.Len() != want.Len() {
		t.Fatalf("%d names, want %d", got.Len(), want.Len())
	}
}

func TestDenseSumsOverflow(t *testing.T) {
	d := newDenseSums(3)
	const max = 999_999_999_999_999_999
	for range 20 {
		d.add([2]uint32{1, 1}, 2, max)
	}
	d.add([2]uint32{1, 1}, 2, -5)
	got, ok := d.get([2]uint32{1, 1}, 2)
	want := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(max), big.NewInt(20)), big.NewInt(5))
	if !ok || got.Big().Cmp(want) != 0 {
		t.Fatalf("sum %s (%v), want %s", got.Big(), ok, want)
	}
	if _, ok := d.get([2]uint32{1, 1}, 1); ok {
		t.Fatal("unset account present")
	}
	if _, ok := d.get([2]uint32{9, 9}, 2); ok {
		t.Fatal("unset group present")
	}

}

// BenchmarkDictInternAllLarge interns dictionary pages against a
// dictionary of two million names, far larger than the caches: the case
// of a platform with millions of accounts. Like a 100M store's row groups
// (about 550k entries in an account column's dictionary), each page holds
// half a million names drawn at random, and the pages take turns, so that
// a page's slots are not still in cache from its last turn. (Interning
// one page of 100k names over and over, as this benchmark did, measured
// 58 ns a name, its slots in cache after the first pass; fresh pages take
// 73-88 ns, and 147-167 ns without prefetching.)
func BenchmarkDictInternAllLarge(b *testing.B) {
	const names, pageLen = 2_000_000, 500_000
	d := NewDict()
	for i := range names {
		d.Intern(fmt.Appendf(nil, "P001-INV-%07d", i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pages := make([]formats.Strings, 4)
	for p := range pages {
		for range pageLen {
			pages[p].AppendString(fmt.Sprintf("P001-INV-%07d", rng.IntN(names)))
		}
	}
	b.ResetTimer()
	for i := range b.N {
		d.InternAll(&pages[i%len(pages)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*pageLen), "ns/name")
}

// TestDenseSumsMerge checks that sums taken in parts and merged equal
// sums taken at once, past the int64 range too.
func TestDenseSumsMerge(t *testing.T) {
	const max = 999_999_999_999_999_999
	rng := rand.New(rand.NewPCG(3, 5))
	whole, a, b := newDenseSums(6), newDenseSums(6), newDenseSums(6)
	for i := range 400 {
		key := [2]uint32{uint32(rng.IntN(2)), 1}
		acct := uint32(rng.IntN(6))
		v := rng.Int64N(2*max) - max
		if acct == 5 {
			v = max // account 5 runs past the int64 range
		}
		whole.add(key, acct, v)
		if i%3 == 0 {
			a.add(key, acct, v)
		} else {
			b.add(key, acct, v)
		}
	}
	a.merge(b)
	for g := range uint32(2) {
		for acct := range uint32(6) {
			key := [2]uint32{g, 1}
			w, wok := whole.get(key, acct)
			m, mok := a.get(key, acct)
			if wok != mok || w.Big().Cmp(m.Big()) != 0 {
				t.Fatalf("group %d account %d: merged %v (%v), want %v (%v)", g, acct, m.Big(), mok, w.Big(), wok)
			}
		}
	}
	if w, _ := whole.get([2]uint32{0, 1}, 5); w.Big().IsInt64() {
		t.Fatalf("account 5 fits an int64 (%s): the test does not reach the big path", w.Big())
	}
}

// TestDictNameLengths interns names around the length a slot holds
// itself, sharing long prefixes: each keeps its own id.
func TestDictNameLengths(t *testing.T) {
	d := NewDict()
	var names []string
	for n := range 40 {
		for _, c := range "ab" {
			names = append(names, strings.Repeat("x", n)+string(c))
		}
	}
	ids := map[string]uint32{}
	for round := range 3 {
		for _, name := range names {
			id := d.Intern([]byte(name))
			if round == 0 {
				ids[name] = id
			} else if id != ids[name] {
				t.Fatalf("%q: id %d, first %d", name, id, ids[name])
			}
			if got := d.Name(id); got != name {
				t.Fatalf("Name(%d) = %q, want %q", id, got, name)
			}
			if f, ok := d.Find(name); !ok || f != id {
				t.Fatalf("Find(%q) = %d, %v", name, f, ok)
			}
		}
	}
	if d.Len() != len(names)+1 {
		t.Fatalf("%d names, want %d", d.Len(), len(names)+1)
	}
	if _, ok := d.Find(strings.Repeat("x", 17)); ok {
		t.Fatal("found a name never interned")
	}
}

// BenchmarkDictBuild fills a dictionary the way a 100M-row store's
// platform does: a million names, every row group's dictionary page
// holding half of them in no particular order, the first page all new.
func BenchmarkDictBuild(b *testing.B) {
	const names, page = 1_000_000, 500_000
	rng := rand.New(rand.NewPCG(1, 2))
	pages := make([]formats.Strings, 4)
	for p := range pages {
		for _, i := range rng.Perm(names)[:page] {
			pages[p].AppendString(fmt.Sprintf("P001-INV-%07d", i))
		}
	}
	b.ResetTimer()
	for range b.N {
		d := NewDict()
		for p := range pages {
			d.InternAll(&pages[p])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pages)*page), "ns/name")
}

// TestDictReuse empties a dictionary for the next platform: the old names
// stay readable, the new dictionary starts again at id 1 with the old
// table's size, and knows none of the old names.
func TestDictReuse(t *testing.T) {
	old := NewDict()
	for i := range 5000 {
		old.Intern(fmt.Appendf(nil, "old-%d", i))
	}
	kept := old.Name(42)
	d := old.Reuse()
	if d.Len() != 1 || d.bits != old.bits || len(d.slots) != 1<<old.bits {
		t.Fatalf("reused: %d names, %d bits, %d slots; old table %d bits", d.Len(), d.bits, len(d.slots), old.bits)
	}
	if _, ok := d.Find("old-41"); ok {
		t.Fatal("the reused dictionary knows an old name")
	}
	for i := range 3000 {
		if id := d.Intern(fmt.Appendf(nil, "new-%d", i)); id != uint32(i+1) {
			t.Fatalf("new name %d got id %d", i, id)
		}
	}
	if kept != "old-41" || old.Name(42) != "old-41" || old.Name(5000) != "old-4999" {
		t.Fatalf("old names changed: %q %q %q", kept, old.Name(42), old.Name(5000))
	}
	if id, ok := d.Find("new-2999"); !ok || id != 3000 {
		t.Fatalf("Find(new-2999) = %d, %v", id, ok)
	}
}

// TestSlotID checks the first pass's branchless compare of a slot against
// the plain one (tag, id, length and head, compared field by field), on
// names of every length it takes and slots that differ from them in one
// thing at a time: a bit of the tag, the length, a bit of any byte, an
// empty slot; and on random slots and names.
func TestSlotID(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	slotOf := func(name []byte, tag, id1 uint32) dictSlot {
		e := dictSlot{tag: tag, id1: id1, n: uint8(len(name))}
		copy(e.head[:], name)
		return e
	}
	check := func(e dictSlot, tag uint32, name []byte) {
		t.Helper()
		want := uint32(0)
		if e.tag == tag && e.id1 != 0 && int(e.n) == len(name) && headIs(&e.head, name) {
			want = e.id1
		}
		ln := len(name)
		w0, wl := binary.LittleEndian.Uint64(name), binary.LittleEndian.Uint64(name[ln-8:])
		var w8 uint64
		if ln > 16 {
			w8 = binary.LittleEndian.Uint64(name[8:])
		}
		if got := slotID(&e, tag, ln, w0, wl, w8); got != want {
			t.Fatalf("slot %+v, name %q, tag %#x: slotID %d, want %d", e, name, tag, got, want)
		}
	}
	for range 2000 {
		ln := 8 + rng.IntN(dictInline-7)
		name := make([]byte, ln)
		for i := range name {
			name[i] = byte(' ' + rng.IntN(95)) // printable, as account numbers are
		}
		tag, id1 := rng.Uint32(), 1+rng.Uint32N(1<<20)
		check(slotOf(name, tag, id1), tag, name)                            // the name itself
		check(slotOf(name, tag^1<<rng.IntN(32), id1), tag, name)            // a tag a bit off
		check(slotOf(name, tag, 0), tag, name)                              // an empty slot
		check(slotOf(name[:ln-1], tag, id1), tag, name)                     // shorter
		check(slotOf(append(slices.Clone(name), 'x'), tag, id1), tag, name) // longer
		other := slices.Clone(name)
		other[rng.IntN(ln)] ^= 1 << rng.IntN(8)
		check(slotOf(other, tag, id1), tag, name) // a bit of a byte off
		random := make([]byte, 8+rng.IntN(dictInline-7))
		for i := range random {
			random[i] = byte(rng.Uint32())
		}
		check(slotOf(random, rng.Uint32(), id1), tag, name) // anything
	}
}
