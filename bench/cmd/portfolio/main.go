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
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
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
	pool := flag.Int("pool", 20_000, "distinct packages in the portfolio")
	vdbDir := flag.String("vulndb", "", "vulnerability database directory (the server's: DATA-DIR/vulndb)")
	flag.Parse()
	if *db == "" || *vdbDir == "" {
		fmt.Fprintln(os.Stderr, "portfolio: -db and -vulndb are required")
		os.Exit(2)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: *db})
	if err != nil {
		fmt.Fprintln(os.Stderr, "portfolio:", err)
		os.Exit(1)
	}
	defer st.Close()
	vdb, err := vulndb.Open(*vdbDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "portfolio:", err)
		os.Exit(1)
	}
	defer vdb.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	type job struct {
		i  int
		in store.Ingest
	}
	jobs := make(chan job, 16)
	var wg sync.WaitGroup
	var done atomic.Int64
	for range 8 { // concurrent ingests share commits, as pushes to a server do
		wg.Go(func() {
			for j := range jobs {
				if _, err := st.Ingest(ctx, j.in); err != nil {
					fmt.Fprintln(os.Stderr, "portfolio:", err)
					os.Exit(1)
				}
				if n := done.Add(1); n%1000 == 0 {
					fmt.Fprintf(os.Stderr, "portfolio: %d artifacts (%s)\n", n, time.Since(start).Round(time.Second))
				}
			}
		})
	}
	var deploys []store.Deploy
	for i := range *artifacts {
		proj := fmt.Sprintf("team-%02d", i%*projects)
		in := store.Ingest{Project: proj, Actor: "bench", Artifact: store.Artifact{
			Kind: "image", Format: "cyclonedx-json", Digest: fmt.Sprintf("sha256:%064x", i+1),
			Name: fmt.Sprintf("registry.example.com/%s/app", proj), Version: fmt.Sprintf("1.%d", i / *projects),
		}}
		seen := map[int]bool{}
		for len(in.Packages) < 500 {
			var n int
			if len(in.Packages) < 100 {
				n = len(in.Packages) // the base image: the same 100 everywhere
			} else {
				n = 100 + rng.IntN(*pool-100)
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
		vulns, _, err := scan.Match(ctx, vdb, in.Packages)
		if err != nil {
			fmt.Fprintln(os.Stderr, "portfolio:", err)
			os.Exit(1)
		}
		for _, v := range vulns {
			detail, _ := json.Marshal(v)
			nf := store.NewFinding{Kind: store.KindVulnerability, Key: engine.VulnKey(v), VulnerabilityID: v.ID, Aliases: v.Aliases,
				Severity: v.Severity, Summary: v.Summary, FixedVersion: v.FixedVersion, Detail: detail}
			for k := range in.Packages {
				if p := &in.Packages[k]; p.PURL == v.Package.PURL {
					nf.Package = p
				}
			}
			in.Findings = append(in.Findings, nf)
		}
		jobs <- job{i, in}
		// The newest artifact of each project runs in staging; every
		// second one also in prod.
		if i >= *artifacts-*projects*2 {
			for _, envName := range []string{"staging", "prod"}[:1+i%2] {
				deploys = append(deploys, store.Deploy{Project: proj, Digest: in.Artifact.Digest, Environment: envName, Actor: "bench"})
			}
		}
	}
	close(jobs)
	wg.Wait()
	for _, d := range deploys {
		if _, err := st.Deploy(ctx, d); err != nil {
			fmt.Fprintln(os.Stderr, "portfolio:", err)
			os.Exit(1)
		}
	}
	fmt.Fprintf(os.Stderr, "portfolio: %d artifacts, %d deployments in %s\n", done.Load(), len(deploys), time.Since(start).Round(time.Second))
}
