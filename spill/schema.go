package spill

import (
	"hash/crc32"
	"os"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/recon-dev/recon/reconcile"
)

// The columns of a spill file, in order; the bank side's two extra
// columns come last.
const (
	colOrig = iota
	colPayer
	colPayee
	colCurrency
	colLoan
	colAmount
	colFee
	colBookedAt
	colKind
	colStatus
	colID
	colBank // bank side only, from here on
	colRef
	numBankCols
	numLedgerCols = colBank
)

// version is the format's version, in the schema's metadata.
const version = "1"

var schemas = [2]*arrow.Schema{
	reconcile.Ledger: newSchema(reconcile.Ledger),
	reconcile.Bank:   newSchema(reconcile.Bank),
}

func newSchema(side reconcile.Side) *arrow.Schema {
	u32, i64, u8 := arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint8
	bin := arrow.BinaryTypes.Binary
	fields := []arrow.Field{
		colOrig:     {Name: "orig", Type: i64},
		colPayer:    {Name: "payer", Type: u32},
		colPayee:    {Name: "payee", Type: u32},
		colCurrency: {Name: "currency", Type: u32},
		colLoan:     {Name: "loan", Type: u32},
		colAmount:   {Name: "amount_minor", Type: i64},
		colFee:      {Name: "fee_minor", Type: i64},
		colBookedAt: {Name: "booked_at_us", Type: i64},
		colKind:     {Name: "kind", Type: u8},
		colStatus:   {Name: "status", Type: u8},
		colID:       {Name: "id", Type: bin},
	}
	if side == reconcile.Bank {
		fields = append(fields,
			arrow.Field{Name: "bank", Type: u32},
			arrow.Field{Name: "ref", Type: bin})
	}
	meta := arrow.NewMetadata([]string{"recon.spill.version", "recon.spill.side"}, []string{version, side.String()})
	return arrow.NewSchema(fields, &meta)
}

// File is a spill file a Writer closed: its path, side and row count,
// and what Read checks the file against. Only Writer.Close makes one.
type File struct {
	Path string
	Side reconcile.Side
	Rows int
	Size int64 // bytes

	segments []segment // the file cut where each batch ends, and checksummed
	idBytes  int       // bytes of all ids, so that Read grows once
	refBytes int
}

// segment is a run of a file's bytes, up to offset end: what one
// ipc.Writer call wrote (the first holds the schema too, the last the
// end of the stream), and its CRC-32C. Read checks a segment's checksum
// before the IPC reader sees any of its bytes.
type segment struct {
	end int64
	crc uint32
}

// segmentBytesMax returns the size of f's largest segment.
func (f *File) segmentBytesMax() int64 {
	var start, m int64
	for _, s := range f.segments {
		m, start = max(m, s.end-start), s.end
	}
	return m
}

// Remove deletes the file. Removing it again is not an error.
func (f *File) Remove() error {
	if err := os.Remove(f.Path); err != nil && !os.IsNotExist(err) {
		return &Error{Op: "remove", Path: f.Path, Batch: -1, Err: err}
	}
	return nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fixed is a column type of fixed width.
type fixed interface {
	~uint8 | ~uint32 | ~int32 | ~int64
}

// asBytes views s's elements as bytes.
func asBytes[T fixed](s []T) []byte {
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}
