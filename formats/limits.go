package formats

// Limits bound what one input object may make the reader do. Exceeding one
// is an error that rejects the object (ErrLimit, with the limit's value in
// the message), never a silent truncation; files_per_run fails the run.
// The zero value means "no limit" for each field; use DefaultLimits. The
// configuration's `limits:` section sets them (config.Limits, same names
// in snake case); tests of each boundary are in limits_test.go.
//
// What a hostile file can make a read allocate is bounded by these limits
// and the object's size, whatever the file says about itself (guard.go,
// guard_arrow.go): about RowsPerObject times the decoded size of a row
// (some 100 bytes for a transaction) for its columns, and one column chunk
// of ColumnChunkBytes at a time. A file claiming more rows than it holds
// is refused as corrupt once read; lower RowsPerObject to bound the memory
// such a file can take before that.
type Limits struct {
	// RowsPerObject (rows_per_object): the largest platform's daily file
	// in the sizing (10M transactions) times 20, so a real file never
	// trips it while a footer claiming billions of rows does. Checked
	// against the Parquet footer's row count before anything is read,
	// and against each Arrow record batch's.
	RowsPerObject int64
	// BytesPerObject (bytes_per_object): 16 GiB. A day of 200M rows as
	// zstd Parquet is ~3 GiB. Checked against the object's size before it
	// is opened.
	BytesPerObject int64
	// StringBytes (string_bytes): the longest string value, 64 KiB. Ids
	// are tens of bytes, memos a few hundred; a 10 MB memo is hostile.
	// Checked for every value, memos included (they are checked, not
	// kept).
	StringBytes int
	// ColumnChunkBytes (column_chunk_bytes): the largest decompressed
	// column chunk or Arrow column of a record batch, 1 GiB, so that a page
	// that expands enormously is refused before it is inflated: checked
	// against the sizes the Parquet footer states, then against what each
	// page's bytes can decompress to (page headers and compressed streams
	// are not trusted), and for Arrow against every buffer allocation and
	// each column read.
	ColumnChunkBytes int64
	// ErrorsPerObject (errors_per_object): how many row errors are
	// collected before the reader gives up on an object; enough to show a
	// pattern, not a flood. It caps the report of a file refused anyway.
	ErrorsPerObject int
	// FilesPerRun (files_per_run): input objects one run reads, 100,000:
	// a thousand platforms with a hundred files each. More is a
	// misconfigured upload: the run fails (exit status 1) before reading
	// any.
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
