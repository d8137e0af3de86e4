// Command ingestload pushes real-shaped CycloneDX SBOMs to a running
// `vigil serve` from concurrent clients and reports SBOMs per second, for
// bench/serve-ingest.sh:
//
//	go build -o /tmp/ingestload ./bench/cmd/ingestload
//	VIGIL_TOKEN=... /tmp/ingestload -url http://127.0.0.1:8080 -n 10000 -c 8
//
// Every SBOM has -packages components: -shared of them drawn from a
// portfolio-wide pool of -pool packages (most artifacts of a portfolio
// share most packages), the rest its own; a few known-vulnerable packages
// so that matching finds something; a dependency graph; licences and
// hashes as Syft or `vigil sbom` write them. Every push is a distinct
// artifact. Bodies are gzip'd like `vigil scan --push` sends them
// (BestSpeed: the client shares the machine with the server), all of them
// before the timed pushes unless -pregen=false. The report gives the
// clients' own CPU per SBOM during the pushes, the share of the two cores
// the server did not get.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server URL")
	project := flag.String("project", "bench", "project to push to")
	n := flag.Int("n", 10_000, "SBOMs to push")
	clients := flag.Int("c", 8, "concurrent clients")
	pkgs := flag.Int("packages", 500, "components per SBOM")
	shared := flag.Int("shared", 400, "components per SBOM drawn from the shared pool")
	pool := flag.Int("pool", 5000, "size of the shared pool")
	seed := flag.Uint64("seed", 1, "random seed")
	pregen := flag.Bool("pregen", true, "generate and gzip every body before the pushes start (as wrk sends prepared requests), so that the clients' own CPU during the timed pushes is only HTTP; -pregen=false generates each body just before its push")
	flag.Parse()
	tok := os.Getenv("VIGIL_TOKEN")
	if tok == "" {
		fmt.Fprintln(os.Stderr, "ingestload: VIGIL_TOKEN is not set")
		os.Exit(2)
	}
	g := newGenerator(*pool, *pkgs, *shared, *seed)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}, Timeout: 5 * time.Minute}
	url := *base + "/api/v1/projects/" + *project + "/artifacts"

	var bodies [][]byte
	genSeconds := 0.0
	if *pregen {
		t0 := time.Now()
		bodies = g.bodies(*n)
		genSeconds = time.Since(t0).Seconds()
		fmt.Fprintf(os.Stderr, "generated %d bodies in %.1f s\n", *n, genSeconds)
	}
	var next, failed atomic.Int64
	lat := make([][]time.Duration, *clients)
	var bytesSent atomic.Int64
	cpu0 := cpuSeconds()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range *clients {
		wg.Go(func() {
			var z gzipper
			for {
				i := int(next.Add(1)) - 1
				if i >= *n {
					return
				}
				var body []byte
				if bodies != nil {
					body = bodies[i]
				} else {
					body = z.body(g, i)
				}
				bytesSent.Add(int64(len(body)))
				t0 := time.Now()
				if err := push(client, url, tok, body); err != nil {
					if failed.Add(1) <= 5 {
						fmt.Fprintf(os.Stderr, "push %d: %v\n", i, err)
					}
					continue
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	done := make(chan struct{})
	go progress(done, &next, *n, start)
	wg.Wait()
	close(done)
	elapsed := time.Since(start)
	clientCPU := cpuSeconds() - cpu0
	all := slices.Concat(lat...)
	slices.Sort(all)
	q := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))]
	}
	out := map[string]any{
		"sboms": len(all), "failed": failed.Load(), "clients": *clients, "packages": *pkgs,
		"seconds": elapsed.Seconds(), "sboms_per_s": float64(len(all)) / elapsed.Seconds(),
		"latency_ms_p50": ms(q(0.50)), "latency_ms_p99": ms(q(0.99)), "latency_ms_max": ms(q(1)),
		"mean_gzip_bytes": bytesSent.Load() / int64(max(*n, 1)),
		"pregenerated":    *pregen, "generate_seconds": genSeconds,
		"client_cpu_ms_per_sbom": 1000 * clientCPU / float64(max(len(all), 1)),
	}
	json.NewEncoder(os.Stdout).Encode(out)
	if failed.Load() > 0 {
		os.Exit(1)
	}
}

// gzipper generates and gzips bodies, reusing its buffers.
type gzipper struct {
	buf, zbuf bytes.Buffer
	zw        *gzip.Writer
}

// body is SBOM i gzip'd, in a new slice.
func (z *gzipper) body(g *generator, i int) []byte {
	if z.zw == nil {
		z.zw, _ = gzip.NewWriterLevel(&z.zbuf, gzip.BestSpeed)
	}
	z.buf.Reset()
	g.sbom(&z.buf, i)
	z.zbuf.Reset()
	z.zw.Reset(&z.zbuf)
	z.zw.Write(z.buf.Bytes())
	z.zw.Close()
	return bytes.Clone(z.zbuf.Bytes())
}

// bodies generates the n bodies on every core.
func (g *generator) bodies(n int) [][]byte {
	out := make([][]byte, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			var z gzipper
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				out[i] = z.body(g, i)
			}
		})
	}
	wg.Wait()
	return out
}

// cpuSeconds is this process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func progress(done <-chan struct{}, next *atomic.Int64, n int, start time.Time) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			i := min(int(next.Load()), n)
			fmt.Fprintf(os.Stderr, "%d/%d pushed, %.0f/s\n", i, n, float64(i)/time.Since(start).Seconds())
		}
	}
}

func push(c *http.Client, url, tok string, body []byte) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/vnd.cyclonedx+json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	return nil
}

// component is one package of the pool or of an SBOM's own.
type component struct {
	eco, name, version, purl, license string
}

// vulnerable are real packages with advisories in ../shared/vulndb, so
// that every SBOM has findings.
var vulnerable = []component{
	{"npm", "lodash", "4.17.15", "pkg:npm/lodash@4.17.15", "MIT"},
	{"npm", "minimist", "1.2.0", "pkg:npm/minimist@1.2.0", "MIT"},
	{"pypi", "django", "3.2.0", "pkg:pypi/django@3.2.0", "BSD-3-Clause"},
	{"golang", "golang.org/x/net", "v0.7.0", "pkg:golang/golang.org/x/net@v0.7.0", "BSD-3-Clause"},
}

type generator struct {
	pool           []component
	packages, own  int
	shared         int
	seed           uint64
	licenses, ecos []string
}

func newGenerator(pool, packages, shared int, seed uint64) *generator {
	g := &generator{packages: packages, shared: shared, seed: seed,
		licenses: []string{"MIT", "Apache-2.0", "BSD-3-Clause", "ISC", "GPL-2.0-only"},
		ecos:     []string{"npm", "npm", "npm", "pypi", "golang", "maven"}}
	g.own = max(packages-shared-len(vulnerable), 0)
	rng := rand.New(rand.NewPCG(seed, 0))
	for i := range pool {
		g.pool = append(g.pool, g.make(rng, "lib"+strconv.Itoa(i)))
	}
	return g
}

// make is a package of a random ecosystem named after name.
func (g *generator) make(rng *rand.Rand, name string) component {
	eco := g.ecos[rng.IntN(len(g.ecos))]
	v := fmt.Sprintf("%d.%d.%d", rng.IntN(5), rng.IntN(30), rng.IntN(10))
	c := component{eco: eco, version: v, license: g.licenses[rng.IntN(len(g.licenses))]}
	switch eco {
	case "maven":
		c.name = "org.example." + name + ":" + name
		c.purl = "pkg:maven/org.example." + name + "/" + name + "@" + v
	case "golang":
		c.name = "github.com/example/" + name
		c.version = "v" + v
		c.purl = "pkg:golang/github.com/example/" + name + "@v" + v
	default:
		c.name = name
		c.purl = "pkg:" + eco + "/" + name + "@" + v
	}
	return c
}

// hashOf stands for a package's file digest: the same wherever the
// package appears.
func hashOf(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// sbom writes SBOM i: deterministic for (seed, i), distinct for every i.
func (g *generator) sbom(w *bytes.Buffer, i int) {
	rng := rand.New(rand.NewPCG(g.seed, uint64(i)+1))
	comps := slices.Clone(vulnerable)
	for _, k := range rng.Perm(len(g.pool))[:g.shared] {
		comps = append(comps, g.pool[k])
	}
	for j := range g.own {
		comps = append(comps, g.make(rng, fmt.Sprintf("app%d-mod%d", i, j)))
	}
	fmt.Fprintf(w, `{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:00000000-0000-4000-8000-%012d","version":1,`, i)
	fmt.Fprintf(w, `"metadata":{"timestamp":"2026-12-02T10:00:00Z","tools":{"components":[{"type":"application","name":"syft","version":"1.18.0"}]},`)
	fmt.Fprintf(w, `"component":{"bom-ref":"root","type":"application","name":"service-%d","version":"1.0.%d"}},"components":[`, i%50, i)
	for j, c := range comps {
		if j > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"bom-ref":%q,"type":"library","name":%q,"version":%q,"purl":%q,"licenses":[{"license":{"id":%q}}],"hashes":[{"alg":"SHA-256","content":"%064x"}]}`,
			c.purl, c.name, c.version, c.purl, c.license, hashOf(c.purl))
	}
	w.WriteString(`],"dependencies":[{"ref":"root","dependsOn":[`)
	for j := range min(40, len(comps)) {
		if j > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, "%q", comps[j].purl)
	}
	w.WriteString("]}")
	for j, c := range comps {
		if j%3 != 0 || j+1 >= len(comps) {
			continue
		}
		fmt.Fprintf(w, `,{"ref":%q,"dependsOn":[%q]}`, c.purl, comps[(j*7+1)%len(comps)].purl)
	}
	w.WriteString("]}")
}
