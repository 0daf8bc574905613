package hugepage

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

func TestGrow(t *testing.T) {
	for _, tc := range []struct{ len, cap, n int }{
		{0, 0, 0}, {3, 4, 1}, {3, 4, 2}, {1000, 1000, 10},
		{0, 0, Min / 8}, {Min / 8, Min / 8, 1}, {Min/8 - 5, Min / 8, Min}, {Min, Min, 3 * Min},
	} {
		s := make([]int64, tc.len, tc.cap)
		for i := range s {
			s[i] = int64(i) * 7
		}
		want := slices.Clone(s)
		g := Grow(s, tc.n)
		if !slices.Equal(g, want) {
			t.Fatalf("%+v: contents changed", tc)
		}
		if cap(g)-len(g) < tc.n {
			t.Fatalf("%+v: room for %d, want %d", tc, cap(g)-len(g), tc.n)
		}
		if tc.cap-tc.len >= tc.n && unsafe.SliceData(g) != unsafe.SliceData(s) {
			t.Fatalf("%+v: reallocated a slice that had room", tc)
		}
		// Appending one element at a time past a large slice's capacity
		// grows it by a quarter, not by one.
		if len(g) >= Min/8 {
			full := g[:cap(g)]
			if c := cap(Grow(full, 1)); c < cap(full)+cap(full)/4 {
				t.Fatalf("%+v: grew %d to %d", tc, cap(full), c)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Grow(s, -1) did not panic")
		}
	}()
	Grow([]byte{}, -1)
}

func TestMake(t *testing.T) {
	s := Make[[]uint32](5, 3<<20)
	if len(s) != 5 || cap(s) != 3<<20 {
		t.Fatalf("len %d cap %d", len(s), cap(s))
	}
	for _, v := range s[:cap(s)] {
		if v != 0 {
			t.Fatal("not zeroed")
		}
	}
}

// TestAdviseMarks checks, in the kernel's own account of the process's
// memory, that a large array is marked (the "hg" flag of its mapping).
func TestAdviseMarks(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("huge page advice is Linux only")
	}
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("no transparent huge pages:", err)
	}
	s := Make[[]byte](0, 8<<20)
	mid := uintptr(unsafe.Pointer(unsafe.SliceData(s))) + 4<<20 // inside a whole huge page
	flags, err := vmFlags(mid)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(flags, "hg") {
		t.Fatalf("mapping of %#x has flags %v, no hg", mid, flags)
	}
	runtime.KeepAlive(s)
}

// vmFlags returns the VmFlags of the mapping that holds addr.
func vmFlags(addr uintptr) ([]string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 { // a mapping's first line
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.Fields(strings.TrimPrefix(line, "VmFlags:")), nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("no mapping holds %#x", addr)
}
