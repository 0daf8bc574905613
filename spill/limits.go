package spill

const (
	// RowsPerBatchMax bounds the rows of one record batch, and so what a
	// Writer holds in memory: 64Ki rows of about 80 bytes (62 fixed, the
	// ids' tens of bytes) is some 5 MiB per batch, small next to a part,
	// large enough that the per-batch cost (an IPC message, a context
	// check) is nothing per row.
	RowsPerBatchMax = 1 << 16
	// stringBytesPerBatchMax bounds the bytes of one string column (id or
	// ref) in one batch; a batch is cut early to stay under it. Arrow's
	// binary offsets are int32, so it must stay below 2 GiB; 16 MiB holds
	// a full batch of 256-byte ids. A single value longer than this is an
	// error (the readers cap a value at formats.Limits.StringBytes, 64 KiB).
	stringBytesPerBatchMax = 16 << 20
	// writeBufferBytes sizes the buffer between the IPC messages (a
	// header and a dozen buffers each) and the file. Read needs none: it
	// reads a segment (a batch) at a time.
	writeBufferBytes = 256 << 10
)
