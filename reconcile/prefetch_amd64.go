package reconcile

import "unsafe"

// prefetch asks the processor to bring the cache line at p into its
// caches and returns at once: unlike a load, it holds up nothing while the
// line is on its way. Loops over tables larger than the caches issue it
// some iterations ahead, so that several misses are in flight at a time.
//
//go:noescape
func prefetch(p unsafe.Pointer)

// prefetch8 is prefetch of eight addresses in one call, for loops where a
// call a line would cost more than the fetch saves.
//
//go:noescape
func prefetch8(ps *[8]uintptr)
