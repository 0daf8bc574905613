package reconcile

import (
	"fmt"
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
			items, bounds := hashPartition(&keys, n, side, xxhash.Sum64, bits)
			want := n
			if side == Bank {
				want = n - (n+3)/7
			}
			if len(items) != want || len(bounds) != 1<<bits+1 || bounds[len(bounds)-1] != want {
				t.Fatalf("%v bits %d: %d items, bounds %d..%d; want %d", side, bits, len(items), bounds[0], bounds[len(bounds)-1], want)
			}
			seen := make([]bool, n)
			for p := range 1 << bits {
				last := int32(-1)
				for _, it := range items[bounds[p]:bounds[p+1]] {
					k := keys.At(int(it.idx))
					if it.side != side || it.h != xxhash.Sum64(k) || int(it.h>>(64-bits)) != p || it.idx <= last || seen[it.idx] {
						t.Fatalf("%v bits %d partition %d: bad item %+v", side, bits, p, it)
					}
					if side == Bank && len(k) == 0 {
						t.Fatalf("%v bits %d: an item for an empty reference", side, bits)
					}
					last, seen[it.idx] = it.idx, true
				}
			}
		}
	}
}
