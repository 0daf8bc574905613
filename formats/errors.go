package formats

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels classifying input errors; test with errors.Is.
var (
	ErrNotParquet    = errors.New("not a Parquet file")
	ErrNotArrow      = errors.New("not an Arrow IPC file")
	ErrCorrupt       = errors.New("corrupt file")
	ErrMissingColumn = errors.New("missing required column")
	ErrWrongType     = errors.New("wrong column type")
	ErrFloatMoney    = errors.New("money must be a decimal, not a float")
	ErrNull          = errors.New("null in a required column")
	ErrTooPrecise    = errors.New("more decimal places than the configured scale")
	ErrOverflow      = errors.New("value out of range")
	ErrBadUTF8       = errors.New("string is not valid UTF-8")
	ErrBadValue      = errors.New("value breaks a table rule")
	ErrLimit         = errors.New("limit exceeded")
	// ErrFormat: the name's ending names no format recon reads (it was
	// ErrWrongType, whose text, "wrong column type", misled).
	ErrFormat = errors.New("unknown file format")
)

// Error is an input error with its position. Row is 1-based within the
// object (0: the object as a whole); RowGroup is the Parquet row group or
// Arrow record batch (-1: not known); Column is empty when the error is not
// about one column.
type Error struct {
	Key      string
	RowGroup int
	Row      int64
	Column   string
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Key)
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Column != "" {
		if e.Row > 0 {
			b.WriteString(",")
		} else {
			b.WriteString(":")
		}
		fmt.Fprintf(&b, " column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// valueError is a row-level problem before the position is known.
func valueError(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
