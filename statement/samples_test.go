package statement

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// samplesDir holds the real bank statement samples, copied with their
// attribution (see its README.md and LICENSES).
const samplesDir = "testdata/samples"

// testOpt is the scale used with the samples: all their currencies have
// two decimals (the JPY balance of genkgo_v8 has none, which is fine).
var testOpt = Options{Scale: 2}

// sampleFiles returns the sample files of kind ("camt053" or "mt940") with
// the given extension, failing the test if the samples are absent (they
// are in the repository).
func sampleFiles(tb testing.TB, kind, ext string) []string {
	tb.Helper()
	dir := filepath.Join(samplesDir, kind)
	if _, err := os.Stat(dir); err != nil {
		tb.Fatalf("samples missing: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		tb.Fatalf("no %s files in %s", ext, dir)
	}
	return files
}

// samplePath returns the path of one sample, failing if absent.
func samplePath(tb testing.TB, kind, name string) string {
	tb.Helper()
	p := filepath.Join(samplesDir, kind, name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("sample missing: %v", err)
	}
	return p
}

// parseSample parses one sample file with the parser matching its kind.
func parseSample(tb testing.TB, path string) []Statement {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	parse := ParseMT940
	if strings.HasSuffix(path, ".xml") {
		parse = ParseCamt053
	}
	stmts, err := parse(context.Background(), f, testOpt)
	if err != nil {
		tb.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return stmts
}

// TestSamplesParse: every sample parses without error.
func TestSamplesParse(t *testing.T) {
	files := append(sampleFiles(t, "camt053", ".xml"), sampleFiles(t, "mt940", ".sta")...)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			stmts := parseSample(t, path)
			for i, st := range stmts {
				for _, e := range st.Entries {
					if e.AmountMinor <= 0 {
						t.Errorf("statement %d: entry at line %d has amount %d", i, e.Line, e.AmountMinor)
					}
				}
			}
		})
	}
}
