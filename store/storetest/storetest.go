// Package storetest is the conformance suite every store.Store passes: run
// it from a test of the implementation with a function that makes a new,
// empty store each time it is called.
//
//	func TestLocal(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recon-dev/recon/store"
)

// A key as the engine's inputs have them.
const custodyKey = "custody/transactions/date=2026-11-26/bank=B1/platform=P1/part-0.parquet"

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"ListEmpty", testListEmpty},
		{"ListPrefixes", testListPrefixes},
		{"PutOpenReadAt", testPutOpenReadAt},
		{"PutEmpty", testPutEmpty},
		{"PutReplace", testPutReplace},
		{"PutReplaceWhileReading", testPutReplaceWhileReading},
		{"PutLarge", testPutLarge},
		{"PutSizeMismatch", testPutSizeMismatch},
		{"PutReaders", testPutReaders},
		{"StatAndSHA256", testStat},
		{"NotExist", testNotExist},
		{"Delete", testDelete},
		{"InvalidKeys", testInvalidKeys},
		{"Concurrent", testConcurrent},
		{"ContextCanceled", testContextCanceled},
		{"PutCanceledMidway", testPutCanceledMidway},
		{"ReadAfterClose", testReadAfterClose},
		{"String", testString},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// data returns n deterministic pseudo-random bytes.
func data(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func put(t *testing.T, s store.Store, key string, b []byte, opts ...store.PutOptions) {
	t.Helper()
	if err := s.Put(ctxT(t), key, bytes.NewReader(b), int64(len(b)), opts...); err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, len(b), err)
	}
}

// readAll reads a whole object through ReadAt.
func readAll(t *testing.T, s store.Store, key string) []byte {
	t.Helper()
	obj, err := s.Open(ctxT(t), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.SizeBytes()))
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

func keys(infos []store.ObjectInfo) []string {
	out := make([]string, len(infos))
	for i, o := range infos {
		out[i] = o.Key
	}
	return out
}

func list(t *testing.T, s store.Store, prefix string) []string {
	t.Helper()
	infos, err := s.List(ctxT(t), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys(infos)
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func testListEmpty(t *testing.T, s store.Store) {
	for _, p := range []string{"", "a", "a/", "custody/transactions/"} {
		infos, err := s.List(ctxT(t), p)
		if err != nil {
			t.Fatalf("List(%q) on an empty store: %v", p, err)
		}
		if len(infos) != 0 {
			t.Fatalf("List(%q) on an empty store = %v, want nothing", p, keys(infos))
		}
	}
}

func testListPrefixes(t *testing.T, s store.Store) {
	all := []string{
		"a/b/1",
		"a/b/2",
		"a/b/sub/deep/x.parquet",
		"a/b=1 x/y z.arrow",
		"a/bc/x",
		"a/c",
		"b",
		"b0/x",
		"b-/x",
		"b./x",
		"ü/ä ö.parquet",
		custodyKey,
		"custody/transactions/date=2026-11-26/bank=B1/platform=P10/part-0.parquet",
		"custody/transactions/date=2026-11-26/bank=B10/platform=P1/part-0.parquet",
	}
	shuffled := slices.Clone(all)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for i, k := range shuffled {
		put(t, s, k, data(i+1, uint64(i)))
	}
	sorted := slices.Clone(all)
	slices.Sort(sorted) // bytewise
	want := func(prefix string) []string {
		var out []string
		for _, k := range sorted {
			if strings.HasPrefix(k, prefix) {
				out = append(out, k)
			}
		}
		return out
	}
	for _, p := range []string{
		"", "a", "a/", "a/b", "a/b/", "a/bc", "a/b/sub/deep/x.parquet", "a/b=", "b", "b/",
		"ü/", "custody/", "custody/transactions/date=2026-11-26/bank=B1",
		"custody/transactions/date=2026-11-26/bank=B1/", "custody/transactions/date=2026-11-26/bank=B1/platform=P1/",
		"nothing", "a/b/sub/deep/x.parquetX",
	} {
		got := list(t, s, p)
		if w := want(p); !slices.Equal(got, w) {
			t.Errorf("List(%q) =\n  %q\nwant\n  %q", p, got, w)
		}
	}
	// Sizes come with the keys.
	infos, err := s.List(ctxT(t), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range infos {
		i := slices.Index(shuffled, o.Key)
		if o.SizeBytes != int64(i+1) {
			t.Errorf("List: %s has size %d, want %d", o.Key, o.SizeBytes, i+1)
		}
	}
}

func testPutOpenReadAt(t *testing.T, s store.Store) {
	const size = 100_003
	b := data(size, 1)
	put(t, s, custodyKey, b)
	obj, err := s.Open(ctxT(t), custodyKey)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if obj.SizeBytes() != size {
		t.Fatalf("SizeBytes = %d, want %d", obj.SizeBytes(), size)
	}
	// Reads within the object, including its last bytes (a Parquet footer
	// read): n == len(p), err nil or io.EOF.
	for _, r := range []struct{ off, n int64 }{
		{0, 1}, {0, 4}, {1, 100}, {4096, 8192}, {size / 2, 1000}, {size - 8, 8}, {size - 1, 1}, {0, size},
	} {
		p := make([]byte, r.n)
		n, err := obj.ReadAt(p, r.off)
		if n != int(r.n) || (err != nil && err != io.EOF) {
			t.Errorf("ReadAt(%d bytes at %d) = %d, %v; want %d, nil or EOF", r.n, r.off, n, err, r.n)
			continue
		}
		if !bytes.Equal(p, b[r.off:r.off+r.n]) {
			t.Errorf("ReadAt(%d bytes at %d): wrong bytes", r.n, r.off)
		}
	}
	// Reads past the end: the bytes there are, and io.EOF.
	for _, r := range []struct{ off, n int64 }{
		{size - 4, 8}, {0, size + 1}, {size, 1}, {size + 1000, 10},
	} {
		p := make([]byte, r.n)
		n, err := obj.ReadAt(p, r.off)
		wantN := max(0, min(r.n, size-r.off))
		if int64(n) != wantN || err != io.EOF {
			t.Errorf("ReadAt(%d bytes at %d) = %d, %v; want %d, io.EOF", r.n, r.off, n, err, wantN)
			continue
		}
		if lo := min(r.off, size); !bytes.Equal(p[:n], b[lo:lo+wantN]) {
			t.Errorf("ReadAt(%d bytes at %d): wrong bytes", r.n, r.off)
		}
	}
	if n, err := obj.ReadAt(nil, 10); n != 0 || (err != nil && err != io.EOF) {
		t.Errorf("ReadAt(empty buffer) = %d, %v", n, err)
	}
	if n, err := obj.ReadAt(make([]byte, 4), -1); n != 0 || err == nil || err == io.EOF {
		t.Errorf("ReadAt(negative offset) = %d, %v; want an error", n, err)
	}
	if got := readAll(t, s, custodyKey); !bytes.Equal(got, b) {
		t.Errorf("whole read differs")
	}
}

func testPutEmpty(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	if err := s.Put(ctx, "empty/known", bytes.NewReader(nil), 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "empty/unknown", onlyReader{strings.NewReader("")}, -1); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(ctx, "empty/")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].SizeBytes != 0 || infos[1].SizeBytes != 0 {
		t.Fatalf("List(empty/) = %+v, want two empty objects", infos)
	}
	for _, k := range []string{"empty/known", "empty/unknown"} {
		obj, err := s.Open(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if obj.SizeBytes() != 0 {
			t.Errorf("%s: SizeBytes = %d", k, obj.SizeBytes())
		}
		if n, err := obj.ReadAt(make([]byte, 1), 0); n != 0 || err != io.EOF {
			t.Errorf("%s: ReadAt = %d, %v; want 0, io.EOF", k, n, err)
		}
		obj.Close()
		if info, err := s.Stat(ctx, k); err != nil || info.SizeBytes != 0 {
			t.Errorf("%s: Stat = %+v, %v", k, info, err)
		}
	}
}

func testPutReplace(t *testing.T, s store.Store) {
	v1, v2 := data(5000, 1), data(3000, 2)
	put(t, s, "r/x", v1)
	put(t, s, "r/x", v2)
	if got := readAll(t, s, "r/x"); !bytes.Equal(got, v2) {
		t.Fatalf("after replace: got %d bytes, want the second version", len(got))
	}
	if got := list(t, s, "r/"); !slices.Equal(got, []string{"r/x"}) {
		t.Fatalf("List after replace = %q (no temporary objects may show)", got)
	}
}

// testPutReplaceWhileReading replaces an object again and again while
// readers open and read it: every read sees one whole version, or fails
// with store.ErrChanged.
func testPutReplaceWhileReading(t *testing.T, s store.Store) {
	versions := [][]byte{bytes.Repeat([]byte("a"), 64<<10), bytes.Repeat([]byte("b"), 48<<10)}
	put(t, s, "rr/x", versions[0])
	ctx := ctxT(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= 20; i++ {
			v := versions[i%2]
			if err := s.Put(ctx, "rr/x", bytes.NewReader(v), int64(len(v))); err != nil {
				errs <- err
				return
			}
		}
		close(stop)
	}()
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				obj, err := s.Open(ctx, "rr/x")
				if err != nil {
					errs <- err
					return
				}
				b, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.SizeBytes()))
				obj.Close()
				if errors.Is(err, store.ErrChanged) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(b, versions[0]) && !bytes.Equal(b, versions[1]) {
					errs <- fmt.Errorf("read a mixed or partial object of %d bytes", len(b))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testPutLarge(t *testing.T, s store.Store) {
	const size = 20<<20 + 12345 // above one S3 part
	b := data(size, 7)
	ctx := ctxT(t)
	// Known size, re-readable body.
	put(t, s, "large/known", b)
	// Unknown size, a body that can be read once only.
	if err := s.Put(ctx, "large/unknown", onlyReader{bytes.NewReader(b)}, -1); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"large/known", "large/unknown"} {
		obj, err := s.Open(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if obj.SizeBytes() != size {
			t.Fatalf("%s: SizeBytes = %d, want %d", k, obj.SizeBytes(), size)
		}
		// Reads across a 16 MiB part boundary and of the footer.
		for _, off := range []int64{16<<20 - 100, size - 16} {
			p := make([]byte, min(200, size-off))
			n, err := obj.ReadAt(p, off)
			if n != len(p) || (err != nil && err != io.EOF) || !bytes.Equal(p, b[off:off+int64(n)]) {
				t.Errorf("%s: ReadAt(%d at %d) = %d, %v", k, len(p), off, n, err)
			}
		}
		got, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.SizeBytes()))
		obj.Close()
		if err != nil {
			t.Fatal(err)
		}
		if sha(got) != sha(b) {
			t.Errorf("%s: content differs", k)
		}
	}
}

func testPutSizeMismatch(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	b := data(1000, 3)
	cases := []struct {
		name string
		r    io.Reader
		size int64
	}{
		{"short seekable", bytes.NewReader(b[:500]), 1000},
		{"long seekable", bytes.NewReader(b), 500},
		{"short stream", onlyReader{bytes.NewReader(b[:500])}, 1000},
		{"long stream", onlyReader{bytes.NewReader(b)}, 500},
	}
	for i, c := range cases {
		key := fmt.Sprintf("mismatch/%d", i)
		if err := s.Put(ctx, key, c.r, c.size); err == nil {
			t.Errorf("%s: Put with a wrong size succeeded", c.name)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("%s: after a failed Put, Stat = %v, want ErrNotExist", c.name, err)
		}
	}
	// A failed replace leaves the previous version.
	put(t, s, "mismatch/keep", b)
	if err := s.Put(ctx, "mismatch/keep", onlyReader{bytes.NewReader(b[:10])}, 1000); err == nil {
		t.Error("Put with a short reader succeeded")
	}
	if got := readAll(t, s, "mismatch/keep"); !bytes.Equal(got, b) {
		t.Error("a failed Put changed the object")
	}
}

// testPutReaders writes from readers of several kinds and offsets.
func testPutReaders(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	b := data(10_000, 4)
	// A seekable reader already partly read: Put takes the rest.
	r := bytes.NewReader(b)
	if _, err := r.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "readers/rest", r, int64(len(b)-1000)); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s, "readers/rest"); !bytes.Equal(got, b[1000:]) {
		t.Errorf("Put from a partly read bytes.Reader: got %d bytes, want the last %d", len(got), len(b)-1000)
	}
	// Unknown size, stream.
	if err := s.Put(ctx, "readers/stream", onlyReader{bytes.NewReader(b)}, -1); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s, "readers/stream"); !bytes.Equal(got, b) {
		t.Error("Put from a stream of unknown size: content differs")
	}
	// A reader that returns data with io.EOF.
	if err := s.Put(ctx, "readers/dataeof", &dataEOFReader{b: b}, int64(len(b))); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s, "readers/dataeof"); !bytes.Equal(got, b) {
		t.Error("Put from a reader returning data with EOF: content differs")
	}
}

func testStat(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	b := data(4321, 5)
	put(t, s, custodyKey, b, store.PutOptions{SHA256: sha(b)})
	info, err := s.Stat(ctx, custodyKey)
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != custodyKey || info.SizeBytes != int64(len(b)) {
		t.Errorf("Stat = %+v, want key %q and size %d", info, custodyKey, len(b))
	}
	if info.SHA256 != "" && info.SHA256 != sha(b) {
		t.Errorf("Stat SHA256 = %q, want %q or empty", info.SHA256, sha(b))
	}
	if got, err := store.ContentSHA256(ctx, s, custodyKey); err != nil || got != sha(b) {
		t.Errorf("ContentSHA256 = %q, %v; want %q", got, err, sha(b))
	}
	// Without the option, nothing is claimed.
	put(t, s, "plain", b)
	if info, err := s.Stat(ctx, "plain"); err != nil || info.SHA256 != "" {
		t.Errorf("Stat of an object put without SHA256 = %+v, %v; want no SHA256", info, err)
	}
	if got, err := store.ContentSHA256(ctx, s, "plain"); err != nil || got != sha(b) {
		t.Errorf("ContentSHA256 (hashing) = %q, %v; want %q", got, err, sha(b))
	}
	// Replacing without the option drops the old claim.
	put(t, s, custodyKey, b[:10])
	if got, err := store.ContentSHA256(ctx, s, custodyKey); err != nil || got != sha(b[:10]) {
		t.Errorf("ContentSHA256 after a replace = %q, %v; want %q", got, err, sha(b[:10]))
	}
	// Malformed options are refused.
	for _, bad := range []store.PutOptions{{SHA256: "abc"}, {SHA256: strings.ToUpper(sha(b))}, {SHA256: strings.Repeat("g", 64)}} {
		if err := s.Put(ctx, "bad-sha", bytes.NewReader(b), int64(len(b)), bad); err == nil {
			t.Errorf("Put with SHA256 %q succeeded", bad.SHA256)
		}
	}
	if err := s.Put(ctx, "two-opts", bytes.NewReader(b), int64(len(b)), store.PutOptions{}, store.PutOptions{}); err == nil {
		t.Error("Put with two PutOptions succeeded")
	}
	// A directory-like prefix is no object.
	if _, err := s.Stat(ctx, "custody/transactions"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("Stat of a prefix = %v, want ErrNotExist", err)
	}
}

func testNotExist(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	put(t, s, "x/y", []byte("y"))
	for _, k := range []string{"missing", "x/missing", "x/y/z", "x"} {
		if _, err := s.Open(ctx, k); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want ErrNotExist", k, err)
		}
		if _, err := s.Stat(ctx, k); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("Stat(%q) = %v, want ErrNotExist", k, err)
		} else if !strings.Contains(err.Error(), k) {
			t.Errorf("Stat(%q) error %q does not name the key", k, err)
		}
	}
}

func testDelete(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	put(t, s, "d/a", []byte("a"))
	put(t, s, "d/b", []byte("b"))
	if err := s.Delete(ctx, "d/a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, "d/a"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("Open after Delete = %v, want ErrNotExist", err)
	}
	if _, err := s.Stat(ctx, "d/a"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("Stat after Delete = %v, want ErrNotExist", err)
	}
	if got := list(t, s, "d/"); !slices.Equal(got, []string{"d/b"}) {
		t.Errorf("List after Delete = %q", got)
	}
	for _, k := range []string{"d/a", "never/was"} {
		if err := s.Delete(ctx, k); err != nil {
			t.Errorf("Delete(%q) of a missing key = %v, want nil", k, err)
		}
	}
}

func testInvalidKeys(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	for _, k := range []string{"", "/abs", "a//b", "a/", "../x", "a/../b", "./a", "a/./b", `a\b`} {
		if err := s.Put(ctx, k, strings.NewReader("x"), 1); err == nil {
			t.Errorf("Put(%q) succeeded", k)
		}
		if _, err := s.Open(ctx, k); err == nil {
			t.Errorf("Open(%q) succeeded", k)
		}
		if _, err := s.Stat(ctx, k); err == nil {
			t.Errorf("Stat(%q) succeeded", k)
		}
		if err := s.Delete(ctx, k); err == nil {
			t.Errorf("Delete(%q) succeeded", k)
		}
	}
	if got := list(t, s, ""); len(got) != 0 {
		t.Errorf("invalid keys created objects: %q", got)
	}
}

func testConcurrent(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	shared := data(256<<10, 9)
	put(t, s, "conc/shared", shared)
	obj, err := s.Open(ctx, "conc/shared")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*8)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 4 {
				key := fmt.Sprintf("conc/w%d/part-%05d.parquet", w, i)
				b := data(1000+w*100+i, uint64(w*10+i))
				if err := s.Put(ctx, key, bytes.NewReader(b), int64(len(b))); err != nil {
					errs <- err
					return
				}
				off := int64((w*7919 + i*104729) % (len(shared) - 4096))
				p := make([]byte, 4096)
				if n, err := obj.ReadAt(p, off); n != len(p) || (err != nil && err != io.EOF) {
					errs <- fmt.Errorf("ReadAt(%d) = %d, %v", off, n, err)
					return
				}
				if !bytes.Equal(p, shared[off:off+4096]) {
					errs <- fmt.Errorf("ReadAt(%d): wrong bytes", off)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := list(t, s, "conc/w"); len(got) != workers*4 {
		t.Errorf("List after concurrent puts: %d objects, want %d", len(got), workers*4)
	}
}

func testContextCanceled(t *testing.T, s store.Store) {
	put(t, s, "cc/x", []byte("x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context = %v, want context.Canceled", op, err)
		}
	}
	_, err := s.List(ctx, "")
	check("List", err)
	_, err = s.List(ctx, "cc/")
	check("List(prefix)", err)
	_, err = s.Stat(ctx, "cc/x")
	check("Stat", err)
	_, err = s.Open(ctx, "cc/x")
	check("Open", err)
	check("Put", s.Put(ctx, "cc/y", strings.NewReader("y"), 1))
	check("Delete", s.Delete(ctx, "cc/x"))
	if got := list(t, s, "cc/"); !slices.Equal(got, []string{"cc/x"}) {
		t.Errorf("after canceled Put and Delete, List = %q, want [cc/x]", got)
	}
}

// testPutCanceledMidway cancels a Put while its body is being read: Put
// fails with the context's error and writes nothing.
func testPutCanceledMidway(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &slowReader{remaining: 1 << 20, cancelAt: 64 << 10, cancel: cancel}
	err := s.Put(ctx, "cancel/x", r, -1)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Put canceled midway = %v, want context.Canceled", err)
	}
	if _, err := s.Stat(ctxT(t), "cancel/x"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("after a canceled Put, Stat = %v, want ErrNotExist", err)
	}
}

func testReadAfterClose(t *testing.T, s store.Store) {
	put(t, s, "closed", []byte("hello"))
	obj, err := s.Open(ctxT(t), "closed")
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := obj.ReadAt(make([]byte, 2), 0); err == nil || err == io.EOF {
		t.Errorf("ReadAt after Close = %d, %v; want an error", n, err)
	}
}

func testString(t *testing.T, s store.Store) {
	if s.String() == "" {
		t.Error("String is empty")
	}
}

// onlyReader hides every method of a reader but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// dataEOFReader returns its last bytes together with io.EOF.
type dataEOFReader struct {
	b   []byte
	off int
}

func (d *dataEOFReader) Read(p []byte) (int, error) {
	n := copy(p, d.b[d.off:])
	d.off += n
	if d.off == len(d.b) {
		return n, io.EOF
	}
	return n, nil
}

// slowReader yields zero bytes in small reads and cancels a context after
// cancelAt bytes.
type slowReader struct {
	remaining, read, cancelAt int
	cancel                    func()
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.remaining == 0 {
		return 0, io.EOF
	}
	n := min(len(p), 4096, r.remaining)
	clear(p[:n])
	r.remaining -= n
	r.read += n
	if r.read >= r.cancelAt {
		r.cancel()
	}
	return n, nil
}
