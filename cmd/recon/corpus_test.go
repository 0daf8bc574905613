package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir is the engine's corpus of malformed and hostile inputs, laid
// out as a store; expected.json says what the run must make of each file
// (engine/corpus_test.go writes it and checks it).
var corpusDir = filepath.Join("..", "..", "engine", "testdata", "corpus")

type corpusExpectation struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// TestValidateCorpus runs `recon validate` on every corpus file, as a
// bank would before uploading it: a file the nightly run quarantines is
// REJECTED with the very reason the run gives (the path in place of the
// key) and exit status 1. Files whose only fault is their key, and the
// good files, are OK: validate checks contents.
func TestValidateCorpus(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp []corpusExpectation
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp) < 40 {
		t.Fatalf("%d corpus files", len(exp))
	}
	cfg := filepath.Join(corpusDir, "recon.yaml")
	for _, e := range exp {
		path := filepath.Join(corpusDir, filepath.FromSlash(e.Key))
		t.Run(e.Key, func(t *testing.T) {
			code, out, errs := recon(t, "validate", "--config", cfg, "--log-level", "error", path)
			if e.Reason == "" {
				if code != 0 || !strings.HasPrefix(out, "OK "+path+": ") {
					t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
				}
				return
			}
			reason := strings.ReplaceAll(e.Reason, "{k}", path)
			want := "REJECTED " + path + "\n  " + strings.ReplaceAll(reason, "\n", "\n  ") + "\n"
			if code != 1 || out != want || errs != "recon: 1 of 1 files would be rejected\n" {
				t.Errorf("exit %d\nstdout: %q\nwant:   %q\nstderr: %q", code, out, want, errs)
			}
		})
	}
}

// TestValidateCorpusAtOnce validates every corpus file in one command:
// the count of rejected files and the exit status.
func TestValidateCorpusAtOnce(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp []corpusExpectation
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	args := []string{"validate", "--config", filepath.Join(corpusDir, "recon.yaml")}
	bad := 0
	for _, e := range exp {
		args = append(args, filepath.Join(corpusDir, filepath.FromSlash(e.Key)))
		if e.Reason != "" {
			bad++
		}
	}
	code, out, errs := recon(t, args...)
	if want := fmt.Sprintf("recon: %d of %d files would be rejected\n", bad, len(exp)); code != 1 || errs != want {
		t.Errorf("exit %d, stderr %q; want 1, %q", code, errs, want)
	}
	if n := strings.Count(out, "REJECTED "); n != bad {
		t.Errorf("%d REJECTED lines, want %d", n, bad)
	}
}
