package statement

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzMaxInput caps fuzz inputs: larger ones are skipped.
const fuzzMaxInput = 1 << 20

// fuzzMaxTime bounds one parse of at most fuzzMaxInput bytes.
const fuzzMaxTime = 5 * time.Second

// fuzzSeeds returns every sample file (both formats: the other format's
// files make good malformed inputs) and the synthetic documents of the
// tests.
func fuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for _, pattern := range []string{"camt053/*.xml", "mt940/*.sta"} {
		files, _ := filepath.Glob(filepath.Join(samplesDir, pattern))
		for _, path := range files {
			b, err := os.ReadFile(path)
			if err != nil {
				tb.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	seeds = append(seeds,
		[]byte(wrapMT940(":61:2401020102RC1,00NTRFX//Y\n:86:166?20EREF+A?21B?31DE1?32N\n")),
		[]byte(camtDoc(`xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"`, "", camtBody)))
	return seeds
}

// addSampleSeeds adds fuzzSeeds to the seed corpus.
func addSampleSeeds(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
}

// checkFuzzResult asserts the properties every parse must have.
func checkFuzzResult(t *testing.T, stmts []Statement, err error, elapsed time.Duration) {
	if elapsed > fuzzMaxTime {
		t.Fatalf("parse took %v", elapsed)
	}
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error is not a *ParseError: %T %v", err, err)
		}
		if stmts != nil {
			t.Fatalf("statements returned with an error")
		}
		return
	}
	if len(stmts) == 0 {
		t.Fatal("no statements and no error")
	}
	for i, st := range stmts {
		if len(st.Entries)+st.Skipped > MaxEntriesPerStatement {
			t.Fatalf("statement %d has %d entries", i, len(st.Entries)+st.Skipped)
		}
		for _, e := range st.Entries {
			if e.AmountMinor <= 0 {
				t.Fatalf("statement %d: entry at line %d has amount %d", i, e.Line, e.AmountMinor)
			}
			if e.Status != "BOOK" {
				t.Fatalf("statement %d: entry at line %d has status %q", i, e.Line, e.Status)
			}
		}
	}
	_ = Check(stmts) // must not panic
}

func FuzzParseMT940(f *testing.F) {
	addSampleSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input larger than 1 MiB")
		}
		start := time.Now()
		stmts, err := ParseMT940(context.Background(), bytes.NewReader(data), testOpt)
		checkFuzzResult(t, stmts, err, time.Since(start))
	})
}

func FuzzParseCamt053(f *testing.F) {
	addSampleSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input larger than 1 MiB")
		}
		start := time.Now()
		stmts, err := ParseCamt053(context.Background(), bytes.NewReader(data), testOpt)
		checkFuzzResult(t, stmts, err, time.Since(start))
	})
}
