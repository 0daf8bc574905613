package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exitDate = "2026-11-26"

// genScenario generates a store of one scenario platform.
func genScenario(t *testing.T, scenario string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), scenario)
	if code, out, errs := recon(t, "gen", "--root", root, "--date", exitDate, "--platforms", "0", "--scenario", scenario, "--log-level", "error"); code != 0 {
		t.Fatalf("gen %s: exit %d\n%s\n%s", scenario, code, out, errs)
	}
	return root
}

// TestFailOnBoundaries runs stores whose most severe exception is each
// severity in turn with --fail-on each severity: exit status 3 (and how
// many exceptions matched) exactly when an exception is at or above the
// --fail-on severity, 0 otherwise; the run commits either way.
func TestFailOnBoundaries(t *testing.T) {
	severities := []string{"critical", "high", "medium", "low", "info"}
	stores := []struct {
		scenario string
		// counts of exceptions at or above each severity, most severe first
		atOrAbove [5]int
	}{
		{"custody-shortfall", [5]int{1, 2, 2, 2, 2}},         // CUSTODY_SHORTFALL, ACCOUNT_BALANCE_MISMATCH
		{"missing-at-bank", [5]int{0, 1, 1, 1, 1}},           // MISSING_AT_BANK
		{"duplicate-at-bank", [5]int{0, 0, 1, 1, 1}},         // DUPLICATE_AT_BANK
		{"date-out-of-window", [5]int{0, 0, 0, 1, 1}},        // DATE_OUT_OF_WINDOW
		{"matched-without-reference", [5]int{0, 0, 0, 0, 2}}, // MATCHED_WITHOUT_REFERENCE x2
	}
	for _, s := range stores {
		root := genScenario(t, s.scenario)
		for i, sev := range severities {
			t.Run(s.scenario+"/"+sev, func(t *testing.T) {
				code, out, errs := recon(t, "run", "--root", root, "--date", exitDate, "--fail-on", sev, "--log-level", "error")
				wantCode, wantErr := 0, ""
				if n := s.atOrAbove[i]; n > 0 {
					wantCode = 3
					wantErr = fmt.Sprintf("recon: exceptions at or above the --fail-on severity: %d exceptions of severity %s or worse\n", n, sev)
				}
				if code != wantCode || errs != wantErr {
					t.Errorf("exit %d, stderr %q; want %d, %q", code, errs, wantCode, wantErr)
				}
				if !strings.Contains(out, "_MANIFEST.json") {
					t.Errorf("the run did not commit:\n%s", out)
				}
				if _, err := os.Stat(filepath.Join(root, "runs", "date="+exitDate, "_MANIFEST.json")); err != nil {
					t.Errorf("no manifest: %v", err)
				}
			})
		}
	}
}

// TestRunFailures checks the runs that must fail with exit status 1 and
// commit nothing (the store failing early or late, a limit of the run
// exceeded), and the configurations refused as usage errors (2).
func TestRunFailures(t *testing.T) {
	manifest := func(root string) string { return filepath.Join(root, "runs", "date="+exitDate, "_MANIFEST.json") }

	// The store fails before anything is written: runs/ cannot be made.
	early := genScenario(t, "missing-at-bank")
	if err := os.WriteFile(filepath.Join(early, "runs"), []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The store fails late, after the exceptions are written: where the
	// summary goes there is a directory. A committed run of the date
	// exists before: it must be gone.
	late := genScenario(t, "input-rejected")
	if code, out, errs := recon(t, "run", "--root", late, "--date", exitDate, "--log-level", "error"); code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	summary := filepath.Join(late, "runs", "date="+exitDate, "summary.json")
	if err := os.Remove(summary); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(summary, "in-the-way"), 0o755); err != nil {
		t.Fatal(err)
	}
	// More input objects than files_per_run allows.
	many := genScenario(t, "missing-at-bank")
	dir := t.TempDir()
	tooFew := filepath.Join(dir, "few-files.yaml")
	if err := os.WriteFile(tooFew, []byte("limits:\n  files_per_run: 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	zeroLimit := filepath.Join(dir, "zero-limit.yaml")
	if err := os.WriteFile(zeroLimit, []byte("limits:\n  rows_per_object: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unknownKey := filepath.Join(dir, "unknown-key.yaml")
	if err := os.WriteFile(unknownKey, []byte("limits:\n  rows_per_file: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		root string
		args []string
		code int
		want string // the start of stderr
	}{
		{"store fails early", early, nil, 1, "recon: run failed, nothing committed: remove the previous manifest: "},
		{"store fails late", late, nil, 1, "recon: run failed, nothing committed: write runs/date=2026-11-26/summary.json: "},
		{"files_per_run exceeded", many, []string{"--config", tooFew}, 1,
			"recon: run failed, nothing committed: ingest: more than 5 input objects (limit files_per_run)\n"},
		{"a limit of zero", many, []string{"--config", zeroLimit}, 2, "recon: config " + zeroLimit + ": limits: every limit must be at least 1\n"},
		{"an unknown limit", many, []string{"--config", unknownKey}, 2, "recon: config " + unknownKey + ": yaml: unmarshal errors:\n"},
		{"no configuration file", many, []string{"--config", filepath.Join(dir, "absent.yaml")}, 2, "recon: config: open "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--root", tt.root, "--date", exitDate, "--log-level", "error"}, tt.args...)
			code, out, errs := recon(t, args...)
			if code != tt.code || !strings.HasPrefix(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d, %q...\nstdout: %s", code, errs, tt.code, tt.want, out)
			}
			if _, err := os.Stat(manifest(tt.root)); err == nil {
				t.Errorf("a manifest exists after a failed run")
			}
		})
	}
}
