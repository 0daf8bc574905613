package statement

import (
	"errors"
	"fmt"
	"math"
)

// errAmountOverflow is the detail of an amount that does not fit in int64.
var errAmountOverflow = errors.New("amount overflows int64 at this scale")

// parseAmount converts an unsigned decimal amount straight into an int64 of
// minor units at the given scale, without floating point. sep is the
// decimal separator ('.' for camt, ',' for MT940); when sepRequired is set
// (MT940) the separator must be present, otherwise it is optional. The
// integer part may be empty only if the separator and fraction are present
// (".5"); the fraction may be empty ("0,"). Fractional digits beyond scale
// must be zeros: the amount is never rounded.
//
// The returned error is a plain detail error; callers wrap it into a
// *ParseError carrying ErrAmount and the line.
func parseAmount(s string, sep byte, sepRequired bool, scale int) (int64, error) {
	if len(s) > MaxAmountDigits {
		return 0, fmt.Errorf("amount %q longer than %d characters", s, MaxAmountDigits)
	}
	intPart, frac, hasSep := cutByte(s, sep)
	if sepRequired && !hasSep {
		return 0, fmt.Errorf("amount %q has no decimal separator %q", s, sep)
	}
	if !allDigits(intPart) || !allDigits(frac) || (intPart == "" && frac == "") {
		return 0, fmt.Errorf("malformed amount %q", s)
	}
	if intPart == "" && !hasSep {
		return 0, fmt.Errorf("malformed amount %q", s)
	}
	for i := scale; i < len(frac); i++ {
		if frac[i] != '0' {
			return 0, fmt.Errorf("amount %q has more than %d decimal places", s, scale)
		}
	}
	var v int64
	for i := 0; i < len(intPart); i++ {
		var ok bool
		if v, ok = mulAdd10(v, int64(intPart[i]-'0')); !ok {
			return 0, errAmountOverflow
		}
	}
	for i := 0; i < scale; i++ {
		var d int64
		if i < len(frac) {
			d = int64(frac[i] - '0')
		}
		var ok bool
		if v, ok = mulAdd10(v, d); !ok {
			return 0, errAmountOverflow
		}
	}
	return v, nil
}

// mulAdd10 returns v*10+d for v >= 0 and 0 <= d <= 9, reporting overflow.
func mulAdd10(v, d int64) (int64, bool) {
	if v > (math.MaxInt64-d)/10 {
		return 0, false
	}
	return v*10 + d, true
}

// cutByte splits s at the first occurrence of b.
func cutByte(s string, b byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// allDigits reports whether s consists of ASCII digits only (true for "").
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// wrapAmount marks an amount detail error as ErrAmount.
func wrapAmount(err error) error {
	return fmt.Errorf("%w: %v", ErrAmount, err)
}
