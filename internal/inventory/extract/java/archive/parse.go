package archive

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
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

// Evidence values: where an artifact's identity came from (see fallback).
const (
	EvidencePOMProperties       = inventory.EvidencePOMProperties
	EvidenceManifest            = inventory.EvidenceManifest
	EvidenceManifestUnconfirmed = inventory.EvidenceManifestUnconfirmed
	EvidenceFileName            = inventory.EvidenceFileName
)

// Artifact is one Java component found in an archive.
type Artifact struct {
	GroupID, ArtifactID, Version string
	// Evidence is one of the Evidence values.
	Evidence string
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
			a := Artifact{GroupID: props["groupId"], ArtifactID: props["artifactId"], Version: props["version"], Evidence: EvidencePOMProperties, Inner: prefix + name}
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
// and file name ("commons-io-2.11.0.jar"), and says how sure it is
// (docs/inventory-more.md, "Java archives"):
//
//   - EvidenceManifest: the manifest gives the group (Implementation-Vendor-Id,
//     which the Maven archiver sets to the groupId) and names the artifact
//     the file name carries, in Implementation-Title or in the
//     Bundle-SymbolicName the maven-bundle-plugin derives from group and
//     artifact; and its version agrees with the file name's, if that has
//     one. Group, artifact and version are then known with confidence.
//   - EvidenceManifestUnconfirmed: something comes from the manifest, but
//     the sources do not confirm each other (Bundle-SymbolicName alone does
//     not give the group: guava's is com.google.guava for
//     com.google.guava:guava, commons-lang3's org.apache.commons.lang3).
//   - EvidenceFileName: the file name alone.
//
// Only the first is matched against advisories.
func fallback(man map[string]string, fileName string) (Artifact, bool) {
	base := strings.TrimSuffix(fileName, path.Ext(fileName))
	fileArtifact, fileVersion := splitNameVersion(base)
	group := man["Implementation-Vendor-Id"]
	title := man["Implementation-Title"]
	bsn, _, _ := strings.Cut(man["Bundle-SymbolicName"], ";")
	bsn = strings.TrimSpace(bsn)
	implVersion, bundleVersion := man["Implementation-Version"], man["Bundle-Version"]
	manVersion := cmp.Or(implVersion, bundleVersion)
	if group != "" && fileArtifact != "" && manVersion != "" &&
		(title == fileArtifact || bsn != "" && bsn == bundleSymbolicName(group, fileArtifact)) &&
		(fileVersion == "" || fileVersion == manVersion) {
		return Artifact{GroupID: group, ArtifactID: fileArtifact, Version: manVersion, Evidence: EvidenceManifest}, true
	}
	// Bundle-Version is an OSGi version (guava's 31.1-jre is 31.1.0.jre):
	// the file name's Maven version is better.
	a := Artifact{GroupID: group, ArtifactID: cmp.Or(fileArtifact, title, bsn), Version: cmp.Or(implVersion, fileVersion, bundleVersion),
		Evidence: EvidenceManifestUnconfirmed}
	if group == "" && implVersion == "" && a.ArtifactID == fileArtifact && a.Version == fileVersion {
		// The manifest gave nothing that was used.
		a.Evidence = EvidenceFileName
	}
	return a, a.ArtifactID != "" && a.Version != ""
}

// bundleSymbolicName is the Bundle-SymbolicName the maven-bundle-plugin
// gives group:artifact by default (DefaultMaven2OsgiConverter): the group
// when the artifact is the group's last segment, the artifact when it
// starts with the group, else the group, a dot, and the artifact without
// a leading copy of the group's last segment.
func bundleSymbolicName(group, artifact string) string {
	last := group[strings.LastIndexByte(group, '.')+1:]
	switch {
	case artifact == last:
		return group
	case artifact == group || strings.HasPrefix(artifact, group+"."):
		return artifact
	case strings.HasPrefix(artifact, last) && last != "":
		rest := artifact[len(last):]
		if c := rest[0]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			rest = rest[1:]
		}
		return group + "." + rest
	}
	return group + "." + artifact
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
