package reconcile

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/recon-dev/recon/formats"
)

// TestHashPartition checks that every key but the bank's empty references
// gets one item, in the partition of its hash's top bits, in key order
// within it.
func TestHashPartition(t *testing.T) {
	var keys formats.Strings
	const n = 5000
	for i := range n {
		if i%7 == 3 {
			keys.AppendString("") // a bank row without reference
		} else {
			keys.AppendString(fmt.Sprint("T-", i%4000)) // some keys twice
		}
	}
	for _, side := range []Side{Ledger, Bank} {
		for _, bits := range []uint{0, 1, 6} {
			rp := hashPartition(&keys, n, side, xxhash.Sum64, bits)
			want := n
			if side == Bank {
				want = n - (n+3)/7
			}
			seen := make([]bool, n)
			got := 0
			for p := range 1 << bits {
				last := int32(-1)
				for _, it := range rp.appendPart(nil, p) {
					k := keys.At(int(it.idx))
					if h := xxhash.Sum64(k); it.h != uint32(h) || int(h>>(64-bits)) != p || it.idx <= last || seen[it.idx] {
						t.Fatalf("%v bits %d partition %d: bad item %+v", side, bits, p, it)
					}
					if side == Bank && len(k) == 0 {
						t.Fatalf("%v bits %d: an item for an empty reference", side, bits)
					}
					last, seen[it.idx] = it.idx, true
					got++
				}
			}
			if got != want {
				t.Fatalf("%v bits %d: %d items; want %d", side, bits, got, want)
			}
		}
	}
}

// TestRefJoinOneToOne: the one-to-one path pairs each ledger item with the
// bank item of its hash (tentatively: outcomes are the byte check's),
// leaves bank items of no ledger hash alone, and gives up, pairing
// nothing, on two ledger items of one hash or two bank items meeting one
// ledger item.
func TestRefJoinOneToOne(t *testing.T) {
	L := func(h uint32, idx int32) refItem { return refItem{h: h, idx: idx} }
	B := L
	newM := func() *matching {
		m := &matching{lOut: make([]outcome, 8), bOut: make([]outcome, 8), lMatch: make([]int32, 8)}
		for i := range m.lMatch {
			m.lMatch[i] = -1
		}
		return m
	}
	m := newM()
	ls := []refItem{L(10, 0), L(26, 1), L(42, 2)}
	if !refJoinOneToOne(ls, []refItem{B(42, 5), B(99, 6), B(10, 7)}, joinSlots(len(ls)), m) {
		t.Fatal("gave up on a one-to-one partition")
	}
	if want := []int32{7, -1, 5, -1, -1, -1, -1, -1}; !slices.Equal(m.lMatch, want) {
		t.Fatalf("lMatch %v, want %v", m.lMatch, want)
	}
	// Pairs on the hash alone are tentative: matchByReference's byte check
	// decides their outcomes.
	decided := func(o outcome) bool { return o != outNone }
	if slices.ContainsFunc(m.lOut, decided) || slices.ContainsFunc(m.bOut, decided) {
		t.Fatalf("outcomes set before the byte check: ledger %v, bank %v", m.lOut, m.bOut)
	}
	for _, tt := range []struct {
		name   string
		ls, bs []refItem
	}{
		{"two ledger items of one hash", []refItem{L(10, 0), L(10, 1)}, []refItem{B(10, 5)}},
		{"two bank items of one ledger item", []refItem{L(10, 0), L(26, 1)}, []refItem{B(26, 5), B(10, 6), B(10, 7)}},
	} {
		m := newM()
		if refJoinOneToOne(tt.ls, tt.bs, joinSlots(len(tt.ls)), m) {
			t.Errorf("%s: not given up", tt.name)
		}
		if slices.ContainsFunc(m.lMatch, func(b int32) bool { return b >= 0 }) {
			t.Errorf("%s: matched %v before giving up", tt.name, m.lMatch)
		}
	}
}
