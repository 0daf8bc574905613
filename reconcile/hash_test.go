package reconcile

import (
	"fmt"
	"testing"

	"github.com/recon-dev/recon/formats"
)

// TestHashBytesSpread hashes a million serials of every length the short
// paths take (and one past): no two collide, and their top bits, which
// choose partitions and home slots, fill 1024 buckets evenly.
func TestHashBytesSpread(t *testing.T) {
	for _, format := range []string{"%d", "T%07d", "P001-INV-%07d", "PLT-2026112600%07d", "P001-LEDGER-TXN-2026-11-26-%07d", "P001-LEDGER-TXN-2026-11-26-xyz-%07d"} {
		const n, buckets = 1_000_000, 1024
		seen := make(map[uint64]bool, n)
		var count [buckets]int
		for i := range n {
			h := hashBytes(fmt.Appendf(nil, format, i))
			if seen[h] {
				t.Fatalf("%s: value %d collides", format, i)
			}
			seen[h] = true
			count[h>>54]++
		}
		want := n / buckets
		for b, c := range count {
			if c < want*3/4 || c > want*5/4 {
				t.Fatalf("%s: bucket %d holds %d values, want about %d", format, b, c, want)
			}
		}
	}
}

func TestHashBytesLengths(t *testing.T) {
	// Values differing in one byte anywhere, or only in length, differ.
	seen := map[uint64]string{}
	for n := range 40 {
		base := make([]byte, n)
		for i := range base {
			base[i] = 'a'
		}
		vals := [][]byte{base}
		for i := range n {
			v := append([]byte(nil), base...)
			v[i] = 'b'
			vals = append(vals, v)
		}
		for _, v := range vals {
			h := hashBytes(v)
			if prev, ok := seen[h]; ok {
				t.Fatalf("%q and %q share a hash", prev, v)
			}
			seen[h] = string(v)
		}
	}
}

func BenchmarkHashBytes(b *testing.B) {
	keys := make([][]byte, 1024)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "P001-L-%08d", i)
	}
	var s uint64
	for i := 0; b.Loop(); i++ {
		s += hashBytes(keys[i&1023])
	}
	_ = s
}

// TestHashAll checks that hashAll gives hashBytes's hash for values of
// every length up to past xxhash's.
func TestHashAll(t *testing.T) {
	var vals formats.Strings
	for n := range 80 {
		v := make([]byte, n)
		for i := range v {
			v[i] = byte('a' + (i*7+n)%26)
		}
		vals.Append(v)
	}
	out := make([]uint64, vals.Len())
	hashAll(&vals, out)
	for k := range out {
		if want := hashBytes(vals.At(k)); out[k] != want {
			t.Fatalf("value %d (%d bytes): %x, want %x", k, len(vals.At(k)), out[k], want)
		}
	}
}
