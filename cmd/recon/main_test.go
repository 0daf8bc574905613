package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func recon(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestDemo runs `recon demo` and opens the exceptions file it names with
// arrow-go's pqarrow: the money columns must be decimal128(18, 2).
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := recon(t, "demo", "--dir", dir, "--log-level", "warn")
	if code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"Rows read", "custody_transactions", "Exceptions:", "platform breaks:", "AMOUNT_MISMATCH", "_MANIFEST.json", "report.html",
		"black  ponzi", "black  diversion", "grey   self-financing", "grey   guarantee", "red    clean", "red    P001",
		"guarantee payments: 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`runs/date=\S+/exceptions/platform=breaks/part-\d+\.parquet`).FindString(out)
	if m == "" {
		t.Fatalf("demo names no exceptions file:\n%s", out)
	}
	f, err := os.Open(filepath.Join(dir, m))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	sch, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ledger_amount", "bank_amount", "difference"} {
		fs, _ := sch.FieldsByName(name)
		if dt, ok := fs[0].Type.(*arrow.Decimal128Type); !ok || dt.Precision != 18 || dt.Scale != 2 {
			t.Errorf("%s: %s, want decimal128(18, 2)", name, fs[0].Type)
		}
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if !regexp.MustCompile(`black  diversion +amount at risk \d+\.\d\d CNY`).MatchString(out) {
		t.Errorf("no amount at risk for diversion:\n%s", out)
	}
	if tbl.NumRows() < 17 {
		t.Errorf("breaks platform: %d exception rows", tbl.NumRows())
	}
}

func TestExitCodes(t *testing.T) {
	// recon run sets the process's soft memory limit, this test's.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean")
	broken := filepath.Join(dir, "broken")
	if code, out, errs := recon(t, "gen", "--root", clean, "--date", "2026-11-26", "--platforms", "2"); code != 0 {
		t.Fatalf("gen: %d %s %s", code, out, errs)
	}
	if code, out, errs := recon(t, "gen", "--root", broken, "--date", "2026-11-26", "--platforms", "1", "--scenario", "custody-shortfall"); code != 0 {
		t.Fatalf("gen: %d %s %s", code, out, errs)
	}
	notADir := filepath.Join(dir, "file")
	os.WriteFile(notADir, []byte("x"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"no command", nil, 2, "no command given"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"run without date", []string{"run", "--root", clean}, 2, "--root and --date are required"},
		{"bad date", []string{"run", "--root", clean, "--date", "2026-13-01"}, 2, "is not YYYY-MM-DD"},
		{"bad flag", []string{"run", "--bogus"}, 2, "flag provided but not defined"},
		{"bad fail-on", []string{"run", "--root", clean, "--date", "2026-11-26", "--fail-on", "dire"}, 2, "--fail-on"},
		{"print config", []string{"run", "--print-config"}, 0, "amount_scale: 2"},
		{"clean run", []string{"run", "--root", clean, "--date", "2026-11-26", "--fail-on", "info", "--log-level", "error"}, 0, "Exceptions: 0"},
		{"fail-on critical", []string{"run", "--root", broken, "--date", "2026-11-26", "--fail-on", "critical", "--log-level", "error"}, 3, "1 exceptions of severity critical or worse"},
		{"fail-on below", []string{"run", "--root", broken, "--date", "2026-11-26", "--fail-on", "high", "--log-level", "error"}, 3, "2 exceptions of severity high or worse"},
		{"store unusable", []string{"run", "--root", notADir, "--date", "2026-11-26"}, 1, "recon:"},
		// Every platform goes in parts, and the run says it held more.
		{"memory limit below the run's", []string{"run", "--root", clean, "--date", "2026-11-26", "--memory-limit", "1KiB", "--log-level", "warn"},
			0, "held more memory than --memory-limit"},
		{"validate good", []string{"validate", filepath.Join(clean, "ledger/transactions/date=2026-11-26/platform=P001/part-00000.parquet")}, 0, "OK "},
		{"validate file URL", []string{"validate", "file://" + filepath.Join(clean, "ledger/transactions/date=2026-11-26/platform=P001/part-00000.parquet")}, 0, "OK file://"},
		{"validate S3 URL without a key", []string{"validate", "s3://bucket"}, 2, ""},
		{"validate loose file", []string{"validate", filepath.Join(clean, "registry/loans/platform=P001/loans.parquet")}, 0, "loans"},
		{"validate bad", []string{"validate", notADir}, 1, "REJECTED"},
		{"version", []string{"version"}, 0, "recon 0.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := recon(t, tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("recon %v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tt.args, code, tt.code, tt.want, out, errs)
			}
		})
	}
}

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{{"4GiB", 4 << 30}, {"512MiB", 512 << 20}, {"2G", 2 << 30}, {"3GB", 3e9}, {"1024", 1024}, {" 7 KiB", 7 << 10}} {
		if got, err := parseBytes(c.in); err != nil || got != c.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "x", "-1G", "0", "1.5G", "99999999999T"} {
		if _, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q) accepted", bad)
		}
	}
}
