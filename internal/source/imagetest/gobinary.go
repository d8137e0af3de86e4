package imagetest

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
)

// GoModule is one module line of a Go binary's build info.
type GoModule struct{ Path, Version string }

// GoBinary returns a minimal little-endian ELF64 executable that carries Go
// build info (as `go version -m` and debug/buildinfo read it) and nothing
// else: the toolchain goVersion ("go1.20.1"), the main module, the
// dependencies and the GOOS/GOARCH build settings. Building a real binary
// would tie a test's findings to the toolchain running it.
func GoBinary(goVersion string, main GoModule, deps []GoModule, goos, goarch string) []byte {
	var mod strings.Builder
	mod.WriteString("path\t" + main.Path + "\n")
	mod.WriteString("mod\t" + main.Path + "\t" + main.Version + "\t\n")
	for _, d := range deps {
		mod.WriteString("dep\t" + d.Path + "\t" + d.Version + "\t\n")
	}
	mod.WriteString("build\tGOOS=" + goos + "\nbuild\tGOARCH=" + goarch + "\n")
	// cmd/go frames the module info with two 16-byte sentinels.
	framed := strings.Repeat("\x00", 16) + mod.String() + strings.Repeat("\x00", 16)

	// The build info blob: magic, pointer size, flags (version and module
	// info inline), padded to 32 bytes, then two length-prefixed strings.
	var blob bytes.Buffer
	blob.WriteString("\xff Go buildinf:")
	blob.Write([]byte{8, 2})
	blob.Write(make([]byte, 32-blob.Len()))
	for _, s := range []string{goVersion, framed} {
		blob.Write(binary.AppendUvarint(nil, uint64(len(s))))
		blob.WriteString(s)
	}

	return ELF(blob.Bytes(), nil)
}

// RustBinary returns a minimal ELF64 executable with a cargo-auditable
// .dep-v0 section (zlib-compressed JSON, as cargo auditable writes it).
func RustBinary(depV0 []byte) []byte {
	return ELF(nil, []Section{{Name: ".dep-v0", Data: depV0}})
}

// Section is a named ELF section.
type Section struct {
	Name string
	Data []byte
}

// ELF returns a little-endian x86-64 ELF64 executable with one writable
// PT_LOAD segment holding data, and the given sections (plus the null
// section and the section-name table), for tests of binary extractors.
func ELF(data []byte, sections []Section) []byte {
	const ehsize, phsize, shsize, dataOff, vaddr = 64, 56, 64, 128, 0x400000
	le := binary.LittleEndian
	var body bytes.Buffer // everything after dataOff
	body.Write(data)
	type placed struct{ name, off, size int }
	var secs []placed
	names := []byte{0}
	for _, s := range append(sections, Section{Name: ".shstrtab"}) {
		if s.Name == ".shstrtab" {
			s.Data = slices.Concat(names, []byte(".shstrtab\x00"))
		}
		secs = append(secs, placed{name: len(names), off: dataOff + body.Len(), size: len(s.Data)})
		names = append(names, s.Name+"\x00"...)
		body.Write(s.Data)
	}
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	shoff := dataOff + body.Len()

	var b bytes.Buffer
	w16 := func(v uint16) { b.Write(le.AppendUint16(nil, v)) }
	w32 := func(v uint32) { b.Write(le.AppendUint32(nil, v)) }
	w64 := func(v uint64) { b.Write(le.AppendUint64(nil, v)) }
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0})
	b.Write(make([]byte, 8))
	w16(2)  // ET_EXEC
	w16(62) // EM_X86_64
	w32(1)
	w64(0)      // entry
	w64(ehsize) // program headers
	w64(uint64(shoff))
	w32(0) // flags
	w16(ehsize)
	w16(phsize)
	w16(1) // one program header
	w16(shsize)
	w16(uint16(len(secs) + 1))
	w16(uint16(len(secs))) // the names are the last section
	w32(1)                 // PT_LOAD
	w32(6)                 // PF_R|PF_W: a data segment
	w64(dataOff)
	w64(vaddr)
	w64(vaddr)
	w64(uint64(len(data))) // file size
	w64(uint64(len(data))) // memory size
	w64(16)                // alignment
	b.Write(make([]byte, dataOff-b.Len()))
	b.Write(body.Bytes())
	b.Write(make([]byte, shsize)) // the null section
	for i, s := range secs {
		typ := uint32(1) // SHT_PROGBITS
		if i == len(secs)-1 {
			typ = 3 // SHT_STRTAB
		}
		w32(uint32(s.name))
		w32(typ)
		w64(0) // flags
		w64(0) // addr
		w64(uint64(s.off))
		w64(uint64(s.size))
		w32(0)
		w32(0)
		w64(1) // alignment
		w64(0)
	}
	return b.Bytes()
}
