#!/usr/bin/env bash
# Audit verify cost on a large log (issue 14): BenchmarkAuditVerify builds
# a log of RECORDS records (default 1,000,000) through the store's append
# path (tx.audit, transactions of 10,000) and verifies it with
# Store.VerifyAudit (one read snapshot, rows streamed into audit.Verifier),
# COUNT times. It reports ns and CPU ns per record and the peak RSS of the
# verify (VmHWM, reset after the build); /usr/bin/time gives the whole
# process's peak (the build included). PG=1 runs PostgreSQL too
# (127.0.0.1:5432, database test).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-1000000}
COUNT=${COUNT:-3}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
VIGIL_BENCH_AUDIT_RECORDS=$RECORDS VIGIL_BENCH_AUDIT_PG=${PG:-} /usr/bin/time -v \
	go test ./internal/store -run '^$' -bench '^BenchmarkAuditVerify$' -benchtime "${COUNT}x" -timeout 60m 2>&1 |
	grep -E 'Benchmark|built|Maximum resident|Elapsed|ok|FAIL'
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
