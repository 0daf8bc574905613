package money

import (
	"math/big"
	"math/bits"
)

// Sum is an exact 128-bit accumulator for totals that may exceed int64 (a
// hundred million amounts of up to 10^18 each). The zero value is 0.
type Sum struct {
	hi int64
	lo uint64
}

// Add adds v.
func (s *Sum) Add(v int64) { s.hi, s.lo = add(s.hi, s.lo, v) }

// AddAll adds every value of vs, in registers: a loop of Add through a
// pointer writes the sum back to memory value by value.
func (s *Sum) AddAll(vs []int64) {
	hi, lo := s.hi, s.lo
	for _, v := range vs {
		hi, lo = add(hi, lo, v)
	}
	s.hi, s.lo = hi, lo
}

// add returns the 128-bit hi:lo plus v.
func add(hi int64, lo uint64, v int64) (int64, uint64) {
	lo, carry := bits.Add64(lo, uint64(v), 0)
	return hi + v>>63 + int64(carry), lo // v>>63: -1 for a negative v, its high word
}

// AddSum adds another Sum.
func (s *Sum) AddSum(o Sum) {
	var carry uint64
	s.lo, carry = bits.Add64(s.lo, o.lo, 0)
	s.hi += o.hi + int64(carry)
}

// Int64 returns the total when it fits DECIMAL(18), else ok is false.
func (s Sum) Int64() (v int64, ok bool) {
	v = int64(s.lo)
	if (s.hi == 0 && v >= 0) || (s.hi == -1 && v < 0) {
		return v, InRange(v)
	}
	return 0, false
}

// Big returns the total as a big integer.
func (s Sum) Big() *big.Int {
	b := new(big.Int).SetInt64(s.hi)
	b.Lsh(b, 64)
	return b.Add(b, new(big.Int).SetUint64(s.lo))
}

// Format prints the total at scale.
func (s Sum) Format(scale int) string {
	return FormatBig(s.Big(), scale)
}

// FormatBig prints an unscaled big integer at scale.
func FormatBig(v *big.Int, scale int) string {
	return decimalFromBig(v, scale).StringFixed(int32(scale))
}

// SubSum subtracts another Sum.
func (s *Sum) SubSum(o Sum) {
	// Two's complement negation of o, then addition.
	lo := ^o.lo + 1
	hi := ^o.hi
	if lo == 0 {
		hi++
	}
	s.AddSum(Sum{hi: hi, lo: lo})
}
