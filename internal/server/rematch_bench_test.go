package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/server"
)

// BenchmarkRematchOneAdvisory is phase (a) of bench/serve-rematch.sh in
// one process: 5,000 artifacts (one re-match window) hold lodash, at one
// of four real versions with their real advisories, beside 40 packages
// from a shared pool; each round publishes one new advisory affecting
// every lodash version and refreshes: ns/op is from the refresh request
// to its answer, when every new finding is committed. cpu-us/finding is
// the process's CPU (server and clients) per finding created, which
// bounds "20,000 findings in under a second" on the 100,000-artifact
// portfolio.
func BenchmarkRematchOneAdvisory(b *testing.B) {
	const artifacts = 5000
	m := newFeedMirror(b)
	e := startWith(b, startOptions{from: m.url})
	lodash := []string{"4.17.4", "4.17.15", "4.17.20", "4.17.21"}
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				comps := []string{fmt.Sprintf(`{"type":"library","name":"lodash","version":%q,"purl":"pkg:npm/lodash@%s"}`, lodash[i%4], lodash[i%4])}
				for j := range 40 {
					k := (i*37 + j*11) % 2000
					comps = append(comps, fmt.Sprintf(`{"type":"library","name":"pool-%d","version":"1.%d.0","purl":"pkg:npm/pool-%d@1.%d.0"}`, k, k%5, k, k%5))
				}
				comps = append(comps, fmt.Sprintf(`{"type":"library","name":"app-%d","version":"1.0.0","purl":"pkg:npm/app-%d@1.0.0"}`, i, i))
				doc := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` + strings.Join(comps, ",") + `]}`
				req, _ := http.NewRequest("POST", e.url+fmt.Sprintf("/api/v1/projects/p%d/artifacts", i%50), strings.NewReader(doc))
				req.Header.Set("Authorization", "Bearer "+e.admin)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Error(err)
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != 201 {
					b.Errorf("push %d: %d", i, resp.StatusCode)
				}
			}
		})
	}
	for i := range artifacts {
		work <- i
	}
	close(work)
	wg.Wait()
	m.reset()
	var cpu time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		id := fmt.Sprintf("VGL-BENCH-%04d", n)
		m.publish(id, fmt.Sprintf("2026-12-01T00:%02d:%02dZ", n/60, n%60), advisory(id, "lodash", "2026-12-01T00:00:00Z", "99.0.0", ""))
		cpu0 := processCPU()
		b.StartTimer()
		var r server.RefreshResult
		if code := e.do("POST", "/api/v1/admin/refresh", e.admin, nil, &r); code != 200 {
			b.Fatalf("refresh: %d", code)
		}
		b.StopTimer()
		cpu += processCPU() - cpu0
		if r.Created != artifacts {
			b.Fatalf("refresh %d: %+v, want %d findings created", n, r, artifacts)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*artifacts), "cpu-us/finding")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
