package formats

import (
	"bytes"
	"math"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestRuleRange checks that the bulk readers' range of allowed values is
// exactly the values rule allows, at every boundary.
func TestRuleRange(t *testing.T) {
	values := []int64{math.MinInt64, -1, 0, 1, math.MaxInt64,
		minMicros - 1, minMicros, minMicros + 1, maxMicros - 1, maxMicros, maxMicros + 1,
		minDays - 1, minDays, minDays + 1, maxDays - 1, maxDays, maxDays + 1}
	for _, typ := range []Type{Decimal, Timestamp, Date, Bool, String} {
		for _, rule := range []Rule{NoRule, Positive, NonNegative} {
			s := &sink{col: Column{Name: "x", Type: typ, Rule: rule}}
			lo, hi := s.ruleRange()
			for _, v := range values {
				if inRange, ok := lo <= v && v <= hi, s.rule(v) == nil; inRange != ok {
					t.Errorf("type %v rule %v value %d: in %d..%d is %v, rule allows it: %v", typ, rule, v, lo, hi, inRange, ok)
				}
			}
		}
	}
}

// TestTextsOK: a page's first n ASCII values pass in one pass over lengths
// unless a value is longer than the limit, an ID is empty, or the column
// holds currency codes (checked value by value); a page not known ASCII
// never does.
func TestTextsOK(t *testing.T) {
	page := func(vals ...string) *pageValues {
		pv := &pageValues{kind: parquet.ByteArray, offsets: []uint32{0}}
		for _, v := range vals {
			pv.bytes = append(pv.bytes, v...)
			pv.offsets = append(pv.offsets, uint32(len(pv.bytes)))
		}
		pv.n = len(vals)
		return pv
	}
	lim := Limits{StringBytes: 5}
	sinkOf := func(typ Type) *sink { return &sink{col: Column{Name: "c", Type: typ}, out: &Col{}, limits: &lim} }
	for _, tt := range []struct {
		name  string
		typ   Type
		pv    *pageValues
		n     int
		ascii bool
		want  bool
	}{
		{"ids", ID, page("a", "bb", "ccccc"), 3, true, true},
		{"an empty id", ID, page("a", "", "c"), 3, true, false},
		{"an empty id past the first n", ID, page("a", "c", ""), 2, true, true},
		{"an empty string", String, page("a", "", "c"), 3, true, true},
		{"too long", String, page("a", "bbbbbb"), 2, true, false},
		{"not known ASCII", String, page("a"), 1, false, false},
		{"currency codes", Currency, page("CNY"), 1, true, false},
	} {
		if got := sinkOf(tt.typ).textsOK(tt.pv, tt.n, tt.ascii); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestIsASCII puts one byte of 0x80 or more at every position of values
// of every length up to past two of isASCII's 32-byte steps.
func TestIsASCII(t *testing.T) {
	for n := range 80 {
		b := bytes.Repeat([]byte{'a'}, n)
		if !isASCII(b) {
			t.Fatalf("%d ASCII bytes: not ASCII", n)
		}
		for i := range n {
			for _, c := range []byte{0x80, 0xC3, 0xFF} {
				b[i] = c
				if isASCII(b) {
					t.Fatalf("%d bytes, %#x at %d: ASCII", n, c, i)
				}
				b[i] = 0x7F
				if !isASCII(b) {
					t.Fatalf("%d bytes, 0x7f at %d: not ASCII", n, i)
				}
				b[i] = 'a'
			}
		}
	}
}
