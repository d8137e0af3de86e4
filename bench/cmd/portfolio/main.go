// Command portfolio fills a server's store with a real-shaped portfolio for
// the read benchmarks (bench/serve-read.sh): N artifacts over P projects,
// each with 500 packages (most shared across the portfolio, as base images
// and popular libraries are), 20 vulnerability findings, and deployments of
// the newest artifacts of each project to staging and prod.
//
//	go run ./bench/cmd/portfolio -db /tmp/vigil-data/vigil.db -artifacts 10000 -projects 50
//	go run ./bench/cmd/portfolio -db postgres://127.0.0.1:5432/test?sslmode=disable ...
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

func main() {
	db := flag.String("db", "", "SQLite file or postgres:// URL")
	artifacts := flag.Int("artifacts", 10_000, "artifacts in all")
	projects := flag.Int("projects", 50, "projects")
	pool := flag.Int("pool", 20_000, "distinct packages in the portfolio")
	flag.Parse()
	if *db == "" {
		fmt.Fprintln(os.Stderr, "portfolio: -db is required")
		os.Exit(2)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: *db})
	if err != nil {
		fmt.Fprintln(os.Stderr, "portfolio:", err)
		os.Exit(1)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	sevs := []severity.Level{severity.Low, severity.Medium, severity.Medium, severity.High, severity.High, severity.Critical, severity.Unknown}
	start := time.Now()
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
		for j := range 20 {
			p := &in.Packages[(j*25+i)%len(in.Packages)]
			id := fmt.Sprintf("GHSA-%04d-%04d-bench", (i*7+j)%9973, j)
			detail, _ := json.Marshal(map[string]any{"id": id, "package": p.Name})
			in.Findings = append(in.Findings, store.NewFinding{Kind: store.KindVulnerability, Key: "vuln|" + id + "|" + p.PURL,
				VulnerabilityID: id, Aliases: []string{fmt.Sprintf("CVE-2026-%05d", (i*7+j)%99991)}, Package: p,
				Severity: sevs[(i+j)%len(sevs)], Summary: "benchmark advisory", FixedVersion: "9.9.9", Detail: detail})
		}
		if _, err := st.Ingest(ctx, in); err != nil {
			fmt.Fprintln(os.Stderr, "portfolio:", err)
			os.Exit(1)
		}
		// The newest artifact of each project runs in staging; every
		// second one also in prod.
		if i >= *artifacts-*projects*2 {
			for _, envName := range []string{"staging", "prod"}[:1+i%2] {
				if _, err := st.Deploy(ctx, store.Deploy{Project: proj, Digest: in.Artifact.Digest, Environment: envName, Actor: "bench"}); err != nil {
					fmt.Fprintln(os.Stderr, "portfolio:", err)
					os.Exit(1)
				}
			}
		}
		if (i+1)%1000 == 0 {
			fmt.Fprintf(os.Stderr, "portfolio: %d artifacts (%s)\n", i+1, time.Since(start).Round(time.Second))
		}
	}
}
