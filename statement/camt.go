package statement

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseCamt053 reads ISO 20022 camt.053 bank-to-customer statements from r.
//
// Elements are matched by local name only: the namespace (camt.053.001.02
// to .13, or a bank's own) is ignored. Every <Stmt> child of
// <BkToCstmrStmt> is one Statement; the document is streamed token by
// token and only the fields kept are held in memory.
//
// The XML must be UTF-8 or declare encoding ISO-8859-1 (converted to UTF-8
// byte by byte) or US-ASCII; other encodings are an ErrEncoding error.
// See the package documentation for how entries and balances are read.
func ParseCamt053(ctx context.Context, r io.Reader, opt Options) ([]Statement, error) {
	return parseCamt053(ctx, r, opt, defaultLimits())
}

// parseCamt053 is ParseCamt053 under explicit limits.
func parseCamt053(ctx context.Context, r io.Reader, opt Options, lim limits) ([]Statement, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := xml.NewDecoder(&limitedReader{r: r, max: lim.maxInput})
	d.Strict = true
	d.CharsetReader = charsetReader
	p := &camtParser{d: d, opt: opt, lim: lim, tick: ctxTicker{ctx: ctx}}
	if err := p.run(); err != nil {
		return nil, err
	}
	if len(p.stmts) == 0 {
		return nil, parseErr(p.line(), "BkToCstmrStmt", ErrMissing, "no <Stmt> in <BkToCstmrStmt> (not a camt.053 statement?)")
	}
	return p.stmts, nil
}

// camtParser is the state of one camt.053 parse.
type camtParser struct {
	d     *xml.Decoder
	opt   Options
	lim   limits
	tick  ctxTicker
	stmts []Statement

	depth     int       // current element depth (root = 1)
	names     []string  // local names of the open elements outside statements
	stmtDepth int       // depth of the open <Stmt>, 0 if none
	path      string    // path relative to <Stmt> ("Ntry/Amt"), "" at <Stmt>
	skipDepth int       // depth of an element whose content is not used, 0 if none
	st        *camtStmt // statement being built

	text      strings.Builder // text of the element at textDepth
	textDepth int             // depth whose text is collected, 0 if none
}

// line is the current input line.
func (p *camtParser) line() int {
	line, _ := p.d.InputPos()
	return line
}

// run consumes all tokens.
func (p *camtParser) run() error {
	for {
		if err := p.tick.tick(); err != nil {
			return err
		}
		tok, err := p.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return p.xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			err = p.start(t)
		case xml.EndElement:
			err = p.end()
		case xml.CharData:
			err = p.charData(t)
		}
		if err != nil {
			return err
		}
	}
}

// xmlError converts a decoder error into a *ParseError.
func (p *camtParser) xmlError(err error) error {
	var se *xml.SyntaxError
	switch {
	case errors.Is(err, errInputTooLarge):
		return parseErr(p.line(), "input", ErrLimit, "%v (%d bytes)", err, p.lim.maxInput)
	case errors.As(err, &se) && strings.Contains(se.Msg, "UTF-8"):
		return parseErr(se.Line, p.field(), ErrEncoding, "%s", se.Msg)
	case errors.As(err, &se):
		return parseErr(se.Line, p.field(), ErrSyntax, "%s", se.Msg)
	case strings.HasPrefix(err.Error(), "xml: "):
		// Charset problems are the only other errors the decoder makes.
		return parseErr(p.line(), "xml", ErrEncoding, "%v", err)
	}
	return err // a read error of the underlying reader
}

// field names the current position for error messages.
func (p *camtParser) field() string {
	if p.st != nil {
		return "Stmt/" + p.path
	}
	if len(p.names) > 0 {
		return p.names[len(p.names)-1]
	}
	return "xml"
}

// start handles a start element.
func (p *camtParser) start(t xml.StartElement) error {
	p.depth++
	if p.depth > p.lim.maxDepth {
		return parseErr(p.line(), p.field(), ErrLimit, "XML nested deeper than %d elements", p.lim.maxDepth)
	}
	name := t.Name.Local
	p.textDepth = 0
	if p.st == nil {
		p.names = append(p.names, name)
		if name == "Stmt" && len(p.names) >= 2 && p.names[len(p.names)-2] == "BkToCstmrStmt" {
			if len(p.stmts) >= p.lim.maxStatements {
				return parseErr(p.line(), "Stmt", ErrLimit, "more than %d statements", p.lim.maxStatements)
			}
			p.st = newCamtStmt(p.line(), p.opt, p.lim)
			p.stmtDepth, p.path = p.depth, ""
		}
		return nil
	}
	if p.skipDepth != 0 {
		return nil
	}
	path := name
	if p.path != "" {
		path = p.path + "/" + name
	}
	if !camtUsed(path) {
		// Nothing below this element is used: skip it without building
		// paths, which keeps the work per element constant.
		p.skipDepth = p.depth
		return nil
	}
	p.path = path
	if err := p.st.start(p.path, t.Attr, p.line()); err != nil {
		return err
	}
	if camtLeaf(p.path) {
		p.text.Reset()
		p.textDepth = p.depth
	}
	return nil
}

// charData collects text for the element being read.
func (p *camtParser) charData(t xml.CharData) error {
	if p.textDepth == 0 || p.textDepth != p.depth {
		return nil
	}
	if p.text.Len()+len(t) > p.lim.maxField {
		return parseErr(p.line(), p.field(), ErrLimit, "element text longer than %d bytes", p.lim.maxField)
	}
	p.text.Write(t)
	return nil
}

// end handles an end element.
func (p *camtParser) end() error {
	defer func() { p.depth-- }()
	if p.st == nil {
		p.names = p.names[:len(p.names)-1]
		return nil
	}
	if p.skipDepth != 0 {
		if p.depth == p.skipDepth {
			p.skipDepth = 0
		}
		return nil
	}
	if p.depth == p.stmtDepth {
		st, err := p.st.finish()
		if err != nil {
			return err
		}
		p.stmts = append(p.stmts, st)
		p.st, p.stmtDepth = nil, 0
		p.names = p.names[:len(p.names)-1]
		return nil
	}
	text := ""
	if p.textDepth == p.depth {
		text = strings.TrimSpace(p.text.String())
	}
	p.textDepth = 0
	err := p.st.end(p.path, text, p.line())
	if i := strings.LastIndexByte(p.path, '/'); i >= 0 {
		p.path = p.path[:i]
	} else {
		p.path = ""
	}
	return err
}

// charsetReader lets the decoder read ISO-8859-1 and US-ASCII documents.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1":
		return &latin1Reader{r: input}, nil
	case "us-ascii", "ascii":
		return input, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (use UTF-8)", charset)
}

// latin1Reader converts ISO-8859-1 bytes to UTF-8: every byte is the code
// point of the same value.
type latin1Reader struct {
	r    io.Reader
	in   []byte // read buffer
	conv []byte // conversion buffer
	out  []byte // converted bytes not yet returned (a tail of conv)
}

// Read implements io.Reader.
func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.out) == 0 {
		if l.in == nil {
			l.in = make([]byte, 4096)
			l.conv = make([]byte, 0, 2*len(l.in))
		}
		n, err := l.r.Read(l.in)
		if n == 0 {
			return 0, err
		}
		l.conv = l.conv[:0]
		for _, c := range l.in[:n] {
			if c < 0x80 {
				l.conv = append(l.conv, c)
			} else {
				l.conv = append(l.conv, 0xC0|c>>6, 0x80|c&0x3F)
			}
		}
		l.out = l.conv
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}
