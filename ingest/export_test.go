package ingest

// KeepsSideNames reports whether ld holds a side names' table for its
// next split load to reuse.
func KeepsSideNames(ld *Loader) bool { return ld.sideNames != nil }
