package archive

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Limits that keep hostile archives (zip bombs, deep nesting) bounded.
const (
	MaxDepth      = 3         // nested archive depth (a jar in a war in an ear)
	MaxEntries    = 200_000   // entries per archive
	MaxMetaSize   = 1 << 20   // one pom.properties or MANIFEST.MF
	MaxNestedSize = 128 << 20 // one nested archive, decompressed
	MaxTotal      = 512 << 20 // all decompressed bytes of one top-level file
)

// ErrBudget means the archive decompresses to more than the limits allow.
var ErrBudget = errors.New("archive exceeds decompression budget")

// Artifact is one Java component found in an archive.
type Artifact struct {
	GroupID, ArtifactID, Version string
	// Inner is the path inside the archive(s) ("WEB-INF/lib/x.jar!/META-INF/...").
	Inner string
}

type budget struct{ left int64 }

func (b *budget) take(n int64) error {
	b.left -= n
	if b.left < 0 {
		return ErrBudget
	}
	return nil
}

// Parse lists the artifacts of a Java archive: every
// META-INF/maven/**/pom.properties, nested archives (bounded depth), and a
// MANIFEST.MF / file name fallback for archives without pom.properties.
func Parse(r io.ReaderAt, size int64, fileName string) ([]Artifact, error) {
	b := &budget{left: MaxTotal}
	return parse(r, size, fileName, "", 0, b)
}

func parse(r io.ReaderAt, size int64, fileName, prefix string, depth int, b *budget) ([]Artifact, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("open zip %s: %w", displayName(prefix, fileName), err)
	}
	if len(zr.File) > MaxEntries {
		return nil, fmt.Errorf("zip %s: %d entries (limit %d)", displayName(prefix, fileName), len(zr.File), MaxEntries)
	}
	var out []Artifact
	var manifest map[string]string
	ownPom := false
	for _, f := range zr.File {
		name := f.Name
		switch {
		case strings.HasPrefix(name, "META-INF/maven/") && strings.HasSuffix(name, "/pom.properties"):
			data, err := readEntry(f, MaxMetaSize, b)
			if err != nil {
				return out, err
			}
			props := parseProperties(data)
			a := Artifact{GroupID: props["groupId"], ArtifactID: props["artifactId"], Version: props["version"], Inner: prefix + name}
			if a.GroupID != "" && a.ArtifactID != "" && a.Version != "" {
				out = append(out, a)
				ownPom = true
			}
		case name == "META-INF/MANIFEST.MF":
			data, err := readEntry(f, MaxMetaSize, b)
			if err != nil {
				return out, err
			}
			manifest = parseManifest(data)
		case isArchive(name) && depth+1 < MaxDepth:
			if f.UncompressedSize64 > MaxNestedSize {
				return out, fmt.Errorf("nested %s: %w", prefix+name, ErrBudget)
			}
			data, err := readEntry(f, MaxNestedSize, b)
			if err != nil {
				return out, err
			}
			sub, err := parse(bytes.NewReader(data), int64(len(data)), path.Base(name), prefix+name+"!/", depth+1, b)
			out = append(out, sub...)
			if err != nil {
				if errors.Is(err, ErrBudget) {
					return out, err
				}
				continue // a broken nested jar does not cost the others
			}
		}
	}
	if !ownPom {
		if a, ok := fallback(manifest, fileName); ok {
			a.Inner = prefix
			out = append(out, a)
		}
	}
	return out, nil
}

func displayName(prefix, fileName string) string {
	if prefix != "" {
		return strings.TrimSuffix(prefix, "!/")
	}
	return fileName
}

func readEntry(f *zip.File, limit int64, b *budget) ([]byte, error) {
	if int64(f.UncompressedSize64) > limit {
		return nil, fmt.Errorf("%s: %w", f.Name, ErrBudget)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w", f.Name, ErrBudget)
	}
	if err := b.take(int64(len(data))); err != nil {
		return nil, err
	}
	return data, nil
}

// IsArchive reports whether a file name is a Java archive.
func IsArchive(name string) bool { return isArchive(name) }

func isArchive(name string) bool {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return false
	}
	switch strings.ToLower(name[i+1:]) {
	case "jar", "war", "ear", "jpi", "hpi", "par", "sar", "kar":
		return true
	}
	return false
}

func parseProperties(b []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' || s[0] == '!' {
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			k, v, ok = strings.Cut(s, ":")
		}
		if ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// parseManifest reads the main section of a MANIFEST.MF (72-byte lines
// continued with a leading space).
func parseManifest(b []byte) map[string]string {
	m := map[string]string{}
	var last string
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		if line == "" {
			break // end of the main section
		}
		if line[0] == ' ' && last != "" {
			m[last] += line[1:]
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		last = strings.TrimSpace(k)
		m[last] = strings.TrimSpace(v)
	}
	return m
}

// fallback identifies an archive without pom.properties from its manifest
// and file name ("commons-io-2.11.0.jar").
func fallback(man map[string]string, fileName string) (Artifact, bool) {
	base := strings.TrimSuffix(fileName, path.Ext(fileName))
	var a Artifact
	a.ArtifactID, a.Version = splitNameVersion(base)
	if v := man["Implementation-Version"]; v != "" {
		a.Version = v
	} else if v := man["Bundle-Version"]; v != "" && a.Version == "" {
		a.Version = v
	}
	if a.ArtifactID == "" {
		a.ArtifactID = man["Implementation-Title"]
	}
	// Bundle-SymbolicName does not reliably give the group (guava's is
	// com.google.guava for com.google.guava:guava), so only the vendor id
	// is used.
	a.GroupID = man["Implementation-Vendor-Id"]
	return a, a.ArtifactID != "" && a.Version != ""
}

// splitNameVersion splits "name-1.2.3" at the last '-' followed by a digit.
func splitNameVersion(s string) (string, string) {
	for i := len(s) - 2; i > 0; i-- {
		if s[i] == '-' && s[i+1] >= '0' && s[i+1] <= '9' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}
