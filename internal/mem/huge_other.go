//go:build !linux

package mem

// adviseHuge has nothing to ask of systems other than Linux.
func adviseHuge([]byte) {}

// unadviseHuge has nothing to take back on systems other than Linux.
func unadviseHuge([]byte) {}
