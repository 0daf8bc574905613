package engine_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/fixtures"
	"github.com/recon-dev/recon/report"
	"github.com/recon-dev/recon/store"
)

// Kill points of TestKilledRunsLoseNothing, and the seed their times are
// drawn from: a failure names its kill point, and the same seed gives
// the same kill times (as far as the machine's timing allows).
const (
	crashKillPoints = 60
	crashSeed       = 20261126
)

// buildRecon builds the recon binary, without the race detector, into a
// temporary directory.
func buildRecon(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "recon")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/recon-dev/recon/cmd/recon")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestKilledRunsLoseNothing kills `recon run` with SIGKILL at points
// spread over an undisturbed run's duration. After each kill no partial
// run may be visible: either the date has no manifest, or every output
// the manifest lists exists with its size and SHA-256 and nothing else is
// under runs/. Then an undisturbed run must commit outputs byte-identical
// to those of a run that was never disturbed.
func TestKilledRunsLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it a hundred times")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL")
	}
	bin := buildRecon(t)
	dir := t.TempDir()
	st, err := store.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fixtures.Generate(context.Background(), st, fixtures.Options{Date: testDate, Platforms: 3, Investors: 120,
		Transactions: 1500, Seed: 5, Scenarios: []string{"breaks", "duplicate-at-bank", "input-rejected", "custody-shortfall"}})
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "--root", dir, "--date", testDate, "--workers", "2", "--log-level", "error"}
	manifest := filepath.Join(dir, filepath.FromSlash(engine.ManifestKey(testDate)))
	// start starts a run and returns once it has removed the previous
	// run's manifest (or has ended): before that a kill leaves the
	// previous run untouched, which tests nothing, and how long a run
	// takes to get there (exec, the runtime, the configuration) varies
	// most with the machine's load.
	start := func() (cmd *exec.Cmd, ended <-chan error, at time.Time) {
		t.Helper()
		cmd = exec.Command(bin, args...)
		cmd.Stderr = new(strings.Builder)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		for {
			if _, err := os.Stat(manifest); errors.Is(err, fs.ErrNotExist) {
				return cmd, done, time.Now()
			}
			select {
			case err := <-done:
				done <- err
				return cmd, done, time.Now()
			case <-time.After(100 * time.Microsecond):
			}
		}
	}
	run := func() time.Duration {
		t.Helper()
		cmd, ended, at := start()
		if err := <-ended; err != nil {
			t.Fatalf("undisturbed run: %v\n%s", err, cmd.Stderr)
		}
		return time.Since(at)
	}

	// The reference: undisturbed runs, and how long one takes from its
	// uncommit to its end.
	var took []time.Duration
	for range 3 {
		took = append(took, run())
	}
	want := outputs(t, st)
	if len(want) < 10 {
		t.Fatalf("only %d outputs", len(want))
	}
	t.Logf("an undisturbed run takes %v after its uncommit; %d kill points, seed %d", slices.Min(took), crashKillPoints, crashSeed)

	rng := rand.New(rand.NewPCG(crashSeed, 0))
	committed := 0
	for i := range crashKillPoints {
		// How long a run takes now: the fastest of the last three
		// undisturbed runs. Other packages' tests run beside this one,
		// so the machine's load, and a run's duration, change while
		// this test runs; a duration measured once at the start put
		// half of the kills after the commit once the load dropped.
		duration := slices.Min(took[len(took)-3:])
		// One kill time in each of crashKillPoints equal slices of the
		// run after its uncommit, at a random place within it.
		at := time.Duration((float64(i) + rng.Float64()) / crashKillPoints * float64(duration))
		cmd, ended, from := start()
		time.Sleep(time.Until(from.Add(at)))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-ended
		if checkCommitted(t, st, fmt.Sprintf("kill point %d at %v", i, at)) {
			committed++
		}
		took = append(took, run())
		got := outputs(t, st)
		if diff := diffOutputs(got, want); diff != "" {
			t.Fatalf("kill point %d at %v: the rerun's outputs differ from an undisturbed run's: %s", i, at, diff)
		}
	}
	t.Logf("%d of %d killed runs had committed", committed, crashKillPoints)
	// Most kills must land while a run is under way (no manifest), or the
	// test tests little.
	if uncommitted := crashKillPoints - committed; uncommitted < crashKillPoints/2 {
		t.Errorf("only %d of %d kills caught a run without its manifest", uncommitted, crashKillPoints)
	}
}

// checkCommitted checks that what a killed run left is a committed run or
// none, and says which.
func checkCommitted(t *testing.T, st store.Store, point string) bool {
	t.Helper()
	ctx := context.Background()
	obj, err := st.Open(ctx, engine.ManifestKey(testDate))
	if errors.Is(err, store.ErrNotExist) {
		return false
	}
	if err != nil {
		t.Fatalf("%s: open the manifest: %v", point, err)
	}
	obj.Close()
	var man report.Manifest
	if err := json.Unmarshal(readObject(t, st, engine.ManifestKey(testDate)), &man); err != nil {
		t.Fatalf("%s: the manifest does not parse: %v", point, err)
	}
	listed := map[string]bool{}
	for _, o := range man.Outputs {
		data, err := readIfExists(st, o.Key)
		if err != nil {
			t.Fatalf("%s: the manifest lists %s: %v", point, o.Key, err)
		}
		sum := sha256.Sum256(data)
		if int64(len(data)) != o.SizeBytes || hex.EncodeToString(sum[:]) != o.SHA256 {
			t.Fatalf("%s: %s has %d bytes, SHA-256 %x; the manifest says %d, %s", point, o.Key, len(data), sum, o.SizeBytes, o.SHA256)
		}
		listed[o.Key] = true
	}
	objs, err := st.List(ctx, engine.RunPrefix(testDate))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if !listed[o.Key] && o.Key != engine.ManifestKey(testDate) {
			t.Fatalf("%s: %s is under a committed run but not in its manifest", point, o.Key)
		}
	}
	return true
}

func readIfExists(st store.Store, key string) ([]byte, error) {
	obj, err := st.Open(context.Background(), key)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	data := make([]byte, obj.SizeBytes())
	if _, err := obj.ReadAt(data, 0); err != nil && obj.SizeBytes() > 0 {
		return nil, err
	}
	return data, nil
}

// diffOutputs describes how two sets of outputs differ ("" when equal).
func diffOutputs(got, want map[string][]byte) string {
	var d []string
	for k, v := range want {
		g, ok := got[k]
		switch {
		case !ok:
			d = append(d, "missing "+k)
		case !bytes.Equal(g, v):
			d = append(d, "changed "+k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			d = append(d, "extra "+k)
		}
	}
	slices.Sort(d)
	return strings.Join(d, ", ")
}
