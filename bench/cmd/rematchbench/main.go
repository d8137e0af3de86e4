// Command rematchbench drives the re-match benchmarks of issue 12
// (bench/serve-rematch.sh) against a running `vigil serve`:
//
//	rematchbench advisory -mirror DIR -eco npm -name lodash -id VGL-BENCH-0001 -modified 2027-01-01T00:00:00Z
//	rematchbench modify   -mirror DIR -n 1000 -modified 2027-01-02T00:00:00Z
//	rematchbench rezip    -mirror DIR
//	rematchbench refresh  -url URL -vuln VGL-BENCH-0001 -projects 200 -rate 20 -c 8
//	rematchbench read     -url URL -log serve.log -until "vulnerability database ready"
//	rematchbench summarize results.jsonl
//	rematchbench scrape   -url URL -n 200 -c 8 [-refresh]
//
// advisory and modify edit a mirror laid out like the OSV bucket the way
// the bucket changes: they write <Ecosystem>/<ID>.json and put the id at
// the top of <Ecosystem>/modified_id.csv, so the server's next refresh
// fetches only those records. rezip folds the listed records into each
// <Ecosystem>/all.zip, so that a fresh import sees what the incremental
// refreshes brought. refresh times POST /api/v1/admin/refresh while
// readers load the findings and summary endpoints at a fixed rate, and
// while a poller waits for the first finding of -vuln to show in the
// findings list; read only runs the readers, until a line of the server's
// log says the start-up re-match is done. Both print one JSON object.
// scrape times GET /metrics (bench/serve-metrics.sh, issue 13).
// The token is VIGIL_TOKEN (admin).
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rematchbench advisory|modify|rezip|refresh|read|summarize|scrape [flags]")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "advisory":
		err = cmdAdvisory(args)
	case "modify":
		err = cmdModify(args)
	case "rezip":
		err = cmdRezip(args)
	case "refresh":
		err = cmdRefresh(args)
	case "read":
		err = cmdRead(args)
	case "summarize":
		err = cmdSummarize(args)
	case "scrape":
		err = cmdScrape(args)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rematchbench:", err)
		os.Exit(1)
	}
}

// publish writes records (id -> body) of one ecosystem into the mirror and
// lists them, newest first, above what the listing held.
func publish(mirror, eco string, ids []string, bodies [][]byte, modified []time.Time) error {
	dir := filepath.Join(mirror, eco)
	var lines bytes.Buffer
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return modified[order[a]].After(modified[order[b]]) })
	for _, i := range order {
		if err := os.WriteFile(filepath.Join(dir, ids[i]+".json"), bodies[i], 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&lines, "%s,%s\n", modified[i].UTC().Format(time.RFC3339), ids[i])
	}
	old, err := os.ReadFile(filepath.Join(dir, "modified_id.csv"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	lines.Write(old)
	tmp := filepath.Join(dir, "modified_id.csv.tmp")
	if err := os.WriteFile(tmp, lines.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "modified_id.csv"))
}

func cmdAdvisory(args []string) error {
	fs := flag.NewFlagSet("advisory", flag.ExitOnError)
	mirror := fs.String("mirror", "", "mirror directory")
	eco := fs.String("eco", "npm", "ecosystem")
	name := fs.String("name", "lodash", "package")
	id := fs.String("id", "VGL-BENCH-0001", "advisory id")
	mod := fs.String("modified", "2027-01-01T00:00:00Z", "modified time (after every record of the mirror)")
	fs.Parse(args)
	t, err := time.Parse(time.RFC3339, *mod)
	if err != nil {
		return err
	}
	rec := map[string]any{
		"schema_version": "1.6.0", "id": *id, "modified": t.UTC().Format(time.RFC3339), "published": t.UTC().Format(time.RFC3339),
		"summary": *name + " is unsafe (benchmark advisory)", "details": "Every version of " + *name + " before 99.0.0.",
		"database_specific": map[string]any{"severity": "HIGH"},
		"affected": []any{map[string]any{
			"package": map[string]any{"ecosystem": *eco, "name": *name},
			"ranges":  []any{map[string]any{"type": "SEMVER", "events": []any{map[string]any{"introduced": "0"}, map[string]any{"fixed": "99.0.0"}}}},
		}},
	}
	b, _ := json.MarshalIndent(rec, "", "  ")
	return publish(*mirror, *eco, []string{*id}, [][]byte{b}, []time.Time{t})
}

// cmdModify revises n advisories of the mirror (chosen at random among the
// records of the ecosystems and Debian releases a -dist real portfolio
// holds): a new modified time and a revised summary, so every finding of
// each is updated.
func cmdModify(args []string) error {
	fs := flag.NewFlagSet("modify", flag.ExitOnError)
	mirror := fs.String("mirror", "", "mirror directory")
	n := fs.Int("n", 1000, "advisories to revise")
	mod := fs.String("modified", "2027-01-02T00:00:00Z", "modified time of the first (the others a second apart)")
	seed := fs.Uint64("seed", 1, "random seed")
	ecos := fs.String("ecosystems", "npm,PyPI,Go,crates.io,RubyGems,Debian", "ecosystems to draw from")
	releases := fs.String("releases", "Debian:10,Debian:11", "for release ecosystems: only records naming one of these")
	fs.Parse(args)
	t0, err := time.Parse(time.RFC3339, *mod)
	if err != nil {
		return err
	}
	type rec struct {
		eco, id string
		body    []byte
	}
	var pool []rec
	want := strings.Split(*releases, ",")
	for _, eco := range strings.Split(*ecos, ",") {
		zr, err := zip.OpenReader(filepath.Join(*mirror, eco, "all.zip"))
		if err != nil {
			return err
		}
		for _, f := range zr.File {
			b, err := readZip(f)
			if err != nil {
				zr.Close()
				return err
			}
			var v struct {
				ID        string `json:"id"`
				Withdrawn string `json:"withdrawn"`
				Affected  []struct {
					Package struct{ Ecosystem string } `json:"package"`
				} `json:"affected"`
			}
			if json.Unmarshal(b, &v) != nil || v.Withdrawn != "" {
				continue
			}
			ok := false
			for _, a := range v.Affected {
				e := a.Package.Ecosystem
				ok = ok || !strings.Contains(e, ":") || slices.Contains(want, e)
			}
			if ok {
				pool = append(pool, rec{eco, v.ID, b})
			}
		}
		zr.Close()
	}
	if len(pool) < *n {
		return fmt.Errorf("only %d records to choose from", len(pool))
	}
	rng := rand.New(rand.NewPCG(*seed, 3))
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	byEco := map[string][]int{}
	for k := range *n {
		byEco[pool[k].eco] = append(byEco[pool[k].eco], k)
	}
	counts := map[string]int{}
	for eco, ks := range byEco {
		var ids []string
		var bodies [][]byte
		var times []time.Time
		for _, k := range ks {
			var m map[string]any
			if err := json.Unmarshal(pool[k].body, &m); err != nil {
				return err
			}
			t := t0.Add(time.Duration(k) * time.Second)
			m["modified"] = t.UTC().Format(time.RFC3339)
			s, _ := m["summary"].(string)
			m["summary"] = strings.TrimSpace(s + " (revised)")
			b, err := json.MarshalIndent(m, "", "  ")
			if err != nil {
				return err
			}
			ids, bodies, times = append(ids, pool[k].id), append(bodies, b), append(times, t)
		}
		if err := publish(*mirror, eco, ids, bodies, times); err != nil {
			return err
		}
		counts[eco] = len(ids)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"revised": *n, "by_ecosystem": counts, "pool": len(pool)})
}

func readZip(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// cmdRezip rebuilds <eco>/all.zip of every ecosystem with a listing: the
// archive's records, each listed id replaced by (or added as) its
// <ID>.json.
func cmdRezip(args []string) error {
	fs := flag.NewFlagSet("rezip", flag.ExitOnError)
	mirror := fs.String("mirror", "", "mirror directory")
	fs.Parse(args)
	ents, err := os.ReadDir(*mirror)
	if err != nil {
		return err
	}
	for _, e := range ents {
		dir := filepath.Join(*mirror, e.Name())
		listing, err := os.ReadFile(filepath.Join(dir, "modified_id.csv"))
		if !e.IsDir() || err != nil {
			continue
		}
		listed := map[string]bool{}
		for _, l := range strings.Split(string(listing), "\n") {
			if _, id, ok := strings.Cut(strings.TrimSpace(l), ","); ok {
				listed[id] = true
			}
		}
		zr, err := zip.OpenReader(filepath.Join(dir, "all.zip"))
		if err != nil {
			return err
		}
		tmp := filepath.Join(dir, "all.zip.tmp")
		out, err := os.Create(tmp)
		if err != nil {
			return err
		}
		zw := zip.NewWriter(out)
		put := func(name string, b []byte) error {
			w, err := zw.Create(name)
			if err == nil {
				_, err = w.Write(b)
			}
			return err
		}
		for _, f := range zr.File {
			id := strings.TrimSuffix(f.Name, ".json")
			if listed[id] {
				continue
			}
			b, err := readZip(f)
			if err == nil {
				err = put(f.Name, b)
			}
			if err != nil {
				return err
			}
		}
		zr.Close()
		ids := make([]string, 0, len(listed))
		for id := range listed {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			b, err := os.ReadFile(filepath.Join(dir, id+".json"))
			if errors.Is(err, os.ErrNotExist) {
				continue // withdrawn
			}
			if err == nil {
				err = put(id+".json", b)
			}
			if err != nil {
				return err
			}
		}
		if err := zw.Close(); err != nil {
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, "all.zip")); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "rezip: %s: %d listed records folded in\n", e.Name(), len(ids))
	}
	return nil
}

type client struct {
	base, token string
	http        *http.Client
}

func newClient(base string, conns int) (*client, error) {
	tok := os.Getenv("VIGIL_TOKEN")
	if tok == "" {
		return nil, errors.New("VIGIL_TOKEN is not set")
	}
	return &client{base: base, token: tok, http: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: conns + 2, MaxConnsPerHost: conns + 2}, Timeout: 30 * time.Minute}}, nil
}

func (c *client) do(ctx context.Context, method, path string, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode/100 != 2 {
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
}

// readers issue reads at a fixed rate (open loop: a request is due at its
// scheduled time whether or not the previous ones are done; its latency
// counts from then, so a stalled server shows up in full) on conns
// connections: the findings list of a random project, and the summary.
type readers struct {
	c        *client
	projects int
	rate     float64
	conns    int

	mu   sync.Mutex
	lats []sample
	errs int
}

type sample struct {
	at   time.Time // scheduled
	path string
	d    time.Duration
}

func (r *readers) run(ctx context.Context) {
	due := make(chan time.Time, 100_000)
	var wg sync.WaitGroup
	for range r.conns {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
			for at := range due {
				path := "/api/v1/summary"
				if rng.IntN(2) == 0 {
					path = fmt.Sprintf("/api/v1/findings?project=team-%03d&state=open", rng.IntN(r.projects))
				}
				code, err := r.c.do(context.WithoutCancel(ctx), "GET", path, nil)
				d := time.Since(at)
				r.mu.Lock()
				if err != nil || code != 200 {
					r.errs++
				} else {
					r.lats = append(r.lats, sample{at, strings.SplitN(path, "?", 2)[0], d})
				}
				r.mu.Unlock()
			}
		})
	}
	interval := time.Duration(float64(time.Second) / r.rate)
	next := time.Now()
	for ctx.Err() == nil {
		if w := time.Until(next); w > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(w):
			}
		}
		if ctx.Err() != nil {
			break
		}
		due <- next
		next = next.Add(interval)
	}
	close(due)
	wg.Wait()
}

// stats of the reads scheduled within [from, to).
func (r *readers) stats(from, to time.Time) map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]any{}
	by := map[string][]time.Duration{}
	for _, s := range r.lats {
		if !s.at.Before(from) && s.at.Before(to) {
			by["all"] = append(by["all"], s.d)
			by[s.path] = append(by[s.path], s.d)
		}
	}
	for k, ds := range by {
		out[k] = latStats(ds)
	}
	out["errors"] = r.errs
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func readerFlags(fs *flag.FlagSet) (base *string, projects *int, rate *float64, conns *int) {
	return fs.String("url", "http://127.0.0.1:8080", "server URL"), fs.Int("projects", 200, "projects of the portfolio (team-000 ...)"),
		fs.Float64("rate", 20, "reads per second"), fs.Int("c", 8, "reader connections")
}

// countFindings pages through the findings of a vulnerability.
func countFindings(ctx context.Context, c *client, vuln string) (int, error) {
	n, cursor := 0, ""
	for {
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		p := "/api/v1/findings?state=open&limit=1000&vulnerability=" + url.QueryEscape(vuln)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		if code, err := c.do(ctx, "GET", p, &page); err != nil || code != 200 {
			return n, fmt.Errorf("GET %s: %d %v", p, code, err)
		}
		n += len(page.Items)
		if page.NextCursor == "" || len(page.Items) == 0 {
			return n, nil
		}
		cursor = page.NextCursor
	}
}

func cmdRefresh(args []string) error {
	fs := flag.NewFlagSet("refresh", flag.ExitOnError)
	base, projects, rate, conns := readerFlags(fs)
	vuln := fs.String("vuln", "", "advisory whose first finding to wait for (and count after)")
	baseline := fs.Duration("baseline", 5*time.Second, "reads before the refresh (idle latency)")
	fs.Parse(args)
	c, err := newClient(*base, *conns)
	if err != nil {
		return err
	}
	ctx := context.Background()
	rd := &readers{c: c, projects: *projects, rate: *rate, conns: *conns}
	rctx, stop := context.WithCancel(ctx)
	rdone := make(chan struct{})
	go func() { rd.run(rctx); close(rdone) }()
	b0 := time.Now()
	time.Sleep(*baseline)

	out := map[string]any{}
	t0 := time.Now()
	visible := make(chan time.Duration, 1)
	pctx, pstop := context.WithCancel(ctx)
	if *vuln != "" {
		go func() {
			p := "/api/v1/findings?state=open&limit=1&vulnerability=" + url.QueryEscape(*vuln)
			for pctx.Err() == nil {
				var page struct {
					Items []json.RawMessage `json:"items"`
				}
				if code, err := c.do(pctx, "GET", p, &page); err == nil && code == 200 && len(page.Items) > 0 {
					visible <- time.Since(t0)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	var res map[string]any
	code, err := c.do(ctx, "POST", "/api/v1/admin/refresh", &res)
	t1 := time.Now()
	if err != nil || code != 200 {
		stop()
		pstop()
		return fmt.Errorf("refresh: %d %v", code, err)
	}
	out["refresh_ms"] = ms(t1.Sub(t0))
	for _, k := range []string{"duration", "packages", "artifacts", "created", "resolved", "reopened", "updated"} {
		out[k] = res[k]
	}
	if *vuln != "" {
		select {
		case d := <-visible:
			out["first_visible_ms"] = ms(d)
		case <-time.After(10 * time.Second):
			out["first_visible_ms"] = nil
		}
	}
	pstop()
	stop()
	<-rdone
	out["reads_idle"] = rd.stats(b0, t0)
	out["reads_during_refresh"] = rd.stats(t0, t1)
	if *vuln != "" {
		n, err := countFindings(ctx, c, *vuln)
		if err != nil {
			return err
		}
		out["visible_findings"] = n
	}
	var changes []map[string]any
	if cs, ok := res["changes"].([]any); ok {
		for _, x := range cs {
			m, _ := x.(map[string]any)
			changes = append(changes, map[string]any{"ecosystem": m["ecosystem"], "added": count(m["added"]), "modified": count(m["modified"]), "withdrawn": count(m["withdrawn"])})
		}
	}
	out["changes"] = changes
	return json.NewEncoder(os.Stdout).Encode(out)
}

func count(x any) int {
	l, _ := x.([]any)
	return len(l)
}

// cmdRead runs the readers from the moment the server answers until a
// line of its log holds -until, and prints their latencies with that line.
func cmdRead(args []string) error {
	fs := flag.NewFlagSet("read", flag.ExitOnError)
	base, projects, rate, conns := readerFlags(fs)
	logFile := fs.String("log", "", "the server's log")
	until := fs.String("until", "vulnerability database ready", "stop at the first log line holding this")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after")
	fs.Parse(args)
	c, err := newClient(*base, *conns)
	if err != nil {
		return err
	}
	ctx := context.Background()
	deadline := time.Now().Add(*timeout)
	for {
		if code, err := c.do(ctx, "GET", "/healthz", nil); err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("server not up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	rd := &readers{c: c, projects: *projects, rate: *rate, conns: *conns}
	rctx, stop := context.WithCancel(ctx)
	rdone := make(chan struct{})
	t0 := time.Now()
	go func() { rd.run(rctx); close(rdone) }()
	var line string
	for line == "" {
		if time.Now().After(deadline) {
			stop()
			return errors.New("timed out waiting for " + *until)
		}
		f, err := os.Open(*logFile)
		if err == nil {
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				if strings.Contains(sc.Text(), *until) {
					line = sc.Text()
					break
				}
			}
			f.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t1 := time.Now()
	stop()
	<-rdone
	var l map[string]any
	json.Unmarshal([]byte(line), &l)
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"wall_ms": ms(t1.Sub(t0)), "log": l, "reads": rd.stats(t0, t1)})
}

// cmdSummarize prints the median (and range) over the runs of each phase
// of a results.jsonl that bench/serve-rematch.sh wrote.
func cmdSummarize(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: rematchbench summarize results.jsonl")
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	type metric struct{ name, path string }
	byPhase := map[string][]map[string]any{}
	var phases []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			return err
		}
		ph, _ := m["phase"].(string)
		if byPhase[ph] == nil {
			phases = append(phases, ph)
		}
		byPhase[ph] = append(byPhase[ph], m)
	}
	get := func(m map[string]any, path string) (float64, bool) {
		var x any = m
		for _, k := range strings.Split(path, ".") {
			mm, ok := x.(map[string]any)
			if !ok {
				return 0, false
			}
			x = mm[k]
		}
		switch v := x.(type) {
		case float64:
			return v, true
		case string: // a Go duration
			if d, err := time.ParseDuration(v); err == nil {
				return ms(d), true
			}
		}
		return 0, false
	}
	common := []metric{{"peak RSS MiB", "peak_rss_mib"}, {"reads p50 ms", "R.all.p50_ms"}, {"reads p99 ms", "R.all.p99_ms"}, {"reads max ms", "R.all.max_ms"},
		{"summary p99 ms", "R./api/v1/summary.p99_ms"}, {"findings p99 ms", "R./api/v1/findings.p99_ms"}, {"reads n", "R.all.n"}, {"read errors", "R.errors"}}
	refresh := append([]metric{{"refresh request ms", "refresh_ms"}, {"server duration ms", "duration"}, {"update part ms", "update_ms"},
		{"first finding visible ms", "first_visible_ms"}, {"findings visible after", "visible_findings"}, {"expected findings", "expected_findings"},
		{"packages", "packages"}, {"artifacts", "artifacts"}, {"created", "created"}, {"resolved", "resolved"}, {"updated", "updated"},
		{"reads idle p99 ms", "reads_idle.all.p99_ms"}}, common...)
	full := append([]metric{{"re-match duration ms (log)", "log.duration"}, {"wall from listening ms", "wall_ms"}, {"artifacts", "log.artifacts_rematched"}}, common...)
	for _, ph := range phases {
		runs := byPhase[ph]
		ms := refresh
		reads := "reads_during_refresh"
		if ph == "start" || ph == "full-rematch" {
			ms, reads = full, "reads"
		}
		fmt.Printf("%s (%d runs)\n", ph, len(runs))
		for _, mt := range ms {
			path := strings.Replace(mt.path, "R.", reads+".", 1)
			var vs []float64
			for _, r := range runs {
				if v, ok := get(r, path); ok {
					vs = append(vs, v)
				}
			}
			if len(vs) == 0 {
				continue
			}
			slices.Sort(vs)
			fmt.Printf("  %-28s median %10.1f   (min %.1f, max %.1f)\n", mt.name, vs[len(vs)/2], vs[0], vs[len(vs)-1])
		}
	}
	return nil
}

func printJSON(v any) error { return json.NewEncoder(os.Stdout).Encode(v) }
