package digest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"unsafe"

	"github.com/recon-dev/recon/store"
)

// chunk is how much of an object a lane reads at a time: a multiple of
// the 64-byte block.
const chunk = 256 << 10

// lanes hashes up to 16 objects at once: with AVX-512, block by block in
// the 16 lanes of block16 (a lane's SHA-256 state is a column of h), else
// each with crypto/sha256 in turn.
type lanes struct {
	x16    bool // block16, not crypto/sha256
	l      [16]lane
	n      int // lanes in use
	h      [8][16]uint32
	p      [16]uintptr
	stride [16]uint64
	zero   [64]byte // what idle lanes hash, and drop
}

type lane struct {
	e    *entry
	obj  store.Object
	off  int64 // next byte to read
	size int64
	buf  []byte
	pend []byte // blocks read, not hashed yet
	last bool   // pend ends with the padding: the lane ends with it
	d    hash.Hash
}

func (ls *lanes) free() bool { return ls.n < len(ls.l) }
func (ls *lanes) idle() bool { return ls.n == 0 }

// start hashes e's object in a free lane.
func (ls *lanes) start(e *entry, obj store.Object) {
	for i := range ls.l {
		l := &ls.l[i]
		if l.e != nil {
			continue
		}
		if l.buf == nil {
			l.buf = make([]byte, chunk+128) // room for the padding
		}
		l.e, l.obj, l.off, l.size, l.pend, l.last = e, obj, 0, obj.SizeBytes(), nil, false
		if ls.x16 {
			for w := range ls.h {
				ls.h[w][i] = iv[w]
			}
		} else {
			l.d = sha256.New()
		}
		ls.n++
		return
	}
	panic("digest: no free lane")
}

// end frees lane i, giving its object's sum or error.
func (ls *lanes) end(i int, sum string, err error) {
	l := &ls.l[i]
	if err != nil {
		err = fmt.Errorf("hash %s: %w", l.e.key, err)
	}
	l.e.sum, l.e.serr = sum, err
	close(l.e.summed)
	l.e, l.obj, l.pend, l.d = nil, nil, nil, nil
	ls.n--
}

// fail ends every lane in use with err.
func (ls *lanes) fail(err error) {
	for i := range ls.l {
		if ls.l[i].e != nil {
			ls.end(i, "", err)
		}
	}
}

// step reads a chunk into every lane that has hashed its last one, then
// hashes what all lanes have.
func (ls *lanes) step(ctx context.Context) {
	for i := range ls.l {
		l := &ls.l[i]
		if l.e == nil || len(l.pend) > 0 {
			continue
		}
		if err := l.read(ctx); err != nil {
			ls.end(i, "", err)
			continue
		}
		if l.d != nil {
			l.d.Write(l.pend)
			l.pend = nil
			if l.last {
				ls.end(i, hex.EncodeToString(l.d.Sum(nil)), nil)
			}
		}
	}
	if !ls.x16 || ls.n == 0 {
		return
	}
	nb := chunk / 64
	for i := range ls.l {
		if l := &ls.l[i]; l.e != nil {
			nb = min(nb, len(l.pend)/64)
		}
	}
	for i := range ls.l {
		if l := &ls.l[i]; l.e != nil {
			ls.p[i], ls.stride[i] = uintptr(unsafe.Pointer(&l.pend[0])), 64
		} else {
			ls.p[i], ls.stride[i] = uintptr(unsafe.Pointer(&ls.zero[0])), 0
		}
	}
	block16(&ls.h, &ls.p, &ls.stride, nb)
	for i := range ls.l {
		l := &ls.l[i]
		if l.e == nil {
			continue
		}
		l.pend = l.pend[nb*64:]
		if len(l.pend) == 0 && l.last {
			var sum [32]byte
			for w := range ls.h {
				binary.BigEndian.PutUint32(sum[4*w:], ls.h[w][i])
			}
			ls.end(i, hex.EncodeToString(sum[:]), nil)
		}
	}
}

// read reads the lane's next chunk into pend; after the object's last
// byte it appends SHA-256's padding (unless crypto/sha256 pads).
func (l *lane) read(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := int(min(int64(chunk), l.size-l.off))
	m, err := l.obj.ReadAt(l.buf[:n], l.off)
	if m < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	l.off += int64(n)
	l.pend = l.buf[:n]
	if l.off < l.size {
		return nil
	}
	l.last = true
	if l.d != nil {
		return nil
	}
	// 0x80, zeros up to 56 bytes into a block, the length in bits.
	pad := 64 - n%64
	if pad < 9 {
		pad += 64
	}
	l.pend = l.buf[:n+pad]
	clear(l.pend[n:])
	l.pend[n] = 0x80
	binary.BigEndian.PutUint64(l.pend[n+pad-8:], uint64(l.size)<<3)
	return nil
}
