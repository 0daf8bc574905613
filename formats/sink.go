package formats

import (
	"encoding/binary"
	"math"
	"math/big"
	"unicode/utf8"

	"github.com/recon-dev/recon/money"
)

// Bounds of plausible business instants and dates: 1970-01-01 to
// 2200-01-01. Anything outside is a broken writer, not a payment.
const (
	minMicros = 0
	maxMicros = 7_258_118_400_000_000 // 2200-01-01T00:00:00Z
	minDays   = 0
	maxDays   = 84_006 // 2200-01-01
)

// sink appends decoded values of one schema column to a Col, enforcing the
// column's type and rule. Every append returns a value error without
// position; the reader adds key, row and column.
type sink struct {
	col    Column
	out    *Col
	limits *Limits
}

func (s *sink) null() error {
	if s.col.Required {
		return ErrNull
	}
	if s.col.Discard {
		return nil
	}
	if isStringType(s.col.Type) {
		s.out.Str.Append(nil)
	} else {
		s.out.Int = append(s.out.Int, 0)
	}
	return nil
}

func isStringType(t Type) bool { return t == String || t == ID || t == Enum || t == Currency }

// bytes appends a string value.
func (s *sink) bytes(v []byte) error {
	code, err := s.check(v)
	if err != nil {
		return err
	}
	switch {
	case s.col.Discard:
	case s.col.Type == Enum:
		s.out.Int = append(s.out.Int, int64(code))
	default:
		s.out.Str.Append(v)
	}
	return nil
}

// checkText validates a value of a String, ID or Currency column; ascii
// says the caller knows it is ASCII, so valid UTF-8.
func (s *sink) checkText(v []byte, ascii bool) error {
	if s.limits.StringBytes > 0 && len(v) > s.limits.StringBytes {
		return valueError(ErrLimit, "string of %d bytes is longer than the limit of %d", len(v), s.limits.StringBytes)
	}
	if !ascii && !utf8.Valid(v) {
		return valueError(ErrBadUTF8, "%q", truncate(v))
	}
	switch s.col.Type {
	case ID:
		if len(v) == 0 {
			return valueError(ErrBadValue, "empty string")
		}
	case Currency:
		if !IsCurrencyCode(v) {
			return valueError(ErrBadValue, "%q is not an ISO 4217 code (three upper-case letters)", v)
		}
	}
	return nil
}

// textsOK reports whether the first n values of a page all pass checkText,
// in one pass over their lengths, when the caller knows them ASCII (the
// common case). False means that some may not: the caller checks them one
// by one.
func (s *sink) textsOK(pv *pageValues, n int, ascii bool) bool {
	if !ascii || s.col.Type == Currency {
		return false
	}
	limit := uint32(math.MaxUint32)
	if s.limits.StringBytes > 0 {
		limit = uint32(min(s.limits.StringBytes, math.MaxUint32))
	}
	least := uint32(0)
	if s.col.Type == ID {
		least = 1 // not empty
	}
	offs := pv.offsets[:n+1]
	for k := 1; k < len(offs); k++ {
		if l := offs[k] - offs[k-1]; l > limit || l < least {
			return false
		}
	}
	return true
}

// isASCII reports whether every byte is below 0x80, 32 at a time.
func isASCII(b []byte) bool {
	for len(b) >= 32 { // four words at a time: one test, no dependency between loads
		w := binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
		if w&0x8080808080808080 != 0 {
			return false
		}
		b = b[32:]
	}
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// check validates a string value of the column; for an Enum it returns the
// value's code.
func (s *sink) check(v []byte) (int, error) {
	if s.col.Type != Enum {
		return 0, s.checkText(v, false)
	}
	if !utf8.Valid(v) {
		return 0, valueError(ErrBadUTF8, "%q", truncate(v))
	}
	for i, name := range s.col.Values {
		if string(v) == name {
			return i, nil
		}
	}
	return 0, valueError(ErrBadValue, "%q is not one of %q", truncate(v), s.col.Values)
}

// IsCurrencyCode reports whether v is a currency as the tables require:
// three upper-case ASCII letters.
func IsCurrencyCode(v []byte) bool {
	if len(v) != 3 {
		return false
	}
	for _, c := range v {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func truncate(v []byte) []byte {
	if len(v) > 40 {
		return v[:40]
	}
	return v
}

// integer appends an already converted Decimal (minor units), Timestamp
// (µs), Date (days) or Bool value, checking range and rule.
func (s *sink) integer(v int64) error {
	if err := s.rule(v); err != nil {
		return err
	}
	if !s.col.Discard {
		s.out.Int = append(s.out.Int, v)
	}
	return nil
}

// ruleRange returns the values a column allows, lo..hi inclusive: its
// type's range and its rule (see rule).
func (s *sink) ruleRange() (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	switch s.col.Type {
	case Decimal:
		switch s.col.Rule {
		case Positive:
			lo = 1
		case NonNegative:
			lo = 0
		}
	case Timestamp:
		lo, hi = minMicros, maxMicros-1
	case Date:
		lo, hi = minDays, maxDays-1
	}
	return lo, hi
}

// rule checks a converted value's range and the column's rule: that it
// is in ruleRange, else what it breaks.
func (s *sink) rule(v int64) error {
	if lo, hi := s.ruleRange(); lo <= v && v <= hi {
		return nil
	}
	switch {
	case s.col.Type == Timestamp:
		return valueError(ErrOverflow, "timestamp outside 1970..2200")
	case s.col.Type == Date:
		return valueError(ErrOverflow, "date outside 1970..2200")
	case s.col.Rule == Positive:
		return valueError(ErrBadValue, "must be greater than zero")
	default: // a NonNegative decimal
		return valueError(ErrBadValue, "must not be negative")
	}
}

// decimalConv turns unscaled decimal integers at fromScale into minor
// units at the configured scale.
type decimalConv struct {
	fromScale, toScale int
}

func (d decimalConv) int(v int64) (int64, error) {
	r, err := money.Rescale(v, d.fromScale, d.toScale)
	return r, decimalErr(err, v, d.fromScale)
}

// bigEndian converts a big-endian two's complement integer (Parquet
// FIXED_LEN_BYTE_ARRAY and BYTE_ARRAY decimals).
func (d decimalConv) bigEndian(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, valueError(ErrCorrupt, "empty decimal")
	}
	if len(b) <= 8 {
		v := int64(int8(b[0])) // sign-extend
		for _, c := range b[1:] {
			v = v<<8 | int64(c)
		}
		return d.int(v)
	}
	n := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return d.big(n)
}

func (d decimalConv) big(n *big.Int) (int64, error) {
	r, err := money.RescaleBig(n, d.fromScale, d.toScale)
	if err != nil {
		return 0, decimalBigErr(err, n, d.fromScale)
	}
	return r, nil
}

func decimalErr(err error, v int64, scale int) error {
	if err == nil {
		return nil
	}
	return decimalBigErr(err, big.NewInt(v), scale)
}

func decimalBigErr(err error, v *big.Int, scale int) error {
	text := money.FormatBig(v, scale)
	if err == money.ErrTooPrecise {
		return valueError(ErrTooPrecise, "%s", text)
	}
	return valueError(ErrOverflow, "%s does not fit DECIMAL(18) at the configured scale", text)
}
