package store

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

func TestIsTransient(t *testing.T) {
	s3 := func(status int, code string) error { return minio.ErrorResponse{StatusCode: status, Code: code} }
	urlErr := func(err error) error { return &url.Error{Op: "Get", URL: "http://h/b/k", Err: err} }
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{s3(503, "SlowDown"), true},
		{s3(503, "ServiceUnavailable"), true},
		{s3(500, "InternalError"), true},
		{s3(400, "RequestTimeout"), true},
		{s3(502, "502 Bad Gateway"), true},
		{s3(429, "TooManyRequests"), true},
		{s3(408, ""), true},
		{s3(499, "499 status code 499"), true}, // MinIO shutting down
		{s3(501, "NotImplemented"), false},
		{s3(403, "AccessDenied"), false},
		{s3(403, "SignatureDoesNotMatch"), false},
		{s3(403, "RequestTimeTooSkewed"), false},
		{s3(404, "NoSuchKey"), false},
		{s3(404, "NoSuchBucket"), false},
		{s3(412, "PreconditionFailed"), false},
		{s3(400, "InvalidArgument"), false},
		{fmt.Errorf("wrapped: %w", s3(503, "SlowDown")), true},
		{urlErr(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), true},
		{urlErr(syscall.ECONNRESET), true},
		{urlErr(io.EOF), true},
		{urlErr(errors.New("Connection closed by foreign host")), true},
		{io.ErrUnexpectedEOF, true},
		{syscall.EPIPE, true},
		{urlErr(x509.UnknownAuthorityError{}), false},
		{urlErr(x509.HostnameError{Host: "h"}), false},
		{context.Canceled, false},
		{errors.New("invalid object key"), false},
	} {
		if got := isTransient(c.err); got != c.want {
			t.Errorf("isTransient(%#v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	p := newRetryPolicy(10, 100*time.Millisecond, time.Second)
	for _, jitter := range []func(int64) int64{
		func(int64) int64 { return 0 },
		func(n int64) int64 { return n - 1 },
	} {
		p.jitter = jitter
		for attempt, want := range map[int]time.Duration{1: 100, 2: 200, 3: 400, 4: 800, 5: 1000, 40: 1000, 100: 1000} {
			want *= time.Millisecond
			d := p.delay(attempt)
			if d < want/2 || d > want {
				t.Errorf("delay(%d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	// The real jitter spreads the waits.
	p = newRetryPolicy(10, 100*time.Millisecond, time.Second)
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[p.delay(3)] = true
	}
	if len(seen) < 10 {
		t.Errorf("50 delays took only %d values", len(seen))
	}
}

func TestRetryDo(t *testing.T) {
	ctx := context.Background()
	p := newRetryPolicy(3, time.Millisecond, 2*time.Millisecond)
	transient := minio.ErrorResponse{StatusCode: 503, Code: "SlowDown"}

	calls := 0
	err := p.do(ctx, func() error {
		calls++
		if calls < 3 {
			return transient
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("do = %v after %d calls, want success after 3", err, calls)
	}

	calls = 0
	err = p.do(ctx, func() error { calls++; return transient })
	if calls != 3 || !errors.As(err, new(minio.ErrorResponse)) {
		t.Errorf("do = %v after %d calls, want the last error after 3", err, calls)
	}

	calls = 0
	denied := minio.ErrorResponse{StatusCode: 403, Code: "AccessDenied"}
	err = p.do(ctx, func() error { calls++; return denied })
	if calls != 1 {
		t.Errorf("a permanent error was tried %d times (%v)", calls, err)
	}

	// Cancellation during the backoff ends it at once.
	slow := newRetryPolicy(5, time.Hour, time.Hour)
	cctx, cancel := context.WithCancel(ctx)
	calls = 0
	start := time.Now()
	time.AfterFunc(50*time.Millisecond, cancel)
	err = slow.do(cctx, func() error { calls++; return transient })
	if !errors.Is(err, context.Canceled) || calls != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("do = %v after %d calls and %v, want Canceled after 1 call", err, calls, time.Since(start))
	}
}
