package digest

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestBlock16 hashes 16 different one-block messages, plus a lane that
// idles (stride 0), against crypto/sha256's compression of the same
// blocks, over several blocks.
func TestBlock16(t *testing.T) {
	if !haveX16 {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const nb = 3
	var bufs [16][]byte
	var p [16]uintptr
	var stride [16]uint64
	var h [8][16]uint32
	for l := range bufs {
		bufs[l] = make([]byte, 64*nb)
		for i := range bufs[l] {
			bufs[l][i] = byte(rng.Uint32())
		}
		p[l] = uintptr(unsafe.Pointer(&bufs[l][0]))
		stride[l] = 64
		for i := range 8 {
			h[i][l] = iv[i]
		}
	}
	block16(&h, &p, &stride, nb)
	for l := range bufs {
		// A message of nb blocks whose padding we leave out: compare
		// with the state crypto/sha256 keeps after writing the blocks.
		d := sha256.New()
		d.Write(bufs[l])
		st, err := d.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		// The marshalled state: 4 bytes magic, then h0..h7 big endian.
		for i := range 8 {
			want := binary.BigEndian.Uint32(st[4+4*i:])
			if h[i][l] != want {
				t.Fatalf("lane %d word %d: %08x, want %08x", l, i, h[i][l], want)
			}
		}
	}
}
