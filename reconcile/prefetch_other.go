//go:build !amd64

package reconcile

import "unsafe"

// prefetch does nothing here: see prefetch_amd64.go.
func prefetch(p unsafe.Pointer) {}

// prefetch8 does nothing here: see prefetch_amd64.go.
func prefetch8(ps *[8]uintptr) {}
