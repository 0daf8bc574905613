package statement

import (
	"strings"
)

// mt940Stmt builds one Statement from the fields of one MT940 message.
type mt940Stmt struct {
	opt Options
	lim limits
	st  Statement

	ref, number                   string
	hasAccount, hasOpen, hasClose bool
	attach                        bool        // a following :86: belongs to pending
	pending                       *mt940Entry // last :61:, waiting for its :86:
}

// mt940Entry is a parsed :61: with the :86: fields that follow it.
type mt940Entry struct {
	entry         Entry
	customerRef   string
	supplementary string
	info          [][]string // one element per :86: field, each its lines
	infoSize      int        // total bytes of info
}

// addInfo attaches a :86: field, keeping the total within maxField.
func (e *mt940Entry) addInfo(f *mt940Field, maxField int) error {
	e.infoSize += f.size
	if e.infoSize > maxField {
		return parseErr(f.line, ":86:", ErrLimit, "information for the entry at line %d longer than %d bytes", e.entry.Line, maxField)
	}
	e.info = append(e.info, f.lines)
	return nil
}

// newMT940Stmt starts a statement at line n.
func newMT940Stmt(n int, opt Options, lim limits) *mt940Stmt {
	return &mt940Stmt{opt: opt, lim: lim, st: Statement{Line: n}}
}

// field applies one complete field to the statement.
func (b *mt940Stmt) field(f *mt940Field) error {
	attach := false
	var err error
	switch f.tag {
	case "20":
		b.ref = strings.TrimSpace(strings.Join(f.lines, ""))
	case "25":
		b.st.Account = strings.TrimSpace(strings.Join(f.lines, ""))
		b.hasAccount = true
	case "28", "28C":
		b.number = strings.TrimSpace(strings.Join(f.lines, ""))
	case "60F", "60M":
		err = b.opening(f)
	case "61":
		err = b.statementLine(f)
		attach = err == nil
	case "86":
		if b.attach && b.pending != nil {
			err = b.pending.addInfo(f, b.lim.maxField)
			attach = true
		}
		// Otherwise the :86: is information for the whole statement
		// (before the first :61: or after the closing balance): not kept.
	case "62F", "62M":
		err = b.closing(f)
	case "64", "65":
		// Available balances are validated but not kept.
		_, err = parseMT940Balance(f, b.opt.Scale)
	}
	b.attach = attach
	return err
}

// opening handles :60F: / :60M:.
func (b *mt940Stmt) opening(f *mt940Field) error {
	if b.hasOpen {
		return parseErr(f.line, ":"+f.tag+":", ErrSyntax, "second opening balance in one statement")
	}
	bal, err := parseMT940Balance(f, b.opt.Scale)
	if err != nil {
		return err
	}
	b.st.Opening, b.st.Currency, b.hasOpen = bal, bal.Currency, true
	return nil
}

// closing handles :62F: / :62M:.
func (b *mt940Stmt) closing(f *mt940Field) error {
	if !b.hasOpen {
		return parseErr(f.line, ":"+f.tag+":", ErrSyntax, "closing balance before the opening balance (:60F:/:60M:)")
	}
	if b.hasClose {
		return parseErr(f.line, ":"+f.tag+":", ErrSyntax, "second closing balance in one statement")
	}
	if err := b.commit(); err != nil {
		return err
	}
	bal, err := parseMT940Balance(f, b.opt.Scale)
	if err != nil {
		return err
	}
	b.st.Closing, b.hasClose = bal, true
	return nil
}

// statementLine handles :61:.
func (b *mt940Stmt) statementLine(f *mt940Field) error {
	if !b.hasOpen {
		return parseErr(f.line, ":61:", ErrSyntax, "statement line before the opening balance (:60F:/:60M:)")
	}
	if b.hasClose {
		return parseErr(f.line, ":61:", ErrSyntax, "statement line after the closing balance")
	}
	if err := b.commit(); err != nil {
		return err
	}
	if len(b.st.Entries)+b.st.Skipped >= b.lim.maxEntries {
		return parseErr(f.line, ":61:", ErrLimit, "more than %d entries in one statement", b.lim.maxEntries)
	}
	e, err := parseStatementLine(f, b.opt.Scale)
	if err != nil {
		return err
	}
	e.entry.Currency = b.st.Currency
	b.pending = e
	return nil
}

// commit moves the pending entry, completed with its :86: information,
// into the statement.
func (b *mt940Stmt) commit() error {
	pe := b.pending
	b.pending = nil
	if pe == nil {
		return nil
	}
	if pe.entry.AmountMinor == 0 {
		b.st.Skipped++
		return nil
	}
	e := pe.entry
	info := parseInfo(pe.info)
	e.EndToEndID = info.endToEndID
	e.CounterpartyAccount = info.account
	e.CounterpartyName = info.name
	e.Remittance = info.remittance
	if e.Remittance == "" {
		e.Remittance = pe.supplementary
	}
	if e.BankRef == "" && pe.customerRef != "NONREF" {
		e.BankRef = pe.customerRef
	}
	b.st.Entries = append(b.st.Entries, e)
	return nil
}

// finish validates and returns the statement.
func (b *mt940Stmt) finish() (Statement, error) {
	if err := b.commit(); err != nil {
		return Statement{}, err
	}
	switch {
	case !b.hasAccount:
		return Statement{}, parseErr(b.st.Line, ":25:", ErrMissing, "statement %q has no account identification", b.ref)
	case !b.hasOpen:
		return Statement{}, parseErr(b.st.Line, ":60F:", ErrMissing, "statement %q has no opening balance (:60F:/:60M:)", b.ref)
	case !b.hasClose:
		return Statement{}, parseErr(b.st.Line, ":62F:", ErrMissing, "statement %q has no closing balance (:62F:/:62M:)", b.ref)
	}
	b.st.ID = b.ref
	if b.number != "" {
		b.st.ID += " " + b.number
	}
	return b.st, nil
}

// parseMT940Balance parses :60a:, :62a:, :64: or :65:
// ("C090924EUR54484,04"). Continuation lines are ignored.
func parseMT940Balance(f *mt940Field, scale int) (Balance, error) {
	field := ":" + f.tag + ":"
	s := strings.TrimSpace(f.lines[0])
	if len(s) < 1+6+3+2 {
		return Balance{}, parseErr(f.line, field, ErrSyntax, "balance %q too short", s)
	}
	neg := false
	switch s[0] {
	case 'C':
	case 'D':
		neg = true
	default:
		return Balance{}, parseErr(f.line, field, ErrSyntax, "balance mark %q is not C or D", s[0:1])
	}
	date, ok := parseYYMMDD(s[1:7])
	if !ok {
		return Balance{}, parseErr(f.line, field, ErrDate, "invalid date %q", s[1:7])
	}
	ccy := s[7:10]
	if !isCurrency(ccy) {
		return Balance{}, parseErr(f.line, field, ErrSyntax, "invalid currency %q", ccy)
	}
	amt, err := parseAmount(s[10:], ',', true, scale)
	if err != nil {
		return Balance{}, &ParseError{Line: f.line, Field: field, Err: wrapAmount(err)}
	}
	if neg {
		amt = -amt
	}
	return Balance{AmountMinor: amt, Currency: ccy, Date: date, Kind: f.tag}, nil
}

// isCurrency reports whether s looks like an ISO 4217 code.
func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
