package mem

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestMakeWrittenAdvisesHuge checks, in /proc/self/smaps, that the
// kernel holds a large table's memory as advised for huge pages (VmFlags
// "hg"), whatever the system then does with the advice, and that
// Unadvise takes the advice back.
func TestMakeWrittenAdvisesHuge(t *testing.T) {
	s := MakeWritten[[32]byte](1 << 18) // 8 MiB: three whole huge pages at least
	mid := uintptr(unsafe.Pointer(&s[len(s)/2]))
	flags, ok := vmFlags(t, mid)
	if !ok {
		t.Fatalf("no mapping in /proc/self/smaps holds %#x", mid)
	}
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("mapping of the table's middle has VmFlags %q, want hg among them", flags)
	}
	Unadvise(s)
	flags, ok = vmFlags(t, mid)
	if !ok {
		t.Fatalf("no mapping in /proc/self/smaps holds %#x", mid)
	}
	if strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("after Unadvise, the mapping has VmFlags %q, want no hg", flags)
	}
}

// vmFlags returns the VmFlags of the mapping that holds addr.
func vmFlags(t *testing.T, addr uintptr) (string, bool) {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rng, _, ok := strings.Cut(line, " "); ok && strings.Contains(rng, "-") && !strings.HasSuffix(rng, ":") {
			lo, hi, _ := strings.Cut(rng, "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uint64(addr) >= a && uint64(addr) < b
			continue
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok && in {
			return strings.TrimSpace(flags), true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return "", false
}
