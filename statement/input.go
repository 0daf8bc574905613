package statement

import (
	"context"
	"errors"
	"io"
)

// limits is the set of limits one parse runs under. Parsers use
// defaultLimits (the constants in limits.go); tests lower them to exercise
// the limit checks.
type limits struct {
	maxInput      int64
	maxStatements int
	maxEntries    int
	maxLine       int
	maxField      int
	maxDepth      int
}

// defaultLimits returns the limits documented in limits.go.
func defaultLimits() limits {
	return limits{
		maxInput:      MaxInputBytes,
		maxStatements: MaxStatements,
		maxEntries:    MaxEntriesPerStatement,
		maxLine:       MaxLineBytes,
		maxField:      MaxFieldBytes,
		maxDepth:      MaxXMLDepth,
	}
}

// errInputTooLarge is returned by limitedReader once more than its limit
// has been read.
var errInputTooLarge = errors.New("input larger than the maximum input size")

// limitedReader passes through at most max bytes of r and then fails with
// errInputTooLarge if r has more; unlike io.LimitReader it never reports a
// clean EOF for a truncated input.
type limitedReader struct {
	r    io.Reader
	max  int64
	read int64
}

// Read implements io.Reader.
func (l *limitedReader) Read(p []byte) (int, error) {
	if l.read > l.max {
		return 0, errInputTooLarge
	}
	if room := l.max + 1 - l.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	if l.read > l.max {
		return n - int(l.read-l.max), errInputTooLarge
	}
	return n, err
}

// ctxTicker checks a context every ctxCheckEvery calls, so long loops stay
// cancellable without paying for a check on every token.
type ctxTicker struct {
	ctx context.Context
	n   int
}

// tick returns ctx.Err() every ctxCheckEvery calls, nil otherwise.
func (t *ctxTicker) tick() error {
	t.n++
	if t.n%ctxCheckEvery != 0 {
		return nil
	}
	return t.ctx.Err()
}
