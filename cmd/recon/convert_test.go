package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// sampleDir holds the real statement samples, copied with attribution.
const sampleDir = "../../statement/testdata/samples"

func sample(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(sampleDir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("sample missing: %v", err)
	}
	return p
}

// storeFiles lists the files under a store directory, relative to it.
func storeFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestConvertCommand(t *testing.T) {
	abn := sample(t, "mt940/abnamro_not_reconciling.sta")
	nordea := sample(t, "camt053/nordea.xml")
	dir := t.TempDir()
	out := filepath.Join(dir, "store")
	abnKeys := []string{
		"custody/balances/date=2011-05-23/bank=B1/platform=P1/abnamro_not_reconciling.parquet",
		"custody/balances/date=2011-05-24/bank=B1/platform=P1/abnamro_not_reconciling.parquet",
		"custody/transactions/date=2011-05-23/bank=B1/platform=P1/abnamro_not_reconciling.parquet",
		"custody/transactions/date=2011-05-24/bank=B1/platform=P1/abnamro_not_reconciling.parquet",
	}

	// --strict: the warnings stop everything; nothing is written.
	code, stdout, stderr := recon(t, "convert", "--from", "mt940", "--bank", "B1", "--platform", "P1", "--strict", "--out", out, abn)
	if code != 1 || !strings.Contains(stderr, "--strict: 4 warnings; nothing was written") || len(storeFiles(t, out)) != 0 {
		t.Fatalf("strict: exit %d, files %v\n%s\n%s", code, storeFiles(t, out), stdout, stderr)
	}

	// Converted anyway, with the warnings, exit 0; flags after the file.
	code, stdout, stderr = recon(t, "convert", "--from", "mt940", abn, "--out", out, "--bank", "B1", "--platform", "P1")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"READ " + abn + ": mt940, 2 statements, 10 entries (0 skipped), account 517852257\n",
		`WARNING ` + abn + `:4: statement "ABN AMRO BANK NV 19321/1": balance: account 517852257, EUR: opening 3236.28 + credits 0.00 - debits 321.44 = 2914.84, but the closing balance is 876.84: difference -2038.00.`,
		`WARNING ` + abn + `:4: statement "ABN AMRO BANK NV 19321/1": chain: `,
		`WARNING ` + abn + `:32: statement "ABN AMRO BANK NV 19322/1": balance: `,
		"difference -1002.60",
		"WROTE " + abnKeys[2] + " (custody_transactions, 7 rows, ",
		"converted 2 statements, 10 entries (0 skipped) into 4 files for 2 business dates (2011-05-23 .. 2011-05-24) under " + out + ": 4 written, 0 replaced, 0 unchanged, 0 refused; 4 warnings\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if got := storeFiles(t, out); strings.Join(got, "\n") != strings.Join(abnKeys, "\n") {
		t.Errorf("files %v", got)
	}

	// The files are valid data: recon validate accepts them, and reports
	// the statement breaks the run will, day by day (the entries booked
	// on 05-24 move from the first day's difference to the second's).
	args := []string{"validate"}
	for _, k := range abnKeys {
		args = append(args, filepath.Join(out, k))
	}
	code, stdout, stderr = recon(t, args...)
	if code != 0 || strings.Count(stdout, "OK ") != 4 || strings.Count(stdout, "WARNING BANK_STATEMENT_BREAK: ") != 2 {
		t.Errorf("validate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"WARNING BANK_STATEMENT_BREAK: Bank B1 account 517852257: opening 3236.28 plus the day's successful movements gives 2923.84, but the statement closes at 876.84: difference -2047.00 (" + filepath.Join(out, abnKeys[0]) + " row 1).\n",
		"WARNING BANK_STATEMENT_BREAK: Bank B1 account 517852257: opening 2876.84 plus the day's successful movements gives 2843.35, but the statement closes at 1849.75: difference -993.60 (" + filepath.Join(out, abnKeys[1]) + " row 1).\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("validate output lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, stderr := recon(t, append([]string{"validate", "--strict"}, args[1:]...)...); code != 1 || !strings.Contains(stderr, "2 statement breaks (--strict)") {
		t.Errorf("validate --strict: exit %d\n%s", code, stderr)
	}
	// A file alone has nothing to compare with.
	if code, stdout, _ := recon(t, "validate", "--strict", args[1]); code != 0 || strings.Contains(stdout, "WARNING") {
		t.Errorf("validate of the balances alone: exit %d\n%s", code, stdout)
	}

	// Again: the same bytes are there.
	code, stdout, _ = recon(t, "convert", "--from", "mt940", "--bank", "B1", "--platform", "P1", "--out", out, abn)
	if code != 0 || strings.Count(stdout, "UNCHANGED ") != 4 || !strings.Contains(stdout, "0 written, 0 replaced, 4 unchanged, 0 refused") {
		t.Errorf("rerun: exit %d\n%s", code, stdout)
	}

	// Other content under the same names: refused, all or nothing.
	before, _ := os.ReadFile(filepath.Join(out, abnKeys[2]))
	edited := filepath.Join(dir, "abnamro_not_reconciling.sta")
	data, _ := os.ReadFile(abn)
	os.WriteFile(edited, []byte(strings.Replace(string(data), ":61:1105240524D9,49N426NONREF", ":61:1105240524D9,48N426NONREF", 1)), 0o644)
	code, stdout, stderr = recon(t, "convert", "--from", "mt940", "--bank", "B1", "--platform", "P1", "--out", out, edited)
	if code != 1 || !strings.Contains(stdout, "REFUSED "+abnKeys[3]+"\n  it already holds different content") ||
		!strings.Contains(stderr, "1 of 4 files refused; nothing was written") {
		t.Errorf("refused: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(out, abnKeys[2])); string(after) != string(before) {
		t.Errorf("a file was written although another was refused")
	}
	code, stdout, _ = recon(t, "convert", "--from", "mt940", "--bank", "B1", "--platform", "P1", "--out", out, "--replace", edited)
	if code != 0 || !strings.Contains(stdout, "REPLACED "+abnKeys[3]) || !strings.Contains(stdout, "1 replaced, 3 unchanged") {
		t.Errorf("replace: exit %d\n%s", code, stdout)
	}

	// Account map and name; --dry-run writes nothing.
	amap := filepath.Join(dir, "accounts.csv")
	os.WriteFile(amap, []byte("statement_id,account_id\nFI8529501800030574,INV-1\n"), 0o644)
	dry := filepath.Join(dir, "dry")
	code, stdout, _ = recon(t, "convert", "--from", "camt053", "--bank", "B1", "--platform", "P1", "--account-map", amap,
		"--name", "day-1", "--dry-run", "--out", dry, nordea)
	if code != 0 || !strings.Contains(stdout, "account FI8529501800030574 -> INV-1") ||
		!strings.Contains(stdout, "WOULD WRITE custody/transactions/date=2019-05-08/bank=B1/platform=P1/day-1.parquet (custody_transactions, 6 rows,") ||
		!strings.Contains(stdout, "the counterparty is written as UNKNOWN:INV-1") || len(storeFiles(t, dry)) != 0 {
		t.Errorf("dry run: exit %d\n%s", code, stdout)
	}
}

func TestConvertCommandCSV(t *testing.T) {
	dir := t.TempDir()
	mapping := filepath.Join(dir, "mapping.txt")
	os.WriteFile(mapping, []byte("account = CUST-1\ndate = Date\ndate_format = DD/MM/YYYY\namount = Amount\ncurrency_code = CNY\n"+
		"reference = Ref\nend_to_end_id = Serial\ntext = Text\ncode = Type\nbalance = Balance\n"), 0o644)
	kinds := filepath.Join(dir, "kinds.csv")
	os.WriteFile(kinds, []byte("FEE,fee\n"), 0o644)
	csv := filepath.Join(dir, "export.csv")
	os.WriteFile(csv, []byte("Date,Amount,Ref,Serial,Text,Type,Balance\n"+
		"01/03/2026,\"1,000.00\",B1,S1,top-up,DEP,1000.00\n01/03/2026,-2.50,B2,S2,fee,FEE,997.50\n"), 0o644)
	out := filepath.Join(dir, "store")
	code, stdout, stderr := recon(t, "convert", "--from", "csv", "--mapping", mapping, "--kind-map", kinds, "--bank", "B1", "--platform", "P1", "--out", out, csv)
	// A thousands separator needs thousands_separator: the row is an
	// error, nothing is written.
	if code != 1 || !strings.Contains(stdout, `ERROR `+csv+`:2: amount: "1,000.00" is not a decimal number`) || len(storeFiles(t, out)) != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	os.WriteFile(mapping, append(must(os.ReadFile(mapping)), "thousands_separator = ,\n"...), 0o644)
	code, stdout, stderr = recon(t, "convert", "--from", "csv", "--mapping", mapping, "--kind-map", kinds, "--bank", "B1", "--platform", "P1", "--out", out, csv)
	if code != 0 || !strings.Contains(stdout, "into 2 files for 1 business date (2026-03-01)") || !strings.Contains(stdout, "0 warnings") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, _ := recon(t, "validate", filepath.Join(out, "custody/transactions/date=2026-03-01/bank=B1/platform=P1/export.parquet")); code != 0 || !strings.Contains(stdout, "2 rows") {
		t.Errorf("validate: %d %s", code, stdout)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestConvertCommandErrors(t *testing.T) {
	dir := t.TempDir()
	latin1 := filepath.Join(dir, "latin1.sta")
	os.WriteFile(latin1, []byte(":20:A\n:25:X\n:28C:1\n:60F:C240101EUR1,00\n:61:240102C1,00NTRFR\n:86:M\xfcller\n:62F:C240102EUR2,00\n"), 0o644)
	good := filepath.Join(dir, "good.sta")
	os.WriteFile(good, []byte(":20:A\n:25:X\n:28C:1\n:60F:C240101EUR1,00\n:62F:C240102EUR1,00\n"), 0o644)
	out := filepath.Join(dir, "store")
	base := []string{"convert", "--bank", "B1", "--platform", "P1", "--out", out}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no format", append(base, good), 2, "--from camt053, mt940 or csv is required"},
		{"unknown format", append(base, "--from", "bai2", good), 2, "--from camt053, mt940 or csv is required"},
		{"no bank", []string{"convert", "--from", "mt940", "--platform", "P", "--out", out, good}, 2, "--bank and --platform are required"},
		{"bad platform", []string{"convert", "--from", "mt940", "--bank", "B", "--platform", "P/1", "--out", out, good}, 2, `--platform: platform id "P/1": ids are letters`},
		{"no out", []string{"convert", "--from", "mt940", "--bank", "B", "--platform", "P", good}, 2, "--out is required"},
		{"no files", append(base, "--from", "mt940"), 2, "name at least one statement file"},
		{"csv without mapping", append(base, "--from", "csv", good), 2, "--from csv needs --mapping FILE"},
		{"mapping for mt940", append(base, "--from", "mt940", "--mapping", good, good), 2, "--mapping is for --from csv"},
		{"bad name", append(base, "--from", "mt940", "--name", "_x", good), 2, `--name: object name "_x" starts with "_"`},
		{"bad account map", append(base, "--from", "mt940", "--account-map", good, good), 2, "want statement_id,account_id"},
		{"missing file", append(base, "--from", "mt940", filepath.Join(dir, "nope.sta")), 1, "no such file"},
		{"non-UTF-8 bytes: reported with the line, nothing written", append(base, "--from", "mt940", good, latin1), 1,
			"ERROR " + latin1 + ": line 6: input: invalid encoding: line is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := recon(t, tt.args...)
			if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q\n%s\n%s", code, tt.code, tt.want, stdout, stderr)
			}
			if files := storeFiles(t, out); len(files) != 0 {
				t.Errorf("written: %v", files)
			}
		})
	}
	code, _, stderr := recon(t, append(base, "--from", "mt940", good, latin1)...)
	if code != 1 || !regexp.MustCompile(`convert: 1 of 2 files could not be converted; nothing was written`).MatchString(stderr) {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
