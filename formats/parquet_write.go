package formats

import (
	"fmt"
	"io"
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
)

// CreatedBy is written into the footer of every Parquet file recon writes.
// It carries no build-specific detail, so outputs stay byte-identical
// across builds of the same version.
const createdByApp = "recon"

// rowsPerRowGroup bounds row groups of written tables: 1M rows keeps a row
// group's decoded columns in tens of MB and gives readers units to spread.
const rowsPerRowGroup = 1 << 20

// TableSchema returns the Parquet schema recon writes for a canonical
// table, with money as DECIMAL(18, scale) on INT64, in the column order of
// the contract.
func TableSchema(t Table, scale int) *parquet.Schema {
	s := SchemaOf(t)
	names := make([]string, len(s.Columns))
	nodes := make([]parquet.Node, len(s.Columns))
	for i, c := range s.Columns {
		names[i] = c.Name
		nodes[i] = nodeOf(c, scale)
	}
	return parquet.NewSchema(s.Name, orderedGroup(names, nodes))
}

func nodeOf(c Column, scale int) parquet.Node {
	var n parquet.Node
	switch c.Type {
	case String, ID:
		n = parquet.String()
		if c.Dict {
			n = parquet.Encoded(n, &parquet.RLEDictionary)
		}
	case Enum, Currency:
		n = parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
	case Decimal:
		n = parquet.Decimal(scale, 18, parquet.Int64Type)
	case Timestamp:
		n = parquet.Timestamp(parquet.Microsecond)
	case Date:
		n = parquet.Date()
	case Bool:
		n = parquet.Leaf(parquet.BooleanType)
	}
	if !c.Required {
		n = parquet.Optional(n)
	}
	return n
}

// NewTableWriter returns a zstd Parquet writer of rows of type T (one of
// the *Row types of this package) for table t at the given scale. Close it
// to write the footer.
func NewTableWriter[T any](w io.Writer, t Table, scale int, version string) *parquet.GenericWriter[T] {
	return newTableWriter[T](w, t, scale, version, rowsPerRowGroup)
}

func newTableWriter[T any](w io.Writer, t Table, scale int, version string, rowsPerGroup int64) *parquet.GenericWriter[T] {
	return parquet.NewGenericWriter[T](w, TableSchema(t, scale),
		parquet.Compression(&parquet.Zstd),
		parquet.MaxRowsPerRowGroup(rowsPerGroup),
		parquet.CreatedBy(createdByApp, version, ""),
	)
}

// WriteTable writes rows as one Parquet file of table t.
func WriteTable[T any](w io.Writer, t Table, scale int, version string, rows []T) error {
	return WriteTableRowGroups(w, t, scale, version, rows, rowsPerRowGroup)
}

// WriteTableRowGroups is WriteTable with row groups of at most
// rowsPerGroup rows.
func WriteTableRowGroups[T any](w io.Writer, t Table, scale int, version string, rows []T, rowsPerGroup int64) error {
	pw := newTableWriter[T](w, t, scale, version, rowsPerGroup)
	if _, err := pw.Write(rows); err != nil {
		return fmt.Errorf("write %s: %w", SchemaOf(t).Name, err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("write %s: %w", SchemaOf(t).Name, err)
	}
	return nil
}

// orderedNode is a group whose fields keep the given order (parquet.Group
// sorts them by name), so files list columns as the contract does.
type orderedNode []parquet.Field

func orderedGroup(names []string, nodes []parquet.Node) orderedNode {
	g := make(orderedNode, len(names))
	for i := range names {
		// A one-field Group yields a Field with parquet-go's own lookup of
		// struct fields and map keys by name.
		g[i] = parquet.Group{names[i]: nodes[i]}.Fields()[0]
	}
	return g
}

func (g orderedNode) ID() int                     { return 0 }
func (g orderedNode) String() string              { return fmt.Sprintf("group(%d fields)", len(g)) }
func (g orderedNode) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedNode) Optional() bool              { return false }
func (g orderedNode) Repeated() bool              { return false }
func (g orderedNode) Required() bool              { return true }
func (g orderedNode) Leaf() bool                  { return false }
func (g orderedNode) Fields() []parquet.Field     { return g }
func (g orderedNode) Encoding() encoding.Encoding { return nil }
func (g orderedNode) Compression() compress.Codec { return nil }
func (g orderedNode) GoType() reflect.Type {
	m := parquet.Group{}
	for _, f := range g {
		m[f.Name()] = f
	}
	return m.GoType()
}
