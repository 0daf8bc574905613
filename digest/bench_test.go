package digest

import (
	"bytes"
	"context"
	"testing"
)

type memObject struct{ *bytes.Reader }

func (memObject) Close() error       { return nil }
func (m memObject) SizeBytes() int64 { return m.Size() }

// BenchmarkLanes hashes 16 objects of 4 MiB at once, with block16 (x16)
// and with crypto/sha256 (one), in bytes per second of input.
func BenchmarkLanes(b *testing.B) {
	data := bytes.Repeat([]byte("recon"), 4<<20/5)
	modes := []struct {
		name string
		x16  bool
	}{{"one", false}}
	if haveX16 {
		modes = append(modes, struct {
			name string
			x16  bool
		}{"x16", true})
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			b.SetBytes(16 * int64(len(data)))
			for b.Loop() {
				ls := &lanes{x16: m.x16}
				for range 16 {
					e := newEntry("k")
					e.obj = memObject{bytes.NewReader(data)}
					ls.start(e)
				}
				for !ls.idle() {
					ls.step(context.Background())
				}
			}
		})
	}
}
