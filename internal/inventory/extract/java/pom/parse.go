// Package pom extracts the declared dependencies of a Maven pom.xml.
//
// Only the file itself is read: no parent POMs, BOM imports or remote
// repositories. Properties are interpolated from the same file's
// <properties> and project coordinates, and missing versions are filled
// from the same file's <dependencyManagement> (profiles active by default
// included). Dependencies whose version
// stays unknown are skipped (logged at Debug).
package pom

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages this parser returns.
const Ecosystem = "Maven"

// Interpolation limits: how deep property references may nest and how
// long an interpolated value may grow.
const (
	MaxInterpolationDepth = 16
	MaxValueLength        = 1024
)

// Parse reads a pom.xml and returns its direct dependencies, including
// those of profiles active by default (scope test is Dev). path is used
// in locations, errors and log records; log may be nil.
func Parse(r io.Reader, path string, log *slog.Logger) ([]inventory.Package, error) {
	return parse(r, path, log, MaxSize)
}

func parse(r io.Reader, path string, log *slog.Logger, maxSize int64) ([]inventory.Package, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	root, err := parseXML(r, path, maxSize)
	if err != nil {
		return nil, err
	}
	if root.name != "project" {
		return nil, &inventory.ParseError{Path: path, Line: root.line, Err: fmt.Errorf("root element is <%s>, want <project>", root.name)}
	}
	// Profiles marked activeByDefault apply when no profile is chosen on
	// the command line: their properties, managed versions and
	// dependencies join the project's (and win over them).
	active := activeProfiles(root)
	res := newResolver(root, active)

	type managed struct{ version, scope string }
	dm := map[string]managed{}
	var managedDeps, deps []*node
	for _, n := range append([]*node{root}, active...) {
		managedDeps = append(managedDeps, n.child("dependencyManagement").child("dependencies").all("dependency")...)
		deps = append(deps, n.child("dependencies").all("dependency")...)
	}
	for _, d := range managedDeps {
		if d.value("scope") == "import" {
			continue // a BOM: its contents live in another file
		}
		g, errG := res.expand(d.value("groupId"))
		a, errA := res.expand(d.value("artifactId"))
		if errG != nil || errA != nil {
			continue
		}
		dm[g+":"+a] = managed{version: d.value("version"), scope: d.value("scope")}
	}

	pkgs := []inventory.Package{}
	seen := map[string]bool{}
	for _, d := range deps {
		skip := func(reason string, attrs ...any) {
			log.Debug("skip dependency", append([]any{"path", path, "line", d.line, "reason", reason}, attrs...)...)
		}
		g, err := res.expand(d.value("groupId"))
		if err != nil || g == "" {
			skip("no groupId", "group_id", d.value("groupId"))
			continue
		}
		a, err := res.expand(d.value("artifactId"))
		if err != nil || a == "" {
			skip("no artifactId", "artifact_id", d.value("artifactId"))
			continue
		}
		name := g + ":" + a
		rawVersion, scope := d.value("version"), d.value("scope")
		if m, ok := dm[name]; ok {
			if rawVersion == "" {
				rawVersion = m.version
			}
			if scope == "" {
				scope = m.scope
			}
		}
		if rawVersion == "" {
			skip("no version in this file", "package", name)
			continue
		}
		v, err := res.expand(rawVersion)
		if err != nil {
			skip("unresolved version", "package", name, "version", rawVersion)
			continue
		}
		v, ok := exactVersion(v)
		if !ok {
			skip("version range", "package", name, "version", rawVersion)
			continue
		}
		if scope, err = res.expand(scope); err != nil {
			scope = ""
		}
		if seen[name+"@"+v] {
			continue
		}
		seen[name+"@"+v] = true
		pkgs = append(pkgs, inventory.Package{
			Name:         name,
			Version:      v,
			Ecosystem:    Ecosystem,
			PURL:         purl.For(Ecosystem, name, v),
			Locations:    []inventory.Location{{Path: path, Line: d.line}},
			Relationship: inventory.RelDirect,
			Dev:          scope == "test",
		})
	}
	inventory.Sort(pkgs)
	return pkgs, nil
}

// exactVersion returns the version a requirement pins: "1.2" (a soft
// requirement) or "[1.2]". Ranges are not versions.
func exactVersion(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if len(v) > 2 && v[0] == '[' && v[len(v)-1] == ']' {
		v = strings.TrimSpace(v[1 : len(v)-1])
	}
	if v == "" || strings.ContainsAny(v, "[](),${} \t\n") {
		return "", false
	}
	return v, true
}

// resolver expands ${...} references against the project's properties and
// coordinates, memoising each property so that hostile nesting costs
// linear time.
type resolver struct {
	props map[string]string
	done  map[string]string
	busy  map[string]bool
}

// activeProfiles returns the profiles with
// <activation><activeByDefault>true</activeByDefault></activation>.
func activeProfiles(root *node) []*node {
	var out []*node
	for _, p := range root.child("profiles").all("profile") {
		if p.child("activation").value("activeByDefault") == "true" {
			out = append(out, p)
		}
	}
	return out
}

func newResolver(root *node, profiles []*node) *resolver {
	r := &resolver{props: map[string]string{}, done: map[string]string{}, busy: map[string]bool{}}
	for _, n := range append([]*node{root}, profiles...) {
		for _, p := range n.child("properties").elements() {
			r.props[p.name] = p.text // later (profile) values win
		}
	}
	parent := root.child("parent")
	coords := map[string]string{
		"groupId":    or(root.value("groupId"), parent.value("groupId")),
		"artifactId": root.value("artifactId"),
		"version":    or(root.value("version"), parent.value("version")),
	}
	set := func(k, v string) {
		if v != "" { // unknown coordinates stay unresolved
			r.props[k] = v
		}
	}
	for k, v := range coords {
		// Model values win over <properties> of the same name.
		set("project."+k, v)
		set("pom."+k, v)
	}
	for _, k := range []string{"groupId", "artifactId", "version"} {
		set("project.parent."+k, parent.value(k))
		set("parent."+k, parent.value(k))
	}
	return r
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// expand replaces every ${name} in s.
func (r *resolver) expand(s string) (string, error) { return r.expandDepth(s, 0) }

func (r *resolver) expandDepth(s string, depth int) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	if depth >= MaxInterpolationDepth {
		return "", fmt.Errorf("%w: nested deeper than %d", errUnresolved, MaxInterpolationDepth)
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			return "", fmt.Errorf("%w: unterminated ${", errUnresolved)
		}
		b.WriteString(s[:i])
		v, err := r.lookup(s[i+2:i+2+j], depth)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		if b.Len() > MaxValueLength {
			return "", fmt.Errorf("%w: value longer than %d", errUnresolved, MaxValueLength)
		}
		s = s[i+3+j:]
	}
	return b.String(), nil
}

func (r *resolver) lookup(key string, depth int) (string, error) {
	if v, ok := r.done[key]; ok {
		return v, nil
	}
	raw, ok := r.props[key]
	if !ok {
		return "", fmt.Errorf("%w %q", errUnresolved, key)
	}
	if r.busy[key] {
		return "", fmt.Errorf("%w: %q refers to itself", errUnresolved, key)
	}
	r.busy[key] = true
	v, err := r.expandDepth(raw, depth+1)
	delete(r.busy, key)
	if err != nil {
		return "", err
	}
	r.done[key] = v
	return v, nil
}
