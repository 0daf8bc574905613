package formats

// Limits bound what one input object may make the reader do. Exceeding one
// is an error that rejects the object, never a silent truncation. The zero
// value means "no limit" for each field; use DefaultLimits.
type Limits struct {
	// RowsPerObject: the largest platform's daily file in the sizing
	// (10M transactions) times 20, so a real file never trips it while a
	// footer claiming billions of rows does.
	RowsPerObject int64
	// BytesPerObject: 16 GiB. A day of 200M rows as zstd Parquet is ~3 GiB.
	BytesPerObject int64
	// StringBytes: the longest string value, 64 KiB. Ids are tens of bytes,
	// memos a few hundred; a 10 MB memo is hostile.
	StringBytes int
	// ColumnChunkBytes: the largest decompressed column chunk or record
	// batch column, 1 GiB, so a page that expands enormously is refused
	// before it is inflated.
	ColumnChunkBytes int64
	// ErrorsPerObject: how many row errors are collected before the reader
	// gives up on an object; enough to show a pattern, not a flood.
	ErrorsPerObject int
	// FilesPerRun: input objects one run reads, 100,000: a thousand
	// platforms with a hundred files each. More is a misconfigured upload.
	FilesPerRun int
}

// DefaultLimits returns the limits used when the configuration names none.
func DefaultLimits() Limits {
	return Limits{
		RowsPerObject:    200_000_000,
		BytesPerObject:   16 << 30,
		StringBytes:      64 << 10,
		ColumnChunkBytes: 1 << 30,
		ErrorsPerObject:  10,
		FilesPerRun:      100_000,
	}
}
