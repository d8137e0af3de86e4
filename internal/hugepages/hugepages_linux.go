//go:build linux && (amd64 || arm64)

package hugepages

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"
)

const (
	// arenaBytes is the size and alignment of a Go heap arena on 64-bit
	// Linux (runtime.heapArenaBytes).
	arenaBytes = 64 << 20
	// reserveBytes is made part of the mapped heap before the advice:
	// the runtime maps heap memory in steps as it grows, and a mapping made
	// after the advice would not carry it. The block is never written, so
	// it costs address space, not memory; a GC frees it at once and later
	// allocations reuse its (advised) pages, lowest addresses first.
	reserveBytes = 64 << 20
	hugePage     = 2 << 20
	madvHugepage = 14 // MADV_HUGEPAGE
)

// advised is the heap range given the advice (for tests); zero when none.
var advised [2]uintptr

// thpSetting is the system's transparent huge page mode.
const thpSetting = "/sys/kernel/mm/transparent_hugepage/enabled"

func init() {
	if Disabled() || !leftToProgram(thpSetting) {
		return
	}
	block := make([]byte, reserveBytes)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(block)))
	// From the start of the arena (the heap mapped so far) to the end of
	// the block.
	start, end := p&^(arenaBytes-1), (p+reserveBytes+hugePage-1)&^(hugePage-1)
	// Advice on a range with unmapped parts applies to the mapped parts and
	// reports ENOMEM; advice the kernel does not know is EINVAL. Either
	// way nothing changes for the worse, so the error is not interesting.
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage); errno == 0 || errno == syscall.ENOMEM {
		advised = [2]uintptr{start, end}
	}
	runtime.KeepAlive(block)
	block = nil
	// Free the block now, so that the allocations after init land in it.
	// (Without this it would be freed only by the second GC from now, and
	// the heap would grow into new, unadvised mappings meanwhile.)
	runtime.GC()
}

// leftToProgram reports whether the system's mode (a sysfs file such as
// "always [madvise] never") is madvise: with always the heap has huge pages
// already, with never the advice does nothing, and in both cases the work
// here would be wasted.
func leftToProgram(setting string) bool {
	b, err := os.ReadFile(setting)
	return err == nil && strings.Contains(string(b), "[madvise]")
}

// Disabled reports whether the environment turns the advice off.
func Disabled() bool {
	if os.Getenv("VIGIL_HUGEPAGES") == "0" {
		return true
	}
	for _, kv := range strings.Split(os.Getenv("GODEBUG"), ",") {
		if strings.TrimSpace(kv) == "disablethp=1" {
			return true
		}
	}
	return false
}
