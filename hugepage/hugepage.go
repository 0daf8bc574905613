// Package hugepage asks the kernel to back large arrays with transparent
// huge pages.
//
// A run fills arrays of tens to hundreds of megabytes (a platform's
// columns, its join tables, the decoded pages of its files) and touches
// most of their memory once while filling them. With 4 KiB pages that is a
// page fault every 4 KiB: a quarter of a million faults for each gigabyte,
// a tenth of the run's time. Where the machine's transparent huge pages are
// in "madvise" mode (the usual default), memory the program marks with
// MADV_HUGEPAGE is faulted 2 MiB at a time. The Go runtime leaves its heap
// unmarked, so the arrays that matter are marked here, as they are
// allocated and before they are touched.
//
// Marking is advice: where the kernel has no huge pages to give, or on
// other systems, nothing changes but the cost of one system call per large
// array.
package hugepage

import (
	"slices"
	"unsafe"
)

// Min is the smallest array worth a system call: below it the array holds
// at most one whole huge page.
const Min = 4 << 20

// size is the huge page size on the systems that have them.
const size = 2 << 20

// Make returns make(S, n, c), its memory marked when it is large.
func Make[S ~[]E, E any](n, c int) S {
	s := make(S, n, c)
	Advise(s)
	return s
}

// Grow is slices.Grow(s, n), the new array marked when it is large: it
// is allocated and marked before the old elements are copied in, so that
// the copy faults in huge pages.
func Grow[S ~[]E, E any](s S, n int) S {
	if n < 0 {
		panic("hugepage.Grow: negative n")
	}
	if cap(s)-len(s) >= n {
		return s
	}
	need := len(s) + n
	if c := cap(s) + cap(s)/4; c > need {
		need = c // as append grows a large slice: a little at a time stays linear
	}
	var zero E
	if uintptr(need)*unsafe.Sizeof(zero) < Min {
		return slices.Grow(s, n)
	}
	t := Make[S](len(s), need)
	copy(t, s)
	return t
}

// Advise marks the whole huge pages inside s's array.
func Advise[S ~[]E, E any](s S) {
	var zero E
	n := uintptr(cap(s)) * unsafe.Sizeof(zero)
	if n < Min {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s[:cap(s)]))), n)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	off := (size - start%size) % size
	whole := (n - off) / size * size
	if whole == 0 {
		return
	}
	advise(b[off : off+whole])
}
