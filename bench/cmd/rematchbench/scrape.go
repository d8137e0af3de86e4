package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cmdScrape times GET /metrics (issue 13): it waits until the server
// answers with a portfolio aggregate, then scrapes -n times on one
// connection, -n times on -c connections, and, with -refresh, on one
// connection throughout a POST /api/v1/admin/refresh (VIGIL_TOKEN, admin)
// that -vuln's new advisory makes a re-match. The scrapes use
// VIGIL_METRICS_TOKEN (a metrics-role token; VIGIL_TOKEN when unset).
func cmdScrape(args []string) error {
	fs := flag.NewFlagSet("scrape", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server URL")
	n := fs.Int("n", 200, "scrapes per phase")
	conns := fs.Int("c", 8, "connections of the concurrent phase")
	refresh := fs.Bool("refresh", false, "only scrape during a POST /api/v1/admin/refresh")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up waiting for the server after")
	fs.Parse(args)
	admin, err := newClient(*base, *conns)
	if err != nil {
		return err
	}
	mc := *admin
	if t := os.Getenv("VIGIL_METRICS_TOKEN"); t != "" {
		mc.token = t
	}
	ctx := context.Background()
	out := map[string]any{}
	if *refresh {
		var (
			res  map[string]any
			code int
			rerr error
		)
		done := make(chan struct{})
		t0 := time.Now()
		go func() { code, rerr = admin.do(ctx, "POST", "/api/v1/admin/refresh", &res); close(done) }()
		var lats []time.Duration
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
				d, _, err := scrapeOnce(ctx, &mc)
				if err != nil {
					return err
				}
				lats = append(lats, d)
			}
		}
		if rerr != nil || code != 200 {
			return fmt.Errorf("refresh: %d %v", code, rerr)
		}
		out["refresh_ms"] = ms(time.Since(t0))
		out["created"] = res["created"]
		out["during_refresh"] = latStats(lats)
		return printJSON(out)
	}
	deadline := time.Now().Add(*timeout)
	t0 := time.Now()
	var first time.Duration
	for {
		d, body, err := scrapeOnce(ctx, &mc)
		if err == nil && strings.Contains(body, "\nvigil_metrics_aggregate_duration_seconds ") {
			first = d
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no aggregate in /metrics: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	out["ready_ms"], out["first_scrape_ms"] = ms(time.Since(t0)), ms(first)
	var seq []time.Duration
	var body string
	for range *n {
		d, b, err := scrapeOnce(ctx, &mc)
		if err != nil {
			return err
		}
		seq, body = append(seq, d), b
	}
	out["sequential"] = latStats(seq)
	out["bytes"] = len(body)
	out["series"] = strings.Count(body, "\n") - strings.Count(body, "\n#")
	for _, k := range []string{"vigil_metrics_aggregate_duration_seconds", "vigil_metrics_encode_duration_seconds"} {
		out[k] = sampleValue(body, k)
	}
	var mu sync.Mutex
	var par []time.Duration
	var perr error
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	tp := time.Now()
	for range *conns {
		wg.Go(func() {
			for range jobs {
				d, _, err := scrapeOnce(ctx, &mc)
				mu.Lock()
				par = append(par, d)
				perr = errors.Join(perr, err)
				mu.Unlock()
			}
		})
	}
	for range *n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	if perr != nil {
		return perr
	}
	cs := latStats(par)
	cs["connections"] = *conns
	cs["per_second"] = float64(len(par)) / time.Since(tp).Seconds()
	out["concurrent"] = cs
	return printJSON(out)
}

// scrapeOnce is one GET /metrics: its latency (to the last byte) and body.
func scrapeOnce(ctx context.Context, c *client) (time.Duration, string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/metrics", nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	t := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	d := time.Since(t)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return d, string(b), err
}

// sampleValue is the value of an unlabelled sample in a text exposition
// (nil when absent).
func sampleValue(body, name string) any {
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return nil
}

func latStats(ds []time.Duration) map[string]any {
	if len(ds) == 0 {
		return map[string]any{"n": 0}
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	q := func(p float64) float64 { return ms(ds[min(len(ds)-1, int(p*float64(len(ds))))]) }
	return map[string]any{"n": len(ds), "p50_ms": q(0.50), "p90_ms": q(0.90), "p99_ms": q(0.99), "max_ms": ms(ds[len(ds)-1])}
}
