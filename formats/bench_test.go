package formats

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// BenchmarkReadParquet decodes a 200k-row ledger file written the way the
// generator writes them (zstd, accounts dictionary-encoded).
func BenchmarkReadParquet(b *testing.B) {
	rows := make([]LedgerTxnRow, 200_000)
	for i := range rows {
		memo := fmt.Sprintf("deposit P1-T%08d", i)
		rows[i] = LedgerTxnRow{PlatformID: "P1", TxnID: fmt.Sprintf("P1-T%08d", i), Payer: fmt.Sprintf("P1-INV-%06d-CARD", i%9000),
			Payee: fmt.Sprintf("P1-INV-%06d", i%9000), Amount: int64(100 + i), Currency: "CNY", Kind: "deposit", Status: "success",
			BookedAt: 1_795_000_000_000_000 + int64(i), Memo: &memo}
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, LedgerTransactions, 2, "bench", rows); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	opt := ReadOptions{Scale: 2, Limits: DefaultLimits(), Batch: NewBatch(SchemaOf(LedgerTransactions))}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		n := 0
		err := Read(context.Background(), "b.parquet", bytes.NewReader(data), int64(len(data)), SchemaOf(LedgerTransactions), opt,
			func(bt *Batch) error { n += bt.Len; return nil })
		if err != nil || n != len(rows) {
			b.Fatal(err, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}
