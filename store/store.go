package store

import (
	"context"
	"errors"
	"io"
)

// ErrNotExist is returned (wrapped) by Open, Stat and Delete when no object
// has the key. Test for it with errors.Is.
var ErrNotExist = errors.New("object does not exist")

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key       string // full key under the store's root, '/'-separated
	SizeBytes int64
}

// Object is an opened object: random access for Parquet footers and row
// groups, plus its size. Close releases it. ReadAt may be called from several
// goroutines at once.
type Object interface {
	io.ReaderAt
	io.Closer
	SizeBytes() int64
}

// Store is the object store the engine reads inputs from and writes outputs
// to: a local directory or an S3-compatible bucket. Keys are '/'-separated
// and relative to the store's root; they never start with '/'.
//
// Implementations are safe for concurrent use.
type Store interface {
	// List returns every object whose key starts with prefix, sorted by key
	// (bytewise). A prefix with no objects gives an empty list, not an error.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)

	// Open opens the object for random-access reads.
	Open(ctx context.Context, key string) (Object, error)

	// Put writes the object atomically: readers see either the previous
	// object or the whole new one, never a part. sizeBytes is the length of
	// r when known, or -1.
	Put(ctx context.Context, key string, r io.Reader, sizeBytes int64) error

	// Delete removes the object. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error

	// String names the store's root for messages, without credentials.
	String() string
}
