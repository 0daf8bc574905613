package statement

import (
	"strings"
	"unicode/utf8"
)

// swiftLineWidth is the width of an MT940 :86: line. A line that uses the
// full width was broken by the width limit, possibly inside a word, so the
// next line is joined to it without a space.
const swiftLineWidth = 65

// mt940Info is what is extracted from the :86: fields of one entry.
type mt940Info struct {
	endToEndID string
	account    string
	name       string
	remittance string
}

// parseInfo reads the :86: fields (each a list of lines) of one entry.
// Three layouts are recognised:
//
//   - German structured (DFÜ-Abkommen): "NNN?00posting text?10...?20..."
//     with subfields ?20-?29 and ?60-?63 forming the purpose (joined into
//     Remittance), ?30 the BIC, ?31 the account (CounterpartyAccount), ?32
//     and ?33 the name; SEPA keywords EREF+ (EndToEndID) and IBAN+ are
//     read from the purpose. Line breaks are removed (a subfield may be
//     broken across lines anywhere).
//   - Slash-coded (ABN AMRO, ING, Rabobank): "/TRTP/.../IBAN/.../NAME/...
//     /REMI/.../EREF/...", also "/CNTP/iban/bic/name/city/".
//   - Anything else is free text, joined into Remittance.
//
// "NOTPROVIDED" and "NONREF" as an end-to-end id count as none.
func parseInfo(fields [][]string) mt940Info {
	if len(fields) == 0 {
		return mt940Info{}
	}
	var raw strings.Builder
	for _, f := range fields {
		for _, l := range f {
			raw.WriteString(l)
		}
	}
	t := strings.TrimLeft(raw.String(), " ")
	var info mt940Info
	switch {
	case len(t) >= 6 && allDigits(t[:3]) && nextGermanCode(t[3:6]) == 0:
		info = parseGermanInfo(t[3:])
	default:
		texts := make([]string, 0, len(fields))
		for _, f := range fields {
			if s := joinWrapped(f); s != "" {
				texts = append(texts, s)
			}
		}
		text := strings.Join(texts, " ")
		if isSlashCoded(text) {
			info = parseSlashInfo(text)
		} else {
			info.remittance = text
		}
	}
	if strings.EqualFold(info.endToEndID, "NOTPROVIDED") || strings.EqualFold(info.endToEndID, "NONREF") {
		info.endToEndID = ""
	}
	return info
}

// joinWrapped joins the lines of one free-text field: a line shorter than
// the SWIFT width is followed by a space, a full-width line is continued
// directly. Surrounding blanks are trimmed.
func joinWrapped(lines []string) string {
	var b strings.Builder
	prevFull := false
	for _, l := range lines {
		full := utf8.RuneCountInString(l) >= swiftLineWidth
		if !prevFull {
			l = strings.TrimLeft(l, " ")
			if b.Len() > 0 && l != "" {
				b.WriteByte(' ')
			}
		}
		if !full {
			l = strings.TrimRight(l, " ")
		}
		b.WriteString(l)
		prevFull = full
	}
	return strings.TrimSpace(b.String())
}

// germanSubfield is one "?NN" subfield of a structured :86:.
type germanSubfield struct {
	code  string
	value string
}

// splitGerman splits "?00text?10text..." into subfields. A '?' not
// followed by two digits is kept as text.
func splitGerman(s string) []germanSubfield {
	var subs []germanSubfield
	for len(s) > 0 {
		// s starts with "?NN".
		code := s[1:3]
		s = s[3:]
		end := nextGermanCode(s)
		subs = append(subs, germanSubfield{code: code, value: s[:end]})
		s = s[end:]
	}
	return subs
}

// nextGermanCode returns the index of the next "?NN" in s, or len(s).
func nextGermanCode(s string) int {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '?' && isDigit(s[i+1]) && isDigit(s[i+2]) {
			return i
		}
	}
	return len(s)
}

// parseGermanInfo reads the subfields of a German structured :86: (s
// starts with the first "?NN").
func parseGermanInfo(s string) mt940Info {
	var info mt940Info
	var purpose []string
	var name strings.Builder
	for _, sf := range splitGerman(s) {
		switch {
		case sf.code >= "20" && sf.code <= "29", sf.code >= "60" && sf.code <= "63":
			purpose = append(purpose, sf.value)
		case sf.code == "31":
			info.account = strings.TrimSpace(sf.value)
		case sf.code == "32", sf.code == "33":
			name.WriteString(sf.value)
		}
	}
	info.name = strings.TrimSpace(name.String())
	info.remittance = strings.TrimSpace(strings.Join(purpose, ""))
	info.endToEndID = sepaKeyword(purpose, "EREF+")
	if info.account == "" {
		info.account = sepaKeyword(purpose, "IBAN+")
	}
	return info
}

// isSEPAKeyword reports whether s starts with a SEPA purpose keyword of
// the German structured :86: ("EREF+" end-to-end reference, "SVWZ+"
// remittance text ...).
func isSEPAKeyword(s string) bool {
	if strings.HasPrefix(s, "BIC+") {
		return true
	}
	if len(s) < 5 || s[4] != '+' {
		return false
	}
	switch s[:4] {
	case "EREF", "KREF", "MREF", "CRED", "DEBT", "COAM", "OAMT", "SVWZ",
		"ABWA", "ABWE", "IBAN", "PURP", "RTRN":
		return true
	}
	return false
}

// sepaKeyword returns the value of keyword (e.g. "EREF+") in the purpose
// subfields. The value runs over following subfields (references are often
// broken across them) until the next SEPA keyword, or a subfield that
// starts like a keyword ("MTLG:", "ABCD+").
func sepaKeyword(purpose []string, keyword string) string {
	for i, sf := range purpose {
		k := strings.Index(sf, keyword)
		if k < 0 {
			continue
		}
		var b strings.Builder
		b.WriteString(sf[k+len(keyword):])
		for _, next := range purpose[i+1:] {
			if startsLikeKeyword(next) {
				break
			}
			b.WriteString(next)
		}
		v := b.String()
		for j := 0; j < len(v); j++ {
			if isSEPAKeyword(v[j:]) {
				v = v[:j]
				break
			}
		}
		return strings.TrimSpace(v)
	}
	return ""
}

// startsLikeKeyword reports whether s starts with 3 or 4 capital letters
// followed by '+' or ':'.
func startsLikeKeyword(s string) bool {
	n := 0
	for n < len(s) && n < 4 && s[n] >= 'A' && s[n] <= 'Z' {
		n++
	}
	return n >= 3 && n < len(s) && (s[n] == '+' || s[n] == ':')
}

// isSlashCode reports whether code is a code of slash-coded :86:
// information.
func isSlashCode(code string) bool {
	switch code {
	case "ADDR", "BENM", "BIC", "BUSP", "CHGS", "CNTP", "CSID", "EREF",
		"EXCH", "IBAN", "ID", "IREF", "ISDT", "MARF", "NAME", "OCMT", "ORDP",
		"PREF", "PURP", "REMI", "RTRN", "RTYP", "STRD", "SVCL", "TRCD",
		"TRTP", "ULTB", "ULTC", "ULTD", "USTD":
		return true
	}
	return false
}

// isSlashCoded reports whether text starts with "/CODE/" for a known code.
func isSlashCoded(text string) bool {
	code, ok := slashCodeAt(text, 0)
	return ok && code != ""
}

// slashCodeAt returns the known code of "/CODE/" at s[i:], if any.
func slashCodeAt(s string, i int) (string, bool) {
	if i >= len(s) || s[i] != '/' {
		return "", false
	}
	window := s[i+1:]
	if len(window) > 5 {
		window = window[:5]
	}
	j := strings.IndexByte(window, '/')
	if j < 0 {
		return "", false
	}
	code := window[:j]
	return code, isSlashCode(code)
}

// parseSlashCodes splits slash-coded text into code -> value (first
// occurrence of each code wins). A value runs until the next "/CODE/" with
// a known code, so values may contain slashes.
func parseSlashCodes(text string) map[string]string {
	out := make(map[string]string)
	i := 0
	for i < len(text) {
		code, ok := slashCodeAt(text, i)
		if !ok {
			break
		}
		start := i + len(code) + 2
		end := start
		for end < len(text) {
			if _, ok := slashCodeAt(text, end); ok {
				break
			}
			end++
		}
		if _, seen := out[code]; !seen {
			out[code] = strings.TrimSpace(text[start:end])
		}
		i = end
	}
	return out
}

// parseSlashInfo reads slash-coded information.
func parseSlashInfo(text string) mt940Info {
	codes := parseSlashCodes(text)
	info := mt940Info{
		endToEndID: strings.Trim(codes["EREF"], "/ "),
		account:    strings.Trim(codes["IBAN"], "/ "),
		name:       strings.Trim(codes["NAME"], "/ "),
		remittance: strings.Trim(codes["REMI"], "/ "),
	}
	// Rabobank writes "/REMI/USTD//text/": USTD is a sub-code of REMI.
	info.remittance = strings.Trim(strings.TrimPrefix(info.remittance, "USTD//"), "/ ")
	if info.remittance == "" {
		info.remittance = strings.Trim(codes["USTD"], "/ ")
	}
	if info.remittance == "" {
		info.remittance = text
	}
	if cntp, ok := codes["CNTP"]; ok {
		parts := strings.Split(cntp, "/")
		if info.account == "" && len(parts) > 0 {
			info.account = strings.TrimSpace(parts[0])
		}
		if info.name == "" && len(parts) > 2 {
			info.name = strings.TrimSpace(parts[2])
		}
	}
	return info
}
