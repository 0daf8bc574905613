package money

import "math/big"

// Sum is an exact 128-bit accumulator for totals that may exceed int64 (a
// hundred million amounts of up to 10^18 each). The zero value is 0.
type Sum struct {
	hi int64
	lo uint64
}

// Add adds v.
func (s *Sum) Add(v int64) {
	var carry uint64
	s.lo, carry = addCarry(s.lo, uint64(v))
	hiAdd := int64(0)
	if v < 0 {
		hiAdd = -1
	}
	s.hi += hiAdd + int64(carry)
}

// AddSum adds another Sum.
func (s *Sum) AddSum(o Sum) {
	var carry uint64
	s.lo, carry = addCarry(s.lo, o.lo)
	s.hi += o.hi + int64(carry)
}

func addCarry(a, b uint64) (uint64, uint64) {
	s := a + b
	if s < a {
		return s, 1
	}
	return s, 0
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
