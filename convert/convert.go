package convert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
	"github.com/recon-dev/recon/statement"
)

// Format is an input format of Convert.
type Format string

// Input formats.
const (
	FormatCamt053 Format = "camt053" // ISO 20022 camt.053 XML, any version
	FormatMT940   Format = "mt940"   // SWIFT MT940
	FormatCSV     Format = "csv"     // a spreadsheet export, read with a Mapping
)

// ParseFormat returns the format a --from value names.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatCamt053, FormatMT940, FormatCSV:
		return f, nil
	case "camt", "camt.053":
		return FormatCamt053, nil
	}
	return "", fmt.Errorf("unknown statement format %q (want camt053, mt940 or csv)", s)
}

// Input is one statement file.
type Input struct {
	// Name is the file as the user knows it; it prefixes every message
	// about the file ("nordea.xml:27: ...").
	Name string
	// Data is the file's content.
	Data []byte
}

// Options configure a conversion.
type Options struct {
	Format Format
	// BankID and PlatformID are written into every row (bank_id,
	// platform_id) and name the key segments bank=B and platform=P.
	BankID, PlatformID string
	// Scale is amount_scale: money is written as DECIMAL(18, Scale) and
	// read from the statements at that scale (never rounded).
	Scale int
	// Location is business_timezone: a booking date becomes booked_at at
	// 00:00 there. Nil means UTC.
	Location *time.Location
	// Accounts maps statement account ids and counterparty ids to
	// registry account ids. Nil maps nothing.
	Accounts *AccountMap
	// Kinds maps bank transaction codes to kinds. Nil: deposit for
	// credits, withdrawal for debits.
	Kinds *KindMap
	// CSV is the column mapping of FormatCSV inputs.
	CSV *Mapping
	// Limits are the limits the written files must meet (a run reads
	// them under these): a memo longer than StringBytes is shortened (with
	// a note), a longer id is an error. The zero value means
	// formats.DefaultLimits().
	Limits formats.Limits
}

// Level grades a Note.
type Level int

// Note levels.
const (
	// Info: a choice the converter made that the bank should know about
	// (a derived id, a placeholder account, a derived balance).
	Info Level = iota
	// Warning: the statement's data is inconsistent (it does not add up,
	// chain, or keep to its dates). The data is converted as the bank
	// reported it; --strict refuses to write anything when there is one.
	Warning
)

func (l Level) String() string {
	if l == Warning {
		return "WARNING"
	}
	return "NOTE"
}

// Note kinds. The first four are statement.Check's problem kinds.
const (
	NoteBalance        = statement.ProblemBalance  // opening + entries != closing
	NoteChain          = statement.ProblemChain    // closing != the next statement's opening
	NoteCurrency       = statement.ProblemCurrency // amounts in two currencies
	NoteMissing        = statement.ProblemMissing  // no opening or closing balance
	NoteDates          = "dates"                   // entries booked outside the statement's balance dates
	NoteRepeated       = "repeated-statement"      // the same statement id of one account twice
	NoteRefReused      = "bank-ref-reused"         // a bank reference used again: made unique
	NoteRefDerived     = "bank-ref-derived"        // no bank reference: an id was derived
	NotePlaceholder    = "counterparty-placeholder"
	NoteDerivedBalance = "derived-balance" // a day's balances computed from a multi-day statement
	NoteSkipped        = "skipped"         // entries not booked, or of amount zero
	NoteMemo           = "memo-shortened"
	NoteNoBalances     = "no-balances" // a CSV without a balance column
)

// Note is one line of the conversion report.
type Note struct {
	Level Level
	Kind  string
	// File and Line locate the statement (or entry) the note is about.
	File string
	Line int
	// Statement is the statement id ("" for file-level notes).
	Statement string
	// DifferenceMinor is, for NoteBalance and NoteChain, statement.Check's
	// difference in minor units at Options.Scale; else 0.
	DifferenceMinor int64
	// Text says what happened and what it means for the run.
	Text string
}

// String formats the note as one report line:
// "WARNING file:line: statement "ID": balance: text".
func (n Note) String() string {
	var b strings.Builder
	b.WriteString(n.Level.String())
	b.WriteByte(' ')
	b.WriteString(n.File)
	if n.Line > 0 {
		fmt.Fprintf(&b, ":%d", n.Line)
	}
	b.WriteString(": ")
	if n.Statement != "" {
		fmt.Fprintf(&b, "statement %q: ", n.Statement)
	}
	b.WriteString(n.Kind)
	b.WriteString(": ")
	b.WriteString(n.Text)
	return b.String()
}

// Day is what one business date gets: the rows under date=Date.
type Day struct {
	Date         string // YYYY-MM-DD
	Transactions []formats.CustodyTxnRow
	Balances     []formats.CustodyBalanceRow
}

// Result is a conversion's output and report.
type Result struct {
	// Days are the business dates found, in date order.
	Days []Day
	// Notes are the report lines, in input order: by file, then by the
	// line of the statement they are about.
	Notes []Note
	// Statements, Entries and Skipped count what was read (Skipped:
	// entries not booked or of amount zero, which are not written).
	Statements, Entries, Skipped int
	// Inputs summarise each input: "nordea.xml: camt053, 1 statement, 6
	// entries (0 skipped), account FI8529501800030574 -> INV-1".
	Inputs []string

	opt Options // as validated: what Files writes with
}

// Warnings returns the number of Warning notes.
func (r *Result) Warnings() int {
	n := 0
	for _, note := range r.Notes {
		if note.Level == Warning {
			n++
		}
	}
	return n
}

// FileError is a problem that prevents converting an input: it cannot be
// parsed (a *statement.ParseError, or a CSV error with its line), or a
// value in it cannot be written (an invalid currency, a date outside what
// the tables hold).
type FileError struct {
	File string
	Line int // 0 when not tied to a line
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// fileErr wraps a parser error (a *statement.ParseError, whose text
// starts "line N: field: ...") with the file name.
func fileErr(name string, err error) error {
	return &FileError{File: name, Err: err}
}

// sourced is a statement with the file it came from.
type sourced struct {
	file  string
	input int // the file's position among the inputs
	st    statement.Statement
	// csvNoBalance: a CSV statement without a balance column; its missing
	// balances are expected, not a problem.
	csvNoBalance bool
}

// Convert reads the inputs and converts every statement in them to rows
// of custody_transactions and custody_balances, by business date. A file
// that cannot be read makes the whole conversion fail (errors of all such
// files are joined, each a *FileError); inconsistent data is converted and
// reported as Warning notes.
func Convert(ctx context.Context, opt Options, inputs []Input) (*Result, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, errors.New("convert: no input files")
	}
	res := &Result{opt: opt}
	var all []sourced
	var fileNotes []placedNote
	var errs []error
	for k, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		stmts, notes, err := parseInput(ctx, opt, in)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		for i := range stmts {
			stmts[i].input = k
		}
		for _, n := range notes {
			fileNotes = append(fileNotes, placedNote{input: k, note: n})
		}
		res.Inputs = append(res.Inputs, describeInput(opt, in.Name, stmts))
		all = append(all, stmts...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c := newConverter(opt, res)
	c.notes = fileNotes
	if err := c.run(all); err != nil {
		return nil, err
	}
	return res, nil
}

// validate checks the options.
func (o *Options) validate() error {
	if _, err := ParseFormat(string(o.Format)); err != nil {
		return err
	}
	if err := CheckID("bank", o.BankID); err != nil {
		return err
	}
	if err := CheckID("platform", o.PlatformID); err != nil {
		return err
	}
	if err := money.CheckScale(o.Scale); err != nil {
		return err
	}
	if o.Format == FormatCSV && o.CSV == nil {
		return errors.New("convert: --from csv needs a column mapping (--mapping FILE)")
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Limits == (formats.Limits{}) {
		o.Limits = formats.DefaultLimits()
	}
	return nil
}

// CheckID checks a bank or platform id: it becomes a key segment (bank=B,
// platform=P) and part of the IAM policies' resource patterns, so it is
// letters, digits, '-' and '_'.
func CheckID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s id must not be empty", what)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%s id %q: ids are letters, digits, '-' and '_'", what, id)
		}
	}
	return nil
}

// parseInput parses one input into statements.
func parseInput(ctx context.Context, opt Options, in Input) ([]sourced, []Note, error) {
	var stmts []statement.Statement
	var err error
	sopt := statement.Options{Scale: opt.Scale}
	switch opt.Format {
	case FormatCamt053:
		stmts, err = statement.ParseCamt053(ctx, bytes.NewReader(in.Data), sopt)
	case FormatMT940:
		stmts, err = statement.ParseMT940(ctx, bytes.NewReader(in.Data), sopt)
	case FormatCSV:
		return parseCSV(ctx, opt, in)
	}
	if err != nil {
		return nil, nil, fileErr(in.Name, err)
	}
	out := make([]sourced, len(stmts))
	for i := range stmts {
		out[i] = sourced{file: in.Name, st: stmts[i]}
	}
	return out, nil, nil
}

// describeInput summarises what was read from one input.
func describeInput(opt Options, name string, stmts []sourced) string {
	entries, skipped := 0, 0
	var accounts []string
	seen := map[string]bool{}
	for _, s := range stmts {
		entries += len(s.st.Entries)
		skipped += s.st.Skipped
		if !seen[s.st.Account] {
			seen[s.st.Account] = true
			a := s.st.Account
			if m := opt.Accounts.Lookup(a); m != a {
				a += " -> " + m
			}
			accounts = append(accounts, a)
		}
	}
	acct := "account"
	if len(accounts) != 1 {
		acct = "accounts"
	}
	list := strings.Join(accounts, ", ")
	if len(accounts) > 5 {
		list = strings.Join(accounts[:5], ", ") + fmt.Sprintf(", and %d more", len(accounts)-5)
	}
	return fmt.Sprintf("%s: %s, %s, %s (%d skipped), %s %s",
		name, opt.Format, plural(len(stmts), "statement"), plural(entries, "entry"), skipped, acct, list)
}

// plural formats "1 entry", "2 entries", "3 days".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if stem, ok := strings.CutSuffix(word, "y"); ok && stem != "" && !strings.ContainsRune("aeiou", rune(stem[len(stem)-1])) {
		return fmt.Sprintf("%d %sies", n, stem)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// DefaultName is the object name of a conversion's files when none is
// given: the first input's base name without its extension, made safe for
// a key (letters, digits, '-', '_' and '.'), with "-and-N-more" when there
// are several inputs.
func DefaultName(inputs []string) string {
	if len(inputs) == 0 {
		return "statement"
	}
	base := filepath.Base(inputs[0])
	base = strings.TrimSuffix(base, filepath.Ext(base))
	var b strings.Builder
	for _, c := range base {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	name := strings.TrimLeft(b.String(), "._")
	if name == "" {
		name = "statement"
	}
	if len(inputs) > 1 {
		name += fmt.Sprintf("-and-%d-more", len(inputs)-1)
	}
	return name
}
