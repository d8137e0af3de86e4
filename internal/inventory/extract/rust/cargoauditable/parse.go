package cargoauditable

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
)

// MaxJSON bounds the decompressed dependency list.
const MaxJSON = 16 << 20

// Dep is one entry of the cargo-auditable dependency list.
type Dep struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Source  string `json:"source"`
	Kind    string `json:"kind"`
	Root    bool   `json:"root"`
}

// Parse decodes a .dep-v0 section: zlib-compressed JSON.
func Parse(section []byte) ([]Dep, error) {
	zr, err := zlib.NewReader(bytes.NewReader(section))
	if err != nil {
		return nil, fmt.Errorf("decompress .dep-v0: %w", err)
	}
	defer zr.Close()
	b, err := io.ReadAll(io.LimitReader(zr, MaxJSON+1))
	if err != nil {
		return nil, fmt.Errorf("decompress .dep-v0: %w", err)
	}
	if len(b) > MaxJSON {
		return nil, fmt.Errorf("decompress .dep-v0: more than %d bytes", MaxJSON)
	}
	var v struct {
		Packages []Dep `json:"packages"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("decode .dep-v0: %w", err)
	}
	return v.Packages, nil
}
