package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Local is a Store over a directory of the local file system. Keys map to
// paths below the directory. Put writes a temporary file in the target's
// directory, syncs it and renames it over the target, so a reader never sees
// a partly written object.
type Local struct {
	root string // absolute, cleaned
}

// NewLocal returns a store rooted at dir, creating the directory if needed.
func NewLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local store %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("local store: %w", err)
	}
	return &Local{root: abs}, nil
}

// String returns the root directory.
func (l *Local) String() string { return l.root }

// tmpMarker names the temporary files of Put; List never returns them.
const tmpMarker = ".tmp-put-"

func (l *Local) path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(l.root, filepath.FromSlash(key)), nil
}

// CheckKey rejects keys that are empty, absolute, or climb out of the root.
func CheckKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
		return fmt.Errorf("invalid object key %q", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("invalid object key %q", key)
		}
	}
	return nil
}

// List implements Store.
func (l *Local) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list %q in %s: %w", prefix, l.root, err)
	}
	// Walk from the deepest directory the prefix names fully.
	dir := path.Dir(prefix + "x")
	start := l.root
	if dir != "." {
		start = filepath.Join(l.root, filepath.FromSlash(dir))
	}
	var out []ObjectInfo
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if strings.Contains(d.Name(), tmpMarker) {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while listing
			}
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			// A link stands for the file it points to, which Open reads:
			// its size is that file's (a dangling link keeps its own, and
			// fails to open).
			if target, err := os.Stat(p); err == nil {
				info = target
			}
		}
		out = append(out, ObjectInfo{Key: key, SizeBytes: info.Size()})
		return nil
	})
	if err != nil {
		return nil, localErr("list", fmt.Sprintf("%q in %s", prefix, l.root), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

type localObject struct {
	*os.File
	size int64
}

func (o localObject) SizeBytes() int64 { return o.size }

// Open implements Store.
func (l *Local) Open(ctx context.Context, key string) (Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, localErr("open", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", key, err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", key, ErrNotExist)
	}
	return localObject{File: f, size: st.Size()}, nil
}

// Put implements Store. The local store keeps no metadata: PutOptions are
// checked and otherwise ignored.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, sizeBytes int64, opts ...PutOptions) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if _, err := putOptions(opts); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return localErr("put", key, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(p)+tmpMarker+"*")
	if err != nil {
		return localErr("put", key, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, ctxReader{ctx, r})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if sizeBytes >= 0 && n != sizeBytes {
		return fmt.Errorf("put %s: wrote %d bytes, expected %d", key, n, sizeBytes)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("put %s: sync: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return localErr("put", key, err)
	}
	done = true
	// Make the rename durable before the caller goes on (the manifest is
	// written last and must not survive a crash its parts did not).
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Delete implements Store.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return localErr("delete", key, err)
	}
	return nil
}

// Stat implements Store. ObjectInfo.SHA256 is always empty: the local store
// keeps no metadata.
func (l *Local) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	p, err := l.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return ObjectInfo{}, localErr("stat", key, err)
	}
	if !st.Mode().IsRegular() {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, ErrNotExist)
	}
	return ObjectInfo{Key: key, SizeBytes: st.Size()}, nil
}

// localErr wraps a file system error with the operation and key, adding
// ErrNotExist or ErrAccessDenied to the chain where one applies.
func localErr(op, key string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("%s %s: %w (%w)", op, key, ErrNotExist, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s %s: %w (%w)", op, key, ErrAccessDenied, err)
	default:
		return fmt.Errorf("%s %s: %w", op, key, err)
	}
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
