// Command gen writes a synthetic OSV corpus laid out like the OSV bucket
// (<out>/ecosystems.txt, <out>/<Ecosystem>/all.zip) for import benchmarks at
// full scale. Records are shaped like the real ones: a mix of ecosystems
// (some with release suffixes), SEMVER/ECOSYSTEM/GIT ranges, aliases,
// severities, references and details of varied length, and package
// popularity skewed so that some packages have many advisories. Output is
// deterministic for a given -seed and -records.
//
//	go run ./bench/gen -out /tmp/osv-500k -records 500000
package main

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"
)

// ecosystem describes one archive of the synthetic corpus.
type ecosystem struct {
	name     string
	share    float64  // fraction of all records
	prefix   string   // id prefix
	suffixes []string // release suffixes ("Debian:11"), none for language ecosystems
	rangeTyp string
	versions bool // also list affected versions (PyPI, like osv.dev)
	git      bool // GIT ranges (OSS-Fuzz)
}

var ecosystems = []ecosystem{
	{name: "Alpine", share: 0.08, prefix: "ALPINE-CVE", suffixes: []string{"v3.15", "v3.16", "v3.17", "v3.18", "v3.19", "v3.20"}, rangeTyp: "ECOSYSTEM"},
	{name: "Debian", share: 0.22, prefix: "DEBIAN-CVE", suffixes: []string{"10", "11", "12", "13"}, rangeTyp: "ECOSYSTEM"},
	{name: "Go", share: 0.05, prefix: "GO", rangeTyp: "SEMVER"},
	{name: "Maven", share: 0.08, prefix: "GHSA-MVN", rangeTyp: "ECOSYSTEM"},
	{name: "OSS-Fuzz", share: 0.03, prefix: "OSV", rangeTyp: "GIT", git: true},
	{name: "PyPI", share: 0.10, prefix: "PYSEC", rangeTyp: "ECOSYSTEM", versions: true},
	{name: "RubyGems", share: 0.02, prefix: "GHSA-GEM", rangeTyp: "ECOSYSTEM"},
	{name: "Ubuntu", share: 0.25, prefix: "UBUNTU-CVE", suffixes: []string{"20.04:LTS", "22.04:LTS", "24.04:LTS"}, rangeTyp: "ECOSYSTEM"},
	{name: "crates.io", share: 0.02, prefix: "RUSTSEC", rangeTyp: "SEMVER"},
	{name: "npm", share: 0.15, prefix: "GHSA-NPM", rangeTyp: "SEMVER"},
}

func main() {
	out := flag.String("out", "", "output directory (required)")
	records := flag.Int("records", 500_000, "total number of records")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	if err := run(*out, *records, *seed); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run(out string, records int, seed uint64) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	names := make([]string, len(ecosystems))
	errs := make([]error, len(ecosystems))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, e := range ecosystems {
		names[i] = e.name
		n := int(math.Round(float64(records) * e.share))
		if i == len(ecosystems)-1 {
			n = records - sumShares(records, i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = writeArchive(filepath.Join(out, e.name), e, n, seed+uint64(i))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	sort.Strings(names)
	return os.WriteFile(filepath.Join(out, "ecosystems.txt"), []byte(strings.Join(names, "\n")+"\n"), 0o644)
}

func sumShares(records, upto int) int {
	s := 0
	for _, e := range ecosystems[:upto] {
		s += int(math.Round(float64(records) * e.share))
	}
	return s
}

func writeArchive(dir string, e ecosystem, n int, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "all.zip"))
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, 5)
	})
	g := newGen(e, n, seed)
	for i := range n {
		v := g.record(i)
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: v.ID + ".json", Method: zip.Deflate, Modified: v.Modified})
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// The record shape, a subset of OSV with the fields real records use most.
type (
	record struct {
		SchemaVersion    string         `json:"schema_version"`
		ID               string         `json:"id"`
		Modified         time.Time      `json:"modified"`
		Published        time.Time      `json:"published"`
		Aliases          []string       `json:"aliases,omitempty"`
		Upstream         []string       `json:"upstream,omitempty"`
		Summary          string         `json:"summary,omitempty"`
		Details          string         `json:"details,omitempty"`
		Severity         []severity     `json:"severity,omitempty"`
		Affected         []affected     `json:"affected"`
		References       []reference    `json:"references,omitempty"`
		DatabaseSpecific map[string]any `json:"database_specific,omitempty"`
	}
	severity  struct{ Type, Score string }
	reference struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	pkg struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
		PURL      string `json:"purl,omitempty"`
	}
	affected struct {
		Package          pkg            `json:"package"`
		Ranges           []rng          `json:"ranges,omitempty"`
		Versions         []string       `json:"versions,omitempty"`
		DatabaseSpecific map[string]any `json:"database_specific,omitempty"`
	}
	rng struct {
		Type   string              `json:"type"`
		Repo   string              `json:"repo,omitempty"`
		Events []map[string]string `json:"events"`
	}
)

type gen struct {
	e     ecosystem
	r     *rand.Rand
	zipf  *rand.Zipf
	pkgs  []string
	words []string
}

func newGen(e ecosystem, n int, seed uint64) *gen {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	npkg := max(n/4, 10)
	g := &gen{e: e, r: r, zipf: rand.NewZipf(r, 1.1, 4, uint64(npkg-1))}
	for i := range npkg {
		g.pkgs = append(g.pkgs, g.pkgName(i))
	}
	g.words = strings.Fields(lorem)
	return g
}

func (g *gen) pkgName(i int) string {
	w := strings.Fields(lorem)
	a, b := w[g.r.IntN(len(w))], w[g.r.IntN(len(w))]
	switch g.e.name {
	case "Go":
		return fmt.Sprintf("github.com/%s/%s%d", a, b, i)
	case "Maven":
		return fmt.Sprintf("org.%s:%s-%d", a, b, i)
	case "npm":
		if i%5 == 0 {
			return fmt.Sprintf("@%s/%s-%d", a, b, i)
		}
		return fmt.Sprintf("%s-%s-%d", a, b, i)
	case "PyPI":
		return fmt.Sprintf("%s_%s.%d", strings.ToUpper(a[:1])+a[1:], b, i)
	}
	return fmt.Sprintf("%s-%s%d", a, b, i)
}

func (g *gen) version() string {
	return fmt.Sprintf("%d.%d.%d", g.r.IntN(10), g.r.IntN(30), g.r.IntN(50))
}

func (g *gen) text(minWords, maxWords int) string {
	n := minWords + g.r.IntN(maxWords-minWords+1)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.words[g.r.IntN(len(g.words))])
	}
	return b.String()
}

func (g *gen) record(i int) record {
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	pub := base.Add(time.Duration(g.r.Int64N(int64(10 * 365 * 24 * time.Hour)))).Truncate(time.Second)
	v := record{
		SchemaVersion: "1.6.0",
		ID:            fmt.Sprintf("%s-%07d", g.e.prefix, i),
		Published:     pub,
		Modified:      pub.Add(time.Duration(g.r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second),
		Summary:       g.text(4, 12),
	}
	cve := fmt.Sprintf("CVE-%d-%d", pub.Year(), 1000+g.r.IntN(60000))
	if strings.HasSuffix(g.e.prefix, "-CVE") {
		v.Upstream = []string{cve}
	} else {
		v.Aliases = []string{cve}
		if g.r.IntN(2) == 0 {
			v.Aliases = append(v.Aliases, fmt.Sprintf("GHSA-%04x-%04x-%04x", g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536)))
		}
	}
	// Details: log-normal length, median ~80 words, tail to ~1,500.
	words := int(math.Min(1500, math.Exp(4.4+0.9*g.r.NormFloat64())))
	if words > 0 {
		v.Details = g.text(words, words)
	}
	if g.r.IntN(2) == 0 {
		v.Severity = []severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}
	}
	name := g.pkgs[g.zipf.Uint64()]
	naff := 1
	if len(g.e.suffixes) > 0 {
		naff = 1 + g.r.IntN(len(g.e.suffixes))
	} else if g.r.IntN(10) == 0 {
		naff = 2
	}
	for k := range naff {
		eco := g.e.name
		if len(g.e.suffixes) > 0 {
			eco += ":" + g.e.suffixes[(k+i)%len(g.e.suffixes)]
		} else if k > 0 {
			name = g.pkgs[g.zipf.Uint64()]
		}
		a := affected{Package: pkg{Ecosystem: eco, Name: name, PURL: "pkg:generic/" + name}}
		r := rng{Type: g.e.rangeTyp}
		if g.e.git {
			r.Repo = "https://github.com/example/" + name
			r.Events = []map[string]string{{"introduced": fmt.Sprintf("%040x", g.r.Uint64())}, {"fixed": fmt.Sprintf("%040x", g.r.Uint64())}}
		} else {
			r.Events = []map[string]string{{"introduced": "0"}}
			for range 1 + g.r.IntN(3) {
				r.Events = append(r.Events, map[string]string{"fixed": g.version()}, map[string]string{"introduced": g.version()})
			}
			r.Events = r.Events[:len(r.Events)-1]
		}
		a.Ranges = []rng{r}
		if g.e.versions {
			for range g.r.IntN(40) {
				a.Versions = append(a.Versions, g.version())
			}
		}
		if g.r.IntN(3) == 0 {
			a.DatabaseSpecific = map[string]any{"source": "https://example.org/advisories/" + v.ID + ".json"}
		}
		v.Affected = append(v.Affected, a)
	}
	for k := range 1 + g.r.IntN(8) {
		v.References = append(v.References, reference{Type: "WEB", URL: fmt.Sprintf("https://example.org/%s/%d", v.ID, k)})
	}
	return v
}

const lorem = `lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor
incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation
ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit
voluptate velit esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non
proident sunt culpa qui officia deserunt mollit anim id est laborum buffer overflow
denial service remote attacker crafted request heap memory corruption injection
authentication bypass privilege escalation cross site scripting parser library`
