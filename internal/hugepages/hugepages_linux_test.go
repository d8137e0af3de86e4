//go:build linux && (amd64 || arm64)

package hugepages

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestHeapAdvised checks in /proc/self/smaps that the heap mapping holding
// a fresh allocation carries the huge-page advice ("hg" in VmFlags).
func TestHeapAdvised(t *testing.T) {
	if Disabled() || !leftToProgram(thpSetting) {
		t.Skip("turned off by the environment, or the system's mode is not madvise")
	}
	if advised == [2]uintptr{} {
		t.Fatal("init gave no advice")
	}
	buf := make([]byte, 1<<20)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	if addr < advised[0] || addr >= advised[1] {
		t.Skipf("allocation at %#x outside the advised arena [%#x, %#x)", addr, advised[0], advised[1])
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := vmaRange(line); ok {
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			if !strings.Contains(" "+line+" ", " hg ") {
				t.Fatalf("heap mapping of %#x lacks the huge-page advice: %s", addr, line)
			}
			return
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
}

func vmaRange(line string) (lo, hi uintptr, ok bool) {
	r, _, found := strings.Cut(line, " ")
	a, b, dash := strings.Cut(r, "-")
	if !found || !dash {
		return 0, 0, false
	}
	l, err1 := strconv.ParseUint(a, 16, 64)
	h, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(l), uintptr(h), true
}

func TestDisabled(t *testing.T) {
	for env, want := range map[string]bool{
		"":                            false,
		"disablethp=1":                true,
		"madvdontneed=1,disablethp=1": true,
		"disablethp=0":                false,
	} {
		t.Setenv("GODEBUG", env)
		if got := Disabled(); got != want {
			t.Errorf("GODEBUG=%q: Disabled() = %v, want %v", env, got, want)
		}
	}
	t.Setenv("GODEBUG", "")
	t.Setenv("VIGIL_HUGEPAGES", "0")
	if !Disabled() {
		t.Error("VIGIL_HUGEPAGES=0: Disabled() = false")
	}
}

func TestLeftToProgram(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]bool{
		"always [madvise] never\n": true,
		"[always] madvise never\n": false,
		"always madvise [never]\n": false,
	} {
		p := dir + "/enabled"
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := leftToProgram(p); got != want {
			t.Errorf("leftToProgram(%q) = %v, want %v", content, got, want)
		}
	}
	if leftToProgram(dir + "/missing") {
		t.Error("leftToProgram of a missing file = true")
	}
}
