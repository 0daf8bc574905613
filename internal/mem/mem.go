// Package mem allocates the engine's large arrays of plain values (no
// pointers) in ways that spare the machine work the generic paths do:
// zeroing memory the kernel has just zeroed, and faulting a page twice.
package mem

import "unsafe"

// Grow returns s with room for n more elements, as slices.Grow does, but
// allocates with make and copies: slices.Grow (append of a made slice)
// writes zeros over all the new room, which make skips for memory fresh
// from the system, already zero. The engine's large arrays are filled
// right after, so that pass over them is wasted.
func Grow[S ~[]E, E any](s S, n int) S {
	if n < 0 {
		panic("mem.Grow: negative n")
	}
	if cap(s)-len(s) >= n {
		return s
	}
	ns := make(S, len(s), len(s)+n)
	copy(ns, s)
	return ns
}

// MakeWritten returns make([]T, n) for a table read and written at
// random, T holding no pointers, with its memory readied for that:
//
//   - It asks the kernel for huge pages (2 MiB) over the whole ones the
//     array spans (adviseHuge). A table much larger than the processor's
//     TLB reach in 4 KiB pages (a few MiB) otherwise takes a page walk on
//     nearly every probe, and a fault for every 4 KiB it first touches.
//     (100M store, whose names table reaches 128 MiB: the run went from
//     22.70 to 21.79 s, three runs each taking turns, system time from
//     3.5-4.7 to 2.9 s; 10M runs, whose table stays under 16 MiB, did not
//     move.)
//   - It writes a zero into each page. Memory fresh from the system reads
//     as the kernel's one zero page until first written: an array that is
//     read before it is written (a hash table's probes) then takes two
//     faults a page, the second copying the zero page and flushing the
//     other processors' TLBs with an interrupt each. One write a page
//     first makes that one plain fault. (10M store: such faults on the
//     names' tables were 6% of the run's processor time.)
func MakeWritten[T any](n int) []T {
	s := make([]T, n)
	if n == 0 {
		return s
	}
	const page = 4096 // or a multiple of it: every page still gets a write
	b := bytesOf(s)
	adviseHuge(b)
	for i := 0; i < len(b); i += page {
		b[i] = 0
	}
	return s
}

// Unadvise takes back the huge page advice MakeWritten gave s, for the
// caller to drop s: the Go heap reuses the memory for anything, and a
// range still advised would take a whole huge page at a fault where the
// collector gave some of it back, more than the heap counts.
func Unadvise[T any](s []T) {
	if len(s) == 0 {
		return
	}
	unadviseHuge(bytesOf(s))
}

// bytesOf views the memory of s, not empty, as bytes.
func bytesOf[T any](s []T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), uintptr(len(s))*unsafe.Sizeof(s[0]))
}
