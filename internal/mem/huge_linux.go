package mem

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of the kernel's transparent huge pages on the
// machines we run on (x86-64 and arm64 with 4 KiB base pages).
const hugePage = 2 << 20

// adviseHuge asks the kernel to back the whole huge pages within b with
// huge pages as they are first touched (madvise MADV_HUGEPAGE). Systems
// that give huge pages only when asked (transparent_hugepage "madvise",
// the common default) then do; with "never", or on error, b keeps small
// pages, which is only slower.
func adviseHuge(b []byte) {
	if h := wholeHuge(b); h != nil {
		_ = syscall.Madvise(h, syscall.MADV_HUGEPAGE)
	}
}

// unadviseHuge takes adviseHuge's advice back (MADV_NOHUGEPAGE, which
// leaves b as the Go heap's memory is with the default "madvise" setting).
func unadviseHuge(b []byte) {
	if h := wholeHuge(b); h != nil {
		_ = syscall.Madvise(h, syscall.MADV_NOHUGEPAGE)
	}
}

// wholeHuge returns the whole huge pages within b, nil if none.
func wholeHuge(b []byte) []byte {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	first := (start + hugePage - 1) &^ (hugePage - 1)
	end := (start + uintptr(len(b))) &^ (hugePage - 1)
	if end <= first {
		return nil
	}
	return b[first-start : end-start]
}
