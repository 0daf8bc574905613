package statement

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// ParseMT940 reads SWIFT MT940 customer statements from r.
//
// The input may hold many messages, each optionally wrapped in SWIFT
// header blocks ("{1:...}{2:...}{4:" ... "-}") or separated by "-" lines,
// and may be preceded or interleaved with free text (bank preambles), which
// is ignored. A message starts at a :20: field; each message (each page,
// for 60M/62M intermediate pages) is one Statement. Fields :20: :21: :25:
// :28: :28C: :60F: :60M: :61: :86: :62F: :62M: :64: :65: are understood;
// other well-formed tags (":13D:", ":90C:" ...) are ignored.
//
// The input must be UTF-8 (ASCII being the usual case); any other byte
// sequence is an ErrEncoding error naming the line. A UTF-8 byte order mark
// is skipped. See the package documentation for how :61: and :86: are read.
func ParseMT940(ctx context.Context, r io.Reader, opt Options) ([]Statement, error) {
	return parseMT940(ctx, r, opt, defaultLimits())
}

// parseMT940 is ParseMT940 under explicit limits.
func parseMT940(ctx context.Context, r io.Reader, opt Options, lim limits) ([]Statement, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &mt940Parser{opt: opt, lim: lim, tick: ctxTicker{ctx: ctx}}
	lr := &lineReader{
		br:       bufio.NewReaderSize(&limitedReader{r: r, max: lim.maxInput}, lim.maxLine+2),
		max:      lim.maxLine,
		maxInput: lim.maxInput,
	}
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := p.tick.tick(); err != nil {
			return nil, err
		}
		if err := p.line(line, lr.n); err != nil {
			return nil, err
		}
	}
	if err := p.endMessage(lr.n); err != nil {
		return nil, err
	}
	if len(p.stmts) == 0 {
		return nil, parseErr(lr.n, "input", ErrMissing, "no MT940 statement (:20: field) found")
	}
	return p.stmts, nil
}

// lineReader splits its input into lines (LF or CRLF terminated), counting
// them and enforcing the line length limit and UTF-8 validity.
type lineReader struct {
	br       *bufio.Reader
	max      int   // longest line
	maxInput int64 // input size limit, for messages
	n        int   // number of the line last returned (1-based)
}

// next returns the next line without its terminator, or io.EOF.
func (l *lineReader) next() (string, error) {
	b, err := l.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", parseErr(l.n+1, "input", ErrLimit, "line longer than %d bytes", l.max)
	}
	if errors.Is(err, errInputTooLarge) {
		return "", parseErr(l.n+1, "input", ErrLimit, "%v (%d bytes)", err, l.maxInput)
	}
	if err != nil && err != io.EOF {
		return "", err
	}
	if len(b) == 0 && err == io.EOF {
		return "", io.EOF
	}
	l.n++
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if l.n == 1 {
		b = bytes.TrimPrefix(b, []byte("\ufeff"))
	}
	if len(b) > l.max {
		return "", parseErr(l.n, "input", ErrLimit, "line longer than %d bytes", l.max)
	}
	if !utf8.Valid(b) {
		return "", parseErr(l.n, "input", ErrEncoding, "line is not valid UTF-8 (convert ISO-8859-1 input to UTF-8 first)")
	}
	return string(b), nil
}

// mt940Field is one tagged field with its continuation lines.
type mt940Field struct {
	tag   string   // "61", "60F" ...
	lines []string // first line (after the tag) and continuation lines
	line  int      // line of the tag
	size  int      // total bytes, for the field limit
}

// mt940Parser is the state of one MT940 parse.
type mt940Parser struct {
	opt   Options
	lim   limits
	tick  ctxTicker
	stmts []Statement

	cur   *mt940Stmt  // statement being built, nil between messages
	field *mt940Field // field being accumulated, nil if none
}

// line consumes one input line numbered n.
func (p *mt940Parser) line(s string, n int) error {
	for isHeaderBlock(s) {
		// A new SWIFT message: whatever was open is complete. The text
		// block "{4:" may carry the first field on the same line.
		if err := p.endMessage(n); err != nil {
			return err
		}
		_, rest, ok := strings.Cut(s, "{4:")
		if !ok || strings.TrimSpace(rest) == "" {
			return nil
		}
		s = rest
	}
	if isEndOfMessage(s) {
		return p.endMessage(n)
	}
	if tag, rest, ok := splitTag(s); ok {
		return p.startField(tag, rest, n)
	}
	if p.field == nil || strings.TrimSpace(s) == "" {
		// Preamble text, text between messages, or a blank line.
		return nil
	}
	p.field.size += len(s)
	if p.field.size > p.lim.maxField {
		return parseErr(p.field.line, ":"+p.field.tag+":", ErrLimit, "field longer than %d bytes", p.lim.maxField)
	}
	p.field.lines = append(p.field.lines, s)
	return nil
}

// isHeaderBlock reports whether s starts a SWIFT block "{1:" to "{5:".
func isHeaderBlock(s string) bool {
	return len(s) >= 3 && s[0] == '{' && s[1] >= '1' && s[1] <= '5' && s[2] == ':'
}

// isEndOfMessage reports whether s ends a message: "-" alone, or "-}"
// (end of the SWIFT text block, possibly followed by trailer blocks).
func isEndOfMessage(s string) bool {
	return strings.TrimRight(s, " \t") == "-" || strings.HasPrefix(s, "-}")
}

// splitTag recognises a field tag ":NN:" or ":NNa:" at the start of s.
func splitTag(s string) (tag, rest string, ok bool) {
	if len(s) < 4 || s[0] != ':' || !isDigit(s[1]) || !isDigit(s[2]) {
		return "", "", false
	}
	if s[3] == ':' {
		return s[1:3], s[4:], true
	}
	if len(s) >= 5 && s[3] >= 'A' && s[3] <= 'Z' && s[4] == ':' {
		return s[1:4], s[5:], true
	}
	return "", "", false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// startField completes the open field and opens a new one.
func (p *mt940Parser) startField(tag, rest string, n int) error {
	if err := p.flushField(); err != nil {
		return err
	}
	if tag == "20" {
		if err := p.endMessage(n); err != nil {
			return err
		}
		if len(p.stmts) >= p.lim.maxStatements {
			return parseErr(n, ":20:", ErrLimit, "more than %d statements", p.lim.maxStatements)
		}
		p.cur = newMT940Stmt(n, p.opt, p.lim)
	} else if p.cur == nil {
		return parseErr(n, ":"+tag+":", ErrSyntax, "field outside a statement (no :20: before it)")
	}
	if len(rest) > p.lim.maxField {
		return parseErr(n, ":"+tag+":", ErrLimit, "field longer than %d bytes", p.lim.maxField)
	}
	p.field = &mt940Field{tag: tag, lines: []string{rest}, line: n, size: len(rest)}
	return nil
}

// flushField hands the open field, if any, to the statement builder.
func (p *mt940Parser) flushField() error {
	f := p.field
	p.field = nil
	if f == nil {
		return nil
	}
	return p.cur.field(f)
}

// endMessage completes the open field and statement, if any.
func (p *mt940Parser) endMessage(n int) error {
	if err := p.flushField(); err != nil {
		return err
	}
	if p.cur == nil {
		return nil
	}
	st, err := p.cur.finish()
	p.cur = nil
	if err != nil {
		return err
	}
	p.stmts = append(p.stmts, st)
	return nil
}
