// Package osrelease identifies the Linux distribution of a root filesystem
// from /etc/os-release (and its fallbacks) and maps it to an OSV ecosystem,
// with a small end-of-life table.
package osrelease

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// MaxSize bounds how much of a release file is read.
const MaxSize = 64 << 10

// Candidates are the files that identify a distribution, most specific
// first. Paths are relative to the root filesystem.
var Candidates = []string{
	"etc/os-release",
	"usr/lib/os-release",
	"etc/alpine-release",
	"etc/debian_version",
	"etc/redhat-release",
}

// IsCandidate reports whether p (relative, slash separated) is one of the
// Candidates.
func IsCandidate(p string) bool {
	for _, c := range Candidates {
		if p == c {
			return true
		}
	}
	return false
}

// Info describes a distribution.
type Info struct {
	// ID is the os-release ID ("debian", "ubuntu", "alpine", "rhel", ...).
	ID string `json:"id"`
	// VersionID is the os-release VERSION_ID ("12", "22.04", "3.20.1").
	VersionID string `json:"version_id,omitempty"`
	// Codename is VERSION_CODENAME when present ("bookworm").
	Codename string `json:"codename,omitempty"`
	// PrettyName is PRETTY_NAME, for display.
	PrettyName string `json:"pretty_name,omitempty"`
	// Ecosystem is the OSV ecosystem for the distribution's packages
	// ("Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.20"); empty when the
	// distribution is not known to OSV.
	Ecosystem string `json:"ecosystem,omitempty"`
	// EOL is the end of (security) support, zero when unknown.
	EOL time.Time `json:"eol,omitzero"`
	// Source is the file the information came from.
	Source string `json:"source"`
}

// ErrUnknown means no release file identified the distribution.
var ErrUnknown = errors.New("unknown distribution")

// Parse reads an os-release file (KEY=value lines, shell quoting).
func Parse(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(r, MaxSize))
	sc.Buffer(make([]byte, 4096), MaxSize)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			continue // tolerated, as by systemd
		}
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			if v[0] == '"' {
				if u, err := strconv.Unquote(v); err == nil {
					v = u
				} else {
					v = v[1 : len(v)-1]
				}
			} else {
				v = v[1 : len(v)-1]
			}
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return out, nil
}

// FromFiles identifies the distribution from the contents of candidate
// files (keyed by the paths in Candidates). It prefers os-release.
func FromFiles(files map[string][]byte) (*Info, error) {
	for _, name := range []string{"etc/os-release", "usr/lib/os-release"} {
		b, ok := files[name]
		if !ok {
			continue
		}
		kv, err := Parse(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("parse %q: %w", name, err)
		}
		if kv["ID"] == "" {
			continue
		}
		info := &Info{
			ID:         strings.ToLower(kv["ID"]),
			VersionID:  kv["VERSION_ID"],
			Codename:   kv["VERSION_CODENAME"],
			PrettyName: kv["PRETTY_NAME"],
			Source:     name,
		}
		// Debian testing/sid have no VERSION_ID; debian_version may tell.
		if info.ID == "debian" && info.VersionID == "" {
			if v := firstLine(files["etc/debian_version"]); v != "" && v[0] >= '0' && v[0] <= '9' {
				info.VersionID = v
			}
		}
		finish(info)
		return info, nil
	}
	if v := firstLine(files["etc/alpine-release"]); v != "" {
		info := &Info{ID: "alpine", VersionID: v, PrettyName: "Alpine Linux v" + v, Source: "etc/alpine-release"}
		finish(info)
		return info, nil
	}
	if v := firstLine(files["etc/redhat-release"]); v != "" {
		info := fromRedHatRelease(v)
		finish(info)
		return info, nil
	}
	if v := firstLine(files["etc/debian_version"]); v != "" {
		info := &Info{ID: "debian", PrettyName: "Debian " + v, Source: "etc/debian_version"}
		if v[0] >= '0' && v[0] <= '9' {
			info.VersionID = v
		}
		finish(info)
		return info, nil
	}
	return nil, ErrUnknown
}

// Detect reads the candidate files from fsys (rooted at the filesystem
// root) and identifies the distribution.
func Detect(fsys fs.FS) (*Info, error) {
	files := map[string][]byte{}
	for _, name := range Candidates {
		f, err := fsys.Open(name)
		if err != nil {
			continue // missing, or a symlink escaping the root
		}
		b, err := io.ReadAll(io.LimitReader(f, MaxSize))
		f.Close()
		if err == nil {
			files[name] = b
		}
	}
	return FromFiles(files)
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(s)
}

// fromRedHatRelease parses "Rocky Linux release 9.3 (Blue Onyx)" and the like.
func fromRedHatRelease(s string) *Info {
	info := &Info{PrettyName: s, Source: "etc/redhat-release"}
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "rocky"):
		info.ID = "rocky"
	case strings.HasPrefix(lower, "almalinux"):
		info.ID = "almalinux"
	case strings.HasPrefix(lower, "centos"):
		info.ID = "centos"
	case strings.HasPrefix(lower, "fedora"):
		info.ID = "fedora"
	case strings.HasPrefix(lower, "oracle"):
		info.ID = "ol"
	default:
		info.ID = "rhel"
	}
	if _, rest, ok := strings.Cut(lower, " release "); ok {
		v, _, _ := strings.Cut(rest, " ")
		info.VersionID = v
	}
	return info
}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// finish fills Ecosystem and EOL.
func finish(info *Info) {
	v := info.VersionID
	switch info.ID {
	case "debian":
		if v != "" {
			info.Ecosystem = "Debian:" + major(v)
		} else {
			info.Ecosystem = "Debian"
		}
	case "ubuntu":
		info.Ecosystem = "Ubuntu:" + v
		if isUbuntuLTS(v) {
			info.Ecosystem += ":LTS"
		}
	case "alpine":
		parts := strings.SplitN(v, ".", 3)
		if len(parts) >= 2 {
			info.Ecosystem = "Alpine:v" + parts[0] + "." + parts[1]
		} else {
			info.Ecosystem = "Alpine"
		}
	case "rhel", "centos":
		info.Ecosystem = "Red Hat"
	case "rocky":
		info.Ecosystem = "Rocky Linux:" + major(v)
	case "almalinux":
		info.Ecosystem = "AlmaLinux:" + major(v)
	case "wolfi":
		info.Ecosystem = "Wolfi"
	case "chainguard":
		info.Ecosystem = "Chainguard"
	case "mageia":
		info.Ecosystem = "Mageia:" + v
	case "opensuse-leap":
		info.Ecosystem = "openSUSE:Leap " + v
	case "opensuse-tumbleweed":
		info.Ecosystem = "openSUSE:Tumbleweed"
	case "sles":
		info.Ecosystem = "SUSE"
	case "openeuler":
		info.Ecosystem = "openEuler:" + v
	case "azurelinux", "mariner":
		info.Ecosystem = "Azure Linux"
	}
	info.EOL = EOL(info.ID, v)
}

// isUbuntuLTS: LTS releases are YY.04 with an even YY.
func isUbuntuLTS(v string) bool {
	yy, mm, ok := strings.Cut(v, ".")
	if !ok || !strings.HasPrefix(mm, "04") {
		return false
	}
	n, err := strconv.Atoi(yy)
	return err == nil && n%2 == 0
}

// Apply sets an OS package's ecosystem to the distribution's and adds the
// distribution to its PURL (namespace and "distro" qualifier), as in
// pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12. A nil info or
// an unknown ecosystem leaves the package as the extractor made it.
func Apply(p *inventory.Package, info *Info) {
	if info == nil || info.Ecosystem == "" {
		return
	}
	p.Ecosystem = info.Ecosystem
	if p.PURL == "" {
		return
	}
	u, err := packageurl.FromString(p.PURL)
	if err != nil {
		return
	}
	switch u.Type {
	case "deb", "apk", "rpm":
		ns := info.ID
		if info.ID == "rhel" {
			ns = "redhat"
		}
		u.Namespace = ns
		q := u.Qualifiers.Map()
		q["distro"] = info.ID
		if info.VersionID != "" {
			q["distro"] = info.ID + "-" + info.VersionID
		}
		u.Qualifiers = packageurl.QualifiersFromMap(q)
		p.PURL = u.ToString()
	}
}
