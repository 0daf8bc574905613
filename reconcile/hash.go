package reconcile

import (
	"encoding/binary"
	"math/bits"

	"github.com/cespare/xxhash/v2"

	"github.com/recon-dev/recon/formats"
)

// hashBytes is the 64-bit hash of names and match keys: xxhash for long
// values, and for the short ones that nearly all are (account numbers,
// transaction serials: 8 to 32 bytes) a multiply-mix of the value's words
// in the manner of wyhash, a third of xxhash's time. Only speed rests on
// it: tables compare the bytes of values whose hashes meet.
func hashBytes(b []byte) uint64 {
	const (
		k0 = 0xa0761d6478bd642f
		k1 = 0xe7037ed1a0b428db
		k2 = 0x8ebc6af09c88c6e3
		k3 = 0x589965cc75374cc3
	)
	n := uint64(len(b))
	var a, c uint64
	switch {
	case n > 32:
		return xxhash.Sum64(b)
	case n > 16:
		// Four words: the first two and the last two, overlapping when
		// n < 32.
		x := mum(binary.LittleEndian.Uint64(b)^k1, binary.LittleEndian.Uint64(b[8:])^k0)
		y := mum(binary.LittleEndian.Uint64(b[n-16:])^k2, binary.LittleEndian.Uint64(b[n-8:])^k3)
		a, c = x, y
	case n >= 8:
		a, c = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		a, c = uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[n-4:]))
	case n > 0:
		a = uint64(b[0])<<16 | uint64(b[n>>1])<<8 | uint64(b[n-1])
	}
	return mum(k1^n, mum(a^k1, c^k0^n)^k2)
}

// hashAll writes the hash of each value of vals to out (as long): one
// loop over the offsets, sliced once, rather than a Strings.At a value
// through the pointer. Interning hashes every entry of every dictionary
// page, 240 million on the 100M store: BenchmarkDictInternAll went from
// 13.2-13.5 to 12.4-12.8 ns a name (the hash written out in the loop, no
// call, gave 11.8-12.2, for a second copy of it).
func hashAll(vals *formats.Strings, out []uint64) {
	offs := vals.Offsets[:len(out)+1]
	for k := range out {
		out[k] = hashBytes(vals.Bytes[offs[k]:offs[k+1]])
	}
}

// mum is the 128-bit product of a and b folded to 64 bits.
func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
