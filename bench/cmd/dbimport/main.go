// Command dbimport runs vulndb.Update once, for whole-process measurements
// of the importer before the CLI exists:
//
//	go build -o /tmp/dbimport ./bench/cmd/dbimport
//	/usr/bin/time -v /tmp/dbimport -from ../shared/vulndb/osv -db /tmp/vigil-db
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

func main() {
	from := flag.String("from", "", "source URL or directory (default: public OSV bucket)")
	dir := flag.String("db", "", "database directory (default: vulndb.DefaultDir())")
	ecos := flag.String("ecosystems", "", "comma-separated ecosystems (default: all)")
	verbose := flag.Bool("v", false, "log progress to stderr")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := vulndb.UpdateOptions{Dir: *dir, From: *from}
	if *ecos != "" {
		opts.Ecosystems = strings.Split(*ecos, ",")
	}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	rep, err := vulndb.Update(ctx, opts)
	if rep != nil {
		for _, e := range rep.Ecosystems {
			fmt.Printf("%-12s %-9s records=%d +%d ~%d -%d invalid=%d bytes=%d\n",
				e.Name, e.Status, e.Records, e.Added, e.Modified, e.Removed, e.Invalid, e.Bytes)
			for _, s := range e.InvalidSamples {
				fmt.Printf("    invalid: %s\n", s)
			}
		}
		fmt.Printf("duration %s\n", rep.Duration.Round(time.Millisecond))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "dbimport: %v\n", err)
		os.Exit(1)
	}
}
