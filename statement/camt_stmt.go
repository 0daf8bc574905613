package statement

import (
	"encoding/xml"
	"strings"
)

// camtStmt builds one Statement from the elements of one <Stmt>. Paths are
// relative to <Stmt> and use local names only.
type camtStmt struct {
	opt Options
	lim limits
	st  Statement

	acctIBAN, acctOther, acctCcy string
	bals                         []Balance
	bal                          *camtBal   // <Bal> being read
	ntry                         *camtEntry // <Ntry> being read
}

// camtBal collects the texts of one <Bal>.
type camtBal struct {
	line                            int
	code, amount, ccy, cdtDbt, date string
	hasAmount                       bool
}

// camtEntry collects the texts of one <Ntry>.
type camtEntry struct {
	line                                   int
	amount, ccy, cdtDbt, rvsl, status      string
	booking, value, ref, addtl             string
	domain, family, subFamily, prtryCode   string
	hasAmount                              bool
	txCount                                int
	txRef, endToEnd, addtlTx               string
	dbtrName, dbtrAcct, cdtrName, cdtrAcct string
	ustrd                                  []string
}

// txPrefix is the path of transaction details inside a statement.
const txPrefix = "Ntry/NtryDtls/TxDtls/"

// newCamtStmt starts a statement at line n.
func newCamtStmt(n int, opt Options, lim limits) *camtStmt {
	return &camtStmt{opt: opt, lim: lim, st: Statement{Line: n}}
}

// camtLeaf reports whether the text of the element at path (relative to
// <Stmt>) is used.
func camtLeaf(path string) bool {
	switch path {
	case "Id", "Acct/Id/IBAN", "Acct/Id/Othr/Id", "Acct/Ccy",
		"Bal/Tp/CdOrPrtry/Cd", "Bal/Tp/CdOrPrtry/Prtry", "Bal/Tp/Cd", "Bal/Tp/Prtry",
		"Bal/Amt", "Bal/CdtDbtInd", "Bal/Dt/Dt", "Bal/Dt/DtTm",
		"Ntry/Amt", "Ntry/CdtDbtInd", "Ntry/RvslInd", "Ntry/Sts", "Ntry/Sts/Cd", "Ntry/Sts/Prtry",
		"Ntry/BookgDt/Dt", "Ntry/BookgDt/DtTm", "Ntry/ValDt/Dt", "Ntry/ValDt/DtTm",
		"Ntry/AcctSvcrRef", "Ntry/AddtlNtryInf",
		"Ntry/BkTxCd/Domn/Cd", "Ntry/BkTxCd/Domn/Fmly/Cd", "Ntry/BkTxCd/Domn/Fmly/SubFmlyCd", "Ntry/BkTxCd/Prtry/Cd":
		return true
	}
	rest, ok := strings.CutPrefix(path, txPrefix)
	if !ok {
		return false
	}
	switch rest {
	case "Refs/EndToEndId", "Refs/AcctSvcrRef",
		"RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm",
		"RltdPties/DbtrAcct/Id/IBAN", "RltdPties/DbtrAcct/Id/Othr/Id",
		"RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm",
		"RltdPties/CdtrAcct/Id/IBAN", "RltdPties/CdtrAcct/Id/Othr/Id",
		"RmtInf/Ustrd", "AddtlTxInf":
		return true
	}
	return false
}

// camtBranch reports whether path is an ancestor of a used element.
func camtBranch(path string) bool {
	switch path {
	case "Acct", "Acct/Id", "Acct/Id/Othr", "Bal", "Bal/Tp", "Bal/Tp/CdOrPrtry", "Bal/Dt",
		"Ntry", "Ntry/Sts", "Ntry/BookgDt", "Ntry/ValDt", "Ntry/NtryDtls", "Ntry/NtryDtls/TxDtls",
		"Ntry/BkTxCd", "Ntry/BkTxCd/Domn", "Ntry/BkTxCd/Domn/Fmly", "Ntry/BkTxCd/Prtry":
		return true
	}
	rest, ok := strings.CutPrefix(path, txPrefix)
	if !ok {
		return false
	}
	switch rest {
	case "Refs", "RltdPties", "RmtInf",
		"RltdPties/Dbtr", "RltdPties/Dbtr/Pty", "RltdPties/DbtrAcct", "RltdPties/DbtrAcct/Id", "RltdPties/DbtrAcct/Id/Othr",
		"RltdPties/Cdtr", "RltdPties/Cdtr/Pty", "RltdPties/CdtrAcct", "RltdPties/CdtrAcct/Id", "RltdPties/CdtrAcct/Id/Othr":
		return true
	}
	return false
}

// camtUsed reports whether the element at path, or something below it, is
// used.
func camtUsed(path string) bool { return camtLeaf(path) || camtBranch(path) }

// start handles the start of the element at path.
func (b *camtStmt) start(path string, attrs []xml.Attr, line int) error {
	switch path {
	case "Bal":
		b.bal = &camtBal{line: line}
	case "Bal/Amt":
		b.bal.ccy = attr(attrs, "Ccy")
	case "Ntry":
		if len(b.st.Entries)+b.st.Skipped >= b.lim.maxEntries {
			return parseErr(line, "Stmt/Ntry", ErrLimit, "more than %d entries in one statement", b.lim.maxEntries)
		}
		b.ntry = &camtEntry{line: line}
	case "Ntry/Amt":
		b.ntry.ccy = attr(attrs, "Ccy")
	case "Ntry/NtryDtls/TxDtls":
		b.ntry.txCount++
	}
	return nil
}

// attr returns the value of the attribute with the given local name.
func attr(attrs []xml.Attr, local string) string {
	for _, a := range attrs {
		if a.Name.Local == local {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// end handles the end of the element at path whose text (trimmed) is text.
func (b *camtStmt) end(path, text string, line int) error {
	switch path {
	case "Id":
		b.st.ID = text
	case "Acct/Id/IBAN":
		b.acctIBAN = text
	case "Acct/Id/Othr/Id":
		b.acctOther = text
	case "Acct/Ccy":
		b.acctCcy = text
	case "Bal":
		bal, err := b.bal.finish(b.opt.Scale)
		if err != nil {
			return err
		}
		b.bals = append(b.bals, bal)
		b.bal = nil
	case "Ntry":
		err := b.addEntry()
		b.ntry = nil
		return err
	default:
		if strings.HasPrefix(path, "Bal/") {
			b.bal.set(path, text)
		} else if strings.HasPrefix(path, "Ntry/") {
			b.ntry.set(path, text)
		}
	}
	return nil
}

// set records the text of a balance element.
func (c *camtBal) set(path, text string) {
	switch path {
	case "Bal/Tp/CdOrPrtry/Cd", "Bal/Tp/CdOrPrtry/Prtry", "Bal/Tp/Cd", "Bal/Tp/Prtry":
		if c.code == "" {
			c.code = text
		}
	case "Bal/Amt":
		c.amount, c.hasAmount = text, true
	case "Bal/CdtDbtInd":
		c.cdtDbt = text
	case "Bal/Dt/Dt", "Bal/Dt/DtTm":
		c.date = text
	}
}

// finish validates the balance.
func (c *camtBal) finish(scale int) (Balance, error) {
	switch {
	case c.code == "":
		return Balance{}, parseErr(c.line, "Bal/Tp", ErrMissing, "balance without type code")
	case !c.hasAmount:
		return Balance{}, parseErr(c.line, "Bal/Amt", ErrMissing, "%s balance without amount", c.code)
	case c.ccy == "":
		return Balance{}, parseErr(c.line, "Bal/Amt", ErrMissing, "%s balance amount without Ccy", c.code)
	}
	amt, err := parseAmount(c.amount, '.', false, scale)
	if err != nil {
		return Balance{}, &ParseError{Line: c.line, Field: "Bal/Amt", Err: wrapAmount(err)}
	}
	credit, err := creditDebit(c.cdtDbt, c.line, "Bal/CdtDbtInd")
	if err != nil {
		return Balance{}, err
	}
	if !credit {
		amt = -amt
	}
	date, ok := parseISODate(c.date)
	if !ok {
		return Balance{}, parseErr(c.line, "Bal/Dt", ErrDate, "%s balance date %q", c.code, c.date)
	}
	return Balance{AmountMinor: amt, Currency: c.ccy, Date: date, Kind: c.code}, nil
}

// creditDebit reads a CdtDbtInd.
func creditDebit(s string, line int, field string) (bool, error) {
	switch s {
	case "CRDT":
		return true, nil
	case "DBIT":
		return false, nil
	case "":
		return false, parseErr(line, field, ErrMissing, "credit/debit indicator missing")
	}
	return false, parseErr(line, field, ErrSyntax, "credit/debit indicator %q is not CRDT or DBIT", s)
}

// set records the text of an entry element.
func (c *camtEntry) set(path, text string) {
	switch path {
	case "Ntry/Amt":
		c.amount, c.hasAmount = text, true
	case "Ntry/CdtDbtInd":
		c.cdtDbt = text
	case "Ntry/RvslInd":
		c.rvsl = text
	case "Ntry/Sts", "Ntry/Sts/Cd", "Ntry/Sts/Prtry":
		// v2-v7: <Sts>BOOK</Sts>; v8+: <Sts><Cd>BOOK</Cd></Sts>, where the
		// outer element has no text of its own.
		if text != "" {
			c.status = text
		}
	case "Ntry/BookgDt/Dt", "Ntry/BookgDt/DtTm":
		c.booking = text
	case "Ntry/ValDt/Dt", "Ntry/ValDt/DtTm":
		c.value = text
	case "Ntry/AcctSvcrRef":
		c.ref = text
	case "Ntry/AddtlNtryInf":
		c.addtl = text
	case "Ntry/BkTxCd/Domn/Cd":
		c.domain = text
	case "Ntry/BkTxCd/Domn/Fmly/Cd":
		c.family = text
	case "Ntry/BkTxCd/Domn/Fmly/SubFmlyCd":
		c.subFamily = text
	case "Ntry/BkTxCd/Prtry/Cd":
		c.prtryCode = text
	default:
		if rest, ok := strings.CutPrefix(path, txPrefix); ok {
			c.setTx(rest, text)
		}
	}
}

// setTx records the text of a transaction details element. References,
// parties and additional information come from the first <TxDtls>; the
// end-to-end id is the first one provided; all <Ustrd> are kept.
func (c *camtEntry) setTx(rest, text string) {
	first := c.txCount == 1
	switch rest {
	case "Refs/EndToEndId":
		if c.endToEnd == "" && text != "NOTPROVIDED" {
			c.endToEnd = text
		}
	case "RmtInf/Ustrd":
		if text != "" {
			c.ustrd = append(c.ustrd, text)
		}
	}
	if !first {
		return
	}
	switch rest {
	case "Refs/AcctSvcrRef":
		c.txRef = text
	case "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm":
		c.dbtrName = text
	case "RltdPties/DbtrAcct/Id/IBAN", "RltdPties/DbtrAcct/Id/Othr/Id":
		c.dbtrAcct = text
	case "RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm":
		c.cdtrName = text
	case "RltdPties/CdtrAcct/Id/IBAN", "RltdPties/CdtrAcct/Id/Othr/Id":
		c.cdtrAcct = text
	case "AddtlTxInf":
		c.addtlTx = text
	}
}

// addEntry validates the entry read and adds it to Entries (booked,
// non-zero) or counts it in Skipped.
func (b *camtStmt) addEntry() error {
	e, err := b.ntry.entry(b.opt.Scale)
	if err != nil {
		return err
	}
	if e.Status != "BOOK" || e.AmountMinor == 0 {
		b.st.Skipped++
		return nil
	}
	b.st.Entries = append(b.st.Entries, e)
	return nil
}

// entry validates the collected texts and builds the Entry.
func (c *camtEntry) entry(scale int) (Entry, error) {
	switch {
	case !c.hasAmount:
		return Entry{}, parseErr(c.line, "Ntry/Amt", ErrMissing, "entry without amount")
	case c.ccy == "":
		return Entry{}, parseErr(c.line, "Ntry/Amt", ErrMissing, "entry amount without Ccy")
	case c.status == "":
		return Entry{}, parseErr(c.line, "Ntry/Sts", ErrMissing, "entry without status")
	}
	amt, err := parseAmount(c.amount, '.', false, scale)
	if err != nil {
		return Entry{}, &ParseError{Line: c.line, Field: "Ntry/Amt", Err: wrapAmount(err)}
	}
	credit, err := creditDebit(c.cdtDbt, c.line, "Ntry/CdtDbtInd")
	if err != nil {
		return Entry{}, err
	}
	var reversal bool
	switch c.rvsl {
	case "", "false", "0":
	case "true", "1":
		reversal = true
	default:
		return Entry{}, parseErr(c.line, "Ntry/RvslInd", ErrSyntax, "reversal indicator %q is not a boolean", c.rvsl)
	}
	booking, value, err := c.dates()
	if err != nil {
		return Entry{}, err
	}
	e := Entry{
		Credit:      credit,
		Reversal:    reversal,
		AmountMinor: amt,
		Currency:    c.ccy,
		BookingDate: booking,
		ValueDate:   value,
		Status:      c.status,
		BankRef:     c.ref,
		EndToEndID:  c.endToEnd,
		Remittance:  collapseSpaces(strings.Join(c.ustrd, " ")),
		Line:        c.line,
	}
	if e.BankRef == "" {
		e.BankRef = c.txRef
	}
	e.BankTxCode = c.bankTxCode()
	e.BookingTime, e.BookingTimeLocal = parseISODateTime(c.booking)
	if e.Remittance == "" {
		e.Remittance = collapseSpaces(c.addtl)
	}
	if e.Remittance == "" {
		e.Remittance = collapseSpaces(c.addtlTx)
	}
	if c.txCount == 1 {
		// The other party is the debtor of money coming in and the
		// creditor of money going out, in the booked direction.
		if credit {
			e.CounterpartyAccount, e.CounterpartyName = c.dbtrAcct, collapseSpaces(c.dbtrName)
		} else {
			e.CounterpartyAccount, e.CounterpartyName = c.cdtrAcct, collapseSpaces(c.cdtrName)
		}
	}
	return e, nil
}

// bankTxCode joins the domain, family and sub-family codes with "/"
// ("PMNT/RCDT/ESCT"), or returns the proprietary code.
func (c *camtEntry) bankTxCode() string {
	if c.domain == "" {
		return c.prtryCode
	}
	code := c.domain
	for _, part := range []string{c.family, c.subFamily} {
		if part == "" {
			break
		}
		code += "/" + part
	}
	return code
}

// dates parses the booking and value dates; when only one is given both
// carry it.
func (c *camtEntry) dates() (booking, value Date, err error) {
	if c.booking != "" {
		var ok bool
		if booking, ok = parseISODate(c.booking); !ok {
			return Date{}, Date{}, parseErr(c.line, "Ntry/BookgDt", ErrDate, "invalid booking date %q", c.booking)
		}
	}
	if c.value != "" {
		var ok bool
		if value, ok = parseISODate(c.value); !ok {
			return Date{}, Date{}, parseErr(c.line, "Ntry/ValDt", ErrDate, "invalid value date %q", c.value)
		}
	}
	if booking.IsZero() {
		booking = value
	}
	if value.IsZero() {
		value = booking
	}
	return booking, value, nil
}

// collapseSpaces replaces every run of white space by one space.
func collapseSpaces(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// finish chooses the balances and returns the statement.
func (b *camtStmt) finish() (Statement, error) {
	b.st.Account = b.acctIBAN
	if b.st.Account == "" {
		b.st.Account = b.acctOther
	}
	opening, closing, err := chooseBalances(b.bals, b.st.Line)
	if err != nil {
		return Statement{}, err
	}
	b.st.Opening, b.st.Closing = opening, closing
	b.st.Currency = b.acctCcy
	if b.st.Currency == "" {
		b.st.Currency = opening.Currency
	}
	if b.st.Currency == "" {
		b.st.Currency = closing.Currency
	}
	return b.st, nil
}

// chooseBalances picks the opening balance (OPBD, else PRCD, else the first
// ITBD) and the closing balance (CLBD, else the last ITBD when it is not
// the one used as opening). More than one OPBD, PRCD or CLBD is an error:
// which one counts would be a guess. A missing balance is left zero, with
// an empty Kind, for Check to report.
func chooseBalances(bals []Balance, line int) (opening, closing Balance, err error) {
	var opbd, prcd, clbd, itbd []Balance
	for _, bal := range bals {
		switch bal.Kind {
		case "OPBD":
			opbd = append(opbd, bal)
		case "PRCD":
			prcd = append(prcd, bal)
		case "CLBD":
			clbd = append(clbd, bal)
		case "ITBD":
			itbd = append(itbd, bal)
		}
	}
	for _, list := range [][]Balance{opbd, prcd, clbd} {
		if len(list) > 1 {
			return Balance{}, Balance{}, parseErr(line, "Stmt/Bal", ErrSyntax, "%d %s balances in one statement", len(list), list[0].Kind)
		}
	}
	switch {
	case len(opbd) == 1:
		opening = opbd[0]
	case len(prcd) == 1:
		opening = prcd[0]
	case len(itbd) > 0:
		opening, itbd = itbd[0], itbd[1:]
	}
	switch {
	case len(clbd) == 1:
		closing = clbd[0]
	case len(itbd) > 0:
		closing = itbd[len(itbd)-1]
	}
	return opening, closing, nil
}
