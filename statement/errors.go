package statement

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by the parsers for a problem in the
// input is a *ParseError wrapping one of these, so callers can classify it
// with errors.Is. Context cancellation is returned as ctx.Err(), unwrapped.
var (
	// ErrSyntax reports input that does not follow the format: a missing or
	// misplaced field, a malformed tag, broken XML.
	ErrSyntax = errors.New("syntax error")
	// ErrAmount reports an amount that is malformed, negative where a sign is
	// not allowed, has more non-zero fractional digits than Options.Scale,
	// or does not fit in an int64 at that scale.
	ErrAmount = errors.New("invalid amount")
	// ErrDate reports a malformed or impossible calendar date.
	ErrDate = errors.New("invalid date")
	// ErrEncoding reports bytes that are not valid UTF-8 (MT940) or an XML
	// character encoding that is not supported (camt.053).
	ErrEncoding = errors.New("invalid encoding")
	// ErrLimit reports input that exceeds one of the limits in limits.go.
	// Inputs are never truncated silently.
	ErrLimit = errors.New("limit exceeded")
	// ErrMissing reports a required element or field that is absent, such
	// as a statement without an opening balance in MT940 or no statement at
	// all in the input.
	ErrMissing = errors.New("required field missing")
	// ErrOptions reports invalid Options (for example a negative Scale).
	ErrOptions = errors.New("invalid options")
)

// ParseError locates a problem in the input. Line is 1-based (0 when the
// problem is not tied to a line, e.g. invalid options). Field names the
// MT940 tag (":61:") or the camt element path ("Ntry/Amt") concerned.
type ParseError struct {
	Line  int
	Field string
	Err   error
}

// Error formats the error as "line N: field: msg".
func (e *ParseError) Error() string {
	field := e.Field
	if field == "" {
		field = "input"
	}
	return fmt.Sprintf("line %d: %s: %v", e.Line, field, e.Err)
}

// Unwrap returns the underlying error, usually one of the sentinel errors
// wrapped with detail.
func (e *ParseError) Unwrap() error { return e.Err }

// parseErr builds a *ParseError whose Err wraps sentinel with a formatted
// detail message.
func parseErr(line int, field string, sentinel error, format string, args ...any) *ParseError {
	return &ParseError{
		Line:  line,
		Field: field,
		Err:   fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...)),
	}
}
