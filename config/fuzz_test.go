package config

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"
)

// fuzzMaxInput caps fuzz inputs: a configuration is a page of YAML.
const fuzzMaxInput = 64 << 10

// fuzzMaxTime bounds one Parse of at most fuzzMaxInput bytes.
const fuzzMaxTime = 2 * time.Second

// FuzzParse checks that Parse never panics or hangs, and that what it
// accepts is valid and survives printing (--print-config) and parsing
// again unchanged.
func FuzzParse(f *testing.F) {
	f.Add(Default().YAML())
	f.Add([]byte("amount_scale: 4\nlimits:\n  column_chunk_bytes: 16777216\n  files_per_run: 10\n"))
	f.Add([]byte("severities:\n  MATCHED_WITHOUT_REFERENCE: low\nmax_fee_rate: \"0.05\"\nbalance_tolerance: \"0.01\"\n"))
	f.Add([]byte("business_timezone: UTC\ndate_window_days: 3\nverdict:\n  grey_high: 2\n"))
	f.Add([]byte("a: &x [*x, *x]\n"))
	f.Add([]byte("limits: {rows_per_object: -1}\n"))
	if data, err := os.ReadFile("../engine/testdata/corpus/recon.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input larger than the cap")
		}
		hang := time.AfterFunc(4*fuzzMaxTime, func() { panic(fmt.Sprintf("Parse of %d bytes did not return in %v", len(data), 4*fuzzMaxTime)) })
		defer hang.Stop()
		start := time.Now()
		cfg, err := Parse(bytes.NewReader(data))
		if d := time.Since(start); d > fuzzMaxTime {
			t.Fatalf("Parse took %v", d)
		}
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Parse accepted an invalid configuration: %v", err)
		}
		again, err := Parse(bytes.NewReader(cfg.YAML()))
		if err != nil {
			t.Fatalf("the printed configuration does not parse: %v\n%s", err, cfg.YAML())
		}
		if again.Hash() != cfg.Hash() {
			t.Fatalf("printed and parsed again, the configuration changed:\n%s\n%s", cfg.YAML(), again.YAML())
		}
	})
}
