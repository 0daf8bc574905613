package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Defaults of S3Config.
const (
	DefaultS3Endpoint       = "https://s3.amazonaws.com"
	DefaultS3PartSize       = 16 << 20 // bytes per multipart part
	DefaultS3MaxAttempts    = 6
	DefaultS3RetryBaseDelay = 200 * time.Millisecond
	DefaultS3RetryMaxDelay  = 10 * time.Second
)

// metaSHA256 is the user metadata name of PutOptions.SHA256; S3 sends it as
// the header x-amz-meta-sha256.
const metaSHA256 = "sha256"

// S3Config holds the settings of an S3 store. Build it with S3ConfigFromEnv
// or by hand; the zero value of every field but the credentials means its
// default. Printing an S3Config (fmt, slog) never shows the credentials.
type S3Config struct {
	// Endpoint is the URL of the S3 service, e.g. "http://127.0.0.1:9000"
	// or "https://s3.example.com". TLS is on unless the URL says http://; a
	// bare host[:port] means https. Empty means DefaultS3Endpoint (AWS).
	// Any endpoint other than AWS's is addressed path-style
	// (https://host/bucket/key), which S3-compatible servers expect.
	Endpoint string

	// Region is the bucket's region. Empty: asked of the service once per
	// store (GetBucketLocation), and us-east-1 where that is refused.
	Region string

	// Static credentials. Both empty means anonymous requests.
	AccessKeyID     string `json:"-"`
	SecretAccessKey string `json:"-"`
	SessionToken    string `json:"-"` // for temporary credentials; may be empty

	// PartSize is the size of one part of a multipart upload, and the size
	// above which Put uses multipart. Zero: DefaultS3PartSize. At least 5 MiB.
	PartSize uint64

	// Retries. Every request is tried up to MaxAttempts times while it fails
	// with a transient error (network error, HTTP 5xx, 408, 429, 499, SlowDown,
	// RequestTimeout, a response body cut short), never on another error
	// (AccessDenied, NoSuchKey, any other 4xx) and never once ctx is done.
	// Between attempts it waits RetryBaseDelay·2^(attempt-1), capped at
	// RetryMaxDelay, of which the second half is random (jitter), and stops
	// waiting when ctx ends. Zero values mean the defaults; MaxAttempts 1
	// turns retries off. This is the only retry layer: minio-go's own
	// (MaxRetries) is turned off, so attempts never multiply and ctx
	// deadlines see the whole wait.
	MaxAttempts    int
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration

	// Transport, when set, carries the HTTP requests (tests use it to count
	// or inject faults). Nil: minio-go's default transport.
	Transport http.RoundTripper
}

// S3ConfigFromEnv reads the conventional AWS variables through getenv
// (os.Getenv in a command, a map in a test; nil reads nothing):
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION
// (else AWS_DEFAULT_REGION), the endpoint from AWS_ENDPOINT_URL_S3, else
// AWS_ENDPOINT_URL, and MaxAttempts from AWS_MAX_ATTEMPTS (a whole number,
// at least 1; anything else leaves the default, and OpenURL refuses it).
func S3ConfigFromEnv(getenv func(string) string) S3Config {
	get := func(name string) string {
		if getenv == nil {
			return ""
		}
		return strings.TrimSpace(getenv(name))
	}
	first := func(names ...string) string {
		for _, n := range names {
			if v := get(n); v != "" {
				return v
			}
		}
		return ""
	}
	attempts, _ := parseMaxAttempts(get("AWS_MAX_ATTEMPTS"))
	return S3Config{
		MaxAttempts:     attempts,
		Endpoint:        first("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
		Region:          first("AWS_REGION", "AWS_DEFAULT_REGION"),
		AccessKeyID:     get("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: get("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    get("AWS_SESSION_TOKEN"),
	}
}

// parseMaxAttempts reads AWS_MAX_ATTEMPTS: "" is 0 (the default).
func parseMaxAttempts(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, fmt.Errorf("AWS_MAX_ATTEMPTS=%q: want a whole number of attempts from 1 to 100", v)
	}
	return n, nil
}

// String describes the configuration without its credentials.
func (c S3Config) String() string {
	creds := "none"
	if c.AccessKeyID != "" || c.SecretAccessKey != "" {
		creds = "static"
	}
	ep := c.Endpoint
	if ep == "" {
		ep = DefaultS3Endpoint
	}
	if u, err := url.Parse(ep); err == nil && u.User != nil {
		ep = "(endpoint with credentials, hidden)"
	}
	return fmt.Sprintf("S3Config{Endpoint: %s, Region: %q, Credentials: %s}", ep, c.Region, creds)
}

// Format makes every fmt verb (%v, %+v, %#v, %s, %d, ...) print String, so
// the credentials never reach a log line.
func (c S3Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue keeps the credentials out of slog output.
func (c S3Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// s3Endpoint is a parsed S3Config.Endpoint.
type s3Endpoint struct {
	host   string // host[:port]
	secure bool
	aws    bool // an amazonaws.com host: virtual-host addressing allowed
}

func (e s3Endpoint) String() string {
	if e.secure {
		return "https://" + e.host
	}
	return "http://" + e.host
}

func parseS3Endpoint(s string) (s3Endpoint, error) {
	if s == "" {
		s = DefaultS3Endpoint
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse errors quote the input, which could hold credentials.
		return s3Endpoint{}, errors.New("S3 endpoint is not a valid URL")
	}
	if u.User != nil {
		return s3Endpoint{}, errors.New("S3 endpoint URL must not contain credentials")
	}
	var e s3Endpoint
	switch strings.ToLower(u.Scheme) {
	case "https":
		e.secure = true
	case "http":
	default:
		return s3Endpoint{}, fmt.Errorf("S3 endpoint %q: scheme must be http or https", u.Redacted())
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return s3Endpoint{}, fmt.Errorf("S3 endpoint %q: want scheme://host[:port] only", u.Redacted())
	}
	e.host = u.Host
	h := strings.ToLower(u.Hostname())
	e.aws = h == "amazonaws.com" || strings.HasSuffix(h, ".amazonaws.com")
	return e, nil
}

// S3 is a Store over a prefix of an S3 bucket.
//
// Put is a single PUT (atomic per object) up to PartSize bytes and a
// multipart upload above, which S3 also makes visible only when complete.
// Open asks for the object's size and ETag (HEAD); each ReadAt is a ranged
// GET conditional on that ETag, so nothing downloads whole objects and a
// replaced object fails reads with ErrChanged instead of mixing versions.
type S3 struct {
	client   *minio.Client
	core     minio.Core
	bucket   string
	prefix   string // "" or ending in "/"
	endpoint s3Endpoint
	partSize uint64
	retry    retryPolicy
}

// NewS3 returns a store over s3://bucket/prefix. It makes no request: a
// missing bucket or bad credentials show on the first operation.
func NewS3(cfg S3Config, bucket, prefix string) (*S3, error) {
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return nil, fmt.Errorf("S3 bucket %q: %w", bucket, err)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		if err := CheckKey(prefix); err != nil {
			return nil, fmt.Errorf("S3 prefix %q: %w", prefix, err)
		}
		prefix += "/"
	}
	ep, err := parseS3Endpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, errors.New("S3 credentials: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither")
	}
	partSize := cfg.PartSize
	if partSize == 0 {
		partSize = DefaultS3PartSize
	}
	if partSize < 5<<20 {
		return nil, fmt.Errorf("S3 part size %d is below the minimum of 5 MiB", partSize)
	}
	lookup := minio.BucketLookupPath
	if ep.aws {
		lookup = minio.BucketLookupAuto
	}
	client, err := minio.New(ep.host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken),
		Secure:       ep.secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
		// One attempt per minio-go call: our retryPolicy is the only retry
		// layer (see S3Config.MaxAttempts).
		MaxRetries: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 client for %s: %w", ep, err)
	}
	return &S3{
		client:   client,
		core:     minio.Core{Client: client},
		bucket:   bucket,
		prefix:   prefix,
		endpoint: ep,
		partSize: partSize,
		retry:    newRetryPolicy(cfg.MaxAttempts, cfg.RetryBaseDelay, cfg.RetryMaxDelay),
	}, nil
}

// String returns "s3://bucket/prefix (endpoint)", or "s3://bucket
// (endpoint)" for a store at the bucket's root.
func (s *S3) String() string {
	root := "s3://" + s.bucket
	if s.prefix != "" {
		root += "/" + strings.TrimSuffix(s.prefix, "/")
	}
	return root + " (" + s.endpoint.String() + ")"
}

// url names an object (or a prefix) of the bucket in messages.
func (s *S3) url(name string) string { return "s3://" + s.bucket + "/" + name }

func (s *S3) objectName(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// List implements Store. Listing resumes after the last key received when
// a page fails transiently. Folder markers (keys ending in "/") are skipped.
func (s *S3) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	var out []ObjectInfo
	startAfter := ""
	noOwner := false
	err := s.retry.do(ctx, func() error {
		lctx, cancel := context.WithCancel(ctx)
		defer cancel() // stops minio-go's lister if we return early
		for oi := range s.client.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{
			Prefix:     s.prefix + prefix,
			Recursive:  true,
			StartAfter: startAfter,
			FetchOwner: &noOwner,
		}) {
			if oi.Err != nil {
				return oi.Err
			}
			startAfter = oi.Key
			if strings.HasSuffix(oi.Key, "/") {
				continue
			}
			out = append(out, ObjectInfo{Key: strings.TrimPrefix(oi.Key, s.prefix), SizeBytes: oi.Size})
		}
		// minio-go ends the channel without an error when ctx ends.
		return ctx.Err()
	})
	if err != nil {
		return nil, s3Err("list", strconv.Quote(s.url(s.prefix+prefix)+"*"), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (s *S3) stat(ctx context.Context, key string) (minio.ObjectInfo, error) {
	name, err := s.objectName(key)
	if err != nil {
		return minio.ObjectInfo{}, err
	}
	var info minio.ObjectInfo
	err = s.retry.do(ctx, func() error {
		var err error
		info, err = s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
		return err
	})
	if err != nil {
		return minio.ObjectInfo{}, s3Err("stat", s.url(name), err)
	}
	return info, nil
}

// Stat implements Store. SHA256 comes from the object's x-amz-meta-sha256
// metadata when it holds a well-formed digest.
func (s *S3) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	info, err := s.stat(ctx, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	sum := strings.ToLower(info.Metadata.Get("X-Amz-Meta-" + metaSHA256))
	if (PutOptions{SHA256: sum}).Validate() != nil {
		sum = ""
	}
	return ObjectInfo{Key: key, SizeBytes: info.Size, SHA256: sum}, nil
}

// Open implements Store. The Object's ReadAt calls run under ctx (and stop
// when it ends); Close ends them too.
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	info, err := s.stat(ctx, key)
	if err != nil {
		return nil, err
	}
	octx, cancel := context.WithCancel(ctx)
	return &s3Object{
		s:      s,
		name:   s.prefix + key,
		size:   info.Size,
		etag:   info.ETag,
		ctx:    octx,
		cancel: cancel,
	}, nil
}

type s3Object struct {
	s      *S3
	name   string // object name in the bucket
	size   int64
	etag   string
	ctx    context.Context
	cancel context.CancelFunc
	closed atomic.Bool
}

func (o *s3Object) SizeBytes() int64 { return o.size }

func (o *s3Object) Close() error {
	o.closed.Store(true)
	o.cancel()
	return nil
}

// ReadAt implements io.ReaderAt with one ranged GET (retried as a whole on
// transient errors).
func (o *s3Object) ReadAt(p []byte, off int64) (int, error) {
	if o.closed.Load() {
		return 0, fmt.Errorf("read %s: %w", o.s.url(o.name), fs.ErrClosed)
	}
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", o.s.url(o.name), off)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if off >= o.size {
		return 0, io.EOF
	}
	n := len(p)
	if rest := o.size - off; int64(n) > rest {
		n = int(rest)
	}
	err := o.s.retry.do(o.ctx, func() error {
		var opts minio.GetObjectOptions
		if err := opts.SetRange(off, off+int64(n)-1); err != nil {
			return err
		}
		if o.etag != "" {
			if err := opts.SetMatchETag(o.etag); err != nil {
				return err
			}
		}
		body, _, _, err := o.s.core.GetObject(o.ctx, o.s.bucket, o.name, opts)
		if err != nil {
			return err
		}
		defer body.Close()
		if _, err := io.ReadFull(body, p[:n]); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // the size was known: a short body is a cut
			}
			return err
		}
		return nil
	})
	if err != nil {
		if o.closed.Load() {
			return 0, fmt.Errorf("read %s: %w", o.s.url(o.name), fs.ErrClosed)
		}
		return 0, s3Err("read", o.s.url(o.name), err)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Put implements Store. A body that can be re-read (an io.ReaderAt that is
// also an io.Seeker, such as *os.File or *bytes.Reader, read from its current
// offset) is sent as it is; any other reader is first copied to memory (up
// to PartSize bytes) or to a temporary file, so that every attempt can send
// it again. PutOptions.SHA256 becomes the x-amz-meta-sha256 metadata.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, sizeBytes int64, opts ...PutOptions) error {
	name, err := s.objectName(key)
	if err != nil {
		return err
	}
	o, err := putOptions(opts)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	body, size, cleanup, err := s.rewindable(ctx, r, sizeBytes)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	defer cleanup()
	popts := minio.PutObjectOptions{
		PartSize:    s.partSize,
		ContentType: contentType(key),
	}
	if o.SHA256 != "" {
		popts.UserMetadata = map[string]string{metaSHA256: o.SHA256}
	}
	err = s.retry.do(ctx, func() error {
		_, err := s.client.PutObject(ctx, s.bucket, name, io.NewSectionReader(body, 0, size), size, popts)
		return err
	})
	if err != nil {
		return s3Err("put", s.url(name), err)
	}
	return nil
}

// rewindable returns the content of r as an io.ReaderAt of known size.
func (s *S3) rewindable(ctx context.Context, r io.Reader, sizeBytes int64) (io.ReaderAt, int64, func(), error) {
	nop := func() {}
	if ra, ok := r.(io.ReaderAt); ok {
		if sk, ok := r.(io.Seeker); ok {
			if cur, err := sk.Seek(0, io.SeekCurrent); err == nil {
				end, err := sk.Seek(0, io.SeekEnd) // leaves r consumed, like a copy would
				if err != nil {
					return nil, 0, nop, err
				}
				n := end - cur
				if sizeBytes >= 0 && n != sizeBytes {
					return nil, 0, nop, fmt.Errorf("reader holds %d bytes, expected %d", n, sizeBytes)
				}
				return io.NewSectionReader(ra, cur, n), n, nop, nil
			}
			// Not seekable after all (a pipe): copy it below.
		}
	}
	r = ctxReader{ctx, r}
	memLimit := int64(s.partSize)
	if sizeBytes >= 0 && sizeBytes <= memLimit {
		buf := make([]byte, sizeBytes)
		if n, err := io.ReadFull(r, buf); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, 0, nop, fmt.Errorf("reader ended after %d bytes, expected %d", n, sizeBytes)
			}
			return nil, 0, nop, err
		}
		if err := expectEOF(r, sizeBytes); err != nil {
			return nil, 0, nop, err
		}
		return bytes.NewReader(buf), sizeBytes, nop, nil
	}
	var head []byte
	if sizeBytes < 0 {
		// Unknown size: keep it in memory if it turns out small.
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(r, memLimit+1))
		if err != nil {
			return nil, 0, nop, err
		}
		if n <= memLimit {
			return bytes.NewReader(buf.Bytes()), n, nop, nil
		}
		head = buf.Bytes()
	}
	f, err := os.CreateTemp("", "recon-s3-put-*")
	if err != nil {
		return nil, 0, nop, fmt.Errorf("spool: %w", err)
	}
	cleanup := func() {
		f.Close()
		os.Remove(f.Name())
	}
	n, err := io.Copy(f, io.MultiReader(bytes.NewReader(head), r))
	if err != nil {
		cleanup()
		return nil, 0, nop, fmt.Errorf("spool: %w", err)
	}
	if sizeBytes >= 0 && n != sizeBytes {
		cleanup()
		return nil, 0, nop, fmt.Errorf("reader holds %d bytes, expected %d", n, sizeBytes)
	}
	return f, n, cleanup, nil
}

// expectEOF fails when r has more than the size bytes already read.
func expectEOF(r io.Reader, size int64) error {
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		if n > 0 {
			return fmt.Errorf("reader holds more than the %d bytes expected", size)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	name, err := s.objectName(key)
	if err != nil {
		return err
	}
	err = s.retry.do(ctx, func() error {
		return s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{})
	})
	if err != nil {
		if resp := minio.ToErrorResponse(err); resp.Code == minio.NoSuchKey {
			return nil
		}
		return s3Err("delete", s.url(name), err)
	}
	return nil
}

// contentType names the media type of the files the engine writes, so that
// a report opened from a bucket console shows as a page.
func contentType(key string) string {
	switch path.Ext(key) {
	case ".json":
		return "application/json"
	case ".html":
		return "text/html; charset=utf-8"
	case ".txt":
		return "text/plain; charset=utf-8"
	default:
		return "application/octet-stream"
	}
}

// s3Error is an S3 operation's error: it names the operation and the object
// (s3://bucket/key), and wraps the store's sentinel (if any) and the
// underlying error.
type s3Error struct {
	op, what string
	kind     error  // ErrNotExist, ErrAccessDenied, ErrChanged or nil
	detail   string // the underlying error's message, with its S3 code
	err      error
}

func (e *s3Error) Error() string {
	msg := e.op + " " + e.what + ": "
	if e.kind != nil {
		msg += e.kind.Error() + ": "
	}
	return msg + e.detail
}

func (e *s3Error) Unwrap() []error {
	if e.kind == nil {
		return []error{e.err}
	}
	return []error{e.kind, e.err}
}

// s3Err wraps err from operation op on an object (or prefix), mapping S3 error codes to the
// store's sentinels. minio-go's messages carry no credentials (requests are
// signed in headers, and only an error's Message and Code are shown).
func s3Err(op, what string, err error) error {
	e := &s3Error{op: op, what: what, detail: err.Error(), err: err}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		if resp.Code != "" && !strings.Contains(e.detail, resp.Code) {
			e.detail += " (" + resp.Code + ")"
		}
		switch {
		case resp.Code == minio.NoSuchBucket:
			e.detail = fmt.Sprintf("bucket %q does not exist (NoSuchBucket)", resp.BucketName)
		case resp.Code == minio.NoSuchKey || resp.Code == "NotFound" || resp.StatusCode == http.StatusNotFound:
			e.kind = ErrNotExist
		case resp.StatusCode == http.StatusForbidden || resp.Code == minio.AccessDenied ||
			resp.Code == "InvalidAccessKeyId" || resp.Code == "SignatureDoesNotMatch":
			e.kind = ErrAccessDenied
		case resp.Code == minio.PreconditionFailed || resp.StatusCode == http.StatusPreconditionFailed:
			e.kind = ErrChanged
		}
	}
	return e
}
