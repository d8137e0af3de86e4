package server_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkPush pushes real-shaped CycloneDX SBOMs of 500 npm packages
// (80% drawn from a shared pool, as artifacts of one portfolio share most
// packages) over loopback HTTP from 8 concurrent clients, matching
// included. ns/op is per SBOM: 1e9/ns_op is SBOMs per second.
func BenchmarkPush(b *testing.B) {
	e := start(b)
	rng := rand.New(rand.NewPCG(1, 2))
	pool := make([]string, 5000)
	for i := range pool {
		pool[i] = fmt.Sprintf(`{"type":"library","name":"pkg-%d","version":"1.%d.0","purl":"pkg:npm/pkg-%d@1.%d.0"}`, i, i%7, i, i%7)
	}
	real := []string{`{"type":"library","name":"lodash","version":"4.17.15","purl":"pkg:npm/lodash@4.17.15"}`, `{"type":"library","name":"minimist","version":"1.2.0","purl":"pkg:npm/minimist@1.2.0"}`}
	docs := make([]string, 64)
	for d := range docs {
		comps := append([]string{}, real...)
		for i := 0; i < 400; i++ {
			comps = append(comps, pool[rng.IntN(len(pool))])
		}
		for i := 0; i < 98; i++ {
			comps = append(comps, fmt.Sprintf(`{"type":"library","name":"own-%d-%d","version":"0.0.1","purl":"pkg:npm/own-%d-%d@0.0.1"}`, d, i, d, i))
		}
		docs[d] = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` + strings.Join(comps, ",") + `]}`
	}
	b.SetParallelism(4) // 8 clients on 2 cores
	b.ResetTimer()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			doc := strings.Replace(docs[i%int64(len(docs))], "[", fmt.Sprintf(`[{"type":"library","name":"build-%d","version":"1.0.0","purl":"pkg:npm/build-%d@1.0.0"},`, i, i), 1)
			req, _ := http.NewRequest("POST", e.url+"/api/v1/projects/bench/artifacts", strings.NewReader(doc))
			req.Header.Set("Authorization", "Bearer "+e.admin)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				b.Errorf("push: %d", resp.StatusCode)
			}
		}
	})
}
