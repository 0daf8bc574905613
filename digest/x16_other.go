//go:build !amd64 || purego

package digest

func block16(h *[8][16]uint32, p *[16]uintptr, stride *[16]uint64, n int) {
	panic("digest: block16 without AVX-512")
}

const haveX16 = false
