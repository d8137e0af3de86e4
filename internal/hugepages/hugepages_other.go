//go:build !(linux && (amd64 || arm64))

package hugepages

// advised is empty: the advice is given on 64-bit Linux only.
var advised [2]uintptr

// Disabled reports true: there is nothing to turn on here.
func Disabled() bool { return true }
