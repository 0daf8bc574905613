package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/fixtures"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/money"
	"github.com/recon-dev/recon/store"
)

var update = flag.Bool("update", false, "rewrite testdata/corpus from the builders of corpus_cases_test.go")

// corpusDir holds the corpus: each file at its key, recon.yaml (the run's
// configuration) and expected.json (each key's reason, for the tests of
// `recon validate` in cmd/recon).
const corpusDir = "testdata/corpus"

// Size bounds of the committed corpus.
const (
	corpusFileMax  = 200 << 10
	corpusTotalMax = 3 << 20
)

// CorpusExpectation is one entry of expected.json.
type CorpusExpectation struct {
	Key string `json:"key"`
	// Reason is what the run quarantines the file for, "{k}" standing for
	// its key; empty: the file is accepted.
	Reason string `json:"reason,omitempty"`
	// Layout: only the key is wrong; the content is valid (`recon
	// validate` rejects the file for its path, as the run does).
	Layout bool `json:"layout,omitempty"`
}

// writeCorpus regenerates testdata/corpus.
func writeCorpus(t *testing.T, cases []corpusCase) {
	if err := os.RemoveAll(corpusDir); err != nil {
		t.Fatal(err)
	}
	var exp []CorpusExpectation
	for _, c := range cases {
		path := filepath.Join(corpusDir, filepath.FromSlash(c.key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, c.build(t), 0o644); err != nil {
			t.Fatal(err)
		}
		exp = append(exp, CorpusExpectation{Key: c.key, Reason: corpusReasons[c.key], Layout: c.layout})
	}
	data, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corpusDir, "expected.json"), append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corpusDir, "recon.yaml"), []byte(corpusConfig), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCorpusFiles checks the committed corpus against its builders'
// list: every file there, none else, each small, expected.json in step.
func TestCorpusFiles(t *testing.T) {
	cases := corpusCases()
	if *update {
		writeCorpus(t, cases)
	}
	want := map[string]bool{"expected.json": true, "recon.yaml": true}
	for _, c := range cases {
		want[c.key] = true
		if _, ok := corpusReasons[c.key]; !ok && !strings.Contains(c.key, "=OVF/") {
			t.Errorf("%s: no expected reason", c.key)
		}
	}
	var total int64
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		key := filepath.ToSlash(strings.TrimPrefix(path, corpusDir+string(filepath.Separator)))
		if !want[key] {
			t.Errorf("%s: no builder makes it (run with -update)", key)
		}
		delete(want, key)
		if info.Size() > corpusFileMax {
			t.Errorf("%s: %d bytes, more than %d", key, info.Size(), corpusFileMax)
		}
		total += info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range want {
		t.Errorf("%s: missing (run with -update)", key)
	}
	if total > corpusTotalMax {
		t.Errorf("corpus of %d bytes, more than %d", total, corpusTotalMax)
	}
	if rejected := len(corpusReasons); rejected < 40 {
		t.Errorf("%d rejected inputs in the corpus, want at least 40", rejected)
	}
	var exp []CorpusExpectation
	data, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp) != len(cases) {
		t.Fatalf("expected.json has %d entries, the builders %d (run with -update)", len(exp), len(cases))
	}
	for i, c := range cases {
		if w := (CorpusExpectation{Key: c.key, Reason: corpusReasons[c.key], Layout: c.layout}); exp[i] != w {
			t.Errorf("expected.json entry %d is %+v, want %+v (run with -update)", i, exp[i], w)
		}
	}
}

// corpusStore generates the store the corpus is put into: three clean
// platforms, P001 and P003 at bank B1, P002 at B2.
func corpusStore(t *testing.T) store.Store {
	st, _ := genStore(t, fixtures.Options{Platforms: 3, Investors: 40, Transactions: 400, Seed: 40})
	return st
}

// TestCorpus puts every corpus file into a generated store, along with
// one ledger file and one custody file uploaded twice under two names,
// and runs the nightly job. Every malformed file must be quarantined with
// exactly its reason; everything else must be reconciled as before: the
// clean platform P001 keeps its counts and gets no exception but the
// rejections; the uploads made twice give one duplicate exception per
// row; the OVF platform, whose sums leave DECIMAL(18), reports them with
// null amounts and the values in the detail. Nothing panics.
func TestCorpus(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load(filepath.Join(corpusDir, "recon.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	baseline, err := engine.Run(ctx, engine.Options{Store: corpusStore(t), Date: testDate, Config: cfg, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}

	st := corpusStore(t)
	for _, c := range corpusCases() {
		data, err := os.ReadFile(filepath.Join(corpusDir, filepath.FromSlash(c.key)))
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		put(t, st, c.key, data)
	}
	// The same objects uploaded twice under two names.
	ledgerP002 := ingest.Key(formats.LedgerTransactions, testDate, "", "P002", "part-00000.parquet")
	custodyP003 := ingest.Key(formats.CustodyTransactions, testDate, "B1", "P003", "part-00000.parquet")
	put(t, st, strings.Replace(ledgerP002, "part-00000", "part-00000-resent", 1), readObject(t, st, ledgerP002))
	put(t, st, strings.Replace(custodyP003, "part-00000", "part-00000-resent", 1), readObject(t, st, custodyP003))

	out, err := engine.Run(ctx, engine.Options{Store: st, Date: testDate, Config: cfg, Workers: 2})
	if err != nil {
		t.Fatalf("the run failed: %v", err)
	}
	if _, err := st.Open(ctx, engine.ManifestKey(testDate)); err != nil {
		t.Fatalf("the run did not commit: %v", err)
	}

	// Every rejection, with exactly its reason, in the exception, the
	// summary and the quarantine.
	byPlatform := map[string][]string{}
	rejected := map[string]string{}
	for _, e := range out.Exceptions {
		if e.Kind == "INPUT_REJECTED" {
			if _, dup := rejected[e.SourceKey]; dup {
				t.Errorf("%s rejected twice", e.SourceKey)
			}
			rejected[e.SourceKey] = e.Detail
			continue
		}
		byPlatform[e.PlatformID] = append(byPlatform[e.PlatformID], e.Kind)
	}
	for key, tmpl := range corpusReasons {
		reason := strings.ReplaceAll(tmpl, "{k}", key)
		detail, ok := rejected[key]
		if !ok {
			t.Errorf("%s was not rejected", key)
			continue
		}
		delete(rejected, key)
		if want := "Input " + key + " was quarantined and not reconciled: " + strings.ReplaceAll(reason, "\n", "; "); detail != want {
			t.Errorf("%s:\n  detail %q\n  want   %q", key, detail, want)
		}
		if q := readObject(t, st, engine.QuarantinePrefix(testDate)+key); !bytes.Equal(q, readObject(t, st, key)) {
			t.Errorf("%s: quarantined copy differs", key)
		}
		text := string(readObject(t, st, engine.QuarantinePrefix(testDate)+key+".reason.txt"))
		if want := reason + "\n\nrejected by recon " + engine.Version + " for business date " + testDate + "; the file was not reconciled.\n"; text != want {
			t.Errorf("%s: reason.txt\n  %q\nwant\n  %q", key, text, want)
		}
	}
	for key, detail := range rejected {
		t.Errorf("%s rejected unexpectedly: %s", key, detail)
	}
	for _, r := range out.Summary.Rejected {
		if want := strings.ReplaceAll(corpusReasons[r.Key], "{k}", r.Key); r.Reason != want {
			t.Errorf("summary: %s: reason %q, want %q", r.Key, r.Reason, want)
		}
	}
	if got, want := out.Summary.Inputs.Rejected, len(corpusReasons); got != want {
		t.Errorf("summary: %d inputs rejected, want %d", got, want)
	}

	// The clean platforms keep every row, and P001 gets no exception but
	// the rejections.
	sum := func(o *engine.Outcome, id string) string {
		for _, p := range o.Summary.Platforms {
			if p.PlatformID == id {
				return fmt.Sprintf("bank %+v ledger %+v", p.Bank, p.Ledger)
			}
		}
		return "no platform " + id
	}
	if got, want := sum(out, "P001"), sum(baseline, "P001"); got != want {
		t.Errorf("P001: %s\n  before the corpus: %s", got, want)
	}
	if ks := byPlatform["P001"]; len(ks) > 0 {
		t.Errorf("P001: exceptions %v", ks)
	}

	// Each row of an object uploaded twice is one duplicate (failed and
	// reversed rows too: their keys are used twice), and nothing else
	// changes on the ledger side.
	ledgerRows, custodyRows := rowsOf(t, st, ledgerP002), rowsOf(t, st, custodyP003)
	if got, want := countKinds(byPlatform["P002"]), fmt.Sprintf("DUPLICATE_IN_LEDGER=%d", ledgerRows); got != want {
		t.Errorf("P002: %s, want %s", got, want)
	}
	// The 46 accounts the day's custody movements touch each break: the
	// statement's balances count the movements once, the run twice.
	if got, want := countKinds(byPlatform["P003"]), fmt.Sprintf("BANK_STATEMENT_BREAK=46 DUPLICATE_AT_BANK=%d", custodyRows); got != want {
		t.Errorf("P003: %s, want %s", got, want)
	}

	// OVF: sums beyond DECIMAL(18) come out as null amounts, with the
	// values in the detail.
	var ovf []string
	for _, e := range out.Exceptions {
		if e.PlatformID == "OVF" {
			ovf = append(ovf, fmt.Sprintf("%s %s ledger=%s bank=%s difference=%s: %s", e.Kind, e.AccountID,
				optAmount(e.LedgerAmount), optAmount(e.BankAmount), optAmount(e.Difference), e.Detail))
		}
	}
	if got, want := strings.Join(ovf, "\n"), strings.Join(ovfWant, "\n"); got != want {
		t.Errorf("OVF exceptions:\n%s\nwant\n%s", got, want)
	}
}

func optAmount(a formats.OptAmount) string {
	if !a.Valid {
		return "null"
	}
	return money.Format(a.Minor, 2)
}

// countKinds returns "KIND=n ..." in kind order.
func countKinds(kinds []string) string {
	n := map[string]int{}
	for _, k := range kinds {
		n[k]++
	}
	var out []string
	for k, c := range n {
		out = append(out, fmt.Sprintf("%s=%d", k, c))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// rowsOf returns the rows of a transactions object.
func rowsOf(t *testing.T, st store.Store, key string) int {
	data := readObject(t, st, key)
	tbl := formats.LedgerTransactions
	if strings.HasPrefix(key, "custody/") {
		tbl = formats.CustodyTransactions
	}
	n := 0
	err := formats.Read(context.Background(), key, bytes.NewReader(data), int64(len(data)), formats.SchemaOf(tbl),
		formats.ReadOptions{Scale: 2, Limits: formats.DefaultLimits()}, func(b *formats.Batch) error { n += b.Len; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n
}
