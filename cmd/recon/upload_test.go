package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/fixtures"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/store"
)

const testDate = "2026-11-26"

// genStore writes a generated store into dir: clean platforms P001 (bank
// B1) and P002 (bank B2) plus the given scenario platforms (bank B1).
func genStore(t *testing.T, dir string, seed uint64, scenarios ...string) {
	t.Helper()
	st, err := store.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	opt := fixtures.DefaultOptions()
	opt.Date, opt.Platforms, opt.Seed, opt.Scenarios = testDate, 2, seed, scenarios
	opt.Investors, opt.Transactions, opt.Version = 30, 300, engine.Version
	if _, err := fixtures.Generate(context.Background(), st, opt); err != nil {
		t.Fatal(err)
	}
}

func localStore(t *testing.T, dir string) *store.Local {
	t.Helper()
	st, err := store.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// copyFile copies src to dst, creating dst's directory.
func copyFile(t *testing.T, src, dst string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, readFile(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// rowsOf counts a valid file's rows as `recon validate` does.
func rowsOf(t *testing.T, name string) int64 {
	t.Helper()
	rows, _, err := validateFile(context.Background(), ingest.NewStatements(), name, nil, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// uploadedLine is the line `recon upload` prints for a file it wrote.
func uploadedLine(t *testing.T, state, file, key string, table formats.Table, extra string) string {
	t.Helper()
	b := readFile(t, file)
	name := file + " -> " + key
	return fmt.Sprintf("%s %s (%s, %d rows, %d bytes, sha256 %s%s)\n", state, name, table, rowsOf(t, file), len(b), sha256Hex(b), extra)
}

// TestUploadBank covers a bank's upload to a local store: validation,
// keys, the no-op re-upload, --replace and the refusals, with the exact
// lines printed and exit statuses.
func TestUploadBank(t *testing.T) {
	src, loose, dst := t.TempDir(), t.TempDir(), t.TempDir()
	genStore(t, src, 1)
	other := t.TempDir()
	genStore(t, other, 2) // the same keys with different content
	srcKey := func(dir string, tbl formats.Table, bank, platform, file string) string {
		return filepath.Join(dir, filepath.FromSlash(ingest.Key(tbl, testDate, bank, platform, file)))
	}
	stmt := copyFile(t, srcKey(src, formats.CustodyTransactions, "B1", "P001", "part-00000.parquet"), filepath.Join(loose, "stmt.parquet"))
	bal := copyFile(t, srcKey(src, formats.CustodyBalances, "B1", "P001", "balances.parquet"), filepath.Join(loose, "bal.parquet"))
	stmt2 := copyFile(t, srcKey(other, formats.CustodyTransactions, "B1", "P001", "part-00000.parquet"), filepath.Join(loose, "v2", "stmt.parquet"))
	ofB2 := copyFile(t, srcKey(src, formats.CustodyTransactions, "B2", "P002", "part-00000.parquet"), filepath.Join(loose, "b2.parquet"))
	ledger := copyFile(t, srcKey(src, formats.LedgerTransactions, "", "P001", "part-00000.parquet"), filepath.Join(loose, "ledger.parquet"))
	junk := filepath.Join(loose, "junk.parquet")
	os.WriteFile(junk, []byte("junk"), 0o644)
	if bytes.Equal(readFile(t, stmt), readFile(t, stmt2)) {
		t.Fatal("seeds 1 and 2 gave the same statement")
	}

	const (
		txnKey = "custody/transactions/date=2026-11-26/bank=B1/platform=P001/stmt.parquet"
		balKey = "custody/balances/date=2026-11-26/bank=B1/platform=P001/bal.parquet"
	)
	stored := func(key string) []byte {
		b, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(key)))
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := []string{"upload", "--root", dst, "--bank", "B1", "--platform", "P001", "--date", testDate}
	up := func(args ...string) (int, string, string) {
		t.Helper()
		return recon(t, append(append([]string{}, base...), args...)...)
	}
	summary := func(up, rep, unch, ref, of int) string {
		return fmt.Sprintf("%d uploaded, %d replaced, %d unchanged, %d refused, of %s, under %s\n", up, rep, unch, ref, files(of), dst)
	}
	check := func(t *testing.T, code int, out, errs string, wantCode int, wantOut, wantErr string) {
		t.Helper()
		if code != wantCode || out != wantOut || errs != wantErr {
			t.Errorf("exit %d, want %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant:\n%s", code, wantCode, out, wantOut, errs, wantErr)
		}
	}

	t.Run("first upload", func(t *testing.T) {
		code, out, errs := up(stmt, bal)
		check(t, code, out, errs, 0,
			uploadedLine(t, "UPLOADED", stmt, txnKey, formats.CustodyTransactions, "")+
				uploadedLine(t, "UPLOADED", bal, balKey, formats.CustodyBalances, "")+
				summary(2, 0, 0, 0, 2), "")
		if !bytes.Equal(stored(txnKey), readFile(t, stmt)) || !bytes.Equal(stored(balKey), readFile(t, bal)) {
			t.Error("the stored objects differ from the files")
		}
	})
	t.Run("same content again is a no-op", func(t *testing.T) {
		code, out, errs := up(stmt)
		check(t, code, out, errs, 0, fmt.Sprintf(
			"UNCHANGED %s -> %s (custody_transactions, identical content already there: sha256 %s; nothing written)\n",
			stmt, txnKey, sha256Hex(readFile(t, stmt)))+summary(0, 0, 1, 0, 1), "")
	})
	t.Run("different content under the same name is refused", func(t *testing.T) {
		code, out, errs := up(stmt2)
		check(t, code, out, errs, 1, fmt.Sprintf("REFUSED %s\n  %s already holds different content (sha256 %s; this file's is %s); pass --replace to overwrite it\n",
			stmt2, txnKey, sha256Hex(readFile(t, stmt)), sha256Hex(readFile(t, stmt2)))+summary(0, 0, 0, 1, 1),
			"recon: upload: 1 of 1 file refused; nothing was written for them\n")
		if !bytes.Equal(stored(txnKey), readFile(t, stmt)) {
			t.Error("a refused file changed the stored object")
		}
	})
	t.Run("--replace overwrites", func(t *testing.T) {
		code, out, errs := up("--replace", stmt2)
		check(t, code, out, errs, 0, uploadedLine(t, "REPLACED", stmt2, txnKey, formats.CustodyTransactions,
			"; replaced sha256 "+sha256Hex(readFile(t, stmt)))+summary(0, 1, 0, 0, 1), "")
		if !bytes.Equal(stored(txnKey), readFile(t, stmt2)) {
			t.Error("--replace did not write the new content")
		}
	})
	t.Run("refusals", func(t *testing.T) {
		badName := map[string]string{}
		for _, name := range []string{"stmt.csv", "_stmt.parquet", ".stmt.parquet", "bank=B2.parquet"} {
			badName[name] = copyFile(t, stmt, filepath.Join(loose, "names", name))
		}
		code, out, errs := up(ofB2, ledger, junk, badName["stmt.csv"], badName["_stmt.parquet"], badName[".stmt.parquet"], badName["bank=B2.parquet"], bal, filepath.Join(loose, "v2", "..", "bal.parquet"))
		want := "REFUSED " + ofB2 + "\n  " + ofB2 + `: row 1, column "platform_id": value breaks a table rule: platform "P002" in a file under platform=P001` + "\n" +
			"REFUSED " + ledger + "\n  its columns are those of ledger_transactions; a bank uploads custody_transactions or custody_balances only\n" +
			"REFUSED " + junk + "\n  " + junk + ": not a Parquet file: only 4 bytes\n" +
			"REFUSED " + badName["stmt.csv"] + "\n  file name \"stmt.csv\" must end in .parquet or .arrow\n" +
			"REFUSED " + badName["_stmt.parquet"] + "\n  file name \"_stmt.parquet\" starts with \"_\": runs ignore such objects\n" +
			"REFUSED " + badName[".stmt.parquet"] + "\n  file name \".stmt.parquet\" starts with \".\": runs ignore such objects\n" +
			"REFUSED " + badName["bank=B2.parquet"] + "\n  file name \"bank=B2.parquet\" must not contain '=' (keys use it for date=, bank=, platform=)\n" +
			fmt.Sprintf("UNCHANGED %s -> %s (custody_balances, identical content already there: sha256 %s; nothing written)\n", bal, balKey, sha256Hex(readFile(t, bal))) +
			"REFUSED " + filepath.Join(loose, "v2", "..", "bal.parquet") + "\n  another file of this upload goes to " + balKey + " too (the object name is the file's base name)\n" +
			summary(0, 0, 1, 8, 9)
		check(t, code, out, errs, 1, want, "recon: upload: 8 of 9 files refused; nothing was written for them\n")
		var keys []string
		infos, _ := localStore(t, dst).List(context.Background(), "")
		for _, o := range infos {
			keys = append(keys, o.Key)
		}
		if strings.Join(keys, " ") != balKey+" "+txnKey {
			t.Errorf("objects after refusals: %v", keys)
		}
	})
	t.Run("a file of another bank", func(t *testing.T) {
		code, out, errs := recon(t, "upload", "--root", dst, "--bank", "B1", "--platform", "P002", "--date", testDate, ofB2)
		check(t, code, out, errs, 1, "REFUSED "+ofB2+"\n  "+ofB2+`: row 1, column "bank_id": value breaks a table rule: bank "B2" in a file under bank=B1`+"\n"+
			summary(0, 0, 0, 1, 1), "recon: upload: 1 of 1 file refused; nothing was written for them\n")
	})
	t.Run("--table", func(t *testing.T) {
		// The columns of a balances file do not make a transactions file.
		code, out, _ := recon(t, append(append([]string{}, base...), "--table", "custody_transactions", bal)...)
		if code != 1 || !strings.Contains(out, "REFUSED "+bal+"\n  "+bal+`: column "bank_txn_id": missing required column`) {
			t.Errorf("balances uploaded as transactions: exit %d\n%s", code, out)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"upload", "--bank", "B1", "--platform", "P001", "--date", testDate, stmt}, "recon: upload: --root is required\n"},
			{[]string{"upload", "--root", dst, "--platform", "P001", "--date", testDate, stmt}, "recon: upload: --bank, --platform and --date are required (or --from DIR)\n"},
			{[]string{"upload", "--root", dst, "--bank", "B1", "--platform", "P001", "--date", testDate}, "recon: upload: name at least one file\n"},
			{[]string{"upload", "--root", dst, "--bank", "B/1", "--platform", "P001", "--date", testDate, stmt}, "recon: upload: --bank \"B/1\": ids are letters, digits, '-' and '_'\n"},
			{[]string{"upload", "--root", dst, "--bank", "B1", "--platform", "P001", "--date", "26.11.2026", stmt}, "recon: upload: --date: business date \"26.11.2026\" is not YYYY-MM-DD\n"},
			{append(append([]string{}, base...), "--table", "ledger_transactions", stmt), "recon: upload: --table \"ledger_transactions\": a bank uploads custody_transactions or custody_balances\n"},
			{append(append([]string{}, base...), "--table", "nope", stmt), "recon: upload: --table \"nope\": a bank uploads custody_transactions or custody_balances\n"},
			{[]string{"upload", "--root", dst, "--from", src, "--bank", "B1"}, "recon: upload: --from takes its keys from the directory: no --bank, --platform, --date, --table or files with it\n"},
		} {
			code, out, errs := recon(t, c.args...)
			if code != 2 || out != "" || !strings.HasPrefix(errs, c.want+"\n"+usageHeader[:10]) {
				t.Errorf("recon %q: exit %d, stderr %q, want 2 and %q", c.args, code, errs, c.want)
			}
		}
	})
	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(loose, "missing.parquet")
		code, out, errs := up(missing)
		if code != 1 || out != "" || !strings.HasPrefix(errs, "recon: upload "+missing+": open "+missing+": no such file or directory") {
			t.Errorf("exit %d\n%s\n%s", code, out, errs)
		}
	})
}

// TestUploadFrom mirrors a generated store into another directory:
// every input is uploaded under its key, the rejected one is refused with
// its reason, non-inputs are skipped, and a second mirror changes nothing.
func TestUploadFrom(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	genStore(t, src, 1, "input-rejected")
	const bad = "ledger/transactions/date=2026-11-26/platform=input-rejected/late-upload.parquet"
	const misplaced = "custody/transactions/date=2026-11-26/platform=P001/x.parquet"
	copyFile(t, filepath.Join(src, filepath.FromSlash(ingest.Key(formats.CustodyTransactions, testDate, "B1", "P001", "part-00000.parquet"))),
		filepath.Join(src, filepath.FromSlash(misplaced)))
	os.WriteFile(filepath.Join(src, "custody", "transactions", "date=2026-11-26", "_SUCCESS"), nil, 0o644)
	srcStore := localStore(t, src)
	all, err := srcStore.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	var inputs []string
	for _, o := range all {
		loc, ok := ingest.Locate(o.Key)
		switch {
		case !ok || strings.HasSuffix(o.Key, "_SUCCESS"):
			continue
		case o.Key == bad:
			want.WriteString("REFUSED " + bad + "\n  " + bad + `: column "amount": money must be a decimal, not a float: the file has DOUBLE` + "\n")
		case o.Key == misplaced:
			want.WriteString("REFUSED " + misplaced + "\n  key does not follow the layout custody/transactions/date=D/bank=B/platform=P/<file>\n")
		default:
			b := readFile(t, filepath.Join(src, filepath.FromSlash(o.Key)))
			rows, _, err := validateFile(context.Background(), ingest.NewStatements(), filepath.Join(src, filepath.FromSlash(o.Key)), nil, config.Default())
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&want, "UPLOADED %s (%s, %d rows, %d bytes, sha256 %s)\n", o.Key, loc.Table, rows, len(b), sha256Hex(b))
			inputs = append(inputs, o.Key)
		}
	}
	n := len(inputs)
	fmt.Fprintf(&want, "%d uploaded, 0 replaced, 0 unchanged, 2 refused, of %d files, under %s\n", n, n+2, dst)
	code, out, errs := recon(t, "upload", "--root", dst, "--from", src)
	if code != 1 || out != want.String() || errs != fmt.Sprintf("recon: upload: 2 of %d files refused; nothing was written for them\n", n+2) {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", code, out, want.String(), errs)
	}
	got, err := localStore(t, dst).List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range got {
		keys = append(keys, o.Key)
		if !bytes.Equal(readFile(t, filepath.Join(dst, filepath.FromSlash(o.Key))), readFile(t, filepath.Join(src, filepath.FromSlash(o.Key)))) {
			t.Errorf("%s differs from the source", o.Key)
		}
	}
	if strings.Join(keys, "\n") != strings.Join(inputs, "\n") {
		t.Errorf("uploaded keys:\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(inputs, "\n"))
	}

	// Again: nothing to do but the two refusals.
	code, out, _ = recon(t, "upload", "--root", dst, "--from", src)
	if code != 1 || strings.Count(out, "UNCHANGED ") != n || strings.Contains(out, "UPLOADED") ||
		!strings.HasSuffix(out, fmt.Sprintf("\n0 uploaded, 0 replaced, %d unchanged, 2 refused, of %d files, under %s\n", n, n+2, dst)) {
		t.Errorf("second mirror: exit %d\n%s", code, out)
	}

	for _, c := range []struct {
		dir, want string
	}{
		{filepath.Join(src, "nope"), "recon: upload --from: stat " + filepath.Join(src, "nope") + ": no such file or directory\n"},
		{filepath.Join(src, "expected"), "recon: upload --from: no input objects under " + filepath.Join(src, "expected") + " (want custody/, ledger/ or registry/ keys)\n"},
	} {
		if code, out, errs := recon(t, "upload", "--root", dst, "--from", c.dir); code != 1 || out != "" || errs != c.want {
			t.Errorf("--from %s: exit %d %q %q, want 1 and %q", c.dir, code, out, errs, c.want)
		}
	}
}

// TestReportLocal: `recon report` prints a committed run's report,
// verified against its manifest, and refuses an uncommitted or altered
// one.
func TestReportLocal(t *testing.T) {
	dir := t.TempDir()
	genStore(t, dir, 1, "ponzi")
	const manifest = "runs/date=2026-11-26/_MANIFEST.json"
	code, out, errs := recon(t, "report", "--root", dir, "--date", testDate)
	if want := "recon: no committed run for 2026-11-26 in " + dir + ": " + manifest + " does not exist (the run failed, is under way or never ran)\n"; code != 1 || out != "" || errs != want {
		t.Errorf("before the run: exit %d %q %q, want 1 and %q", code, out, errs, want)
	}
	if code, out, errs := recon(t, "run", "--root", dir, "--date", testDate, "--log-level", "error"); code != 0 {
		t.Fatalf("run: %d\n%s\n%s", code, out, errs)
	}
	reportPath := filepath.Join(dir, "runs", "date=2026-11-26", "report.html")
	html := readFile(t, reportPath)

	code, out, errs = recon(t, "report", "--root", dir, "--date", testDate)
	if code != 0 || out != string(html) || errs != "" {
		t.Errorf("report to stdout: exit %d, %d bytes (want %d), stderr %q", code, len(out), len(html), errs)
	}
	outFile := filepath.Join(t.TempDir(), "r.html")
	code, out, errs = recon(t, "report", "--root", "file://"+dir, "--date", testDate, "--out", outFile)
	if want := fmt.Sprintf("report of the committed run of 2026-11-26 (%d bytes, sha256 %s) written to %s\n", len(html), sha256Hex(html), outFile); code != 0 || out != want || errs != "" {
		t.Errorf("--out: exit %d %q %q, want %q", code, out, errs, want)
	}
	if !bytes.Equal(readFile(t, outFile), html) {
		t.Error("--out file differs from report.html")
	}

	// An altered report is refused and --out is not written.
	os.WriteFile(reportPath, append(bytes.Clone(html), '\n'), 0o644)
	other := filepath.Join(t.TempDir(), "r.html")
	code, out, errs = recon(t, "report", "--root", dir, "--date", testDate, "--out", other)
	man, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(manifest)))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("recon: runs/date=2026-11-26/report.html does not match the manifest of 2026-11-26: it has %d bytes, sha256 %s; the manifest lists %d bytes, sha256 %s\n",
		len(html)+1, sha256Hex(append(bytes.Clone(html), '\n')), len(html), sha256Hex(html)); code != 1 || out != "" || errs != want {
		t.Errorf("altered report: exit %d %q %q, want %q", code, out, errs, want)
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--out written for an altered report: %v", err)
	}
	if !bytes.Contains(man, []byte(`"key": "runs/date=2026-11-26/report.html"`)) {
		t.Errorf("the manifest lists no report:\n%s", man)
	}

	// A report the manifest lists but that is gone.
	os.Remove(reportPath)
	code, _, errs = recon(t, "report", "--root", dir, "--date", testDate)
	if want := "recon: runs/date=2026-11-26/report.html, listed by the manifest of 2026-11-26: open runs/date=2026-11-26/report.html: object does not exist"; code != 1 || !strings.HasPrefix(errs, want) {
		t.Errorf("missing report: exit %d %q, want 1 and %q", code, errs, want)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--root", dir}, "recon: report: --root and --date are required\n"},
		{[]string{"report", "--root", dir, "--date", "2026-02-30"}, "recon: report: business date \"2026-02-30\" is not YYYY-MM-DD\n"},
		{[]string{"report", "--root", dir, "--date", testDate, "extra"}, "recon: report: unexpected argument \"extra\"\n"},
	} {
		if code, _, errs := recon(t, c.args...); code != 2 || !strings.HasPrefix(errs, c.want) {
			t.Errorf("recon %q: exit %d %q, want 2 and %q", c.args, code, errs, c.want)
		}
	}
}
