package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
)

// retryPolicy retries an operation on transient errors with capped
// exponential backoff and jitter (see S3Config.MaxAttempts).
type retryPolicy struct {
	attempts int
	base     time.Duration
	max      time.Duration
	// jitter returns a uniform random number in [0, n). The default,
	// math/rand/v2's top-level Int64N, is safe for concurrent use and seeded
	// by the runtime from a secure source; tests replace it.
	jitter func(n int64) int64
}

func newRetryPolicy(attempts int, base, max time.Duration) retryPolicy {
	if attempts <= 0 {
		attempts = DefaultS3MaxAttempts
	}
	if base <= 0 {
		base = DefaultS3RetryBaseDelay
	}
	if max <= 0 {
		max = DefaultS3RetryMaxDelay
	}
	if max < base {
		max = base
	}
	return retryPolicy{attempts: attempts, base: base, max: max, jitter: rand.Int64N}
}

// delay is the wait after the given failed attempt (1-based): half of
// min(max, base·2^(attempt-1)) fixed, the other half random ("equal
// jitter"), so waits grow yet concurrent clients spread out.
func (p retryPolicy) delay(attempt int) time.Duration {
	d := p.max
	if attempt-1 < 32 {
		if e := p.base << (attempt - 1); e > 0 && e < p.max {
			d = e
		}
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + time.Duration(p.jitter(int64(d-half)+1))
}

// do runs fn until it succeeds, fails with an error that is not transient,
// has run p.attempts times, or ctx ends (during fn or while waiting).
func (p retryPolicy) do(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return ctxError(cerr, err)
		}
		if !isTransient(err) {
			return err
		}
		if attempt >= p.attempts {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		t := time.NewTimer(p.delay(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctxError(ctx.Err(), err)
		case <-t.C:
		}
	}
}

// ctxError reports that ctx ended; it wraps the context's error and keeps
// the last failure's message.
func ctxError(cerr, last error) error {
	if errors.Is(last, cerr) {
		return last
	}
	return fmt.Errorf("%w (last error: %v)", cerr, last)
}

// transientCodes are S3 error codes worth another attempt.
var transientCodes = map[string]bool{
	"RequestTimeout":             true,
	"RequestTimeTooSkewed":       false, // a clock problem does not pass by itself
	"SlowDown":                   true,
	"SlowDownRead":               true,
	"SlowDownWrite":              true,
	"Throttling":                 true,
	"ThrottlingException":        true,
	"RequestLimitExceeded":       true,
	"RequestThrottled":           true,
	"InternalError":              true,
	"ServiceUnavailable":         true,
	"XMinioServerNotInitialized": true,
}

// statusClientClosedRequest is the non-standard HTTP status 499.
const statusClientClosedRequest = 499

// isTransient reports whether err may pass if the request is sent again:
// a network failure, a response cut short, HTTP 5xx/408/429, 499 from a
// server shutting down, or an S3 code such as SlowDown. Other client
// errors (4xx: AccessDenied, NoSuchKey, ...), certificate problems and
// context errors are not.
func isTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && (resp.Code != "" || resp.StatusCode != 0) {
		if v, ok := transientCodes[resp.Code]; ok {
			return v
		}
		switch s := resp.StatusCode; {
		case s == http.StatusNotImplemented, s == http.StatusHTTPVersionNotSupported:
			return false
		case s >= 500, s == http.StatusRequestTimeout, s == http.StatusTooManyRequests:
			return true
		case s == statusClientClosedRequest:
			// MinIO answers the requests in flight when it shuts down with
			// 499 ("client closed request"), though the client closed
			// nothing: the server is going, as with a refused connection.
			return true
		}
		return false
	}
	// Certificate and TLS set-up failures repeat identically.
	var (
		unknownAuth x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalid     x509.CertificateInvalidError
		verify      *tls.CertificateVerificationError
		record      tls.RecordHeaderError
	)
	if errors.As(err, &unknownAuth) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verify) || errors.As(err, &record) {
		return false
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	var urlErr *url.Error // the HTTP client's failure to get a response
	if errors.As(err, &urlErr) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return false
}
