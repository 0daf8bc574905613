package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recon-dev/recon/store"
	"github.com/recon-dev/recon/store/storetest"
)

func TestLocalConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.NewLocal(filepath.Join(t.TempDir(), "root"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestLocalPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions")
	}
	dir := t.TempDir()
	s, err := store.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Put(ctx, "ro/x", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "ro"), 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "ro"), 0o755) })
	if err := s.Put(ctx, "ro/y", strings.NewReader("y"), 1); !errors.Is(err, store.ErrAccessDenied) {
		t.Errorf("Put into a read-only directory = %v, want ErrAccessDenied", err)
	}
}

func TestOpenURLLocal(t *testing.T) {
	dir := t.TempDir()
	for _, root := range []string{dir, "file://" + dir} {
		s, err := store.OpenURL(context.Background(), root, nil)
		if err != nil {
			t.Fatalf("OpenURL(%q): %v", root, err)
		}
		if _, ok := s.(*store.Local); !ok || s.String() != dir {
			t.Errorf("OpenURL(%q) = %T %s, want the local store at %s", root, s, s, dir)
		}
	}
	for _, root := range []string{"", "gs://bucket/x", "http://host/x"} {
		if _, err := store.OpenURL(context.Background(), root, nil); err == nil {
			t.Errorf("OpenURL(%q) succeeded", root)
		}
	}
}

// TestLocalListSymlink: a store assembled from links to files elsewhere
// lists each link with the size of the file it points to, the size Open
// reads (the engine plans its memory from listed sizes).
func TestLocalListSymlink(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	target := filepath.Join(elsewhere, "data")
	if err := os.WriteFile(target, []byte("twelve bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "a", "link")); err != nil {
		t.Fatal(err)
	}
	s, err := store.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(context.Background(), "a/")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Key != "a/link" || infos[0].SizeBytes != 12 {
		t.Fatalf("List = %+v, want a/link of 12 bytes", infos)
	}
}
