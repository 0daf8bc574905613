//go:build amd64 && !purego

package digest

//go:generate go run gen.go

import "golang.org/x/sys/cpu"

// block16 hashes n 64-byte blocks of each of 16 lanes into h (h[i][l] is
// word i of lane l's state): lane l's blocks start at p[l], the next at
// p[l]+stride[l]. Implemented in sha256x16_amd64.s.
//
//go:noescape
func block16(h *[8][16]uint32, p *[16]uintptr, stride *[16]uint64, n int)

// haveX16 says the CPU runs block16: AVX-512 F for the rounds, BW for
// the byte shuffle.
var haveX16 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW
