package main

// End-to-end tests of the store on S3 (a real MinIO server, see
// store/miniotest): upload, run, commit, report, least privilege, a server
// killed in the middle of a run, and a rerun replacing a run.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/report"
	"github.com/recon-dev/recon/store"
	"github.com/recon-dev/recon/store/miniotest"
)

// setS3Env points the command's S3 settings (read with os.Getenv) at an
// endpoint with the given credentials; a dead server fails fast.
func setS3Env(t *testing.T, endpoint, accessKey, secretKey string) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_S3":   endpoint,
		"AWS_ENDPOINT_URL":      "",
		"AWS_REGION":            miniotest.Region,
		"AWS_DEFAULT_REGION":    "",
		"AWS_ACCESS_KEY_ID":     accessKey,
		"AWS_SECRET_ACCESS_KEY": secretKey,
		"AWS_SESSION_TOKEN":     "",
		"AWS_MAX_ATTEMPTS":      "3",
	} {
		t.Setenv(k, v)
	}
}

// cred is one role's S3 credentials.
type cred struct{ ak, sk string }

// reconAs runs recon with the role's credentials against endpoint. The
// secret key must not appear in what it prints.
func reconAs(t *testing.T, endpoint string, c cred, args ...string) (int, string, string) {
	t.Helper()
	setS3Env(t, endpoint, c.ak, c.sk)
	code, out, errs := recon(t, args...)
	if strings.Contains(out+errs, c.sk) {
		t.Errorf("recon %q printed the secret key", args)
	}
	return code, out, errs
}

// s3Store opens the store at s3://bucket/prefix with the given
// credentials and short retries.
func s3Store(t *testing.T, srv *miniotest.Server, c cred, prefix string) *store.S3 {
	t.Helper()
	st, err := store.NewS3(store.S3Config{
		Endpoint: srv.Endpoint, Region: miniotest.Region, AccessKeyID: c.ak, SecretAccessKey: c.sk,
		MaxAttempts: 3, RetryBaseDelay: 10 * time.Millisecond, RetryMaxDelay: 50 * time.Millisecond,
	}, srv.Bucket, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// roles creates the engine's, an auditor's and banks B1's and B2's users
// with the policies of deploy/ for a store at s3://bucket/prefix.
func roles(t *testing.T, srv *miniotest.Server, prefix string) map[string]cred {
	t.Helper()
	vars := func(bank string) map[string]string {
		m := map[string]string{"BUCKET": srv.Bucket, "PREFIX": prefix + "/"}
		if bank != "" {
			m["BANK"] = bank
		}
		return m
	}
	out := map[string]cred{"root": {srv.AccessKey, srv.SecretKey}}
	for _, r := range []struct{ user, policy, bank string }{
		{"engine", "engine", ""}, {"auditor", "auditor", ""}, {"bank-B1", "bank", "B1"}, {"bank-B2", "bank", "B2"},
	} {
		ak, sk := srv.CreateUser(r.user, miniotest.Policy(t, r.policy, vars(r.bank)))
		out[r.user] = cred{ak, sk}
	}
	return out
}

// outputs reads every object a run of the date wrote: runs/date=D/ and
// quarantine/date=D/.
func outputs(t *testing.T, st store.Store) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	for _, p := range []string{engine.RunPrefix(testDate), engine.QuarantinePrefix(testDate)} {
		infos, err := st.List(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range infos {
			b, err := readObject(ctx, st, o.Key)
			if err != nil {
				t.Fatal(err)
			}
			out[o.Key] = b
		}
	}
	return out
}

// sameOutputs fails unless got and want hold the same keys with the same
// bytes (want must hold a committed run).
func sameOutputs(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	if _, ok := want[engine.ManifestKey(testDate)]; !ok {
		t.Fatalf("%s: the reference holds no committed run", what)
	}
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s: %s missing", what, k)
		case !bytes.Equal(g, w):
			t.Errorf("%s: %s differs (%d bytes, want %d)", what, k, len(g), len(w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s not expected", what, k)
		}
	}
}

// countLines counts the lines of out that start with prefix.
func countLines(out, prefix string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// copyStore copies every object of src whose key starts with one of the
// prefixes into dst.
func copyStore(t *testing.T, src, dst store.Store, prefixes ...string) {
	t.Helper()
	ctx := context.Background()
	for _, p := range prefixes {
		infos, err := src.List(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range infos {
			b, err := readObject(ctx, src, o.Key)
			if err != nil {
				t.Fatal(err)
			}
			if err := dst.Put(ctx, o.Key, bytes.NewReader(b), int64(len(b))); err != nil {
				t.Fatal(err)
			}
		}
	}
}

var inputPrefixes = []string{"custody/", "ledger/", "registry/"}

// localRun runs the date on a local store and returns its outputs.
func localRun(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	st := localStore(t, dir)
	if _, err := engine.Run(context.Background(), engine.Options{Store: st, Date: testDate, Config: config.Default(), Workers: 3}); err != nil {
		t.Fatal(err)
	}
	return outputs(t, st)
}

// TestS3EndToEnd: a generated store uploaded with `recon upload --from`,
// run on MinIO with the engine's least-privilege credentials, gives
// outputs byte-identical to the same run on a local directory; the
// auditor reads the report with `recon report`.
func TestS3EndToEnd(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	const prefix = "e2e/recon"
	rootURL := "s3://" + srv.Bucket + "/" + prefix
	who := roles(t, srv, prefix)
	rootStore := s3Store(t, srv, who["root"], prefix)

	src := t.TempDir()
	genStore(t, src, 7, "breaks", "ponzi", "diversion")
	const bad = "ledger/transactions/date=2026-11-26/platform=breaks/late-upload.parquet"

	// The platforms' and banks' files go up through `recon upload --from`;
	// the one file that would be rejected is refused.
	code, out, errs := reconAs(t, srv.Endpoint, who["root"], "upload", "--root", rootURL, "--from", src)
	srcInputs, err := localStore(t, src).List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var inputs []string
	for _, o := range srcInputs {
		if slices.ContainsFunc(inputPrefixes, func(p string) bool { return strings.HasPrefix(o.Key, p) }) && o.Key != bad {
			inputs = append(inputs, o.Key)
		}
	}
	wantRefused := "REFUSED " + bad + "\n  " + bad + `: column "amount": money must be a decimal, not a float: the file has DOUBLE` + "\n"
	wantSummary := fmt.Sprintf("%d uploaded, 0 replaced, 0 unchanged, 1 refused, of %d files, under %s\n", len(inputs), len(inputs)+1, rootStore)
	if code != 1 || !strings.Contains(out, wantRefused) || !strings.HasSuffix(out, wantSummary) || countLines(out, "UPLOADED ") != len(inputs) ||
		errs != fmt.Sprintf("recon: upload: 1 of %d files refused; nothing was written for them\n", len(inputs)+1) {
		t.Fatalf("upload --from: exit %d\nstdout:\n%s\nstderr:\n%s\nwant %q and %q", code, out, errs, wantRefused, wantSummary)
	}
	for _, k := range inputs {
		want := readFile(t, filepath.Join(src, filepath.FromSlash(k)))
		info, err := rootStore.Stat(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readObject(ctx, rootStore, k)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || info.SHA256 != sha256Hex(want) {
			t.Errorf("%s: uploaded %d bytes with sha256 metadata %q; want the source's %d bytes, %s", k, len(got), info.SHA256, len(want), sha256Hex(want))
		}
	}
	if _, err := rootStore.Stat(ctx, bad); !errors.Is(err, store.ErrNotExist) {
		t.Fatalf("the refused file was written: %v", err)
	}
	// A platform that does not validate its files puts one anyway: the run
	// must quarantine it on S3 as it does locally.
	badData := readFile(t, filepath.Join(src, filepath.FromSlash(bad)))
	if err := rootStore.Put(ctx, bad, bytes.NewReader(badData), int64(len(badData))); err != nil {
		t.Fatal(err)
	}

	// recon validate reads objects by URL as it reads files.
	good := "ledger/transactions/date=2026-11-26/platform=ponzi/part-00000.parquet"
	goodURL, badURL := rootURL+"/"+good, rootURL+"/"+bad
	code, out, errs = reconAs(t, srv.Endpoint, who["root"], "validate", goodURL, badURL)
	if code != 1 || !strings.HasPrefix(out, "OK "+goodURL+": ledger_transactions, ") ||
		!strings.Contains(out, "REJECTED "+badURL+"\n  "+badURL+`: column "amount": money must be a decimal, not a float: the file has DOUBLE`+"\n") ||
		errs != "recon: 1 of 2 files would be rejected\n" {
		t.Errorf("validate by URL: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}

	// Re-uploading writes nothing.
	code, out, _ = reconAs(t, srv.Endpoint, who["root"], "upload", "--root", rootURL, "--from", src)
	if code != 1 || countLines(out, "UNCHANGED ") != len(inputs) || countLines(out, "UPLOADED ") != 0 {
		t.Errorf("second upload --from: exit %d\n%s", code, out)
	}

	// The nightly run, with the engine's credentials.
	code, out, errs = reconAs(t, srv.Endpoint, who["engine"], "run", "--root", rootURL, "--date", testDate, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "Exceptions:") || errs != "" {
		t.Fatalf("run on S3: exit %d\n%s\n%s", code, out, errs)
	}
	want := localRun(t, src)
	got := outputs(t, rootStore)
	sameOutputs(t, "S3 run against the local run", got, want)
	if _, ok := got[engine.QuarantinePrefix(testDate)+bad]; !ok {
		t.Errorf("the bad file was not quarantined on S3")
	}

	// The auditor's report is the committed one.
	html := want[engine.RunPrefix(testDate)+"report.html"]
	code, out, errs = reconAs(t, srv.Endpoint, who["auditor"], "report", "--root", rootURL, "--date", testDate)
	if code != 0 || out != string(html) || errs != "" {
		t.Errorf("auditor's report: exit %d, %d bytes (want %d)\n%s", code, len(out), len(html), errs)
	}
	outFile := filepath.Join(t.TempDir(), "report.html")
	code, _, errs = reconAs(t, srv.Endpoint, who["auditor"], "report", "--root", rootURL, "--date", testDate, "--out", outFile)
	if code != 0 || !bytes.Equal(readFile(t, outFile), html) {
		t.Errorf("auditor's report --out: exit %d %s", code, errs)
	}
}

// TestS3UploadPermissions: with deploy/policy-bank.json a bank uploads its
// own statements with `recon upload`, and is refused (exit 1, "access
// denied", nothing changed) another bank's objects, the platforms' files
// and the engine's outputs; the engine's credentials cannot upload into
// custody/. (store/iam_test.go checks the policies operation by
// operation; this checks what the commands make of them.)
func TestS3UploadPermissions(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	const prefix = "tenant/recon"
	rootURL := "s3://" + srv.Bucket + "/" + prefix
	who := roles(t, srv, prefix)
	rootStore := s3Store(t, srv, who["root"], prefix)

	src, other, loose := t.TempDir(), t.TempDir(), t.TempDir()
	genStore(t, src, 1)
	genStore(t, other, 2)
	keyPath := func(dir, key string) string { return filepath.Join(dir, filepath.FromSlash(key)) }
	const (
		b1Key = "custody/transactions/date=2026-11-26/bank=B1/platform=P001/part-00000.parquet"
		b2Key = "custody/transactions/date=2026-11-26/bank=B2/platform=P002/part-00000.parquet"
	)
	b1File := keyPath(src, b1Key)
	b1Changed := copyFile(t, keyPath(other, b1Key), filepath.Join(loose, "b1", "part-00000.parquet"))
	b2File := keyPath(src, b2Key)
	b2Changed := copyFile(t, keyPath(other, b2Key), filepath.Join(loose, "b2", "part-00000.parquet"))
	stored := func(key string) []byte {
		t.Helper()
		b, err := readObject(ctx, rootStore, key)
		if errors.Is(err, store.ErrNotExist) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	upload := func(c cred, bank, platform string, args ...string) (int, string, string) {
		t.Helper()
		return reconAs(t, srv.Endpoint, c, append([]string{"upload", "--root", rootURL, "--bank", bank, "--platform", platform, "--date", testDate}, args...)...)
	}
	deniedErr := func(t *testing.T, errs, op, key string) {
		t.Helper()
		want := fmt.Sprintf("%s s3://%s/%s/%s: access denied: Access Denied.", op, srv.Bucket, prefix, key)
		if !strings.HasPrefix(errs, "recon: upload ") || !strings.Contains(errs, want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("stderr %q, want one line with %q", errs, want)
		}
	}

	// Bank B1 uploads its statement, and again (nothing to do), and a
	// corrected one with --replace.
	code, out, errs := upload(who["bank-B1"], "B1", "P001", b1File)
	if code != 0 || !strings.HasPrefix(out, "UPLOADED "+b1File+" -> "+b1Key+" (custody_transactions, ") || errs != "" {
		t.Fatalf("bank B1 uploads its statement: exit %d\n%s\n%s", code, out, errs)
	}
	if info, err := rootStore.Stat(ctx, b1Key); err != nil || info.SHA256 != sha256Hex(readFile(t, b1File)) || !bytes.Equal(stored(b1Key), readFile(t, b1File)) {
		t.Errorf("stored statement: %+v %v", info, err)
	}
	code, out, _ = upload(who["bank-B1"], "B1", "P001", b1File)
	if code != 0 || !strings.HasPrefix(out, "UNCHANGED "+b1File+" -> "+b1Key+" (custody_transactions, identical content already there: sha256 "+sha256Hex(readFile(t, b1File))+"; nothing written)\n") {
		t.Errorf("bank B1 uploads the same statement again: exit %d\n%s", code, out)
	}
	code, out, _ = upload(who["bank-B1"], "B1", "P001", b1Changed)
	if code != 1 || !strings.HasPrefix(out, "REFUSED "+b1Changed+"\n  "+b1Key+" already holds different content") || !bytes.Equal(stored(b1Key), readFile(t, b1File)) {
		t.Errorf("bank B1 uploads a different statement without --replace: exit %d\n%s", code, out)
	}
	code, out, _ = upload(who["bank-B1"], "B1", "P001", "--replace", b1Changed)
	if code != 0 || !strings.HasPrefix(out, "REPLACED "+b1Changed+" -> "+b1Key+" (custody_transactions, ") || !bytes.Equal(stored(b1Key), readFile(t, b1Changed)) {
		t.Errorf("bank B1 replaces its statement: exit %d\n%s", code, out)
	}

	// Bank B2's statement is in place; B1 can neither read it (to compare)
	// nor overwrite it.
	if code, out, errs := upload(who["bank-B2"], "B2", "P002", b2File); code != 0 {
		t.Fatalf("bank B2 uploads its statement: exit %d\n%s\n%s", code, out, errs)
	}
	for _, args := range [][]string{{b2Changed}, {"--replace", b2Changed}} {
		code, out, errs = upload(who["bank-B1"], "B2", "P002", args...)
		if code != 1 || out != "" {
			t.Errorf("bank B1 uploads as bank B2 %v: exit %d, stdout %q", args, code, out)
		}
		deniedErr(t, errs, "stat", b2Key)
		if !bytes.Equal(stored(b2Key), readFile(t, b2File)) {
			t.Errorf("bank B2's statement changed")
		}
	}
	// A new file under bank B2's prefix: the check is denied too, and
	// nothing is written.
	newB2 := copyFile(t, b2Changed, filepath.Join(loose, "b2", "new.parquet"))
	code, _, errs = upload(who["bank-B1"], "B2", "P002", newB2)
	deniedErr(t, errs, "stat", "custody/transactions/date=2026-11-26/bank=B2/platform=P002/new.parquet")
	if code != 1 || stored("custody/transactions/date=2026-11-26/bank=B2/platform=P002/new.parquet") != nil {
		t.Errorf("bank B1 wrote under bank B2: exit %d", code)
	}

	// The platforms' files are not the bank's to upload.
	const ledgerKey = "ledger/transactions/date=2026-11-26/platform=P001/part-00000.parquet"
	platformDir := t.TempDir()
	copyFile(t, keyPath(src, ledgerKey), keyPath(platformDir, ledgerKey))
	code, out, errs = reconAs(t, srv.Endpoint, who["bank-B1"], "upload", "--root", rootURL, "--from", platformDir)
	deniedErr(t, errs, "stat", ledgerKey)
	if code != 1 || out != "" || stored(ledgerKey) != nil {
		t.Errorf("bank B1 uploads a ledger file: exit %d\n%s", code, out)
	}

	// The engine's credentials cannot write custody/.
	code, _, errs = upload(who["engine"], "B2", "P002", newB2)
	deniedErr(t, errs, "put", "custody/transactions/date=2026-11-26/bank=B2/platform=P002/new.parquet")
	if code != 1 || stored("custody/transactions/date=2026-11-26/bank=B2/platform=P002/new.parquet") != nil {
		t.Errorf("the engine wrote into custody/: exit %d", code)
	}

	// Banks may not read the engine's outputs.
	copyStore(t, localStore(t, src), rootStore, inputPrefixes...)
	if code, out, errs := reconAs(t, srv.Endpoint, who["engine"], "run", "--root", rootURL, "--date", testDate, "--log-level", "error"); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = reconAs(t, srv.Endpoint, who["bank-B1"], "report", "--root", rootURL, "--date", testDate)
	wantErr := fmt.Sprintf("recon: read the manifest of 2026-11-26: stat s3://%s/%s/runs/date=2026-11-26/_MANIFEST.json: access denied: Access Denied.", srv.Bucket, prefix)
	if code != 1 || out != "" || !strings.HasPrefix(errs, wantErr) {
		t.Errorf("bank B1 reads the report: exit %d %q %q, want 1 and %q", code, out, errs, wantErr)
	}
	if code, out, errs := reconAs(t, srv.Endpoint, who["auditor"], "report", "--root", rootURL, "--date", testDate); code != 0 || !strings.HasPrefix(out, "<!doctype html>") {
		t.Errorf("auditor reads the report: exit %d\n%s", code, errs)
	}
}

// hookStore calls before and after around each Open, Put and Delete.
type hookStore struct {
	store.Store
	before func(op, key string)
	after  func(op, key string, err error)
}

func (h *hookStore) call(op, key string, fn func() error) error {
	if h.before != nil {
		h.before(op, key)
	}
	err := fn()
	if h.after != nil {
		h.after(op, key, err)
	}
	return err
}

func (h *hookStore) Open(ctx context.Context, key string) (store.Object, error) {
	var obj store.Object
	err := h.call("open", key, func() (err error) { obj, err = h.Store.Open(ctx, key); return err })
	return obj, err
}

func (h *hookStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts ...store.PutOptions) error {
	return h.call("put", key, func() error { return h.Store.Put(ctx, key, r, size, opts...) })
}

func (h *hookStore) Delete(ctx context.Context, key string) error {
	return h.call("delete", key, func() error { return h.Store.Delete(ctx, key) })
}

// killProxy forwards HTTP requests to a MinIO server and, once the
// after-th PUT matching match has succeeded, stops the server and stops
// listening itself: to the client, the server died.
type killProxy struct {
	Endpoint string
	killed   atomic.Bool
}

func startKillProxy(t *testing.T, srv *miniotest.Server, after int, match func(*http.Request) bool) *killProxy {
	t.Helper()
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &killProxy{Endpoint: "http://" + ln.Addr().String()}
	var mu sync.Mutex
	n := 0
	hs := &http.Server{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // the client signed the proxy's host
		},
		ModifyResponse: func(resp *http.Response) error {
			if resp.Request.Method != http.MethodPut || resp.StatusCode != http.StatusOK || !match(resp.Request) {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			if n++; n != after {
				return nil
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			srv.Stop()
			// As the server does when it goes: no new connections, idle ones
			// closed, requests on open ones cut.
			p.killed.Store(true)
			ln.Close()
			hs.SetKeepAlivesEnabled(false)
			return err
		},
		// A dead server: the connection just ends.
		ErrorHandler: func(http.ResponseWriter, *http.Request, error) { panic(http.ErrAbortHandler) },
	}
	hs.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.killed.Load() {
			panic(http.ErrAbortHandler)
		}
		rp.ServeHTTP(w, r)
	})
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return p
}

// TestS3KillMidRun: a MinIO server that dies in the middle of a run fails
// it (engine.ErrFailed; exit status 1 from the command) and leaves no
// manifest; after a restart the rerun commits the same outputs as an
// undisturbed run.
func TestS3KillMidRun(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	const prefix = "kill"
	rootURL := "s3://" + srv.Bucket + "/" + prefix
	root := cred{srv.AccessKey, srv.SecretKey}
	s3 := s3Store(t, srv, root, prefix)
	src := t.TempDir()
	genStore(t, src, 3, "breaks", "ponzi", "diversion")
	copyStore(t, localStore(t, src), s3, inputPrefixes...)
	want := localRun(t, src)
	manKey := engine.ManifestKey(testDate)
	noManifest := func(t *testing.T) {
		t.Helper()
		if _, err := s3.Stat(ctx, manKey); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("after the failed run: Stat %s = %v, want ErrNotExist", manKey, err)
		}
		if _, err := committedReport(ctx, s3, testDate); !errors.Is(err, errNoRun) {
			t.Errorf("after the failed run: report = %v, want errNoRun", err)
		}
	}
	rerun := func(t *testing.T) {
		t.Helper()
		if _, err := engine.Run(ctx, engine.Options{Store: s3, Date: testDate, Config: config.Default()}); err != nil {
			t.Fatalf("rerun: %v", err)
		}
		sameOutputs(t, "rerun after the kill against an undisturbed local run", outputs(t, s3), want)
	}

	// An undisturbed run first: the killed run must un-commit it.
	rerun(t)

	t.Run("engine, killed while loading", func(t *testing.T) {
		var opens atomic.Int32
		var once sync.Once
		killer := &hookStore{Store: s3, after: func(op, key string, err error) {
			if op == "open" && err == nil && opens.Add(1) == 4 {
				once.Do(srv.Stop)
			}
		}}
		_, err := engine.Run(ctx, engine.Options{Store: killer, Date: testDate, Config: config.Default(), Workers: 2})
		if !errors.Is(err, engine.ErrFailed) || !strings.HasPrefix(err.Error(), "run failed, nothing committed: ") ||
			!strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("run on a killed server: %v, want engine.ErrFailed with connection refused", err)
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		noManifest(t)
		// The earlier run was removed before any input was read: nothing of
		// it is left to mix with a later one.
		if left, err := s3.List(ctx, engine.RunPrefix(testDate)); err != nil || len(left) != 0 {
			t.Errorf("outputs left of the earlier run: %v %v", left, err)
		}
		rerun(t)
	})

	t.Run("command, killed while writing", func(t *testing.T) {
		// Kill the server once two outputs are written.
		runs := "/" + srv.Bucket + "/" + prefix + "/" + engine.RunPrefix(testDate)
		proxy := startKillProxy(t, srv, 2, func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, runs) })
		code, out, errs := reconAs(t, proxy.Endpoint, root, "run", "--root", rootURL, "--date", testDate, "--log-level", "error")
		// Platforms' exceptions are written as they are reconciled, while
		// others are still read: the failure is the write's or a read's.
		if code != 1 || out != "" || !strings.HasPrefix(errs, "recon: run failed, nothing committed: ") ||
			!strings.Contains(errs, "connection refused") || !proxy.killed.Load() {
			t.Fatalf("run on a killed server: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		noManifest(t)
		written, err := s3.List(ctx, engine.RunPrefix(testDate))
		if err != nil || len(written) != 2 {
			t.Errorf("outputs written before the kill: %v %v, want 2", written, err)
		}
		code, out, errs = reconAs(t, srv.Endpoint, root, "run", "--root", rootURL, "--date", testDate, "--log-level", "error")
		if code != 0 {
			t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errs)
		}
		sameOutputs(t, "command rerun after the kill against an undisturbed local run", outputs(t, s3), want)
	})
}

// TestS3RerunReplaces: a rerun over changed inputs replaces the earlier
// run. At every write and delete of the rerun, the store holds either the
// earlier manifest with exactly its outputs, no manifest, or the new
// manifest with exactly its outputs; a reader going by the manifest
// (committedReport) meanwhile gets the old report, the new one, or is told
// there is no committed run or that it changed: never a mix.
func TestS3RerunReplaces(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	const prefix = "rerun"
	root := cred{srv.AccessKey, srv.SecretKey}
	s3 := s3Store(t, srv, root, prefix)
	src := t.TempDir()
	genStore(t, src, 5, "ponzi", "diversion")
	copyStore(t, localStore(t, src), s3, inputPrefixes...)
	if _, err := engine.Run(ctx, engine.Options{Store: s3, Date: testDate, Config: config.Default()}); err != nil {
		t.Fatal(err)
	}
	first := outputs(t, s3)
	sameOutputs(t, "first run against the local run", first, localRun(t, src))
	manKey := engine.ManifestKey(testDate)
	oldManifest := first[manKey]
	oldReport := first[engine.RunPrefix(testDate)+"report.html"]

	// The diversion platform's files go, and so does P002's ledger
	// balance file: one platform's outputs must disappear, another's change.
	var removed []string
	for _, p := range inputPrefixes {
		infos, err := s3.List(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range infos {
			if strings.Contains(o.Key, "/platform=diversion/") || o.Key == "ledger/balances/date=2026-11-26/platform=P002/balances.parquet" {
				removed = append(removed, o.Key)
			}
		}
	}
	if len(removed) != 7 {
		t.Fatalf("removing %d inputs: %v", len(removed), removed)
	}
	for _, k := range removed {
		if err := s3.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(src, filepath.FromSlash(k))); err != nil {
			t.Fatal(err)
		}
	}
	want := localRun(t, src)
	if _, ok := want[engine.RunPrefix(testDate)+"exceptions/platform=diversion/part-00000.parquet"]; ok {
		t.Fatal("the changed inputs still have a diversion platform")
	}

	// committed checks the store as a reader would see it: a manifest and
	// exactly the outputs it lists, with their sizes and hashes.
	reader := s3Store(t, srv, root, prefix)
	const (
		stateOld  = "old"
		stateNone = "none"
		stateNew  = "new"
	)
	var states []string
	state := func(when string) string {
		m, err := readObject(ctx, reader, manKey)
		if errors.Is(err, store.ErrNotExist) {
			return stateNone
		}
		if err != nil {
			t.Errorf("%s: %v", when, err)
			return "error"
		}
		man, err := report.ParseManifest(m)
		if err != nil {
			t.Errorf("%s: %v", when, err)
			return "error"
		}
		listed := []string{manKey}
		for _, o := range man.Outputs {
			listed = append(listed, o.Key)
			b, err := readObject(ctx, reader, o.Key)
			if err != nil {
				t.Errorf("%s: the manifest lists %s: %v", when, o.Key, err)
				continue
			}
			if int64(len(b)) != o.SizeBytes || sha256Hex(b) != o.SHA256 {
				t.Errorf("%s: %s is not what the manifest lists", when, o.Key)
			}
		}
		infos, err := reader.List(ctx, engine.RunPrefix(testDate))
		if err != nil {
			t.Errorf("%s: %v", when, err)
			return "error"
		}
		var present []string
		for _, o := range infos {
			present = append(present, o.Key)
		}
		slices.Sort(listed)
		if !slices.Equal(present, listed) {
			t.Errorf("%s: runs/ holds %q\nwhile the manifest lists %q", when, present, listed)
		}
		if bytes.Equal(m, oldManifest) {
			return stateOld
		}
		return stateNew
	}
	observe := func(when string) {
		s := state(when)
		if len(states) == 0 || states[len(states)-1] != s {
			states = append(states, s)
		}
	}
	checker := &hookStore{Store: s3,
		before: func(op, key string) {
			if op == "open" {
				return
			}
			if states[len(states)-1] == stateOld && !(op == "delete" && key == manKey) {
				t.Errorf("%s %s while the earlier run is still committed", op, key)
			}
			observe("before " + op + " " + key)
		},
		after: func(op, key string, err error) {
			if op != "open" {
				observe("after " + op + " " + key)
			}
		},
	}
	observe("before the rerun")

	// A reader goes by the manifest all along.
	done := make(chan struct{})
	var reads []string
	var readerWG sync.WaitGroup
	readerWG.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			html, err := committedReport(ctx, reader, testDate)
			switch {
			case err == nil && bytes.Equal(html, oldReport):
				reads = append(reads, stateOld)
			case err == nil:
				reads = append(reads, string(html))
			case errors.Is(err, errNoRun):
				reads = append(reads, stateNone)
			case errors.Is(err, errRunChanged):
				reads = append(reads, "changed")
			default:
				reads = append(reads, "error: "+err.Error())
			}
		}
	})
	_, err := engine.Run(ctx, engine.Options{Store: checker, Date: testDate, Config: config.Default()})
	close(done)
	readerWG.Wait()
	if err != nil {
		t.Fatal(err)
	}
	observe("after the rerun")
	if !slices.Equal(states, []string{stateOld, stateNone, stateNew}) {
		t.Errorf("states of the store during the rerun: %v, want old, none, new", states)
	}
	got := outputs(t, s3)
	sameOutputs(t, "rerun against the local run of the changed inputs", got, want)
	newReport := got[engine.RunPrefix(testDate)+"report.html"]
	if bytes.Equal(newReport, oldReport) {
		t.Fatal("the rerun wrote the same report")
	}
	counts := map[string]int{}
	for _, r := range reads {
		switch r {
		case stateOld, stateNone, "changed":
			counts[r]++
		case string(newReport):
			counts[stateNew]++
		default:
			t.Errorf("reader got %.200q", r)
		}
	}
	t.Logf("reader during the rerun: %v; store states %v", counts, states)
	if counts[stateNone] == 0 {
		t.Errorf("the reader never saw the run uncommitted: %v", counts)
	}
}
