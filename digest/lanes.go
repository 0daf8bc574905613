package digest

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"unsafe"
)

// chunk is how much of an object a lane reads at a time: a multiple of
// the 64-byte block.
const chunk = 256 << 10

// minX16 is the fewest lanes in use for which block16, which hashes all
// 16 lanes whatever their use, beats crypto/sha256 hashing each in turn
// (2.1 GB/s for 16 lanes, 0.33 for one: BenchmarkLanes).
const minX16 = 3

// idleBlock is what idle lanes hash, and drop; never written. It is not
// on a stack: block16 gets its address as an integer, which a stack move
// would not update.
var idleBlock [64]byte

// lanes hashes up to 16 objects at once. Each lane's SHA-256 state is a
// column of h. With AVX-512 and enough lanes in use, block16 hashes all
// lanes block by block; otherwise crypto/sha256 hashes each lane's blocks
// in turn, from and back to its column.
type lanes struct {
	x16    bool // block16 may be used
	l      [16]lane
	n      int // lanes in use
	h      [8][16]uint32
	p      [16]uintptr
	stride [16]uint64
	d      hash.Hash
	state  []byte // crypto/sha256's marshalled state
}

type lane struct {
	e    *entry // whose object (e.obj) the lane hashes
	off  int64  // next byte to read
	size int64
	buf  []byte
	pend []byte // blocks read, not hashed yet
	last bool   // pend ends with the padding: the lane ends with it
}

func (ls *lanes) free() bool { return ls.n < len(ls.l) }
func (ls *lanes) idle() bool { return ls.n == 0 }

// start hashes e's object (opened) in a free lane.
func (ls *lanes) start(e *entry) {
	for i := range ls.l {
		l := &ls.l[i]
		if l.e != nil {
			continue
		}
		if l.buf == nil {
			l.buf = make([]byte, chunk+128) // room for the padding
		}
		l.e, l.off, l.size, l.pend, l.last = e, 0, e.obj.SizeBytes(), nil, false
		for w := range ls.h {
			ls.h[w][i] = iv[w]
		}
		ls.n++
		return
	}
	panic("digest: no free lane")
}

// end frees lane i, giving its object's sum or error.
func (ls *lanes) end(i int, err error) {
	l := &ls.l[i]
	if err != nil {
		l.e.serr = fmt.Errorf("sha-256: %w", err) // the reader names the object
	} else {
		var sum [32]byte
		for w := range ls.h {
			binary.BigEndian.PutUint32(sum[4*w:], ls.h[w][i])
		}
		l.e.sum = hex.EncodeToString(sum[:])
	}
	close(l.e.summed)
	l.e, l.pend = nil, nil
	ls.n--
}

// fail ends every lane in use with err.
func (ls *lanes) fail(err error) {
	for i := range ls.l {
		if ls.l[i].e != nil {
			ls.end(i, err)
		}
	}
}

// step reads a chunk into every lane that has hashed its last one, then
// hashes what the lanes have: with block16, as many blocks as every lane
// has; else each lane's all.
func (ls *lanes) step(ctx context.Context) {
	for i := range ls.l {
		l := &ls.l[i]
		if l.e == nil || len(l.pend) > 0 {
			continue
		}
		if err := l.read(ctx); err != nil {
			ls.end(i, err)
		}
	}
	if ls.x16 && ls.n >= minX16 {
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
				ls.p[i], ls.stride[i] = uintptr(unsafe.Pointer(&idleBlock[0])), 0
			}
		}
		block16(&ls.h, &ls.p, &ls.stride, nb)
		for i := range ls.l {
			if l := &ls.l[i]; l.e != nil {
				l.pend = l.pend[nb*64:]
			}
		}
	} else {
		for i := range ls.l {
			if l := &ls.l[i]; l.e != nil {
				ls.scalar(i, l.pend)
				l.pend = l.pend[len(l.pend):]
			}
		}
	}
	for i := range ls.l {
		if l := &ls.l[i]; l.e != nil && len(l.pend) == 0 && l.last {
			ls.end(i, nil)
		}
	}
}

// scalar hashes whole blocks into lane i's state with crypto/sha256,
// through its marshalled state: "sha\x03", the 8 words big endian, the
// partial block (none) and the length (a multiple of 64 will do: the
// padding is ours).
func (ls *lanes) scalar(i int, blocks []byte) {
	if ls.d == nil {
		ls.d = sha256.New()
	}
	b := append(ls.state[:0], "sha\x03"...)
	for w := range ls.h {
		b = binary.BigEndian.AppendUint32(b, ls.h[w][i])
	}
	b = append(b, idleBlock[:]...)
	b = binary.BigEndian.AppendUint64(b, 0)
	if err := ls.d.(encoding.BinaryUnmarshaler).UnmarshalBinary(b); err != nil {
		panic("digest: crypto/sha256 state: " + err.Error())
	}
	ls.d.Write(blocks)
	b, err := ls.d.(encoding.BinaryAppender).AppendBinary(b[:0])
	if err != nil {
		panic("digest: crypto/sha256 state: " + err.Error())
	}
	for w := range ls.h {
		ls.h[w][i] = binary.BigEndian.Uint32(b[4+4*w:])
	}
	ls.state = b
}

// read reads the lane's next chunk into pend; after the object's last
// byte it appends SHA-256's padding.
func (l *lane) read(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := int(min(int64(chunk), l.size-l.off))
	m, err := l.e.obj.ReadAt(l.buf[:n], l.off)
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
