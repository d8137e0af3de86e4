package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/audit"
)

// appendAuditBulk appends n finding.state-shaped records through the
// store's append path (tx.audit: chained to the head, head moved), in
// transactions of 10,000 records.
func appendAuditBulk(tb testing.TB, s *Store, n int) {
	tb.Helper()
	ctx := context.Background()
	for done := 0; done < n; {
		batch := min(10_000, n-done)
		err := s.write(ctx, func(t *tx) error {
			for i := range batch {
				id := int64(done + i + 1)
				rec := stateAudit{Project: "bench", ArtifactID: id % 997, Key: "vuln/npm/lodash@4.17." + strconv.FormatInt(id%40, 10), VulnerabilityID: "GHSA-bench-" + strconv.FormatInt(id, 10),
					From: StateOpen, To: StateFixed, Reason: "upgraded"}
				if err := t.audit(ctx, "token:1:ci", AuditFindingState, subject("finding", id), rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		done += batch
	}
}

// peakRSS is the process's peak resident set since the last resetPeakRSS
// (VmHWM), in bytes.
func peakRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeakRSS resets VmHWM to the current resident set (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkAuditVerify verifies a log of VIGIL_BENCH_AUDIT_RECORDS
// records (default 1,000,000) built through the append path; it reports
// ns and CPU ns per record and the peak RSS during the verify (VmHWM,
// reset after the build). bench/audit-verify.sh runs it.
func BenchmarkAuditVerify(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("VIGIL_BENCH_AUDIT_RECORDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	for _, bk := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		b.Run(fmt.Sprintf("%s/records=%d", bk.name, n), func(b *testing.B) {
			if bk.name == "postgres" && os.Getenv("VIGIL_BENCH_AUDIT_PG") == "" {
				b.Skip("set VIGIL_BENCH_AUDIT_PG=1 to build the log on PostgreSQL too")
			}
			s, _ := bk.open(b, nil)
			start := time.Now()
			appendAuditBulk(b, s, n)
			b.Logf("built %d records in %s", n, time.Since(start).Round(time.Millisecond))
			var peak int64
			b.ResetTimer()
			cpu0 := cpuTime()
			for b.Loop() {
				resetPeakRSS()
				rep, err := s.VerifyAudit(context.Background(), &audit.Verifier{})
				if err != nil || !rep.OK || rep.Records != int64(n) {
					b.Fatalf("verify: %v %+v", err, rep)
				}
				peak = max(peak, peakRSS())
			}
			cpu := cpuTime() - cpu0
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/record")
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		})
	}
}
