// Command portfolio fills a server's store with a real-shaped portfolio for
// the read benchmarks (bench/serve-read.sh): N artifacts over P projects,
// each with 500 packages (most shared across the portfolio, as base images
// and popular libraries are; 12 of them real npm releases with known
// advisories), its findings matched against the server's vulnerability
// database exactly as the server matches (so the server's own re-match
// changes nothing), and deployments of the newest artifacts of each project
// to staging and prod.
//
//	vigil db update --from ../shared/vulndb/osv --db-dir /tmp/vigil-data/vulndb
//	go run ./bench/cmd/portfolio -db /tmp/vigil-data/vigil.db -vulndb /tmp/vigil-data/vulndb -artifacts 10000 -projects 50
//	go run ./bench/cmd/portfolio -db postgres://127.0.0.1:5432/test?sslmode=disable ...
//
// -dist real (real.go) draws the packages from the real package
// distribution of the OSV data under -osv instead (issue 12's re-match
// benchmarks, bench/serve-rematch.sh):
//
//	go run ./bench/cmd/portfolio -dist real -osv ../shared/vulndb/osv -db ... -vulndb ... -artifacts 100000 -projects 200
//
// Generation is sequential (deterministic for a seed); matching runs on
// every core and the ingests are concurrent (they share group commits).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// vulnerable are real npm releases with advisories in the OSV data.
var vulnerable = []string{
	"lodash@4.17.4", "minimist@1.2.0", "axios@0.21.0", "express@4.16.0", "jquery@3.4.0", "moment@2.29.1",
	"node-fetch@2.6.0", "handlebars@4.0.11", "yargs-parser@13.1.1", "ws@7.4.5", "qs@6.5.2", "tar@4.4.1",
	"glob-parent@5.1.1", "ansi-regex@4.1.0", "json5@2.2.1", "semver@7.3.7", "debug@2.6.8", "marked@0.3.5",
	"underscore@1.12.0", "follow-redirects@1.14.0", "minimatch@3.0.4", "path-parse@1.0.6", "shell-quote@1.7.2",
	"nanoid@3.1.30", "ua-parser-js@0.7.20", "y18n@4.0.0", "ini@1.3.5", "elliptic@6.5.3",
}

func main() {
	db := flag.String("db", "", "SQLite file or postgres:// URL")
	artifacts := flag.Int("artifacts", 10_000, "artifacts in all")
	projects := flag.Int("projects", 50, "projects")
	pool := flag.Int("pool", 20_000, "distinct packages in the portfolio (-dist synthetic)")
	vdbDir := flag.String("vulndb", "", "vulnerability database directory (the server's: DATA-DIR/vulndb)")
	dist := flag.String("dist", "synthetic", "package distribution: synthetic (pkg-NNNNN names) or real (from the OSV data under -osv)")
	osvDir := flag.String("osv", "../shared/vulndb/osv", "OSV folders to draw the real distribution from (-dist real)")
	hot := flag.String("hot", "npm/lodash", "package in 20% of the artifacts (-dist real)")
	seed := flag.Uint64("seed", 1, "random seed (-dist real)")
	matchers := flag.Int("matchers", runtime.GOMAXPROCS(0), "concurrent matchers")
	ingesters := flag.Int("ingesters", 8, "concurrent ingests")
	summary := flag.String("summary", "", "write a JSON summary of the portfolio to this file")
	flag.Parse()
	if *db == "" || *vdbDir == "" {
		fmt.Fprintln(os.Stderr, "portfolio: -db and -vulndb are required")
		os.Exit(2)
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "portfolio:", err)
		os.Exit(1)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: *db})
	if err != nil {
		fail(err)
	}
	defer st.Close()
	vdb, err := vulndb.Open(*vdbDir)
	if err != nil {
		fail(err)
	}
	defer vdb.Close()
	var next func(i int) store.Ingest
	var real *realGen
	switch *dist {
	case "synthetic":
		next = syntheticGen(*projects, *pool)
	case "real":
		real, err = newRealGen(*osvDir, *projects, *hot, *seed)
		if err != nil {
			fail(err)
		}
		real.describe(os.Stderr)
		next = real.next
	default:
		fail(fmt.Errorf("-dist %q: want synthetic or real", *dist))
	}
	start := time.Now()
	toMatch := make(chan store.Ingest, 4**matchers)
	toStore := make(chan store.Ingest, 2**ingesters)
	var matched sync.WaitGroup
	var findings, packages atomic.Int64
	for range *matchers {
		matched.Go(func() {
			for in := range toMatch {
				vulns, _, err := scan.Match(ctx, vdb, in.Packages)
				if err != nil {
					fail(err)
				}
				if in.Findings, err = newFindings(in.Packages, vulns); err != nil {
					fail(err)
				}
				if in.MatchHashes, err = matchHashes(in.Packages, vulns); err != nil {
					fail(err)
				}
				findings.Add(int64(len(in.Findings)))
				packages.Add(int64(len(in.Packages)))
				toStore <- in
			}
		})
	}
	var stored sync.WaitGroup
	var done atomic.Int64
	for range *ingesters { // concurrent ingests share commits, as pushes to a server do
		stored.Go(func() {
			for in := range toStore {
				if _, err := st.Ingest(ctx, in); err != nil {
					fail(err)
				}
				if n := done.Add(1); n%5000 == 0 {
					el := time.Since(start)
					fmt.Fprintf(os.Stderr, "portfolio: %d artifacts (%s, %.0f/s)\n", n, el.Round(time.Second), float64(n)/el.Seconds())
				}
			}
		})
	}
	var deploys []store.Deploy
	for i := range *artifacts {
		in := next(i)
		toMatch <- in
		// The newest artifact of each project runs in staging; every
		// second one also in prod.
		if i >= *artifacts-*projects*2 {
			for _, envName := range []string{"staging", "prod"}[:1+i%2] {
				deploys = append(deploys, store.Deploy{Project: in.Project, Digest: in.Artifact.Digest, Environment: envName, Actor: "bench"})
			}
		}
	}
	close(toMatch)
	matched.Wait()
	close(toStore)
	stored.Wait()
	loaded := time.Since(start)
	for _, d := range deploys {
		if _, err := st.Deploy(ctx, d); err != nil {
			fail(err)
		}
	}
	n := done.Load()
	fmt.Fprintf(os.Stderr, "portfolio: %d artifacts (%.0f packages, %.1f findings each), %d deployments in %s (%.0f artifacts/s)\n",
		n, float64(packages.Load())/float64(n), float64(findings.Load())/float64(n), len(deploys), time.Since(start).Round(time.Second), float64(n)/loaded.Seconds())
	if real != nil {
		fmt.Fprintf(os.Stderr, "portfolio: hot package %s in %d artifacts (%.1f%%)\n", *hot, real.hotArts, 100*float64(real.hotArts)/float64(n))
	}
	if *summary != "" {
		s := map[string]any{"artifacts": n, "projects": *projects, "dist": *dist, "findings": findings.Load(), "packages": packages.Load(),
			"deployments": len(deploys), "load_seconds": loaded.Seconds()}
		if real != nil {
			s["hot"], s["hot_artifacts"] = *hot, real.hotArts
		}
		b, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(*summary, append(b, '\n'), 0o644); err != nil {
			fail(err)
		}
	}
}

// matchHashes is scan.MatchHash of each package's matches, as a push to
// the server records them for the packages it stores first.
func matchHashes(pkgs []inventory.Package, vulns []scan.Vulnerability) ([]string, error) {
	byRef := map[scan.PackageRef][]scan.Vulnerability{}
	for _, v := range vulns {
		byRef[v.Package] = append(byRef[v.Package], v)
	}
	out := make([]string, len(pkgs))
	for i := range pkgs {
		p := &pkgs[i]
		h, err := scan.MatchHash(byRef[scan.PackageRef{Name: p.Name, Version: p.Version, Ecosystem: p.Ecosystem, PURL: p.PURL}])
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// newFindings is the server's (internal/server/api.go) for a package
// inventory: one finding per match, on the package it names.
func newFindings(pkgs []inventory.Package, vulns []scan.Vulnerability) ([]store.NewFinding, error) {
	byKey := map[string]int{}
	for i := range pkgs {
		p := &pkgs[i]
		byKey[p.Ecosystem+"\x00"+p.Name+"\x00"+p.Version+"\x00"+p.PURL] = i
	}
	out := make([]store.NewFinding, 0, len(vulns))
	for _, v := range vulns {
		detail, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		nf := store.NewFinding{Kind: store.KindVulnerability, Key: engine.VulnKey(v), VulnerabilityID: v.ID, Aliases: v.Aliases, Severity: v.Severity, Summary: v.Summary, FixedVersion: v.FixedVersion, Detail: detail}
		if i, ok := byKey[v.Package.Ecosystem+"\x00"+v.Package.Name+"\x00"+v.Package.Version+"\x00"+v.Package.PURL]; ok {
			nf.Package = &pkgs[i]
		}
		out = append(out, nf)
	}
	return out, nil
}

// syntheticGen is the original portfolio: a base image of the same 100
// Debian packages everywhere, 400 of -pool npm names, 12 real vulnerable
// npm releases.
func syntheticGen(projects, pool int) func(i int) store.Ingest {
	rng := rand.New(rand.NewPCG(1, 2))
	return func(i int) store.Ingest {
		proj := fmt.Sprintf("team-%02d", i%projects)
		in := store.Ingest{Project: proj, Actor: "bench", Artifact: store.Artifact{
			Kind: "image", Format: "cyclonedx-json", Digest: fmt.Sprintf("sha256:%064x", i+1),
			Name: fmt.Sprintf("registry.example.com/%s/app", proj), Version: fmt.Sprintf("1.%d", i/projects),
		}}
		seen := map[int]bool{}
		for len(in.Packages) < 500 {
			var n int
			if len(in.Packages) < 100 {
				n = len(in.Packages) // the base image: the same 100 everywhere
			} else {
				n = 100 + rng.IntN(pool-100)
			}
			if seen[n] {
				continue
			}
			seen[n] = true
			eco, name := "npm", fmt.Sprintf("pkg-%05d", n)
			if n < 100 {
				eco, name = "Debian", fmt.Sprintf("deb-%03d", n)
			}
			ver := fmt.Sprintf("%d.%d.%d", n%7, n%13, n%5)
			in.Packages = append(in.Packages, inventory.Package{Name: name, Version: ver, Ecosystem: eco,
				PURL:      fmt.Sprintf("pkg:%s/%s@%s", map[string]string{"npm": "npm", "Debian": "deb/debian"}[eco], name, ver),
				Locations: []inventory.Location{{Path: "app/package-lock.json"}}})
		}
		for _, j := range rng.Perm(len(vulnerable))[:12] {
			name, ver, _ := strings.Cut(vulnerable[j], "@")
			in.Packages[100+j] = inventory.Package{Name: name, Version: ver, Ecosystem: "npm", PURL: "pkg:npm/" + name + "@" + ver,
				Locations: []inventory.Location{{Path: "app/package-lock.json"}}}
		}
		return in
	}
}
