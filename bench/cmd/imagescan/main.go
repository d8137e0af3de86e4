// Command imagescan runs source.Scan on one target and prints a summary
// (or the full result as JSON with -json). It exists to benchmark the
// image and root filesystem scanner before the CLI is wired.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/alpine/apkdb"
	"github.com/vigil-sec/vigil/internal/inventory/extract/debian/dpkg"
	"github.com/vigil-sec/vigil/internal/inventory/extract/golang/gobinary"
	"github.com/vigil-sec/vigil/internal/inventory/extract/java/archive"
	"github.com/vigil-sec/vigil/internal/inventory/extract/npm/nodemodules"
	"github.com/vigil-sec/vigil/internal/inventory/extract/pypi/distinfo"
	"github.com/vigil-sec/vigil/internal/inventory/extract/rpm/rpmdb"
	"github.com/vigil-sec/vigil/internal/inventory/extract/rust/cargoauditable"
	"github.com/vigil-sec/vigil/internal/source"
)

func main() {
	asJSON := flag.Bool("json", false, "print the result as JSON")
	noCache := flag.Bool("no-cache", false, "disable the layer cache")
	cacheDir := flag.String("cache-dir", "", "layer cache directory")
	platform := flag.String("platform", "", "platform to pick from an index")
	insecure := flag.Bool("insecure-registry", false, "allow plain HTTP registries")
	verbose := flag.Bool("v", false, "debug logging")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: imagescan [flags] TARGET")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	t, err := source.Detect(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "imagescan:", err)
		os.Exit(2)
	}
	start := time.Now()
	// The same set as list.OSAndInstalled(), listed here so the benchmark
	// does not depend on the lockfile extractors being mid-edit.
	exs := []inventory.Extractor{dpkg.New(), apkdb.New(), rpmdb.New(), nodemodules.New(),
		distinfo.New(), archive.New(), gobinary.New(), cargoauditable.New()}
	res, err := source.Scan(ctx, t, source.Options{Extractors: exs, NoCache: *noCache, CacheDir: *cacheDir,
		Platform: *platform, Insecure: *insecure, Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "imagescan:", err)
		os.Exit(2)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(os.Stderr, "imagescan:", err)
			os.Exit(2)
		}
		return
	}
	fmt.Printf("kind=%s packages=%d issues=%d duration=%s\n", t.Kind, len(res.Packages), len(res.Issues), time.Since(start).Round(time.Millisecond))
	if res.OS != nil {
		fmt.Printf("os=%s ecosystem=%s status=%s\n", res.OS.PrettyName, res.OS.Ecosystem, res.OS.Status)
	}
	for _, w := range res.Warnings {
		fmt.Println("warning:", w)
	}
}
