package spill

import (
	"errors"
	"fmt"
)

// Sentinels classifying errors; test with errors.Is.
var (
	// ErrCorrupt: the file is not what its Writer wrote (cut, altered,
	// or not a spill file).
	ErrCorrupt = errors.New("corrupt spill file")
	// ErrLimit: a value exceeds a limit of limits.go.
	ErrLimit = errors.New("limit exceeded")
	// ErrMismatch: the Txns does not fit the file or writer (another
	// side, rows without Orig, columns of unequal length).
	ErrMismatch = errors.New("transactions do not fit")
	// ErrRows: Append's rows are out of range or not increasing (a bug
	// of the caller).
	ErrRows = errors.New("bad row indexes")
	// ErrClosed: the Writer was closed or aborted.
	ErrClosed = errors.New("writer closed")
)

// Error is an error of one spill file: Op is "create", "write", "read"
// or "remove"; Batch is the 0-based record batch (-1: not about one).
type Error struct {
	Op    string
	Path  string
	Batch int
	Err   error
}

func (e *Error) Error() string {
	if e.Batch >= 0 {
		return fmt.Sprintf("spill: %s %s: batch %d: %v", e.Op, e.Path, e.Batch, e.Err)
	}
	return fmt.Sprintf("spill: %s %s: %v", e.Op, e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
