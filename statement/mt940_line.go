package statement

import "strings"

// parseStatementLine parses a :61: field:
//
//	value date   YYMMDD
//	entry date   MMDD, optional (four blanks also mean absent)
//	mark         C, D, RC (reversal of credit: booked as a debit) or
//	             RD (reversal of debit: booked as a credit)
//	funds code   one letter, optional (third letter of the currency)
//	amount       digits with a decimal comma ("1234,56", "0,")
//	type         N, F or S followed by three characters ("NTRF")
//	customer ref up to "//" or the end of the line
//	bank ref     after "//", optional
//	supplementary details: the continuation line(s), optional
//
// Lengths of the references are not enforced (banks exceed them).
func parseStatementLine(f *mt940Field, scale int) (*mt940Entry, error) {
	s := f.lines[0]
	bad := func(format string, args ...any) error {
		return parseErr(f.line, ":61:", ErrSyntax, format, args...)
	}
	if len(s) < 6 {
		return nil, bad("statement line %q too short", s)
	}
	value, ok := parseYYMMDD(s[:6])
	if !ok {
		return nil, parseErr(f.line, ":61:", ErrDate, "invalid value date %q", s[:6])
	}
	s = s[6:]
	booking := value
	switch {
	case len(s) >= 4 && allDigits(s[:4]):
		if booking, ok = resolveMMDD(s[:4], value); !ok {
			return nil, parseErr(f.line, ":61:", ErrDate, "invalid entry date %q", s[:4])
		}
		s = s[4:]
	case strings.HasPrefix(s, "    "):
		s = s[4:]
	}
	e := &mt940Entry{entry: Entry{ValueDate: value, BookingDate: booking, Status: "BOOK", Line: f.line}}
	switch {
	case strings.HasPrefix(s, "RC"):
		e.entry.Reversal, s = true, s[2:]
	case strings.HasPrefix(s, "RD"):
		e.entry.Reversal, e.entry.Credit, s = true, true, s[2:]
	case strings.HasPrefix(s, "C"):
		e.entry.Credit, s = true, s[1:]
	case strings.HasPrefix(s, "D"):
		s = s[1:]
	default:
		return nil, bad("debit/credit mark missing before %q", clip(s))
	}
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		s = s[1:] // funds code
	}
	n := 0
	for n < len(s) && (isDigit(s[n]) || s[n] == ',') {
		n++
	}
	amt, err := parseAmount(s[:n], ',', true, scale)
	if err != nil {
		return nil, &ParseError{Line: f.line, Field: ":61:", Err: wrapAmount(err)}
	}
	e.entry.AmountMinor = amt
	s = s[n:]
	if len(s) < 4 || strings.IndexByte("NFS", s[0]) < 0 {
		return nil, bad("transaction type (N/F/S + 3 characters) missing before %q", clip(s))
	}
	e.entry.BankTxCode = s[:4]
	s = s[4:]
	customer, bank, _ := strings.Cut(s, "//")
	e.customerRef = strings.TrimSpace(customer)
	e.entry.BankRef = strings.TrimSpace(bank)
	e.supplementary = joinTrimmed(f.lines[1:], " ")
	return e, nil
}

// clip shortens s for error messages.
func clip(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

// joinTrimmed trims each of parts and joins the non-empty ones with sep.
func joinTrimmed(parts []string, sep string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}
