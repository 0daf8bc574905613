package statement

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestLimits exceeds each limit (lowered for the test) and expects an
// ErrLimit error, never a truncated result.
func TestLimits(t *testing.T) {
	small := func(change func(*limits)) limits {
		l := defaultLimits()
		change(&l)
		return l
	}
	twoMT940 := wrapMT940(":61:2401020102C1,00NTRFX\n:61:2401020102D1,00NTRFX\n:86:" + strings.Repeat("x", 40) + "\n" + strings.Repeat("y", 40) + "\n")
	twoMT940 += twoMT940
	twoCamt := camtDoc("", "", camtBody, camtBody)
	tests := []struct {
		name  string
		camt  bool
		text  string
		lim   limits
		line  int
		field string
	}{
		{"MT940 input size", false, twoMT940, small(func(l *limits) { l.maxInput = 100 }), 7, "input"},
		{"MT940 statements", false, twoMT940, small(func(l *limits) { l.maxStatements = 1 }), 11, ":20:"},
		{"MT940 entries", false, twoMT940, small(func(l *limits) { l.maxEntries = 1 }), 6, ":61:"},
		{"MT940 line length", false, twoMT940, small(func(l *limits) { l.maxLine = 30 }), 7, "input"},
		{"MT940 field size", false, twoMT940, small(func(l *limits) { l.maxField = 60 }), 7, ":86:"},
		{"MT940 first line of field", false, twoMT940, small(func(l *limits) { l.maxField = 30 }), 7, ":86:"},
		{"MT940 several :86: of one entry", false, wrapMT940(":61:2401020102C1,00NTRFX\n:86:" + strings.Repeat("x", 40) + "\n:86:" + strings.Repeat("y", 40) + "\n"),
			small(func(l *limits) { l.maxField = 60 }), 7, ":86:"},
		{"camt input size", true, twoCamt, small(func(l *limits) { l.maxInput = 300 }), 6, "input"},
		{"camt statements", true, twoCamt, small(func(l *limits) { l.maxStatements = 1 }), 14, "Stmt"},
		{"camt entries", true, twoCamt, small(func(l *limits) { l.maxEntries = 2 }), 12, "Stmt/Ntry"},
		{"camt text", true, twoCamt, small(func(l *limits) { l.maxField = 3 }), 4, "Stmt/Acct/Id/IBAN"},
		{"camt depth", true, twoCamt, small(func(l *limits) { l.maxDepth = 6 }), 5, "Stmt/Bal/Tp/CdOrPrtry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.camt {
				_, err = parseCamt053(context.Background(), strings.NewReader(tt.text), testOpt, tt.lim)
			} else {
				_, err = parseMT940(context.Background(), strings.NewReader(tt.text), testOpt, tt.lim)
			}
			var pe *ParseError
			if !errors.Is(err, ErrLimit) || !errors.As(err, &pe) || pe.Line != tt.line || pe.Field != tt.field {
				t.Fatalf("got %v; want ErrLimit at line %d field %s", err, tt.line, tt.field)
			}
		})
	}
	// The same inputs parse under the default limits.
	if _, err := mt940(t, twoMT940); err != nil {
		t.Error(err)
	}
	if _, err := camt(t, twoCamt); err != nil {
		t.Error(err)
	}
}

func TestLimitedReader(t *testing.T) {
	for _, tt := range []struct {
		in      string
		max     int64
		wantErr bool
	}{{"12345", 5, false}, {"123456", 5, true}, {"", 0, false}, {"1", 0, true}} {
		b, err := io.ReadAll(&limitedReader{r: strings.NewReader(tt.in), max: tt.max})
		if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, errInputTooLarge)) || int64(len(b)) > tt.max {
			t.Errorf("%q max %d: got %q, %v", tt.in, tt.max, b, err)
		}
	}
}

// TestHostileInputs feeds 1 MiB inputs built to hurt a naive parser and
// checks that each returns (an error or a result) quickly with bounded
// allocation.
func TestHostileInputs(t *testing.T) {
	const size = 1 << 20
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	tests := []struct {
		name string
		camt bool
		text string
	}{
		{"MT940 one long line", false, fill("x")},
		{"MT940 long :86:", false, ":20:R\n:25:A\n:60F:C240101EUR1,00\n:61:240101C1,00NTRFX\n:86:" + fill("?20EREF+")},
		{"MT940 :86: continuation lines", false, ":20:R\n:25:A\n:60F:C240101EUR1,00\n:61:240101C1,00NTRFX\n:86:x\n" + fill("/EREF/x/IBAN/\n")},
		{"MT940 many statements", false, fill(":20:R\n:25:A\n:60F:C240101EUR1,00\n:62F:C240101EUR1,00\n")},
		{"MT940 many entries", false, ":20:R\n:25:A\n:60F:C240101EUR1,00\n" + fill(":61:240101C1,00NTRFX\n:86:?20EREF+?21x\n")},
		{"MT940 header blocks", false, fill("{1:{4:{1:{4:")},
		{"MT940 blank lines", false, fill("\n")},
		{"camt deep nesting", true, fill("<a>")},
		{"camt long text", true, camtDoc("", "", "<Id>"+fill("x")+"</Id>")},
		{"camt many elements", true, camtDoc("", "", fill("<Bal/>"))},
		{"camt many entries", true, camtDoc("", "", fill(`<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>`))},
		{"camt long element name with many children", true, camtDoc("", "", "<"+fill("N")[:size/2]+">"+fill("<a/>")[:size/2]+"</"+fill("N")[:size/2]+">")},
		{"camt many attributes", true, "<Document " + fill(`a="1" `) + ">"},
		{"camt namespaces", true, fill(`<x xmlns:p="u">`)},
		{"camt comments", true, fill("<!-- -->")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			var stmts []Statement
			var err error
			if tt.camt {
				stmts, err = camt(t, tt.text)
			} else {
				stmts, err = mt940(t, tt.text)
			}
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d statements, err=%.80v, %v, %d MiB allocated", len(stmts), err, elapsed, alloc>>20)
			if elapsed > 5*time.Second {
				t.Errorf("took %v", elapsed)
			}
			if alloc > 256<<20 {
				t.Errorf("allocated %d MiB for a 1 MiB input", alloc>>20)
			}
			for _, st := range stmts {
				for _, e := range st.Entries {
					if e.AmountMinor <= 0 {
						t.Fatalf("entry with amount %d", e.AmountMinor)
					}
				}
			}
		})
	}
}
