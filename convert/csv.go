package convert

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/recon-dev/recon/money"
	"github.com/recon-dev/recon/statement"
)

// Mapping tells how to read a bank's CSV export: which column holds what,
// and how dates and amounts are written. See ParseMapping for the file.
type Mapping struct {
	// Account is the statement account when the file holds one account;
	// AccountColumn names the column holding it otherwise.
	Account, AccountColumn string
	// Date is the booking date column, written as DateFormat.
	Date, DateFormat string
	// Amount is the amount column: signed (negative: money out), or
	// unsigned with the Direction column saying which way it went.
	Amount, Direction string
	// CreditValues and DebitValues are the Direction column's values
	// (compared case-insensitively).
	CreditValues, DebitValues []string
	// Currency is the currency column; CurrencyCode a fixed currency.
	Currency, CurrencyCode string
	// Counterparty and CounterpartyName are the other party's account and
	// name columns; Reference the bank's reference; EndToEndID the
	// platform's reference (platform_txn_id); Code the bank transaction
	// code (for the kind map); Balance the account balance after the row.
	Counterparty, CounterpartyName, Reference, EndToEndID, Code, Balance string
	// Text are the columns joined (with a space) into the memo.
	Text []string
	// Delimiter separates fields (',' unless set).
	Delimiter rune
	// DecimalSeparator is '.' unless set; ThousandsSeparator is removed
	// from amounts ("" for none).
	DecimalSeparator   byte
	ThousandsSeparator string
	// NewestFirst: the export lists the newest row first.
	NewestFirst bool
	// HeaderLine is the 1-based line of the header (lines before it are a
	// preamble and are skipped).
	HeaderLine int
}

// ParseMapping reads a column mapping: one "key = value" a line; '#'
// starts a comment line; a value may be put in double quotes (to keep
// blanks or a '#'). Keys:
//
//	account             the statement account (when the file holds one account)
//	account_column      or: the column holding the account
//	date                booking date column (required)
//	date_format         how dates are written: YYYY, MM, DD and optional hh, mm, ss
//	                    with any separators (default YYYY-MM-DD; e.g. DD.MM.YYYY,
//	                    MM/DD/YYYY, YYYYMMDD, "YYYY-MM-DD hh:mm:ss"); a time is
//	                    taken in business_timezone
//	amount              amount column (required): signed, or unsigned with direction
//	direction           column saying credit or debit
//	credit_values       its values for money in (default C,CR,CRDT,CREDIT,+)
//	debit_values        its values for money out (default D,DR,DBIT,DEBIT,-)
//	currency            currency column, or
//	currency_code       a fixed ISO 4217 currency
//	counterparty        the other party's account column
//	counterparty_name   the other party's name column
//	reference           the bank's reference column (bank_txn_id)
//	end_to_end_id       the platform's reference column (platform_txn_id)
//	text                remittance text column(s), comma-separated (memo)
//	code                bank transaction code column (for --kind-map)
//	balance             balance after the row (gives custody_balances)
//	delimiter           field separator: a character or "tab" (default ,)
//	decimal_separator   . or , (default .)
//	thousands_separator removed from amounts: a character, "space" or "none" (default none)
//	order               oldest_first (default) or newest_first
//	header_line         1-based line of the header row (default 1)
//
// Columns are named by their header text (compared case-insensitively,
// blanks trimmed). name prefixes error messages.
func ParseMapping(name string, data []byte) (*Mapping, error) {
	m := &Mapping{Delimiter: ',', DecimalSeparator: '.', DateFormat: "YYYY-MM-DD", HeaderLine: 1,
		CreditValues: []string{"C", "CR", "CRDT", "CREDIT", "+"},
		DebitValues:  []string{"D", "DR", "DBIT", "DEBIT", "-"}}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	seen := map[string]int{}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		bad := func(format string, args ...any) error {
			return &FileError{File: name, Line: line, Err: fmt.Errorf(format, args...)}
		}
		if !utf8.ValidString(text) {
			return nil, bad("not valid UTF-8")
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, bad("want key = value, got %q", text)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if prev, dup := seen[key]; dup {
			return nil, bad("%s given twice (first on line %d)", key, prev)
		}
		seen[key] = line
		if err := m.set(key, value); err != nil {
			return nil, bad("%s: %v", key, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &FileError{File: name, Err: err}
	}
	if err := m.check(); err != nil {
		return nil, &FileError{File: name, Err: err}
	}
	return m, nil
}

// set applies one key of the mapping file.
func (m *Mapping) set(key, value string) error {
	str := map[string]*string{
		"account": &m.Account, "account_column": &m.AccountColumn, "date": &m.Date, "date_format": &m.DateFormat,
		"amount": &m.Amount, "direction": &m.Direction, "currency": &m.Currency, "currency_code": &m.CurrencyCode,
		"counterparty": &m.Counterparty, "counterparty_name": &m.CounterpartyName, "reference": &m.Reference,
		"end_to_end_id": &m.EndToEndID, "code": &m.Code, "balance": &m.Balance,
	}
	if p, ok := str[key]; ok {
		*p = value
		return nil
	}
	switch key {
	case "text":
		m.Text = splitList(value)
	case "credit_values":
		m.CreditValues = splitList(value)
	case "debit_values":
		m.DebitValues = splitList(value)
	case "delimiter":
		switch {
		case strings.EqualFold(value, "tab"):
			m.Delimiter = '\t'
		case utf8.RuneCountInString(value) == 1:
			m.Delimiter, _ = utf8.DecodeRuneInString(value)
		default:
			return fmt.Errorf("want one character or \"tab\", got %q", value)
		}
	case "decimal_separator":
		if value != "." && value != "," {
			return fmt.Errorf("want . or , got %q", value)
		}
		m.DecimalSeparator = value[0]
	case "thousands_separator":
		switch {
		case strings.EqualFold(value, "none") || value == "":
			m.ThousandsSeparator = ""
		case strings.EqualFold(value, "space"):
			m.ThousandsSeparator = " "
		case utf8.RuneCountInString(value) == 1:
			m.ThousandsSeparator = value
		default:
			return fmt.Errorf("want one character, \"space\" or \"none\", got %q", value)
		}
	case "order":
		switch strings.ToLower(value) {
		case "oldest_first":
			m.NewestFirst = false
		case "newest_first":
			m.NewestFirst = true
		default:
			return fmt.Errorf("want oldest_first or newest_first, got %q", value)
		}
	case "header_line":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return fmt.Errorf("want a line number, got %q", value)
		}
		m.HeaderLine = n
	default:
		return fmt.Errorf("unknown key (see the Bank statements section of the README)")
	}
	return nil
}

// check validates the mapping as a whole.
func (m *Mapping) check() error {
	var missing []string
	for _, req := range [][2]string{{"date", m.Date}, {"amount", m.Amount}} {
		if req[1] == "" {
			missing = append(missing, req[0])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("mapping lacks %s", strings.Join(missing, " and "))
	}
	if (m.Account == "") == (m.AccountColumn == "") {
		return errors.New("mapping needs exactly one of account (a fixed account) and account_column")
	}
	if (m.Currency == "") == (m.CurrencyCode == "") {
		return errors.New("mapping needs exactly one of currency (a column) and currency_code (a fixed currency)")
	}
	if m.CurrencyCode != "" && !isCurrencyCode(m.CurrencyCode) {
		return fmt.Errorf("currency_code %q is not an ISO 4217 code (three upper-case letters)", m.CurrencyCode)
	}
	if _, err := parseLayout(m.DateFormat); err != nil {
		return fmt.Errorf("date_format: %v", err)
	}
	if m.ThousandsSeparator == string(m.DecimalSeparator) {
		return errors.New("thousands_separator and decimal_separator are the same")
	}
	if m.Delimiter == '"' || m.Delimiter == '\r' || m.Delimiter == '\n' || m.Delimiter == utf8.RuneError {
		return fmt.Errorf("delimiter %q cannot separate fields", m.Delimiter)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// csvRow is one data row, read.
type csvRow struct {
	line     int
	account  string
	currency string
	entry    statement.Entry
	balance  int64
	signed   int64 // the amount, negative for a debit
	zero     bool
}

// csvColumns are the column indexes of a mapping in one file (-1: not
// mapped).
type csvColumns struct {
	account, date, amount, direction, currency, counterparty, name, reference, e2e, code, balance int
	text                                                                                          []int
}

// parseCSV reads a CSV export into statements: one per account, currency
// and booking date, in the order they first appear. With a balance column
// each carries the balance before its first row as opening and the
// balance after its last row as closing; without, none (and no
// custody_balances row is written).
func parseCSV(ctx context.Context, opt Options, in Input) ([]sourced, []Note, error) {
	m := opt.CSV
	data := bytes.TrimPrefix(in.Data, []byte("\ufeff"))
	if len(data) > statement.MaxInputBytes {
		return nil, nil, &FileError{File: in.Name, Err: fmt.Errorf("larger than %d bytes", statement.MaxInputBytes)}
	}
	// Skip the preamble before the header line.
	skipped := 0
	for skipped < m.HeaderLine-1 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil, nil, &FileError{File: in.Name, Err: fmt.Errorf("no header on line %d: the file has %d lines", m.HeaderLine, skipped+1)}
		}
		data = data[i+1:]
		skipped++
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = m.Delimiter
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	fail := func(line int, format string, args ...any) error {
		return &FileError{File: in.Name, Line: line, Err: fmt.Errorf(format, args...)}
	}
	readErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return fail(pe.Line+skipped, "%v", pe.Err)
		}
		return &FileError{File: in.Name, Err: err}
	}
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, fail(m.HeaderLine, "no header row")
	}
	if err != nil {
		return nil, nil, readErr(err)
	}
	cols, err := m.columns(header)
	if err != nil {
		return nil, nil, fail(m.HeaderLine, "%v", err)
	}
	layout, _ := parseLayout(m.DateFormat)
	var rows []csvRow
	for {
		if len(rows)%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, readErr(err)
		}
		l, _ := r.FieldPos(0)
		line := l + skipped
		if blankRecord(rec) {
			continue
		}
		row, err := m.row(opt, cols, layout, rec, line)
		if err != nil {
			return nil, nil, &FileError{File: in.Name, Line: line, Err: err}
		}
		rows = append(rows, row)
		if len(rows) > statement.MaxEntriesPerStatement {
			return nil, nil, fail(line, "more than %d rows", statement.MaxEntriesPerStatement)
		}
	}
	if len(rows) == 0 {
		return nil, nil, fail(0, "no data rows")
	}
	if m.NewestFirst {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	stmts, err := m.group(in.Name, rows)
	if err != nil {
		return nil, nil, err
	}
	var notes []Note
	if m.Balance == "" {
		notes = append(notes, Note{Level: Info, Kind: NoteNoBalances, File: in.Name,
			Text: "the mapping names no balance column: no custody_balances rows are written for this file, so runs cannot check its statement balances"})
	}
	return stmts, notes, nil
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// columns finds the mapped columns in the header.
func (m *Mapping) columns(header []string) (csvColumns, error) {
	idx := map[string]int{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		k := strings.ToLower(strings.TrimSpace(h))
		if _, dup := idx[k]; !dup {
			idx[k] = i
		}
	}
	var missing []string
	find := func(name string) int {
		if name == "" {
			return -1
		}
		i, ok := idx[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			missing = append(missing, strconv.Quote(name))
			return -1
		}
		return i
	}
	c := csvColumns{
		account: find(m.AccountColumn), date: find(m.Date), amount: find(m.Amount), direction: find(m.Direction),
		currency: find(m.Currency), counterparty: find(m.Counterparty), name: find(m.CounterpartyName),
		reference: find(m.Reference), e2e: find(m.EndToEndID), code: find(m.Code), balance: find(m.Balance),
	}
	for _, t := range m.Text {
		c.text = append(c.text, find(t))
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("header lacks the mapped column(s) %s (header: %q)", strings.Join(missing, ", "), header)
	}
	return c, nil
}

// row reads one data record.
func (m *Mapping) row(opt Options, c csvColumns, layout []layoutPart, rec []string, line int) (csvRow, error) {
	var err error
	get := func(i int, what string) string {
		if i < 0 || err != nil {
			return ""
		}
		if i >= len(rec) {
			err = fmt.Errorf("%s column missing: the row has %d fields", what, len(rec))
			return ""
		}
		v := strings.TrimSpace(rec[i])
		if !utf8.ValidString(v) {
			err = fmt.Errorf("%s %q is not valid UTF-8 (export the file as UTF-8)", what, v)
			return ""
		}
		return v
	}
	row := csvRow{line: line, account: m.Account, currency: m.CurrencyCode}
	if c.account >= 0 {
		row.account = get(c.account, "account")
	}
	if c.currency >= 0 {
		row.currency = get(c.currency, "currency")
	}
	dateText := get(c.date, "date")
	amountText := get(c.amount, "amount")
	dirText := get(c.direction, "direction")
	e := statement.Entry{
		Status:              "BOOK",
		Line:                line,
		CounterpartyAccount: get(c.counterparty, "counterparty"),
		CounterpartyName:    get(c.name, "counterparty name"),
		BankRef:             get(c.reference, "reference"),
		EndToEndID:          get(c.e2e, "end-to-end id"),
		BankTxCode:          get(c.code, "code"),
	}
	var texts []string
	for _, i := range c.text {
		if t := get(i, "text"); t != "" {
			texts = append(texts, t)
		}
	}
	balanceText := get(c.balance, "balance")
	if err != nil {
		return row, err
	}
	e.Remittance = strings.Join(strings.Fields(strings.Join(texts, " ")), " ")
	if row.account == "" {
		return row, errors.New("empty account")
	}
	if !isCurrencyCode(row.currency) {
		return row, fmt.Errorf("currency %q is not an ISO 4217 code (three upper-case letters)", row.currency)
	}
	e.Currency = row.currency
	d, clock, hasTime, err := parseDate(layout, dateText)
	if err != nil {
		return row, fmt.Errorf("date %q does not match date_format %q: %v", dateText, m.DateFormat, err)
	}
	e.BookingDate, e.ValueDate = d, d
	if hasTime {
		e.BookingTime, e.BookingTimeLocal = clock, true
	}
	amt, err := parseCSVAmount(amountText, m.DecimalSeparator, m.ThousandsSeparator, opt.Scale)
	if err != nil {
		return row, fmt.Errorf("amount: %v", err)
	}
	switch {
	case c.direction >= 0:
		if amt < 0 {
			return row, fmt.Errorf("amount %q is negative, but the direction column %q gives the direction", amountText, m.Direction)
		}
		switch {
		case containsFold(m.CreditValues, dirText):
			e.Credit = true
		case containsFold(m.DebitValues, dirText):
		default:
			return row, fmt.Errorf("direction %q is none of the credit values %q or debit values %q", dirText, m.CreditValues, m.DebitValues)
		}
		row.signed = amt
		if !e.Credit {
			row.signed = -amt
		}
		e.AmountMinor = amt
	default:
		row.signed = amt
		e.Credit = amt > 0
		e.AmountMinor = amt
		if amt < 0 {
			e.AmountMinor = -amt
		}
	}
	row.zero = amt == 0
	if c.balance >= 0 {
		if row.balance, err = parseCSVAmount(balanceText, m.DecimalSeparator, m.ThousandsSeparator, opt.Scale); err != nil {
			return row, fmt.Errorf("balance: %v", err)
		}
	}
	row.entry = e
	return row, nil
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// group builds one statement per account, currency and date.
func (m *Mapping) group(file string, rows []csvRow) ([]sourced, error) {
	type key struct {
		account, currency string
		date              statement.Date
	}
	type acct struct{ account, currency string }
	byKey := map[key]int{}
	var out []sourced
	prev := map[acct]int64{}      // balance after the account's previous row
	lastDate := map[acct]csvRow{} // the account's previous row
	for _, r := range rows {
		a := acct{r.account, r.currency}
		if p, ok := lastDate[a]; ok && m.Balance != "" && r.entry.BookingDate.Compare(p.entry.BookingDate) < 0 {
			order := "oldest first"
			if m.NewestFirst {
				order = "newest first (order = newest_first)"
			}
			return nil, &FileError{File: file, Line: r.line, Err: fmt.Errorf(
				"booked on %s, before the row on line %d (%s): with a balance column the rows of an account must be in date order, %s",
				r.entry.BookingDate, p.line, p.entry.BookingDate, order)}
		}
		k := key{r.account, r.currency, r.entry.BookingDate}
		i, ok := byKey[k]
		if !ok {
			i = len(out)
			byKey[k] = i
			st := statement.Statement{
				ID:       fmt.Sprintf("%s %s", r.entry.BookingDate, r.currency),
				Account:  r.account,
				Currency: r.currency,
				Line:     r.line,
			}
			if m.Balance != "" {
				open, ok := prev[a]
				if !ok {
					var err error
					if open, err = money.Sub(r.balance, r.signed); err != nil {
						return nil, &FileError{File: file, Line: r.line, Err: fmt.Errorf("balance before the row: %v", err)}
					}
				}
				st.Opening = statement.Balance{AmountMinor: open, Currency: r.currency, Date: r.entry.BookingDate, Kind: "CSV"}
			}
			out = append(out, sourced{file: file, st: st, csvNoBalance: m.Balance == ""})
		}
		st := &out[i].st
		if m.Balance != "" {
			st.Closing = statement.Balance{AmountMinor: r.balance, Currency: r.currency, Date: r.entry.BookingDate, Kind: "CSV"}
			prev[a] = r.balance
		}
		lastDate[a] = r
		if r.zero {
			st.Skipped++
			continue
		}
		st.Entries = append(st.Entries, r.entry)
	}
	return out, nil
}

// parseCSVAmount reads a decimal amount exactly: an optional sign, digits
// (with thousands separators, which are removed), and an optional decimal
// separator with digits. More non-zero decimals than scale, or a value
// beyond DECIMAL(18, scale), is an error: nothing is rounded.
func parseCSVAmount(s string, dec byte, thousands string, scale int) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty")
	}
	neg := false
	switch t[0] {
	case '-':
		neg, t = true, t[1:]
	case '+':
		t = t[1:]
	}
	if thousands != "" {
		t = strings.ReplaceAll(t, thousands, "")
		if thousands == " " {
			t = strings.NewReplacer("\u00a0", "", "\u202f", "").Replace(t)
		}
	}
	whole, frac, _ := strings.Cut(t, string(dec))
	if whole == "" && frac == "" || !digitsOnly(whole) || !digitsOnly(frac) {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	if len(whole)+len(frac) > 40 {
		return 0, fmt.Errorf("%q has too many digits", s)
	}
	for i := scale; i < len(frac); i++ {
		if frac[i] != '0' {
			return 0, fmt.Errorf("%q has more than %d decimal places (amount_scale): it is not rounded", s, scale)
		}
	}
	var v int64
	for _, ch := range whole + (frac + strings.Repeat("0", scale))[:scale] {
		d := int64(ch - '0')
		if v > (money.MaxAbsMinor-d)/10 {
			return 0, fmt.Errorf("%q does not fit DECIMAL(18, %d)", s, scale)
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, nil
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// layoutPart is a token of a date_format: a field ("YYYY", "MM", "DD",
// "hh", "mm", "ss") or literal text.
type layoutPart struct {
	field   string
	literal string
}

// parseLayout splits a date_format into tokens.
func parseLayout(f string) ([]layoutPart, error) {
	var parts []layoutPart
	seen := map[string]bool{}
	for i := 0; i < len(f); {
		tok := ""
		for _, t := range []string{"YYYY", "MM", "DD", "hh", "mm", "ss"} {
			if strings.HasPrefix(f[i:], t) {
				tok = t
				break
			}
		}
		if tok == "" {
			if n := len(parts); n > 0 && parts[n-1].field == "" {
				parts[n-1].literal += f[i : i+1]
			} else {
				parts = append(parts, layoutPart{literal: f[i : i+1]})
			}
			i++
			continue
		}
		if seen[tok] {
			return nil, fmt.Errorf("%q has %s twice", f, tok)
		}
		seen[tok] = true
		parts = append(parts, layoutPart{field: tok})
		i += len(tok)
	}
	if !seen["YYYY"] || !seen["MM"] || !seen["DD"] {
		return nil, fmt.Errorf("%q lacks YYYY, MM or DD", f)
	}
	if (seen["hh"] || seen["mm"] || seen["ss"]) && (!seen["hh"] || !seen["mm"]) {
		return nil, fmt.Errorf("%q has a time without hh and mm", f)
	}
	return parts, nil
}

// parseDate reads s by layout. Fields after a literal or at the end may
// have fewer digits ("1.5.2019" for DD.MM.YYYY).
func parseDate(layout []layoutPart, s string) (statement.Date, time.Time, bool, error) {
	vals := map[string]int{}
	for k, p := range layout {
		if p.field == "" {
			if !strings.HasPrefix(s, p.literal) {
				return statement.Date{}, time.Time{}, false, fmt.Errorf("expected %q at %q", p.literal, s)
			}
			s = s[len(p.literal):]
			continue
		}
		width := len(p.field)
		n := 0
		for n < width && n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		// A field between literals (or the ends) may be shorter.
		flexible := (k+1 == len(layout) || layout[k+1].field == "") && (k == 0 || layout[k-1].field == "")
		if n == 0 || (n < width && !flexible) {
			return statement.Date{}, time.Time{}, false, fmt.Errorf("expected %d digits for %s at %q", width, p.field, s)
		}
		v, _ := strconv.Atoi(s[:n])
		vals[p.field] = v
		s = s[n:]
	}
	if s != "" {
		return statement.Date{}, time.Time{}, false, fmt.Errorf("unexpected %q at the end", s)
	}
	y, mo, d := vals["YYYY"], vals["MM"], vals["DD"]
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if y < 1 || mo < 1 || mo > 12 || d < 1 || t.Day() != d {
		return statement.Date{}, time.Time{}, false, fmt.Errorf("no such date")
	}
	date := statement.Date{Year: y, Month: time.Month(mo), Day: d}
	_, hasTime := vals["hh"]
	if !hasTime {
		return date, time.Time{}, false, nil
	}
	h, mi, sec := vals["hh"], vals["mm"], vals["ss"]
	if h > 23 || mi > 59 || sec > 59 {
		return statement.Date{}, time.Time{}, false, fmt.Errorf("no such time")
	}
	return date, time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC), true, nil
}
