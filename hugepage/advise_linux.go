package hugepage

import "syscall"

// advise marks b, which starts and ends at huge page boundaries. An error
// (a kernel without transparent huge pages says EINVAL) leaves the memory
// as it was, which is all advice can do.
func advise(b []byte) {
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
}
