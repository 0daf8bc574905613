// Package formats defines the canonical tables of the custody
// reconciliation contract (SPEC.md) and reads and writes them.
//
// Readers find columns by name in Parquet files (parquet-go) and Arrow IPC
// files (arrow-go), accept every decimal encoding the contract lists
// (Parquet DECIMAL on INT32, INT64, FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY;
// Arrow decimal32/64/128/256), reject floats for money, reject values with
// more non-zero decimals than the configured scale, and apply the table
// rules (amounts above zero, known kinds and statuses, no nulls in required
// columns, valid UTF-8). Errors are *Error values carrying the object key,
// row and column; the sentinels in errors.go classify them.
//
// Rows come out in column batches without per-row allocation: a Batch holds
// one Col per schema column, strings as one byte arena with offsets, and
// money, timestamps, dates, enums and booleans as int64.
//
//	err := formats.Read(ctx, key, obj, obj.SizeBytes(), formats.SchemaOf(formats.CustodyTransactions),
//		formats.ReadOptions{Scale: 2, Limits: formats.DefaultLimits()},
//		func(b *formats.Batch) error { ... b.Cols[formats.CTAmount].Int ... })
//
// Inputs are untrusted: Limits (limits.go) bound rows, bytes, strings and
// decompressed column chunks per object, and the readers check what a
// file says about itself (footers, page headers, compressed streams, Arrow
// messages) against the object and the limits before the Parquet and
// Arrow libraries allocate by it (guard.go, guard_arrow.go). A reader
// panic is recovered as ErrCorrupt. formatstest builds malformed files
// for tests; the fuzz targets (fuzz_test.go) read mutated ones.
//
// The package never imports the reconciliation logic; it knows tables, not
// what they mean together.
package formats
