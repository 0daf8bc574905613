package statement

import (
	"math"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in          string
		sep         byte
		sepRequired bool
		scale       int
		want        int64
		ok          bool
	}{
		{"1234,56", ',', true, 2, 123456, true},
		{"0,", ',', true, 2, 0, true},
		{"107,", ',', true, 2, 10700, true},
		{"11,8", ',', true, 2, 1180, true},
		{"620,3", ',', true, 2, 62030, true},
		{"1,230", ',', true, 2, 123, true}, // trailing zero beyond scale
		{"1,2300000", ',', true, 2, 123, true},
		{"1,234", ',', true, 2, 0, false}, // non-zero third decimal: never rounded
		{"1,2301", ',', true, 2, 0, false},
		{"1234", ',', true, 2, 0, false}, // MT940 amounts always have the comma
		{",5", ',', true, 2, 50, true},
		{",", ',', true, 2, 0, false},
		{"", ',', true, 2, 0, false},
		{"1.234,56", ',', true, 2, 0, false}, // no thousands separators
		{"-1,00", ',', true, 2, 0, false},
		{"1234.56", '.', false, 2, 123456, true},
		{"1234", '.', false, 2, 123400, true},
		{"2700", '.', false, 2, 270000, true},
		{"0", '.', false, 2, 0, true},
		{".5", '.', false, 2, 50, true},
		{"1.", '.', false, 2, 100, true},
		{"+1.00", '.', false, 2, 0, false},
		{"1e3", '.', false, 2, 0, false},
		{" 1.00", '.', false, 2, 0, false},
		{"1.5", '.', false, 0, 0, false},
		{"1.0", '.', false, 0, 1, true},
		{"00000000000000000000000000001.00", '.', false, 2, 100, true},
		{"92233720368547758.07", '.', false, 2, math.MaxInt64, true},
		{"92233720368547758.08", '.', false, 2, 0, false}, // overflow, not wrap
		{"9223372036854775807", '.', false, 0, math.MaxInt64, true},
		{"9223372036854775808", '.', false, 0, 0, false},
		{"1", '.', false, 18, 1_000_000_000_000_000_000, true},
		{"10", '.', false, 18, 0, false},
		{"0.000000000000000001", '.', false, 18, 1, true},
		{"1" + string(make([]byte, 50)), '.', false, 2, 0, false}, // too long
	}
	for _, tt := range tests {
		got, err := parseAmount(tt.in, tt.sep, tt.sepRequired, tt.scale)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAmount(%q, %q, %v, %d) = %d, %v; want %d, ok=%v", tt.in, tt.sep, tt.sepRequired, tt.scale, got, err, tt.want, tt.ok)
		}
	}
}
