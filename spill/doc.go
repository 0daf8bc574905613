// Package spill writes rows of one side's transactions (reconcile.Txns) to
// a local temporary file and reads them back exactly: the disk layer of
// reconciling a platform too large for memory in parts (ingest.LoadParts,
// reconcile.ReconcileParts).
//
// A Writer appends chosen rows of any number of Txns of one side to one
// file, in record batches of at most RowsPerBatchMax rows, so that writing
// holds one batch in memory whatever the file's size. Close returns the
// File; Read appends all its rows to a Txns of the same side, batch by
// batch, copying each column in bulk (no allocation per row). Every
// column of reconcile.Txns is written (Ref and Bank on the bank side
// only), and each row's index in the whole platform's table, which Read
// restores as Txns.Orig. Spans are not written: the caller sets the whole
// table's.
//
// # Format
//
// A file is an Arrow IPC stream (not the IPC file format): columns orig
// (int64), payer, payee, currency, loan (uint32), amount_minor, fee_minor,
// booked_at_us (int64), kind, status (uint8), id (binary) and, on the bank
// side, bank (uint32) and ref (binary); no nulls, no compression, no
// dictionaries. The stream format is written and read in one sequential
// pass, with no footer and no seek. The file format's footer would add nothing a spill needs: the File handle,
// which lives in memory, records the row count, the size, and a CRC-32C
// of each segment of the file (what the writing of one batch produced).
// Read checks a segment's checksum before Arrow's IPC reader sees any of
// its bytes (that reader trusts the lengths in a message's header, and a
// corrupt one can make it exhaust memory), hands it the messages as views
// of the segment, without a copy, and checks the row count and the
// stream's end marker at the end: a file cut at a batch boundary (which
// an Arrow stream reader takes for a clean end) or altered on disk is
// refused. Spill files are temporary and read back by the process that
// wrote them: they are not synced to disk, and their byte order is the
// machine's. Read holds one segment (one batch) in memory besides t.
//
// # Contract
//
// A Writer is used by one goroutine at a time. After an error from Append
// or Close the file is unusable; Abort removes it. Abort may be called at
// any time, any number of times, and after a successful Close does
// nothing: the file then belongs to the File, which Remove deletes. Any
// number of goroutines may Read the same File at once. A corrupt, cut or
// altered file gives an error wrapping ErrCorrupt, never a panic, and Read
// then leaves the Txns as it found it.
//
// # Example
//
//	w, err := spill.Create(ctx, dir, reconcile.Bank)
//	if err != nil {
//		return err
//	}
//	defer w.Abort()
//	if err := w.Append(&p.Bank, leftover); err != nil {
//		return err
//	}
//	f, err := w.Close()
//	if err != nil {
//		return err
//	}
//	defer f.Remove()
//	part := reconcile.Txns{Side: reconcile.Bank}
//	if err := spill.Read(ctx, f, &part); err != nil {
//		return err
//	}
package spill
