package money

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  int64
		err   error
	}{
		{"123.45", 2, 12345, nil},
		{"-0.5", 2, -50, nil},
		{"7", 2, 700, nil},
		{"1.230", 2, 123, nil},
		{"1.235", 2, 0, ErrTooPrecise},
		{"0.001", 2, 0, ErrTooPrecise},
		{"9999999999999999.99", 2, 999999999999999999, nil},
		{"10000000000000000.00", 2, 0, ErrOverflow},
		{"1e3", 2, 0, ErrSyntax},
		{"1,000.00", 2, 0, ErrSyntax},
		{"", 2, 0, ErrSyntax},
		{"abc", 2, 0, ErrSyntax},
		{"12", 0, 12, nil},
		{"12.5", 0, 0, ErrTooPrecise},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.scale)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("Parse(%q, %d) = %d, %v; want %d, %v", tt.in, tt.scale, got, err, tt.want, tt.err)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		v     int64
		scale int
		want  string
	}{{12345, 2, "123.45"}, {-50, 2, "-0.50"}, {0, 2, "0.00"}, {7, 0, "7"}, {1, 4, "0.0001"}} {
		if got := Format(tt.v, tt.scale); got != tt.want {
			t.Errorf("Format(%d, %d) = %q, want %q", tt.v, tt.scale, got, tt.want)
		}
	}
}

func TestRescale(t *testing.T) {
	tests := []struct {
		v        int64
		from, to int
		want     int64
		err      error
	}{
		{12345, 2, 2, 12345, nil},
		{12345, 2, 4, 1234500, nil},
		{1234500, 4, 2, 12345, nil},
		{1234501, 4, 2, 0, ErrTooPrecise},
		{-1234500, 4, 2, -12345, nil},
		{MaxAbsMinor, 0, 1, 0, ErrOverflow},
		{math.MaxInt64, 2, 2, 0, ErrOverflow},
		{math.MinInt64, 2, 2, 0, ErrOverflow},
		{5, 0, 18, 0, ErrOverflow},
		{0, 30, 2, 0, nil},
		{1, 30, 2, 0, ErrTooPrecise},
	}
	for _, tt := range tests {
		got, err := Rescale(tt.v, tt.from, tt.to)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("Rescale(%d, %d, %d) = %d, %v; want %d, %v", tt.v, tt.from, tt.to, got, err, tt.want, tt.err)
		}
	}
}

func TestRescaleBig(t *testing.T) {
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	if _, err := RescaleBig(huge, 2, 2); !errors.Is(err, ErrOverflow) {
		t.Errorf("huge: %v", err)
	}
	v, _ := new(big.Int).SetString("-1234000000000000000000", 10) // scale 20
	got, err := RescaleBig(v, 20, 2)
	if err != nil || got != -1234 {
		t.Errorf("RescaleBig = %d, %v", got, err)
	}
}

func TestAddOverflow(t *testing.T) {
	if _, err := Add(MaxAbsMinor, 1); !errors.Is(err, ErrOverflow) {
		t.Errorf("Add over max: %v", err)
	}
	if v, err := Add(MaxAbsMinor, -1); err != nil || v != MaxAbsMinor-1 {
		t.Errorf("Add: %d %v", v, err)
	}
	if _, err := Sub(-MaxAbsMinor, 1); !errors.Is(err, ErrOverflow) {
		t.Errorf("Sub: %v", err)
	}
}

func TestSum(t *testing.T) {
	var s Sum
	for range 100 {
		s.Add(MaxAbsMinor)
	}
	if _, ok := s.Int64(); ok {
		t.Fatal("sum of 100 maxima fits int64?")
	}
	want := new(big.Int).Mul(big.NewInt(MaxAbsMinor), big.NewInt(100))
	if s.Big().Cmp(want) != 0 {
		t.Fatalf("Sum = %s, want %s", s.Big(), want)
	}
	for range 100 {
		s.Add(-MaxAbsMinor)
	}
	s.Add(-5)
	if v, ok := s.Int64(); !ok || v != -5 {
		t.Fatalf("Sum back to %d %v", v, ok)
	}
	var a, b Sum
	a.Add(-3)
	b.Add(10)
	a.AddSum(b)
	if v, _ := a.Int64(); v != 7 || a.Format(2) != "0.07" {
		t.Fatalf("AddSum = %d %s", v, a.Format(2))
	}
}

// TestSumAddAll: AddAll adds as Add does, value by value, through
// carries and signs: against math/big over amounts at both ends of the
// range and in between.
func TestSumAddAll(t *testing.T) {
	vals := []int64{MaxAbsMinor, MaxAbsMinor, -1, 0, -MaxAbsMinor, 1, 7, -MaxAbsMinor, -MaxAbsMinor, -MaxAbsMinor, 12345}
	for range 40 {
		vals = append(vals, MaxAbsMinor) // past 2^64: carries into the high word
	}
	for range 90 {
		vals = append(vals, -MaxAbsMinor) // and back below zero
	}
	want := new(big.Int)
	var one, all Sum
	for i, v := range vals {
		want.Add(want, big.NewInt(v))
		one.Add(v)
		var part Sum
		part.AddAll(vals[:i+1])
		if part.Big().Cmp(want) != 0 || one.Big().Cmp(want) != 0 {
			t.Fatalf("after %d values: AddAll %s, Add %s, want %s", i+1, part.Big(), one.Big(), want)
		}
	}
	all.AddAll(vals[:7])
	all.AddAll(vals[7:])
	if all != one {
		t.Fatalf("AddAll in two calls = %+v, Add = %+v", all, one)
	}
}

func TestSumSub(t *testing.T) {
	var a, b Sum
	a.Add(5)
	b.Add(MaxAbsMinor)
	b.Add(MaxAbsMinor)
	a.SubSum(b)
	want := new(big.Int).Sub(big.NewInt(5), new(big.Int).Mul(big.NewInt(MaxAbsMinor), big.NewInt(2)))
	if a.Big().Cmp(want) != 0 {
		t.Fatalf("SubSum = %s, want %s", a.Big(), want)
	}
	var z Sum
	z.SubSum(Sum{})
	if v, ok := z.Int64(); !ok || v != 0 {
		t.Fatalf("0-0 = %d", v)
	}
}

func TestCheckedArithmetic(t *testing.T) {
	tests := []struct {
		a, b  int64
		add   int64
		addOK bool
		sub   int64
		subOK bool
	}{
		{1, 2, 3, true, -1, true},
		{math.MaxInt64, 1, 0, false, math.MaxInt64 - 1, true},
		{math.MinInt64, -1, 0, false, math.MinInt64 + 1, true},
		{0, math.MinInt64, math.MinInt64, true, 0, false},
		{-1, math.MinInt64, 0, false, math.MaxInt64, true},
		{math.MaxInt64, -1, math.MaxInt64 - 1, true, 0, false},
	}
	for _, tt := range tests {
		if got, ok := AddInt64(tt.a, tt.b); got != tt.add || ok != tt.addOK {
			t.Errorf("AddInt64(%d, %d) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.add, tt.addOK)
		}
		if got, ok := SubInt64(tt.a, tt.b); got != tt.sub || ok != tt.subOK {
			t.Errorf("SubInt64(%d, %d) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.sub, tt.subOK)
		}
	}
}

// BenchmarkSum adds a row group's amounts (1Mi) to a total held in a
// struct, as the loader does: value by value with Add, and with AddAll.
func BenchmarkSum(b *testing.B) {
	vals := make([]int64, 1<<20)
	for i := range vals {
		vals[i] = int64(i*7919%100000) - 20000
	}
	var totals struct{ amount [2]Sum }
	b.Run("Add", func(b *testing.B) {
		b.SetBytes(int64(8 * len(vals)))
		for b.Loop() {
			for _, v := range vals {
				totals.amount[1].Add(v)
			}
		}
	})
	b.Run("AddAll", func(b *testing.B) {
		b.SetBytes(int64(8 * len(vals)))
		for b.Loop() {
			totals.amount[1].AddAll(vals)
		}
	})
}
