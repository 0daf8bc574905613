package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strings"

	"github.com/shopspring/decimal"
)

// MaxScale is the largest supported scale: amounts are written as
// DECIMAL(18, scale), so the scale must leave room for whole units.
const MaxScale = 8

// MaxPrecision is the number of decimal digits an amount may have in total
// (DECIMAL(18, scale) on INT64).
const MaxPrecision = 18

// MaxAbsMinor is the largest magnitude that fits DECIMAL(18, s): 10^18 - 1.
const MaxAbsMinor int64 = 999_999_999_999_999_999

var (
	// ErrOverflow means a value does not fit DECIMAL(18, scale).
	ErrOverflow = errors.New("amount overflows DECIMAL(18)")
	// ErrTooPrecise means a value has non-zero digits beyond the scale.
	ErrTooPrecise = errors.New("amount has more decimal places than the configured scale")
	// ErrSyntax means a text amount is not a plain decimal number.
	ErrSyntax = errors.New("not a decimal number")
)

var pow10 = [...]int64{
	1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
	1_000_000_000, 10_000_000_000, 100_000_000_000, 1_000_000_000_000,
	10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
	10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
}

// Pow10 returns 10^n for 0 <= n <= 18.
func Pow10(n int) int64 { return pow10[n] }

// CheckScale reports whether scale is usable.
func CheckScale(scale int) error {
	if scale < 0 || scale > MaxScale {
		return fmt.Errorf("amount scale %d out of range 0..%d", scale, MaxScale)
	}
	return nil
}

// InRange reports whether v fits DECIMAL(18, s).
func InRange(v int64) bool { return v >= -MaxAbsMinor && v <= MaxAbsMinor }

// Add returns a+b, or ErrOverflow when the sum leaves DECIMAL(18).
func Add(a, b int64) (int64, error) {
	s := a + b
	if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) || !InRange(s) {
		return 0, ErrOverflow
	}
	return s, nil
}

// Sub returns a-b, or ErrOverflow.
func Sub(a, b int64) (int64, error) {
	if b == math.MinInt64 {
		return 0, ErrOverflow
	}
	return Add(a, -b)
}

// AddInt64 returns a+b, reporting overflow of int64 only: for sums that
// may pass through values outside DECIMAL(18) (a statement's credits, say)
// before the result is checked.
func AddInt64(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// SubInt64 returns a-b, reporting overflow of int64 only.
func SubInt64(a, b int64) (int64, bool) {
	if (b < 0 && a > math.MaxInt64+b) || (b > 0 && a < math.MinInt64+b) {
		return 0, false
	}
	return a - b, true
}

// Rescale converts an unscaled integer at scale from to scale to. Going up
// multiplies (overflow checked); going down requires the dropped digits to
// be zero, else ErrTooPrecise.
func Rescale(unscaled int64, from, to int) (int64, error) {
	switch {
	case from == to:
	case from < to:
		d := to - from
		if d > 18 {
			return 0, ErrOverflow
		}
		hi, lo := bits.Mul64(uint64(abs(unscaled)), uint64(pow10[d]))
		if hi != 0 || lo > uint64(MaxAbsMinor) {
			return 0, ErrOverflow
		}
		if unscaled < 0 {
			unscaled = -int64(lo)
		} else {
			unscaled = int64(lo)
		}
	default:
		d := from - to
		if d > 18 {
			if unscaled != 0 {
				return 0, ErrTooPrecise
			}
			return 0, nil
		}
		if unscaled%pow10[d] != 0 {
			return 0, ErrTooPrecise
		}
		unscaled /= pow10[d]
	}
	if !InRange(unscaled) {
		return 0, ErrOverflow
	}
	return unscaled, nil
}

func abs(v int64) int64 {
	if v < 0 {
		return -v // MinInt64 stays negative; callers reject it through InRange
	}
	return v
}

// RescaleBig is Rescale for an unscaled value of any size (from 128- or
// 256-bit decimals, or big-endian byte arrays).
func RescaleBig(unscaled *big.Int, from, to int) (int64, error) {
	v := new(big.Int).Set(unscaled)
	if from > to {
		q, r := new(big.Int), new(big.Int)
		q.QuoRem(v, big.NewInt(10).Exp(big.NewInt(10), big.NewInt(int64(from-to)), nil), r)
		if r.Sign() != 0 {
			return 0, ErrTooPrecise
		}
		v = q
		from = to
	}
	if !v.IsInt64() || !InRange(v.Int64()) {
		return 0, ErrOverflow
	}
	return Rescale(v.Int64(), from, to)
}

// Parse reads a plain decimal number ("-12.30", "7") into minor units at
// scale. Exponents, thousands separators and more non-zero decimals than
// scale are errors.
func Parse(s string, scale int) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" || strings.ContainsAny(t, "eE_, ") {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	return FromDecimal(d, scale)
}

// FromDecimal converts an exact decimal into minor units at scale.
func FromDecimal(d decimal.Decimal, scale int) (int64, error) {
	exp := int(d.Exponent())
	coef := d.Coefficient()
	if exp >= 0 {
		coef.Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
		return RescaleBig(coef, 0, scale)
	}
	return RescaleBig(coef, -exp, scale)
}

// Decimal returns v at scale as an exact decimal.
func Decimal(v int64, scale int) decimal.Decimal { return decimal.New(v, int32(-scale)) }

// Format prints v at scale with exactly scale decimals ("-0.50").
func Format(v int64, scale int) string { return Decimal(v, scale).StringFixed(int32(scale)) }
