package main

// -dist real: artifacts shaped like a real container portfolio, from the
// package distribution of the shared OSV data (read at run time, never
// copied): every artifact is a Debian base image (one of a few dozen
// snapshots per release, as images are built FROM a handful of bases)
// plus one application lockfile (npm, PyPI, Go, crates.io or RubyGems)
// that its project keeps and evolves from build to build (a version bump
// now and then, rarely a dependency added or dropped). Names are drawn
// with Zipf popularity from each ecosystem's universe: the names the OSV
// records affect, with the versions they name (introduced, fixed,
// last_affected, listed versions, and the patch release just before each
// fix), interleaved with filler names no advisory names (most packages of
// a real lockfile have none). One chosen package (-hot) is in the
// lockfile of 20% of the projects' builds, for the one-new-advisory
// benchmark.

import (
	"archive/zip"
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// langs are the application ecosystems with their share of the projects,
// lockfile path and extractor (as `vigil scan` names them).
var langs = []struct {
	eco, path, extractor string
	share                float64
}{
	{"npm", "app/package-lock.json", "npm/packagelock", 0.40},
	{"PyPI", "app/poetry.lock", "pypi/poetrylock", 0.20},
	{"Go", "app/go.mod", "golang/gomod", 0.15},
	{"crates.io", "app/Cargo.lock", "rust/cargolock", 0.10},
	{"RubyGems", "app/Gemfile.lock", "ruby/gemfilelock", 0.15},
}

// bases are the Debian releases of the base images with their share of the
// projects (the rest are distroless: no OS packages). The shared data has
// no Debian 12.
var bases = []struct {
	eco, distro string
	share       float64
}{
	{"Debian:11", "debian-11", 0.60},
	{"Debian:10", "debian-10", 0.30},
}

// realEcosystems are the OSV folders -dist real reads.
var realEcosystems = []string{"npm", "PyPI", "Go", "crates.io", "RubyGems", "Debian"}

const (
	fillerPerName  = 4     // filler names per OSV name in a universe
	baseSnapshots  = 40    // base image snapshots per release
	baseCore       = 110   // OS packages every snapshot of a release has
	baseExtra      = 15    // OS packages a snapshot adds to the core
	zipfNames      = 1.1   // popularity of names
	zipfVersions   = 1.6   // popularity of versions, from the newest down
	pBump          = 0.003 // per build and package: upgrade to the next version
	pChurn         = 0.001 // per build and package: replaced by another dependency
	pRebase        = 0.01  // per build: move to the next base snapshot
	hotShare       = 0.20
	packagesPerArt = 500
)

// universe is one ecosystem's names by popularity rank.
type universe struct {
	eco       string // as packages carry it: "npm", "Debian:11"
	names     []uname
	zipf      *rand.Zipf
	extractor string
	path      string
}

type uname struct {
	name     string
	versions []string // ascending
	osv      bool
}

// osvNames reads the affected packages and the versions they name from
// the OSV folders under dir: ecosystem -> name -> versions.
func osvNames(dir string) (map[string]map[string]map[string]bool, int, error) {
	out := map[string]map[string]map[string]bool{}
	records := 0
	for _, folder := range realEcosystems {
		zr, err := zip.OpenReader(filepath.Join(dir, folder, "all.zip"))
		if err != nil {
			return nil, 0, err
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				zr.Close()
				return nil, 0, err
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				zr.Close()
				return nil, 0, err
			}
			v, err := osv.Parse(b)
			if err != nil || !v.Withdrawn.IsZero() {
				continue
			}
			records++
			for _, a := range v.Affected {
				eco, name := a.Package.Ecosystem, a.Package.Name
				if strings.HasPrefix(eco, "Debian") && eco != "Debian:10" && eco != "Debian:11" {
					continue
				}
				if name == "toolchain" {
					continue
				}
				if out[eco] == nil {
					out[eco] = map[string]map[string]bool{}
				}
				vs := out[eco][name]
				if vs == nil {
					vs = map[string]bool{}
					out[eco][name] = vs
				}
				for _, s := range a.Versions {
					vs[s] = true
				}
				for _, r := range a.Ranges {
					if r.Type == "GIT" {
						continue
					}
					for _, e := range r.Events {
						for _, s := range []string{e.Introduced, e.LastAffected} {
							if s != "" && s != "0" && s != "0.0.0-0" {
								vs[s] = true
							}
						}
						if e.Fixed != "" {
							vs[e.Fixed] = true
							if p := beforeFix(eco, e.Fixed); p != "" {
								vs[p] = true
							}
						}
					}
				}
			}
		}
		zr.Close()
	}
	return out, records, nil
}

// beforeFix is the patch release just before a plain x.y.z fix (x.y.z-1),
// the version an artifact that missed the fix runs; "" when there is none.
func beforeFix(eco, fixed string) string {
	if strings.HasPrefix(eco, "Debian") {
		return ""
	}
	parts := strings.Split(fixed, ".")
	if len(parts) != 3 {
		return ""
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n == 0 {
		return ""
	}
	parts[2] = strconv.Itoa(n - 1)
	return strings.Join(parts, ".")
}

func fillerName(eco string, i int) string {
	switch eco {
	case "Go":
		return fmt.Sprintf("example.com/bench/mod%05d", i)
	case "PyPI":
		return fmt.Sprintf("bench-py-%05d", i)
	case "crates.io":
		return fmt.Sprintf("bench-crate-%05d", i)
	case "RubyGems":
		return fmt.Sprintf("bench-gem-%05d", i)
	case "npm":
		return fmt.Sprintf("bench-js-%05d", i)
	default:
		return fmt.Sprintf("bench-deb-%05d", i)
	}
}

func fillerVersions(eco string, i int) []string {
	if strings.HasPrefix(eco, "Debian") {
		return []string{fmt.Sprintf("%d.%d-1", 1+i%5, i%9), fmt.Sprintf("%d.%d-2", 1+i%5, i%9), fmt.Sprintf("%d.%d-1", 2+i%5, i%7)}
	}
	return []string{fmt.Sprintf("%d.%d.%d", i%4, i%11, i%3), fmt.Sprintf("%d.%d.%d", i%4, 1+i%11, 0), fmt.Sprintf("%d.0.0", 1+i%4)}
}

// newUniverse ranks the OSV names of eco (minus skip) interleaved with
// filler names, each with its versions in ascending order.
func newUniverse(rng *rand.Rand, eco string, names map[string]map[string]bool, skip string) *universe {
	sch, err := version.ForEcosystem(eco)
	if err != nil {
		panic(err)
	}
	u := &universe{eco: eco}
	sorted := func(vs []string) []string { return sortVersions(sch, vs) }
	keys := make([]string, 0, len(names))
	for n := range names {
		keys = append(keys, n)
	}
	slices.Sort(keys)
	for _, n := range keys {
		if n == skip {
			continue
		}
		vs := make([]string, 0, len(names[n]))
		for v := range names[n] {
			vs = append(vs, v)
		}
		if vs = sorted(vs); len(vs) > 0 {
			u.names = append(u.names, uname{name: n, versions: vs, osv: true})
		}
	}
	nOSV := len(u.names)
	for i := range nOSV * fillerPerName {
		u.names = append(u.names, uname{name: fillerName(eco, i), versions: sorted(fillerVersions(eco, i))})
	}
	rng.Shuffle(len(u.names), func(i, j int) { u.names[i], u.names[j] = u.names[j], u.names[i] })
	u.zipf = rand.NewZipf(rng, zipfNames, 1, uint64(len(u.names)-1))
	return u
}

// sortVersions sorts the versions of a scheme, dropping invalid ones and
// repeats.
func sortVersions(sch version.Scheme, vs []string) []string {
	type pv struct {
		s string
		v version.Version
	}
	var ps []pv
	for _, s := range vs {
		if v, err := sch.Parse(s); err == nil {
			ps = append(ps, pv{s, v})
		}
	}
	slices.SortFunc(ps, func(a, b pv) int {
		c, err := a.v.Compare(b.s)
		if err != nil || c == 0 {
			return cmp.Compare(a.s, b.s)
		}
		return c
	})
	out := make([]string, len(ps))
	for i := range ps {
		out[i] = ps[i].s
	}
	return slices.Compact(out)
}

// draw picks n distinct names by popularity, not in have.
func (u *universe) draw(n int, have map[int]bool) []int {
	var out []int
	for len(out) < n && len(have) < len(u.names) {
		i := int(u.zipf.Uint64())
		if have[i] {
			continue
		}
		have[i] = true
		out = append(out, i)
	}
	return out
}

// pickVersion: the newest versions are the most used.
func pickVersion(rng *rand.Rand, n int) int {
	if n == 1 {
		return 0
	}
	z := rand.NewZipf(rng, zipfVersions, 1, uint64(n-1))
	return n - 1 - int(z.Uint64())
}

type entry struct {
	name, ver int
}

type snapshot struct {
	rel     int // index in bases
	entries []entry
}

type realProject struct {
	name string
	lang int     // index in langs
	base int     // snapshot index in realGen.snaps, -1: distroless
	lock []entry // lockfile entries (names of universe langs[lang])
	have map[int]bool
	hot  int // version index of the hot package, -1: none
}

type realGen struct {
	rng      *rand.Rand
	langU    []*universe
	baseU    []*universe
	snaps    [][]snapshot // per release, oldest first
	projects []*realProject
	hotEco   string
	hotName  string
	hotVers  []string
	hotArts  int
	records  int
}

// newRealGen reads the OSV data and sets up the projects.
func newRealGen(osvDir string, projects int, hot string, seed uint64) (*realGen, error) {
	names, records, err := osvNames(osvDir)
	if err != nil {
		return nil, err
	}
	g := &realGen{rng: rand.New(rand.NewPCG(seed, 7)), records: records}
	g.hotEco, g.hotName, _ = strings.Cut(hot, "/")
	if g.hotEco != "npm" {
		return nil, fmt.Errorf("-hot %q: the hot package must be an npm package (npm/NAME)", hot)
	}
	for _, l := range langs {
		skip := ""
		if l.eco == g.hotEco {
			skip = g.hotName
		}
		u := newUniverse(g.rng, l.eco, names[l.eco], skip)
		u.extractor, u.path = l.extractor, l.path
		g.langU = append(g.langU, u)
	}
	var hv []string
	for v := range names[g.hotEco][g.hotName] {
		hv = append(hv, v)
	}
	if g.hotVers = sortVersions(version.SemVer, hv); len(g.hotVers) == 0 {
		return nil, fmt.Errorf("-hot %q: no such package in the OSV data", hot)
	}
	for ri, b := range bases {
		u := newUniverse(g.rng, b.eco, names[b.eco], "")
		u.extractor, u.path = "debian/dpkg", "var/lib/dpkg/status"
		g.baseU = append(g.baseU, u)
		core := u.draw(baseCore, map[int]bool{})
		var snaps []snapshot
		for s := range baseSnapshots {
			have := map[int]bool{}
			for _, i := range core {
				have[i] = true
			}
			ids := append(slices.Clone(core), u.draw(baseExtra, have)...)
			sn := snapshot{rel: ri}
			for _, i := range ids {
				// Newer snapshots carry newer versions.
				n := len(u.names[i].versions)
				v := min(n-1, (s*n)/baseSnapshots+g.rng.IntN(2))
				sn.entries = append(sn.entries, entry{i, v})
			}
			snaps = append(snaps, sn)
		}
		g.snaps = append(g.snaps, snaps)
	}
	// Projects: a language (exact shares, in a shuffled order), a base
	// image, a lockfile. The hot package goes to exactly hotShare of the
	// projects, every other npm project (npm projects are 40%).
	order := g.rng.Perm(projects)
	for p := range projects {
		pr := &realProject{name: fmt.Sprintf("team-%03d", p), hot: -1, have: map[int]bool{}}
		x := (float64(order[p]) + 0.5) / float64(projects)
		for pr.lang = 0; pr.lang < len(langs)-1 && x >= langs[pr.lang].share; pr.lang++ {
			x -= langs[pr.lang].share
		}
		pr.base = -1
		y := g.rng.Float64()
		for ri, b := range bases {
			if y < b.share {
				// Most projects are on a recent snapshot.
				pr.base = ri*baseSnapshots + baseSnapshots - 1 - int(rand.NewZipf(g.rng, 1.3, 1, baseSnapshots-1).Uint64())
				break
			}
			y -= b.share
		}
		g.projects = append(g.projects, pr)
	}
	wantHot := int(hotShare*float64(projects) + 0.5)
	n, npm := 0, 0
	for _, pr := range g.projects {
		if pr.lang != 0 {
			continue
		}
		if npm++; npm%2 == 1 && n < wantHot {
			pr.hot = pickVersion(g.rng, len(g.hotVers))
			n++
		}
	}
	for _, pr := range g.projects {
		if n < wantHot && pr.lang == 0 && pr.hot < 0 {
			pr.hot = pickVersion(g.rng, len(g.hotVers))
			n++
		}
	}
	if n < wantHot {
		return nil, fmt.Errorf("only %d npm projects for %d hot ones: use more projects", n, wantHot)
	}
	for _, pr := range g.projects {
		size := packagesPerArt - len(g.baseEntries(pr))
		if pr.hot >= 0 {
			size--
		}
		u := g.langU[pr.lang]
		for _, i := range u.draw(size, pr.have) {
			pr.lock = append(pr.lock, entry{i, pickVersion(g.rng, len(u.names[i].versions))})
		}
	}
	return g, nil
}

func (g *realGen) baseEntries(pr *realProject) []entry {
	if pr.base < 0 {
		return nil
	}
	return g.snaps[pr.base/baseSnapshots][pr.base%baseSnapshots].entries
}

// evolve moves a project's build on: bumps, churn, a newer base.
func (g *realGen) evolve(pr *realProject) {
	u := g.langU[pr.lang]
	for k := range pr.lock {
		e := &pr.lock[k]
		switch x := g.rng.Float64(); {
		case x < pBump:
			if e.ver+1 < len(u.names[e.name].versions) {
				e.ver++
			}
		case x < pBump+pChurn:
			if add := u.draw(1, pr.have); len(add) == 1 {
				delete(pr.have, e.name)
				*e = entry{add[0], pickVersion(g.rng, len(u.names[add[0]].versions))}
			}
		}
	}
	if pr.base >= 0 && pr.base%baseSnapshots < baseSnapshots-1 && g.rng.Float64() < pRebase {
		pr.base++
	}
	if pr.hot >= 0 && pr.hot+1 < len(g.hotVers) && g.rng.Float64() < pBump*5 {
		pr.hot++
	}
}

func pkgOf(u *universe, e entry, line int, distro string) inventory.Package {
	n := u.names[e.name]
	v := n.versions[e.ver]
	p := inventory.Package{Name: n.name, Version: v, Ecosystem: u.eco, Extractor: u.extractor,
		Locations: []inventory.Location{{Path: u.path, Line: line}}}
	switch {
	case strings.HasPrefix(u.eco, "Debian"):
		p.SourceName, p.SourceVersion = n.name, v
		p.PURL = packageurl.NewPackageURL("deb", "debian", n.name, v,
			packageurl.QualifiersFromMap(map[string]string{"arch": "amd64", "distro": distro}), "").ToString()
	case u.eco == "Go":
		p.PURL = purl.For("Go", n.name, "v"+v)
	default:
		p.PURL = purl.For(u.eco, n.name, v)
	}
	return p
}

// next is artifact i: build i/len(projects) of project i%len(projects).
func (g *realGen) next(i int) store.Ingest {
	pr := g.projects[i%len(g.projects)]
	build := i / len(g.projects)
	if build > 0 {
		g.evolve(pr)
	}
	in := store.Ingest{Project: pr.name, Actor: "bench", Artifact: store.Artifact{
		Kind: "image", Format: "cyclonedx-json", Digest: fmt.Sprintf("sha256:%064x", i+1),
		Name: fmt.Sprintf("registry.example.com/%s/app", pr.name), Version: fmt.Sprintf("1.%d", build),
	}}
	in.Packages = make([]inventory.Package, 0, packagesPerArt)
	if pr.base >= 0 {
		rel := pr.base / baseSnapshots
		for k, e := range g.baseEntries(pr) {
			in.Packages = append(in.Packages, pkgOf(g.baseU[rel], e, 1+22*k, bases[rel].distro))
		}
	}
	u := g.langU[pr.lang]
	for k, e := range pr.lock {
		in.Packages = append(in.Packages, pkgOf(u, e, 3+7*k, ""))
	}
	if pr.hot >= 0 {
		v := g.hotVers[pr.hot]
		in.Packages = append(in.Packages, inventory.Package{Name: g.hotName, Version: v, Ecosystem: g.hotEco, Extractor: u.extractor,
			PURL: purl.For(g.hotEco, g.hotName, v), Locations: []inventory.Location{{Path: u.path, Line: 3 + 7*len(pr.lock)}}})
		g.hotArts++
	}
	return in
}

// describe says what the universes hold.
func (g *realGen) describe(w io.Writer) {
	fmt.Fprintf(w, "portfolio: -dist real from %d OSV records:", g.records)
	for _, u := range append(slices.Clone(g.langU), g.baseU...) {
		o, v := 0, 0
		for _, n := range u.names {
			if n.osv {
				o++
				v += len(n.versions)
			}
		}
		fmt.Fprintf(w, " %s %d names (%d with advisories, %d versions);", u.eco, len(u.names), o, v)
	}
	fmt.Fprintf(w, " hot %s/%s (%d versions)\n", g.hotEco, g.hotName, len(g.hotVers))
}
