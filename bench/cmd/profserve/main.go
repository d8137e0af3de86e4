// Command profserve is `vigil serve` for profiling: the same server
// (server.New, the start-up refresh in the background, Run) on the same
// store and vulnerability database, with net/http/pprof on a second
// loopback address. bench/serve-rematch.sh runs it instead of vigil when
// PROFILE=1, and takes a CPU profile of each re-match:
//
//	profserve -data-dir D [-database URL] -listen 127.0.0.1:8080 -vulndb-from MIRROR -pprof 127.0.0.1:6060
//	curl -o cpu.pprof 'http://127.0.0.1:6060/debug/pprof/profile?seconds=30'
//
// It logs like the server (JSON on stderr), including the "vulnerability
// database ready" line when the start-up refresh is done.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
)

func main() {
	dataDir := flag.String("data-dir", "", "data directory (vigil.db and vulndb/)")
	database := flag.String("database", "", "postgres:// URL (default: DATA-DIR/vigil.db)")
	listen := flag.String("listen", "127.0.0.1:8080", "API address")
	from := flag.String("vulndb-from", "", "vulnerability database source")
	pprofAddr := flag.String("pprof", "127.0.0.1:6060", "pprof address")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "profserve:", err)
		os.Exit(1)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer cancel()
	url := *database
	if url == "" {
		url = filepath.Join(*dataDir, "vigil.db")
	}
	clock := &server.Clock{}
	st, err := store.Open(ctx, store.Options{URL: url, Logger: log, Now: clock.Now})
	if err != nil {
		fail(err)
	}
	defer st.Close()
	srv, err := server.New(server.Options{Store: st, VulnDBDir: filepath.Join(*dataDir, "vulndb"), VulnDBFrom: *from, Logger: log,
		Version: "profserve", Clock: clock, HTTP: server.HTTPLimits{WriteTimeout: 30 * time.Minute}})
	if err != nil {
		fail(err)
	}
	go func() {
		if err := http.ListenAndServe(*pprofAddr, nil); err != nil {
			log.Error("pprof", "err", err)
		}
	}()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fail(err)
	}
	go func() {
		log.Info("refreshing the vulnerability database", "from", *from)
		if r, err := srv.Refresh(ctx); err != nil {
			log.Error("refresh the vulnerability database", "err", err)
		} else {
			log.Info("vulnerability database ready", "artifacts_rematched", r.Artifacts, "duration", r.Duration)
		}
	}()
	log.Info("listening", "addr", l.Addr().String(), "backend", st.Backend())
	if err := srv.Run(ctx, l, srv.HTTPServer(), 30*time.Second); err != nil {
		fail(err)
	}
}
