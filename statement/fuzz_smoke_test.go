package statement

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// smokeTokens are fragments the mutations splice in: the structure both
// parsers branch on.
var smokeTokens = [][]byte{
	[]byte("\n:61:"), []byte("\n:86:"), []byte("\n:20:"), []byte("\n:60M:"), []byte("\n:62F:"), []byte("\n-\n"), []byte("{4:"), []byte("-}"),
	[]byte("?20EREF+"), []byte("/EREF/"), []byte("RC"), []byte(","), []byte("\xff"), []byte("\r"),
	[]byte("<Ntry>"), []byte("</Ntry>"), []byte("<Stmt>"), []byte("</Stmt>"), []byte("<Bal>"), []byte("<Amt Ccy=\"EUR\">"),
	[]byte("<CdtDbtInd>DBIT</CdtDbtInd>"), []byte("<Sts>BOOK</Sts>"), []byte("<DtTm>2024-01-02T10:00:00+01:00</DtTm>"),
	[]byte("9999999999999999999"), []byte("0"), []byte("-"),
}

// mutate returns a copy of b changed by one to four random edits: a byte
// set, a range deleted, a range repeated, or a token inserted.
func mutate(r *rand.Rand, b []byte) []byte {
	out := bytes.Clone(b)
	for n := 1 + r.IntN(4); n > 0; n-- {
		if len(out) == 0 {
			out = append(out, smokeTokens[r.IntN(len(smokeTokens))]...)
			continue
		}
		i := r.IntN(len(out))
		j := min(len(out), i+1+r.IntN(64))
		switch r.IntN(4) {
		case 0:
			out[i] = byte(r.IntN(256))
		case 1:
			out = append(out[:i:i], out[j:]...)
		case 2:
			out = append(out[:j:j], append(bytes.Clone(out[i:j]), out[j:]...)...)
		default:
			out = append(out[:i:i], append(bytes.Clone(smokeTokens[r.IntN(len(smokeTokens))]), out[i:]...)...)
		}
	}
	return out
}

// TestFuzzSmoke runs both parsers on a fixed set of random mutations of
// the fuzz seeds, with the fuzz targets' checks: a short, deterministic
// stand-in for `go test -fuzz` that runs with every `go test` (the seed
// corpus itself, and testdata/fuzz, run as the Fuzz* tests' seeds).
func TestFuzzSmoke(t *testing.T) {
	perSeed := 100
	if testing.Short() {
		perSeed = 10
	}
	r := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	for _, seed := range fuzzSeeds(t) {
		for k := 0; k < perSeed; k++ {
			data := mutate(r, seed)
			for _, parse := range []func(context.Context, io.Reader, Options) ([]Statement, error){ParseMT940, ParseCamt053} {
				start := time.Now()
				stmts, err := parse(ctx, bytes.NewReader(data), testOpt)
				checkFuzzResult(t, stmts, err, time.Since(start))
				if t.Failed() {
					t.Fatalf("input %q", data)
				}
			}
		}
	}
}
