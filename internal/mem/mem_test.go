package mem

import (
	"slices"
	"testing"
)

func TestGrow(t *testing.T) {
	s := []int64{1, 2, 3}
	g := Grow(s, 5)
	if !slices.Equal(g, []int64{1, 2, 3}) || cap(g) < 8 {
		t.Fatalf("Grow(%v, 5) = %v, cap %d; want the same values, cap at least 8", s, g, cap(g))
	}
	g = append(g, 4, 5, 6, 7, 8)
	if &g[0] != &Grow(g[:3], 5)[0] {
		t.Error("Grow allocated although the room was there")
	}
	if g := Grow([]byte(nil), 0); g != nil {
		t.Errorf("Grow(nil, 0) = %v, want nil", g)
	}
	defer func() {
		if recover() == nil {
			t.Error("Grow(s, -1) did not panic")
		}
	}()
	Grow(s, -1)
}

func TestMakeWritten(t *testing.T) {
	type slot [32]byte // a names table's slot
	for _, n := range []int{0, 1, 127, 128, 129, 1 << 16} {
		s := MakeWritten[slot](n)
		if len(s) != n {
			t.Fatalf("len %d, want %d", len(s), n)
		}
		for i := range s {
			if s[i] != (slot{}) {
				t.Fatalf("n=%d: slot %d is not zero", n, i)
			}
		}
	}
}
