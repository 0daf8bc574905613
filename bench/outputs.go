package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// outputsHash is the SHA-256 of a run's outputs under root, what
//
//	cd ROOT/runs && find . -type f | sort | xargs sha256sum | sha256sum
//
// prints (in the C locale's order): of a line for each file, its SHA-256
// and its path, in path order. Two runs that wrote the same bytes hash the
// same.
func outputsHash(root string) (string, error) {
	dir := filepath.Join(root, "runs")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("listing the run's outputs: %w", err)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("no outputs under %s", dir)
	}
	slices.Sort(files)
	all := sha256.New()
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("hashing %s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(all, "%x  ./%s\n", h.Sum(nil), filepath.ToSlash(rel))
	}
	return hex.EncodeToString(all.Sum(nil)), nil
}

// checkSeeded compares the exceptions a run counted (its summary) with
// those the generator seeded (the expectation's counts by kind, written by
// recon gen --anomaly-every): each seeded kind must come out exactly as
// often. Kinds the generator does not count (the flows its random days
// happen to break, say) are not checked.
func checkSeeded(root string) error {
	data, err := os.ReadFile(filepath.Join(root, "expected", "date="+date, "exceptions.json"))
	if err != nil {
		return fmt.Errorf("the generator's expectation: %w", err)
	}
	var exp struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal(data, &exp); err != nil {
		return fmt.Errorf("the generator's expectation: %w", err)
	}
	got, err := readReconCounts(root)
	if err != nil {
		return fmt.Errorf("the run's summary: %w", err)
	}
	var bad []string
	for kind, n := range exp.Counts {
		if got[kind] != n {
			bad = append(bad, fmt.Sprintf("%s %d, seeded %d", kind, got[kind], n))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("exceptions other than the generator seeded: %s", strings.Join(bad, "; "))
	}
	return nil
}
