package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/recon-dev/recon/store"
	"github.com/recon-dev/recon/store/miniotest"
	"github.com/recon-dev/recon/store/storetest"
)

// s3Config points at srv with the given credentials and fast retries.
func s3Config(srv *miniotest.Server, accessKey, secretKey string) store.S3Config {
	return store.S3Config{
		Endpoint:        srv.Endpoint,
		Region:          miniotest.Region,
		AccessKeyID:     accessKey,
		SecretAccessKey: secretKey,
		MaxAttempts:     4,
		RetryBaseDelay:  20 * time.Millisecond,
		RetryMaxDelay:   200 * time.Millisecond,
	}
}

func newS3(t testing.TB, cfg store.S3Config, bucket, prefix string) *store.S3 {
	t.Helper()
	s, err := store.NewS3(cfg, bucket, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3Conformance(t *testing.T) {
	srv := miniotest.Start(t)
	cfg := s3Config(srv, srv.AccessKey, srv.SecretKey)
	var n atomic.Int32
	// Every other store is a whole new bucket; the others are a prefix of
	// the shared bucket, so both ways of rooting a store are covered.
	storetest.Run(t, func(t *testing.T) store.Store {
		i := n.Add(1)
		if i%2 == 0 {
			bucket := fmt.Sprintf("suite-%03d", i)
			srv.MakeBucket(bucket)
			return newS3(t, cfg, bucket, "")
		}
		return newS3(t, cfg, srv.Bucket, fmt.Sprintf("suite/%03d/root", i))
	})
}

func TestS3ConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI",
		"AWS_SESSION_TOKEN":     "tok",
		"AWS_DEFAULT_REGION":    "eu-west-1",
		"AWS_ENDPOINT_URL":      "http://general:9000",
	}
	getenv := func(k string) string { return env[k] }
	got := store.S3ConfigFromEnv(getenv)
	want := store.S3Config{Endpoint: "http://general:9000", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI", SessionToken: "tok"}
	if got.Endpoint != want.Endpoint || got.Region != want.Region || got.AccessKeyID != want.AccessKeyID ||
		got.SecretAccessKey != want.SecretAccessKey || got.SessionToken != want.SessionToken {
		t.Errorf("S3ConfigFromEnv = %#v, want %#v", got, want)
	}
	env["AWS_ENDPOINT_URL_S3"] = "https://s3-specific:9443"
	env["AWS_REGION"] = "cn-north-1"
	got = store.S3ConfigFromEnv(getenv)
	if got.Endpoint != "https://s3-specific:9443" || got.Region != "cn-north-1" {
		t.Errorf("AWS_ENDPOINT_URL_S3 and AWS_REGION take precedence: got %q %q", got.Endpoint, got.Region)
	}
	if got.MaxAttempts != 0 {
		t.Errorf("MaxAttempts without AWS_MAX_ATTEMPTS = %d, want 0 (the default)", got.MaxAttempts)
	}
	env["AWS_MAX_ATTEMPTS"] = " 2 "
	if got := store.S3ConfigFromEnv(getenv); got.MaxAttempts != 2 {
		t.Errorf("AWS_MAX_ATTEMPTS=2: MaxAttempts = %d", got.MaxAttempts)
	}
	env["AWS_MAX_ATTEMPTS"] = "0"
	if got := store.S3ConfigFromEnv(getenv); got.MaxAttempts != 0 {
		t.Errorf("AWS_MAX_ATTEMPTS=0: MaxAttempts = %d, want the default", got.MaxAttempts)
	}
	if got := store.S3ConfigFromEnv(nil); got.Endpoint != "" || got.AccessKeyID != "" {
		t.Errorf("S3ConfigFromEnv(nil) = %v", got)
	}
}

func TestS3Endpoints(t *testing.T) {
	for _, c := range []struct{ endpoint, want string }{
		{"", "s3://bkt/a/b (https://s3.amazonaws.com)"},
		{"http://127.0.0.1:9000", "s3://bkt/a/b (http://127.0.0.1:9000)"},
		{"http://127.0.0.1:9000/", "s3://bkt/a/b (http://127.0.0.1:9000)"},
		{"https://minio.example:9443", "s3://bkt/a/b (https://minio.example:9443)"},
		{"minio.example:9000", "s3://bkt/a/b (https://minio.example:9000)"},
		{"HTTP://Host:1", "s3://bkt/a/b (http://Host:1)"},
	} {
		s, err := store.NewS3(store.S3Config{Endpoint: c.endpoint}, "bkt", "/a/b/")
		if err != nil {
			t.Errorf("endpoint %q: %v", c.endpoint, err)
			continue
		}
		if s.String() != c.want {
			t.Errorf("endpoint %q: String = %q, want %q", c.endpoint, s.String(), c.want)
		}
	}
	for _, bad := range []string{"ftp://host", "http://host/path", "http://", "http://host?x=1", "http://user:hunter2@host"} {
		_, err := store.NewS3(store.S3Config{Endpoint: bad}, "bkt", "")
		if err == nil {
			t.Errorf("endpoint %q accepted", bad)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error for endpoint %q shows the password: %v", bad, err)
		}
	}
	if _, err := store.NewS3(store.S3Config{AccessKeyID: "x"}, "bkt", ""); err == nil {
		t.Error("an access key without a secret was accepted")
	}
	if _, err := store.NewS3(store.S3Config{PartSize: 1 << 20}, "bkt", ""); err == nil {
		t.Error("a part size below 5 MiB was accepted")
	}
}

func TestOpenURLS3(t *testing.T) {
	env := map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
	getenv := func(k string) string { return env[k] }
	for root, want := range map[string]string{
		"s3://bucket":             "s3://bucket (http://127.0.0.1:9)",
		"s3://bucket/":            "s3://bucket (http://127.0.0.1:9)",
		"s3://bucket/prefix":      "s3://bucket/prefix (http://127.0.0.1:9)",
		"s3://bucket/a/b=1 x/c/":  "s3://bucket/a/b=1 x/c (http://127.0.0.1:9)",
		"s3://my.bucket-1/runs/x": "s3://my.bucket-1/runs/x (http://127.0.0.1:9)",
	} {
		s, err := store.OpenURL(context.Background(), root, getenv)
		if err != nil {
			t.Errorf("OpenURL(%q): %v", root, err)
			continue
		}
		if _, ok := s.(*store.S3); !ok || s.String() != want {
			t.Errorf("OpenURL(%q) = %T %q, want S3 %q", root, s, s.String(), want)
		}
	}
	for _, root := range []string{"s3://", "s3:///x", "s3://Bad_Bucket/x", "s3://b/x", "s3://bucket/a//b", "s3://bucket/../x", "s3://bucket/x?versionId=1"} {
		if _, err := store.OpenURL(context.Background(), root, getenv); err == nil {
			t.Errorf("OpenURL(%q) succeeded", root)
		}
	}
	for _, bad := range []string{"0", "-1", "x", "2.5", "101"} {
		env["AWS_MAX_ATTEMPTS"] = bad
		_, err := store.OpenURL(context.Background(), "s3://bucket/p", getenv)
		if want := fmt.Sprintf("AWS_MAX_ATTEMPTS=%q: want a whole number of attempts from 1 to 100", bad); err == nil || err.Error() != want {
			t.Errorf("AWS_MAX_ATTEMPTS=%q: OpenURL error %v, want %q", bad, err, want)
		}
	}
	env["AWS_MAX_ATTEMPTS"] = "3"
	if _, err := store.OpenURL(context.Background(), "s3://bucket/p", getenv); err != nil {
		t.Errorf("AWS_MAX_ATTEMPTS=3: %v", err)
	}
}

// TestS3NoCredentialsInOutput: a wrong secret is refused with
// ErrAccessDenied and neither secret appears in any error, in String or in
// a printed configuration.
func TestS3NoCredentialsInOutput(t *testing.T) {
	srv := miniotest.Start(t)
	const wrongSecret = "wrong-secret-Zq8xY4"
	cfg := s3Config(srv, srv.AccessKey, wrongSecret)
	s := newS3(t, cfg, srv.Bucket, "p")
	ctx := context.Background()
	var errs []error
	_, err := s.List(ctx, "")
	errs = append(errs, err)
	_, err = s.Stat(ctx, "x")
	errs = append(errs, err)
	_, err = s.Open(ctx, "x")
	errs = append(errs, err)
	errs = append(errs, s.Put(ctx, "x", strings.NewReader("x"), 1))
	errs = append(errs, s.Delete(ctx, "x"))
	for i, err := range errs {
		if !errors.Is(err, store.ErrAccessDenied) {
			t.Errorf("operation %d with a wrong secret = %v, want ErrAccessDenied", i, err)
		}
		if err != nil {
			for _, secret := range []string{wrongSecret, srv.SecretKey} {
				if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), secret) {
					t.Errorf("error shows a secret: %v", err)
				}
			}
		}
	}
	t.Logf("a wrong secret gives: %v", errs[0])

	// Unknown access key.
	bad := newS3(t, s3Config(srv, "nobody", wrongSecret), srv.Bucket, "")
	if _, err := bad.Stat(ctx, "x"); !errors.Is(err, store.ErrAccessDenied) || strings.Contains(err.Error(), wrongSecret) {
		t.Errorf("unknown access key: %v", err)
	}

	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("cfg", "cfg", cfg)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "cfg", cfg)
	printed := []string{
		s.String(), logs.String(),
		fmt.Sprintf("%v %+v %#v %s %d %x %q", cfg, cfg, cfg, cfg, cfg, cfg, cfg),
		fmt.Sprintf("%+v", struct{ C store.S3Config }{cfg}),
		fmt.Sprintf("%+v", &cfg),
	}
	for _, p := range printed {
		if strings.Contains(p, wrongSecret) || strings.Contains(p, hex.EncodeToString([]byte(wrongSecret))) {
			t.Errorf("printed configuration shows the secret: %s", p)
		}
	}
}

func TestS3SHA256Metadata(t *testing.T) {
	srv := miniotest.Start(t)
	s := newS3(t, s3Config(srv, srv.AccessKey, srv.SecretKey), srv.Bucket, "root")
	ctx := context.Background()
	b := []byte("custody statement")
	sum := sha256.Sum256(b)
	hexSum := hex.EncodeToString(sum[:])
	key := "custody/balances/date=2026-11-26/bank=B1/platform=P1/part-0.parquet"
	if err := s.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{SHA256: hexSum}); err != nil {
		t.Fatal(err)
	}
	info, err := s.Stat(ctx, key)
	if err != nil || info.SHA256 != hexSum || info.SizeBytes != int64(len(b)) {
		t.Fatalf("Stat = %+v, %v; want SHA256 %s", info, err, hexSum)
	}
	raw, err := srv.Client().StatObject(ctx, srv.Bucket, "root/"+key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := raw.Metadata.Get("X-Amz-Meta-Sha256"); got != hexSum {
		t.Errorf("x-amz-meta-sha256 = %q, want %q", got, hexSum)
	}
	// A malformed digest set by another tool is not passed on.
	if _, err := srv.Client().PutObject(ctx, srv.Bucket, "root/other", bytes.NewReader(b), int64(len(b)),
		minio.PutObjectOptions{UserMetadata: map[string]string{"sha256": "not-a-digest"}}); err != nil {
		t.Fatal(err)
	}
	if info, err := s.Stat(ctx, "other"); err != nil || info.SHA256 != "" {
		t.Errorf("Stat with a malformed digest = %+v, %v; want an empty SHA256", info, err)
	}
	if got, err := store.ContentSHA256(ctx, s, "other"); err != nil || got != hexSum {
		t.Errorf("ContentSHA256 = %q, %v; want %q", got, err, hexSum)
	}
}

// countingTransport counts requests and response body bytes.
type countingTransport struct {
	base     http.RoundTripper
	requests atomic.Int64
	gets     atomic.Int64
	bytes    atomic.Int64
	mu       sync.Mutex
	ranges   []string
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	if req.Method == http.MethodGet {
		c.gets.Add(1)
		c.mu.Lock()
		c.ranges = append(c.ranges, req.Header.Get("Range"))
		c.mu.Unlock()
	}
	resp, err := c.base.RoundTrip(req)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.bytes}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestS3RangedReads: reading a footer and a column chunk of a large object
// downloads those bytes, not the object.
func TestS3RangedReads(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	const size = 20 << 20
	b := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	if err := newS3(t, s3Config(srv, srv.AccessKey, srv.SecretKey), srv.Bucket, "").Put(ctx, "big.parquet", bytes.NewReader(b), size); err != nil {
		t.Fatal(err)
	}
	ct := &countingTransport{base: http.DefaultTransport}
	cfg := s3Config(srv, srv.AccessKey, srv.SecretKey)
	cfg.Transport = ct
	s := newS3(t, cfg, srv.Bucket, "")
	obj, err := s.Open(ctx, "big.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	footer := make([]byte, 8)
	if n, err := obj.ReadAt(footer, size-8); n != 8 || (err != nil && err != io.EOF) || !bytes.Equal(footer, b[size-8:]) {
		t.Fatalf("footer ReadAt = %d, %v", n, err)
	}
	chunk := make([]byte, 1<<20)
	if n, err := obj.ReadAt(chunk, 5<<20+3); n != len(chunk) || err != nil || !bytes.Equal(chunk, b[5<<20+3:6<<20+3]) {
		t.Fatalf("chunk ReadAt = %d, %v", n, err)
	}
	if got := ct.bytes.Load(); got > 1<<20+64<<10 {
		t.Errorf("downloaded %d bytes for two ranged reads of %d bytes in all", got, 1<<20+8)
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	want := []string{fmt.Sprintf("bytes=%d-%d", size-8, size-1), fmt.Sprintf("bytes=%d-%d", 5<<20+3, 6<<20+2)}
	if len(ct.ranges) != 2 || ct.ranges[0] != want[0] || ct.ranges[1] != want[1] {
		t.Errorf("GET ranges = %q, want %q", ct.ranges, want)
	}
}

// TestS3ReadAtChanged: an object replaced after Open fails reads with
// ErrChanged instead of mixing two versions.
func TestS3ReadAtChanged(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	s := newS3(t, s3Config(srv, srv.AccessKey, srv.SecretKey), srv.Bucket, "")
	if err := s.Put(ctx, "x", strings.NewReader("version one"), -1); err != nil {
		t.Fatal(err)
	}
	obj, err := s.Open(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if err := s.Put(ctx, "x", strings.NewReader("version two"), -1); err != nil {
		t.Fatal(err)
	}
	_, err = obj.ReadAt(make([]byte, 4), 0)
	if !errors.Is(err, store.ErrChanged) {
		t.Fatalf("ReadAt after a replace = %v, want ErrChanged", err)
	}
}

// faultTransport answers the requests that inject picks with a fault and
// passes the others on.
type faultTransport struct {
	base   http.RoundTripper
	inject func(req *http.Request, n int) (*http.Response, error) // n counts calls, from 1
	calls  atomic.Int64
}

func (f *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	n := int(f.calls.Add(1))
	if resp, err := f.inject(req, n); resp != nil || err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return resp, err
	}
	return f.base.RoundTrip(req)
}

func s3ErrorResponse(req *http.Request, status int, code string) *http.Response {
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected %s</Message><Resource>%s</Resource><RequestId>1</RequestId></Error>`, code, code, req.URL.Path)
	return &http.Response{
		StatusCode:    status,
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/xml"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

func TestS3Retries(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	newFaulty := func(t *testing.T, inject func(*http.Request, int) (*http.Response, error)) (*store.S3, *faultTransport) {
		ft := &faultTransport{base: http.DefaultTransport, inject: inject}
		cfg := s3Config(srv, srv.AccessKey, srv.SecretKey)
		cfg.Transport = ft
		cfg.MaxAttempts = 4
		return newS3(t, cfg, srv.Bucket, strings.ReplaceAll(t.Name(), "/", "-")), ft
	}
	failFirst := func(k int, status int, code string) func(*http.Request, int) (*http.Response, error) {
		return func(req *http.Request, n int) (*http.Response, error) {
			if n <= k {
				return s3ErrorResponse(req, status, code), nil
			}
			return nil, nil
		}
	}
	payload := []byte("retry me")

	for _, c := range []struct {
		status int
		code   string
	}{
		{503, "SlowDown"}, {500, "InternalError"}, {400, "RequestTimeout"}, {503, "ServiceUnavailable"}, {429, "TooManyRequests"},
	} {
		t.Run("transient "+c.code, func(t *testing.T) {
			s, ft := newFaulty(t, failFirst(2, c.status, c.code))
			if err := s.Put(ctx, "x", bytes.NewReader(payload), int64(len(payload))); err != nil {
				t.Fatalf("Put after two %s = %v", c.code, err)
			}
			if got := ft.calls.Load(); got != 3 {
				t.Errorf("requests = %d, want 3", got)
			}
		})
	}
	t.Run("transient network error", func(t *testing.T) {
		s, ft := newFaulty(t, func(req *http.Request, n int) (*http.Response, error) {
			if n <= 2 {
				return nil, syscall.ECONNRESET
			}
			return nil, nil
		})
		if err := s.Put(ctx, "x", onlyReader{bytes.NewReader(payload)}, -1); err != nil {
			t.Fatalf("Put after two connection resets = %v", err)
		}
		if got := ft.calls.Load(); got != 3 {
			t.Errorf("requests = %d, want 3", got)
		}
		if info, err := s.Stat(ctx, "x"); err != nil || info.SizeBytes != int64(len(payload)) {
			t.Errorf("Stat = %+v, %v", info, err)
		}
	})
	for _, c := range []struct {
		status int
		code   string
		is     error
	}{
		{403, "AccessDenied", store.ErrAccessDenied},
		{404, "NoSuchKey", store.ErrNotExist},
		{400, "InvalidArgument", nil},
	} {
		t.Run("permanent "+c.code, func(t *testing.T) {
			s, ft := newFaulty(t, failFirst(100, c.status, c.code))
			_, err := s.Stat(ctx, "x")
			if err == nil || (c.is != nil && !errors.Is(err, c.is)) {
				t.Fatalf("Stat = %v, want an error wrapping %v", err, c.is)
			}
			if got := ft.calls.Load(); got != 1 {
				t.Errorf("requests = %d, want 1 (no retry)", got)
			}
		})
	}
	t.Run("gives up", func(t *testing.T) {
		s, ft := newFaulty(t, failFirst(100, 503, "SlowDown"))
		_, err := s.List(ctx, "")
		if err == nil || !strings.Contains(err.Error(), "SlowDown") || !strings.Contains(err.Error(), "4 attempts") {
			t.Fatalf("List = %v, want SlowDown after 4 attempts", err)
		}
		if got := ft.calls.Load(); got != 4 {
			t.Errorf("requests = %d, want 4", got)
		}
	})
	t.Run("backoff honours the context", func(t *testing.T) {
		ft := &faultTransport{base: http.DefaultTransport, inject: failFirst(1000, 503, "SlowDown")}
		cfg := s3Config(srv, srv.AccessKey, srv.SecretKey)
		cfg.Transport = ft
		cfg.MaxAttempts = 100
		cfg.RetryBaseDelay = 10 * time.Second
		s := newS3(t, cfg, srv.Bucket, "")
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := s.Stat(cctx, "x")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stat = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Stat returned after %v, long after its deadline", d)
		}
	})
	t.Run("cut body", func(t *testing.T) {
		base := newS3(t, s3Config(srv, srv.AccessKey, srv.SecretKey), srv.Bucket, "cut")
		b := bytes.Repeat([]byte("x"), 100_000)
		if err := base.Put(ctx, "obj", bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
		var cut atomic.Bool
		ft := &faultTransport{base: http.DefaultTransport}
		ft.inject = func(req *http.Request, n int) (*http.Response, error) {
			if req.Method != http.MethodGet || req.URL.RawQuery != "" || cut.Swap(true) {
				return nil, nil
			}
			resp, err := ft.base.RoundTrip(req)
			if err != nil {
				return nil, err
			}
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.LimitReader(resp.Body, 10), resp.Body}
			return resp, nil
		}
		cfg := s3Config(srv, srv.AccessKey, srv.SecretKey)
		cfg.Transport = ft
		s := newS3(t, cfg, srv.Bucket, "cut")
		obj, err := s.Open(ctx, "obj")
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		p := make([]byte, 50_000)
		if n, err := obj.ReadAt(p, 1000); n != len(p) || err != nil || !bytes.Equal(p, b[1000:51_000]) {
			t.Fatalf("ReadAt after a cut body = %d, %v", n, err)
		}
		if !cut.Load() {
			t.Error("no body was cut")
		}
	})
}

// TestS3ServerRestart: requests made while the server is down succeed once
// it is back, within the retry budget; an object opened before the restart
// reads on.
func TestS3ServerRestart(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	cfg := s3Config(srv, srv.AccessKey, srv.SecretKey)
	cfg.MaxAttempts = 200 // ~50 s: time enough for a restart on a loaded machine
	cfg.RetryBaseDelay = 50 * time.Millisecond
	cfg.RetryMaxDelay = 250 * time.Millisecond
	s := newS3(t, cfg, srv.Bucket, "")
	b := bytes.Repeat([]byte("restart "), 1000)
	if err := s.Put(ctx, "k", bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
	obj, err := s.Open(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()

	srv.Kill()
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		restarted <- srv.Restart()
	}()
	p := make([]byte, 100)
	if n, err := obj.ReadAt(p, 800); n != 100 || err != nil || !bytes.Equal(p, b[800:900]) {
		t.Errorf("ReadAt across a restart = %d, %v", n, err)
	}
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "k2", bytes.NewReader(b), int64(len(b))); err != nil {
		t.Errorf("Put after the restart: %v", err)
	}

	// With the server down and few attempts, the error says so.
	srv.Stop()
	cfg.MaxAttempts = 2
	down := newS3(t, cfg, srv.Bucket, "")
	_, err = down.Stat(ctx, "k")
	if err == nil || errors.Is(err, store.ErrNotExist) || !strings.Contains(err.Error(), "2 attempts") {
		t.Errorf("Stat with the server down = %v", err)
	}
}

// onlyReader hides every method of a reader but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }
