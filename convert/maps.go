package convert

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/recon-dev/recon/formats"
)

// AccountMap maps the account identifiers a statement uses (the
// statement's own account: IBAN, "BIC/number", other ids; counterparties'
// accounts) to registry account ids. Ids it does not list are kept as they
// are. The nil *AccountMap maps nothing.
type AccountMap struct {
	exact, loose map[string]string
}

// ParseAccountMap reads a two-column CSV, statement_id,account_id, one
// mapping a line. A first line "statement_id,account_id" is a header;
// lines starting with '#' and blank lines are ignored; fields are
// trimmed. An id is looked up as written, then with blanks removed and in
// upper case (so "FI85 2950 1800 0305 74" finds "FI8529501800030574").
// An id listed twice with different targets is an error. name prefixes
// error messages.
func ParseAccountMap(name string, data []byte) (*AccountMap, error) {
	m := &AccountMap{exact: map[string]string{}, loose: map[string]string{}}
	err := readPairs(name, data, "statement_id", "account_id", 2, func(line int, f []string) error {
		from, to := f[0], f[1]
		if old, ok := m.exact[from]; ok && old != to {
			return fmt.Errorf("%s is mapped twice: to %q and to %q", from, old, to)
		}
		m.exact[from] = to
		k := looseKey(from)
		if old, ok := m.loose[k]; ok && old != to {
			return fmt.Errorf("%s and another id that differs only in blanks or case map to %q and %q", from, old, to)
		}
		m.loose[k] = to
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Lookup returns the registry id of a statement id, or the id itself.
func (m *AccountMap) Lookup(id string) string {
	if m == nil {
		return id
	}
	if to, ok := m.exact[id]; ok {
		return to
	}
	if to, ok := m.loose[looseKey(id)]; ok {
		return to
	}
	return id
}

// Len returns the number of mappings.
func (m *AccountMap) Len() int {
	if m == nil {
		return 0
	}
	return len(m.exact)
}

// looseKey removes blanks and upper-cases an id.
func looseKey(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// KindMap maps bank transaction codes to transaction kinds. Without one
// (or for a code it does not list) a credit is a deposit and a debit a
// withdrawal. The nil *KindMap maps nothing.
//
// Codes are what Entry.BankTxCode holds: camt.053 "DOMAIN/FAMILY/SUBFAMILY"
// (e.g. "PMNT/RCDT/ESCT") or the proprietary code; MT940 the :61:
// transaction type ("NTRF", "NCHG"); for CSV, the mapped code column. A
// code is looked up as written, then with its last "/" segment removed,
// repeatedly ("PMNT/RCDT/ESCT", then "PMNT/RCDT", then "PMNT"); a rule
// naming a direction wins over one that does not.
type KindMap struct {
	rules map[kindKey]string
}

type kindKey struct {
	code string
	dir  byte // 'C', 'D', or 0 for both
}

// ParseKindMap reads a CSV of bank_code,kind[,direction] lines: kind is
// one of deposit, withdrawal, bid, disbursement, repayment, fee, transfer,
// refund; direction, when given, is credit or debit (C or D). A first line
// starting "bank_code" is a header; '#' lines and blank lines are
// ignored. Codes are compared case-insensitively.
func ParseKindMap(name string, data []byte) (*KindMap, error) {
	m := &KindMap{rules: map[kindKey]string{}}
	err := readPairs(name, data, "bank_code", "kind", 3, func(line int, f []string) error {
		code, kind := strings.ToUpper(f[0]), f[1]
		if _, ok := formats.KindCode(kind); !ok {
			return fmt.Errorf("kind %q is not one of deposit, withdrawal, bid, disbursement, repayment, fee, transfer, refund", kind)
		}
		var dir byte
		if len(f) > 2 {
			switch strings.ToLower(f[2]) {
			case "":
			case "c", "credit", "crdt":
				dir = 'C'
			case "d", "debit", "dbit":
				dir = 'D'
			default:
				return fmt.Errorf("direction %q is not credit or debit", f[2])
			}
		}
		k := kindKey{code, dir}
		if old, ok := m.rules[k]; ok && old != kind {
			return fmt.Errorf("code %s is mapped twice: to %s and to %s", f[0], old, kind)
		}
		m.rules[k] = kind
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Kind returns the kind of a movement with the given bank code and
// direction.
func (m *KindMap) Kind(code string, credit bool) string {
	if m != nil && code != "" {
		dir := byte('D')
		if credit {
			dir = 'C'
		}
		c := strings.ToUpper(strings.TrimSpace(code))
		for {
			if k, ok := m.rules[kindKey{c, dir}]; ok {
				return k
			}
			if k, ok := m.rules[kindKey{c, 0}]; ok {
				return k
			}
			i := strings.LastIndexByte(c, '/')
			if i < 0 {
				break
			}
			c = c[:i]
		}
	}
	if credit {
		return "deposit"
	}
	return "withdrawal"
}

// readPairs reads a small CSV of 2 to maxFields fields a line, calling fn
// for each data line with its 1-based line number. Errors name the file
// and line.
func readPairs(name string, data []byte, head0, head1 string, maxFields int, fn func(line int, f []string) error) error {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	first := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &FileError{File: name, Line: pe.Line, Err: pe.Err}
			}
			return &FileError{File: name, Err: err}
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
			if !utf8.ValidString(rec[i]) {
				return &FileError{File: name, Line: line, Err: errors.New("not valid UTF-8")}
			}
		}
		if first {
			first = false
			if strings.EqualFold(rec[0], head0) && len(rec) > 1 && strings.EqualFold(rec[1], head1) {
				continue
			}
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		if len(rec) < 2 || len(rec) > maxFields {
			return &FileError{File: name, Line: line, Err: fmt.Errorf("want %s,%s (%d fields at most), got %d fields", head0, head1, maxFields, len(rec))}
		}
		if rec[0] == "" || rec[1] == "" {
			return &FileError{File: name, Line: line, Err: fmt.Errorf("empty %s or %s", head0, head1)}
		}
		if err := fn(line, rec); err != nil {
			return &FileError{File: name, Line: line, Err: err}
		}
	}
}
