package digest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/recon-dev/recon/store"
)

// sizes straddle the padding's edges (55/56 bytes into a block), blocks,
// and chunks.
var sizes = []int{0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, chunk - 1, chunk, chunk + 1, chunk + 55, 3*chunk + 17, 5 * chunk}

// TestObjects hashes objects of many sizes, more than there are lanes,
// read in the order given except a few asked for first and one not
// announced, with block16 (where the CPU has it) and crypto/sha256, and
// with a window smaller than the lanes: every sum is crypto/sha256's, and
// every object reads back whole from what Open returned.
func TestObjects(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	want := map[string][]byte{}
	var keys []string
	for round := range 2 {
		for _, n := range sizes {
			key := fmt.Sprintf("o/%d-%d", round, n)
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			if err := st.Put(ctx, key, bytes.NewReader(b), int64(n)); err != nil {
				t.Fatal(err)
			}
			want[key] = b
			keys = append(keys, key)
		}
	}
	announced := keys[:len(keys)-1] // the last is asked for unannounced
	modes := []bool{false}
	if haveX16 {
		modes = append(modes, true)
	}
	for _, x16 := range modes {
		for _, window := range []int{1, 5, DefaultWindow} {
			t.Run(fmt.Sprintf("x16=%v,window=%d", x16, window), func(t *testing.T) {
				o := start(ctx, st, announced, window, x16)
				defer o.Close()
				// Two readers, as a run's loaders: one takes the keys in
				// order, the other the last few first, then the rest.
				order := [][]string{keys[:len(keys)/2], append(slices.Clone(keys[len(keys)-3:]), keys[len(keys)/2:len(keys)-3]...)}
				var wg sync.WaitGroup
				errs := make(chan error, len(keys))
				for _, ks := range order {
					wg.Go(func() {
						for _, k := range ks {
							if err := check(ctx, o, k, want[k]); err != nil {
								errs <- err
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				if _, _, err := o.Open(ctx, keys[0]); err == nil {
					t.Errorf("a second Open of %s succeeded", keys[0])
				}
			})
		}
	}
}

func check(ctx context.Context, o *Objects, key string, want []byte) error {
	obj, sum, err := o.Open(ctx, key)
	if err != nil {
		return err
	}
	defer obj.Close()
	got := make([]byte, obj.SizeBytes())
	if _, err := obj.ReadAt(got, 0); err != nil && len(got) > 0 {
		return fmt.Errorf("%s: %v", key, err)
	}
	s, err := sum()
	if err != nil {
		return fmt.Errorf("%s: %v", key, err)
	}
	w := sha256.Sum256(want)
	if s != hex.EncodeToString(w[:]) || !bytes.Equal(got, want) {
		return fmt.Errorf("%s (%d bytes): sum %s, want %x", key, len(want), s, w)
	}
	return nil
}

// TestObjectsMissing: an object that cannot be opened gives its error to
// Open, and the rest are still hashed; Close after a cancelled context
// returns.
func TestObjectsMissing(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "a", bytes.NewReader([]byte("abc")), 3); err != nil {
		t.Fatal(err)
	}
	o := Start(ctx, st, []string{"gone", "a"}, 0)
	if _, _, err := o.Open(ctx, "gone"); err == nil {
		t.Fatal("Open of a missing object succeeded")
	}
	if err := check(ctx, o, "a", []byte("abc")); err != nil {
		t.Fatal(err)
	}
	o.Close()
	if _, _, err := o.Open(ctx, "later"); err == nil {
		t.Fatal("Open after Close succeeded")
	}
}
