package convert

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
	"github.com/recon-dev/recon/statement"
)

// Bounds of what the canonical tables hold (formats rejects anything
// outside 1970-01-01 .. 2200-01-01).
var (
	minInstant = time.Unix(0, 0).UTC()
	maxInstant = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// PlaceholderPrefix starts the account id written for a counterparty the
// statement does not identify: "UNKNOWN:" + the (mapped) statement
// account, so that payer and payee are never empty and every unknown
// counterparty of one custody account is one id the registry can list.
const PlaceholderPrefix = "UNKNOWN:"

// Memo markers.
const (
	memoReversal     = "[reversal]"
	memoCounterparty = "[counterparty: "
)

// maxListed is how many examples a note lists before "and N more".
const maxListed = 3

// converter turns statements into rows.
type converter struct {
	opt Options
	res *Result

	notes []placedNote    // the report, to be put in input order
	used  map[string]bool // bank_txn_ids given so far
	days  map[statement.Date]*Day
	segs  []segment
	seen  map[[2]string]string // (account, statement id) -> where first seen
	scale int
}

// segment is one statement's balances for one business date.
type segment struct {
	account, currency string
	date              statement.Date
	opening, closing  int64
}

func newConverter(opt Options, res *Result) *converter {
	return &converter{
		opt:   opt,
		res:   res,
		used:  map[string]bool{},
		days:  map[statement.Date]*Day{},
		seen:  map[[2]string]string{},
		scale: opt.Scale,
	}
}

// amt formats minor units for messages.
func (c *converter) amt(v int64) string { return money.Format(v, c.scale) }

// signed formats a difference with its sign.
func (c *converter) signed(v int64) string {
	if v > 0 {
		return "+" + c.amt(v)
	}
	return c.amt(v)
}

// placedNote is a note with the position of its statement in the input.
type placedNote struct {
	input, line int
	note        Note
}

// note adds a report line about statement s (at line, or at the
// statement's own line when 0).
func (c *converter) note(level Level, kind string, s *sourced, line int, diff int64, format string, args ...any) {
	if line == 0 {
		line = s.st.Line
	}
	c.notes = append(c.notes, placedNote{input: s.input, line: s.st.Line, note: Note{Level: level, Kind: kind, File: s.file, Line: line,
		Statement: s.st.ID, DifferenceMinor: diff, Text: fmt.Sprintf(format, args...)}})
}

// run converts all statements in the order of their closing balance
// dates (input order within a date, and for statements without one), so
// that the files given, in whatever order, chain and get the same ids.
func (c *converter) run(all []sourced) error {
	slices.SortStableFunc(all, func(a, b sourced) int { return a.st.Closing.Date.Compare(b.st.Closing.Date) })
	raw := make([]statement.Statement, len(all))
	for i := range all {
		raw[i] = all[i].st
	}
	problems := statement.Check(raw)
	byStmt := map[int][]statement.Problem{}
	for _, p := range problems {
		byStmt[p.Statement] = append(byStmt[p.Statement], p)
	}
	for i := range all {
		s := &all[i]
		c.res.Statements++
		c.res.Entries += len(s.st.Entries)
		c.res.Skipped += s.st.Skipped
		c.checkNotes(all, i, byStmt[i])
		if err := c.statement(s); err != nil {
			return err
		}
	}
	c.balances()
	c.finish()
	slices.SortStableFunc(c.notes, func(a, b placedNote) int {
		if a.input != b.input {
			return cmp.Compare(a.input, b.input)
		}
		return cmp.Compare(a.line, b.line)
	})
	for _, n := range c.notes {
		c.res.Notes = append(c.res.Notes, n.note)
	}
	return nil
}

// checkNotes turns statement.Check's problems of statement i into notes.
func (c *converter) checkNotes(all []sourced, i int, problems []statement.Problem) {
	s := &all[i]
	st := &s.st
	where := fmt.Sprintf("account %s, %s", st.Account, st.Opening.Currency)
	foreign := foreignEntries(st)
	k := 0
	for _, p := range problems {
		switch p.Kind {
		case statement.ProblemBalance:
			if p.DifferenceMinor == 0 {
				c.note(Warning, p.Kind, s, 0, 0, "%s: %s", where, p.Detail)
				continue
			}
			credits, debits := p.CreditsMinor, p.DebitsMinor
			c.note(Warning, p.Kind, s, 0, p.DifferenceMinor,
				"%s: opening %s + credits %s - debits %s = %s, but the closing balance is %s: difference %s. "+
					"The balances are written as reported: the run reports BANK_STATEMENT_BREAK.",
				where, c.amt(st.Opening.AmountMinor), c.amt(credits), c.amt(debits),
				c.amt(st.Opening.AmountMinor+credits-debits), c.amt(st.Closing.AmountMinor), c.signed(p.DifferenceMinor))
		case statement.ProblemChain:
			next := nextOf(all, i)
			nid := ""
			if next != nil {
				nid = next.st.ID
			}
			c.note(Warning, p.Kind, s, 0, p.DifferenceMinor,
				"%s: closes with %s on %s, but the next statement %q opens with %s on %s: difference %s",
				where, c.amt(st.Closing.AmountMinor), st.Closing.Date, nid,
				c.amt(st.Closing.AmountMinor+p.DifferenceMinor), nextOpeningDate(next), c.signed(p.DifferenceMinor))
		case statement.ProblemCurrency:
			if st.Opening.Currency != st.Closing.Currency {
				c.note(Warning, p.Kind, s, 0, 0,
					"account %s: opening balance in %s but closing balance in %s: the statement cannot be checked and no custody_balances row is written for it",
					st.Account, st.Opening.Currency, st.Closing.Currency)
				continue
			}
			if k < len(foreign) {
				e := foreign[k]
				k++
				c.note(Warning, p.Kind, s, e.Line, 0,
					"%s: entry of %s %s in a %s statement: written as a %s movement, left out of the statement's %s balance",
					where, c.amt(e.AmountMinor), e.Currency, st.Opening.Currency, e.Currency, st.Opening.Currency)
				continue
			}
			c.note(Warning, p.Kind, s, 0, 0, "%s: %s", where, p.Detail)
		case statement.ProblemMissing:
			if s.csvNoBalance {
				continue
			}
			c.note(Warning, p.Kind, s, 0, 0, "account %s: %s: the statement cannot be checked and no custody_balances row is written for it",
				st.Account, p.Detail)
		default:
			c.note(Warning, p.Kind, s, 0, p.DifferenceMinor, "%s: %s", where, p.Detail)
		}
	}
}

// foreignEntries lists the entries not in the opening balance's currency,
// in order (statement.Check reports one currency problem for each).
func foreignEntries(st *statement.Statement) []statement.Entry {
	var out []statement.Entry
	if st.Opening.Kind == "" || st.Closing.Kind == "" || st.Opening.Currency != st.Closing.Currency {
		return nil
	}
	for _, e := range st.Entries {
		if e.Currency != st.Opening.Currency {
			out = append(out, e)
		}
	}
	return out
}

// nextOf returns the next statement of the same account and currency.
func nextOf(all []sourced, i int) *sourced {
	for j := i + 1; j < len(all); j++ {
		if all[j].st.Account == all[i].st.Account && all[j].st.Currency == all[i].st.Currency {
			return &all[j]
		}
	}
	return nil
}

func nextOpeningDate(s *sourced) string {
	if s == nil {
		return "?"
	}
	return s.st.Opening.Date.String()
}

// statement converts one statement's entries and collects its balance
// segments.
func (c *converter) statement(s *sourced) error {
	st := &s.st
	if strings.TrimSpace(st.Account) == "" {
		return &FileError{File: s.file, Line: st.Line, Err: fmt.Errorf("statement %q has no account identification", st.ID)}
	}
	account := c.opt.Accounts.Lookup(st.Account)
	if err := c.checkString(s, st.Line, "account", account); err != nil {
		return err
	}
	key := [2]string{st.Account, st.ID}
	if first, ok := c.seen[key]; ok && st.ID != "" {
		c.note(Warning, NoteRepeated, s, 0, 0,
			"account %s: a statement with this id was already read at %s: its entries are written again (with made-unique bank_txn_ids); convert each statement once",
			st.Account, first)
	} else {
		c.seen[key] = fmt.Sprintf("%s:%d", s.file, st.Line)
	}
	if st.Skipped > 0 {
		c.note(Info, NoteSkipped, s, 0, 0, "%s not written: not booked (a camt status other than BOOK) or of amount zero (information lines)",
			plural(st.Skipped, "entry"))
	}
	ids := idNotes{}
	var placeholders int
	for k := range st.Entries {
		e := &st.Entries[k]
		row, placeholder, err := c.row(s, account, k, e, &ids)
		if err != nil {
			return err
		}
		if placeholder {
			placeholders++
		}
		c.day(e.BookingDate).Transactions = append(c.day(e.BookingDate).Transactions, row)
	}
	ids.report(c, s)
	if placeholders > 0 {
		c.note(Info, NotePlaceholder, s, 0, 0,
			"%s without a counterparty account: the counterparty is written as %s%s",
			plural(placeholders, "entry"), PlaceholderPrefix, account)
	}
	return c.segments(s, account)
}

// idNotes collects what happened to one statement's bank references.
type idNotes struct {
	derived, reused []string // "id (line N)"
	nDerived        int
	nReused         int
}

func (n *idNotes) report(c *converter, s *sourced) {
	if n.nDerived > 0 {
		c.note(Info, NoteRefDerived, s, 0, 0,
			"%s without a bank reference: bank_txn_id derived as <account>:<statement id>:<entry number>: %s",
			plural(n.nDerived, "entry"), listed(n.derived, n.nDerived))
	}
	if n.nReused > 0 {
		c.note(Info, NoteRefReused, s, 0, 0,
			"%s a bank reference already used: bank_txn_id made unique with a #N suffix: %s",
			reuse(n.nReused), listed(n.reused, n.nReused))
	}
}

// reuse is "1 entry reuses" or "N entries reuse".
func reuse(n int) string {
	if n == 1 {
		return "1 entry reuses"
	}
	return fmt.Sprintf("%d entries reuse", n)
}

// listed joins up to maxListed examples of n.
func listed(examples []string, n int) string {
	s := strings.Join(examples, ", ")
	if n > len(examples) {
		s += fmt.Sprintf(", and %d more", n-len(examples))
	}
	return s
}

// row converts entry k of statement s.
func (c *converter) row(s *sourced, account string, k int, e *statement.Entry, ids *idNotes) (formats.CustodyTxnRow, bool, error) {
	st := &s.st
	fail := func(format string, args ...any) (formats.CustodyTxnRow, bool, error) {
		return formats.CustodyTxnRow{}, false, &FileError{File: s.file, Line: e.Line, Err: fmt.Errorf(format, args...)}
	}
	if !isCurrencyCode(e.Currency) {
		return fail("currency %q is not an ISO 4217 code (three upper-case letters)", e.Currency)
	}
	if e.AmountMinor <= 0 || !money.InRange(e.AmountMinor) {
		return fail("amount %s does not fit DECIMAL(18, %d)", c.amt(e.AmountMinor), c.scale)
	}
	bookedAt, err := c.bookedAt(e)
	if err != nil {
		return fail("%v", err)
	}
	// bank_txn_id: the bank's reference, unique over the conversion.
	id := strings.TrimSpace(e.BankRef)
	if id == "" {
		id = fmt.Sprintf("%s:%s:%d", st.Account, st.ID, k+1)
		if ids.nDerived < maxListed {
			ids.derived = append(ids.derived, fmt.Sprintf("%s (line %d)", id, e.Line))
		}
		ids.nDerived++
	}
	if c.used[id] {
		base := id
		for n := 2; ; n++ {
			id = base + "#" + strconv.Itoa(n)
			if !c.used[id] {
				break
			}
		}
		if ids.nReused < maxListed {
			ids.reused = append(ids.reused, fmt.Sprintf("%s (line %d)", id, e.Line))
		}
		ids.nReused++
	}
	c.used[id] = true
	if err := c.checkString(s, e.Line, "bank_txn_id", id); err != nil {
		return formats.CustodyTxnRow{}, false, err
	}
	// The other party: mapped, else a placeholder.
	placeholder := false
	other := strings.TrimSpace(e.CounterpartyAccount)
	if other == "" {
		other, placeholder = PlaceholderPrefix+account, true
	} else {
		other = c.opt.Accounts.Lookup(other)
	}
	if err := c.checkString(s, e.Line, "counterparty account", other); err != nil {
		return formats.CustodyTxnRow{}, false, err
	}
	payer, payee := other, account
	if !e.Credit {
		payer, payee = account, other
	}
	row := formats.CustodyTxnRow{
		BankID:     c.opt.BankID,
		PlatformID: c.opt.PlatformID,
		BankTxnID:  id,
		Payer:      payer,
		Payee:      payee,
		Amount:     e.AmountMinor,
		Currency:   e.Currency,
		Kind:       c.opt.Kinds.Kind(e.BankTxCode, e.Credit),
		Status:     "success",
		BookedAt:   bookedAt,
	}
	if ref := strings.TrimSpace(e.EndToEndID); ref != "" {
		if err := c.checkString(s, e.Line, "end-to-end id", ref); err != nil {
			return formats.CustodyTxnRow{}, false, err
		}
		row.PlatformTxnID = &ref
	}
	if memo := c.memo(s, e); memo != "" {
		row.Memo = &memo
	}
	return row, placeholder, nil
}

// bookedAt is the entry's booking instant in µs: its date-time when the
// input gives one, else its booking date at 00:00 in business_timezone.
func (c *converter) bookedAt(e *statement.Entry) (int64, error) {
	var t time.Time
	switch {
	case !e.BookingTime.IsZero() && e.BookingTimeLocal:
		w := e.BookingTime
		t = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), c.opt.Location)
	case !e.BookingTime.IsZero():
		t = e.BookingTime
	default:
		d := e.BookingDate
		t = time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, c.opt.Location)
	}
	if t.Before(minInstant) || !t.Before(maxInstant) {
		return 0, fmt.Errorf("booking date %s is outside what the tables hold (1970-01-01 to 2199-12-31 in %s)", e.BookingDate, c.opt.Location)
	}
	return t.UnixMicro(), nil
}

// memo is the remittance text, with a reversal marker and the
// counterparty's name when the statement gives one. It is shortened to
// MaxString bytes (with a note) rather than rejected.
func (c *converter) memo(s *sourced, e *statement.Entry) string {
	var parts []string
	if e.Reversal {
		parts = append(parts, memoReversal)
	}
	if r := strings.TrimSpace(e.Remittance); r != "" {
		parts = append(parts, r)
	}
	if name := strings.TrimSpace(e.CounterpartyName); name != "" {
		parts = append(parts, memoCounterparty+name+"]")
	}
	m := strings.Join(parts, " ")
	if limit := c.opt.Limits.StringBytes; limit > 0 && len(m) > limit {
		cut, tail := limit-len("..."), "..."
		if cut < 0 {
			cut, tail = limit, ""
		}
		for cut > 0 && !utf8.RuneStart(m[cut]) {
			cut--
		}
		c.note(Info, NoteMemo, s, e.Line, 0, "memo of %d bytes shortened to the %d-byte string limit", len(m), limit)
		m = m[:cut] + tail
	}
	return m
}

// checkString checks an id against the string limit.
func (c *converter) checkString(s *sourced, line int, what, v string) error {
	if limit := c.opt.Limits.StringBytes; limit > 0 && len(v) > limit {
		return &FileError{File: s.file, Line: line, Err: fmt.Errorf("%s of %d bytes is longer than the %d-byte string limit", what, len(v), limit)}
	}
	if !utf8.ValidString(v) {
		return &FileError{File: s.file, Line: line, Err: fmt.Errorf("%s %q is not valid UTF-8", what, v)}
	}
	return nil
}

// isCurrencyCode reports whether s is a currency the tables accept.
func isCurrencyCode(s string) bool { return formats.IsCurrencyCode([]byte(s)) }

// day returns the Day of date d, creating it.
func (c *converter) day(d statement.Date) *Day {
	day := c.days[d]
	if day == nil {
		day = &Day{Date: d.String()}
		c.days[d] = day
	}
	return day
}

// segments computes the statement's balances per business date. A
// statement covers the days from its opening balance's date to its
// closing balance's date. The reported closing balance is the closing of
// the closing balance's date; the reported opening balance is the opening
// of the first day with entries. A statement whose entries are booked on
// several days of its period (a weekly or monthly statement) gets a row
// for each earlier day with entries too, with balances carried forward
// from the opening through each day's entries, so that every day's run
// can check its movements. Entries booked outside the period are written
// under their dates with no balance row (and a warning): the closing
// balance counts them, so the closing date's run shows the difference.
func (c *converter) segments(s *sourced, account string) error {
	st := &s.st
	if st.Opening.Kind == "" || st.Closing.Kind == "" || st.Opening.Currency != st.Closing.Currency {
		return nil // reported by checkNotes (or a CSV without balances)
	}
	ccy := st.Opening.Currency
	if !isCurrencyCode(ccy) {
		return &FileError{File: s.file, Line: st.Line, Err: fmt.Errorf("balance currency %q is not an ISO 4217 code (three upper-case letters)", ccy)}
	}
	first, last := st.Opening.Date, st.Closing.Date
	for _, d := range []statement.Date{first, last} {
		if t := d.Time(); t.Before(minInstant) || !t.Before(maxInstant) {
			return &FileError{File: s.file, Line: st.Line, Err: fmt.Errorf("balance date %s is outside what the tables hold (1970-01-01 to 2199-12-31)", d)}
		}
	}
	for _, b := range []int64{st.Opening.AmountMinor, st.Closing.AmountMinor} {
		if !money.InRange(b) {
			return &FileError{File: s.file, Line: st.Line, Err: fmt.Errorf("balance %s does not fit DECIMAL(18, %d)", c.amt(b), c.scale)}
		}
	}
	if last.Compare(first) < 0 {
		c.note(Warning, NoteDates, s, 0, 0, "account %s, %s: the closing balance is dated %s, before the opening balance (%s)",
			st.Account, ccy, last, first)
	}
	net := map[statement.Date]int64{}
	var before, after, days []statement.Date
	for _, e := range st.Entries {
		if e.Currency != ccy {
			continue
		}
		d := e.BookingDate
		if _, ok := net[d]; !ok {
			switch {
			case d.Compare(last) > 0:
				after = append(after, d)
			case d.Compare(first) < 0:
				before = append(before, d)
			case d.Compare(last) < 0:
				days = append(days, d)
			}
		}
		var ok bool
		if e.Credit {
			net[d], ok = money.AddInt64(net[d], e.AmountMinor)
		} else {
			net[d], ok = money.AddInt64(net[d], -e.AmountMinor)
		}
		if !ok {
			return &FileError{File: s.file, Line: e.Line, Err: fmt.Errorf("the entries of %s overflow", d)}
		}
	}
	outside := func(ds []statement.Date, where string) {
		if len(ds) == 0 {
			return
		}
		slices.SortFunc(ds, statement.Date.Compare)
		c.note(Warning, NoteDates, s, 0, 0,
			"account %s, %s: entries booked on %s, %s: they are written under their booking dates with no balance row; the closing balance of %s counts them, so the run of %s reports BANK_STATEMENT_BREAK",
			st.Account, ccy, joinDates(ds), where, last, last)
	}
	outside(before, fmt.Sprintf("before the opening balance date %s", first))
	outside(after, fmt.Sprintf("after the closing balance date %s", last))
	slices.SortFunc(days, statement.Date.Compare)
	running := st.Opening.AmountMinor
	var derived []string
	for _, d := range days {
		closing, err := money.Add(running, net[d])
		if err != nil {
			return &FileError{File: s.file, Line: st.Line, Err: fmt.Errorf("the balance of %s carried forward does not fit DECIMAL(18, %d)", d, c.scale)}
		}
		c.segs = append(c.segs, segment{account: account, currency: ccy, date: d, opening: running, closing: closing})
		derived = append(derived, fmt.Sprintf("%s (%s -> %s)", d, c.amt(running), c.amt(closing)))
		running = closing
	}
	c.segs = append(c.segs, segment{account: account, currency: ccy, date: last, opening: running, closing: st.Closing.AmountMinor})
	if len(derived) > 0 {
		c.note(Info, NoteDerivedBalance, s, 0, 0,
			"account %s, %s: entries booked on %s before the closing balance date %s: the custody_balances rows of %s carry balances carried forward from the opening balance through each day's entries; %s carries the reported closing balance",
			st.Account, ccy, plural(len(days), "earlier day"), last, listed(derived[:min(len(derived), 5)], len(derived)), last)
	}
	return nil
}

func joinDates(ds []statement.Date) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return strings.Join(out, ", ")
}

// balances merges the segments into one row per (account, currency,
// date): the opening of the first statement of the day (in input order)
// and the closing of the last, so intermediate pages (MT940 60M/62M)
// collapse into one row.
func (c *converter) balances() {
	type key struct {
		account, currency string
		date              statement.Date
	}
	merged := map[key]*formats.CustodyBalanceRow{}
	var order []key
	for _, sg := range c.segs {
		k := key{sg.account, sg.currency, sg.date}
		if r := merged[k]; r != nil {
			r.Closing = sg.closing
			continue
		}
		merged[k] = &formats.CustodyBalanceRow{
			BankID: c.opt.BankID, PlatformID: c.opt.PlatformID, AccountID: sg.account,
			AsOf: daysSinceEpoch(sg.date), Opening: sg.opening, Closing: sg.closing, Currency: sg.currency,
		}
		order = append(order, k)
	}
	for _, k := range order {
		d := c.day(k.date)
		d.Balances = append(d.Balances, *merged[k])
	}
}

// finish sorts the days and their balance rows.
func (c *converter) finish() {
	dates := make([]statement.Date, 0, len(c.days))
	for d := range c.days {
		dates = append(dates, d)
	}
	slices.SortFunc(dates, statement.Date.Compare)
	for _, d := range dates {
		day := c.days[d]
		slices.SortStableFunc(day.Balances, func(a, b formats.CustodyBalanceRow) int {
			if x := cmp.Compare(a.AccountID, b.AccountID); x != 0 {
				return x
			}
			return cmp.Compare(a.Currency, b.Currency)
		})
		c.res.Days = append(c.res.Days, *day)
	}
}

// daysSinceEpoch converts a date to days since 1970-01-01.
func daysSinceEpoch(d statement.Date) int32 {
	return int32(d.Time().Unix() / 86400)
}
