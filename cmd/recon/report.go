package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/report"
	"github.com/recon-dev/recon/store"
)

// Why `recon report` found no trustworthy report; each is exit status 1.
var (
	// errNoRun: the date has no manifest, so no committed run.
	errNoRun = errors.New("no committed run")
	// errRunChanged: the manifest went away or changed while the report
	// was read: a rerun is replacing the run.
	errRunChanged = errors.New("the run changed while its report was read")
	// errMismatch: report.html is not what the (unchanged) manifest lists.
	errMismatch = errors.New("does not match the manifest")
)

// maxReadBytes bounds what `recon report` reads into memory (manifest,
// report.html).
const maxReadBytes = 1 << 30

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("report", &c)
	root := fs.String("root", "", "store root: a directory, file://DIR or s3://BUCKET/PREFIX")
	date := fs.String("date", "", "business date YYYY-MM-DD of the run")
	out := fs.String("out", "", "write the report to this file (default: stdout)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("report: unexpected argument %q", fs.Arg(0))
	}
	if _, err := c.logger(stderr); err != nil {
		return err
	}
	if *root == "" || *date == "" {
		return usagef("report: --root and --date are required")
	}
	if _, err := engine.ParseDate(*date); err != nil {
		return usagef("report: %v", err)
	}
	st, err := store.OpenURL(ctx, *root, os.Getenv)
	if err != nil {
		return err
	}
	html, err := committedReport(ctx, st, *date)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := stdout.Write(html)
		return err
	}
	if err := writeFileAtomic(*out, html); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	sum := sha256.Sum256(html)
	fmt.Fprintf(stdout, "report of the committed run of %s (%d bytes, sha256 %s) written to %s\n", *date, len(html), hex.EncodeToString(sum[:]), *out)
	return nil
}

// committedReport returns report.html of the date's committed run after
// checking its size and SHA-256 against the run's manifest. A date
// without a manifest is errNoRun; a report that differs from the manifest
// is errMismatch, or errRunChanged when the manifest itself changed
// meanwhile (a rerun began).
func committedReport(ctx context.Context, st store.Store, date string) ([]byte, error) {
	mkey := engine.ManifestKey(date)
	mdata, err := readObject(ctx, st, mkey)
	switch {
	case errors.Is(err, store.ErrNotExist):
		return nil, fmt.Errorf("%w for %s in %s: %s does not exist (the run failed, is under way or never ran)", errNoRun, date, st, mkey)
	case errors.Is(err, store.ErrChanged):
		return nil, fmt.Errorf("%w: %w", errRunChanged, err)
	case err != nil:
		return nil, fmt.Errorf("read the manifest of %s: %w", date, err)
	}
	man, err := report.ParseManifest(mdata)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mkey, err)
	}
	if man.RunDate != date {
		return nil, fmt.Errorf("%s: the manifest is of run date %q, not %s", mkey, man.RunDate, date)
	}
	rkey := engine.RunPrefix(date) + "report.html"
	var want *report.Output
	for i := range man.Outputs {
		if man.Outputs[i].Key == rkey {
			want = &man.Outputs[i]
		}
	}
	if want == nil {
		return nil, fmt.Errorf("%s lists no %s", mkey, rkey)
	}
	html, rerr := readObject(ctx, st, rkey)
	var bad error
	switch {
	case rerr == nil:
		sum := sha256.Sum256(html)
		got := hex.EncodeToString(sum[:])
		if int64(len(html)) == want.SizeBytes && got == want.SHA256 {
			return html, nil
		}
		bad = fmt.Errorf("%s %w of %s: it has %d bytes, sha256 %s; the manifest lists %d bytes, sha256 %s",
			rkey, errMismatch, date, len(html), got, want.SizeBytes, want.SHA256)
	case errors.Is(rerr, store.ErrNotExist), errors.Is(rerr, store.ErrChanged):
		bad = fmt.Errorf("%s, listed by the manifest of %s: %w", rkey, date, rerr)
	default:
		return nil, fmt.Errorf("read the report of %s: %w", date, rerr)
	}
	// Tell a rerun replacing the run from a damaged run: a rerun removes
	// the manifest before it touches the report.
	now, err := readObject(ctx, st, mkey)
	if errors.Is(err, store.ErrNotExist) || errors.Is(err, store.ErrChanged) || (err == nil && !bytes.Equal(now, mdata)) {
		return nil, fmt.Errorf("%w: the run of %s is being replaced by a rerun; try again once it has committed", errRunChanged, date)
	}
	return nil, bad
}

// readObject reads a whole object of at most maxReadBytes.
func readObject(ctx context.Context, st store.Store, key string) ([]byte, error) {
	obj, err := st.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	if obj.SizeBytes() > maxReadBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d read at most", key, obj.SizeBytes(), maxReadBytes)
	}
	buf := make([]byte, obj.SizeBytes())
	if n, err := obj.ReadAt(buf, 0); err != nil && !(errors.Is(err, io.EOF) && n == len(buf)) {
		return nil, err
	}
	return buf, nil
}

// writeFileAtomic writes data to name through a temporary file in the same
// directory, so that name holds either its old content or all of data.
func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename: nothing there
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
