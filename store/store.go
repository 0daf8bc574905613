// Package store is the object store the engine reads its inputs from and
// writes its outputs to: a local directory (Local) or an S3-compatible
// bucket (S3), chosen by OpenURL from the root URL.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// ErrNotExist is returned (wrapped) by Open and Stat when no object has the
// key. Test for it with errors.Is.
var ErrNotExist = errors.New("object does not exist")

// ErrAccessDenied is returned (wrapped) when the store refuses the operation
// to the caller's credentials: an S3 403 such as AccessDenied,
// InvalidAccessKeyId or SignatureDoesNotMatch, or a permission error of the
// local file system. Test for it with errors.Is.
var ErrAccessDenied = errors.New("access denied")

// ErrChanged is returned (wrapped) by an Object's ReadAt when the object was
// replaced after it was opened, so that a reader never mixes the bytes of two
// versions (a Parquet footer of one with column chunks of another). The local
// store never returns it: an open file keeps reading the version it opened.
var ErrChanged = errors.New("object changed since it was opened")

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key       string // full key under the store's root, '/'-separated
	SizeBytes int64

	// SHA256 is the lowercase hex SHA-256 of the content as its writer
	// declared it with PutOptions.SHA256, where the store keeps it: Stat on
	// S3 fills it from the object's user metadata (x-amz-meta-sha256). It is
	// empty from List, from the local store, and for objects written without
	// it. Empty means unknown, not "no content": hash the content instead
	// (ContentSHA256 does both).
	SHA256 string
}

// PutOptions are optional settings of Put.
type PutOptions struct {
	// SHA256 is the lowercase hex SHA-256 of the content being written. S3
	// records it as user metadata (x-amz-meta-sha256) so that a later Stat
	// can tell whether the same content is already stored without reading
	// it; the local store ignores it. It is recorded as given: the store
	// does not check it against the content. Empty: nothing is recorded.
	SHA256 string
}

// Validate reports whether the options are well formed: SHA256 must be
// empty or 64 lowercase hex digits.
func (o PutOptions) Validate() error {
	if o.SHA256 == "" {
		return nil
	}
	if len(o.SHA256) != 64 {
		return fmt.Errorf("put option SHA256 must be 64 lowercase hex digits, got %d characters", len(o.SHA256))
	}
	for _, c := range o.SHA256 {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return errors.New("put option SHA256 must be 64 lowercase hex digits")
		}
	}
	return nil
}

// putOptions merges the variadic options of Put: at most one is allowed.
func putOptions(opts []PutOptions) (PutOptions, error) {
	switch len(opts) {
	case 0:
		return PutOptions{}, nil
	case 1:
		return opts[0], opts[0].Validate()
	default:
		return PutOptions{}, fmt.Errorf("put: at most one PutOptions, got %d", len(opts))
	}
}

// Object is an opened object: random access for Parquet footers and row
// groups, plus its size. Close releases it. ReadAt may be called from several
// goroutines at once and follows io.ReaderAt: a read that reaches the end of
// the object returns the bytes there are and io.EOF.
type Object interface {
	io.ReaderAt
	io.Closer
	SizeBytes() int64
}

// Store is the object store the engine reads inputs from and writes outputs
// to: a local directory or an S3-compatible bucket. Keys are '/'-separated
// and relative to the store's root; they never start or end with '/' and
// have no empty, "." or ".." segment (see CheckKey).
//
// Errors wrap ErrNotExist, ErrAccessDenied, ErrChanged or a context error
// where one applies (test with errors.Is), name the operation and the key,
// and never contain credentials.
//
// Implementations are safe for concurrent use.
type Store interface {
	// List returns every object whose key starts with prefix (a plain
	// string prefix: "a/b" matches "a/bc/x"), sorted by key (bytewise). A
	// prefix with no objects gives an empty list, not an error.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)

	// Stat describes one object, or returns an error wrapping ErrNotExist.
	Stat(ctx context.Context, key string) (ObjectInfo, error)

	// Open opens the object for random-access reads. On S3 every ReadAt is
	// a ranged GET made under ctx, so ctx must outlive the Object's use.
	Open(ctx context.Context, key string) (Object, error)

	// Put writes the object atomically: readers see either the previous
	// object or the whole new one, never a part. sizeBytes is the length of
	// r when known, or -1; a reader whose length differs from a known
	// sizeBytes is an error and nothing is written. At most one PutOptions
	// may be given.
	Put(ctx context.Context, key string, r io.Reader, sizeBytes int64, opts ...PutOptions) error

	// Delete removes the object. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error

	// String names the store's root for messages, without credentials.
	String() string
}

// ContentSHA256 returns the lowercase hex SHA-256 of an object's content:
// the one its writer recorded (ObjectInfo.SHA256) when the store has it,
// otherwise computed by reading the object. Use it to decide whether an
// upload would change anything.
func ContentSHA256(ctx context.Context, s Store, key string) (string, error) {
	info, err := s.Stat(ctx, key)
	if err != nil {
		return "", err
	}
	if info.SHA256 != "" {
		return info.SHA256, nil
	}
	obj, err := s.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer obj.Close()
	sum, err := SHA256(ctx, obj, obj.SizeBytes())
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", key, err)
	}
	return sum, nil
}

// SHA256 returns the lowercase hex SHA-256 of the first size bytes of r (an
// object, a local file), read in 1 MiB pieces, stopping when ctx is done.
func SHA256(ctx context.Context, r io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	buf := make([]byte, min(size, 1<<20))
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n := min(int64(len(buf)), size-off)
		m, err := r.ReadAt(buf[:n], off)
		h.Write(buf[:m])
		off += int64(m)
		if err != nil && !(errors.Is(err, io.EOF) && off == size) {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
