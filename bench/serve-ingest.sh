#!/usr/bin/env bash
# Whole-process ingest benchmark (issue 11): starts a real `vigil serve`
# (SQLite in a fresh data dir, or PostgreSQL in a fresh schema of the local
# server), pushes N real-shaped 500-package CycloneDX SBOMs from C
# concurrent clients over loopback (bench/cmd/ingestload, gzip'd as
# `vigil scan --push` sends them, matching included), and reports SBOMs/s,
# latencies, the server's CPU per SBOM and its peak RSS (VmHWM, and the
# largest VmRSS sampled during the pushes).
#
# Usage: bench/serve-ingest.sh [sqlite|postgres|both]   (default: both)
# Environment: N (10000), C (8), PG_URL (postgres://postgres@127.0.0.1:5432/test?sslmode=disable),
# VIGIL (a vigil binary to measure instead of building this tree's into /tmp/vigil),
# PREGEN (1: ingestload generates every body before the pushes; 0: each just
# before its push, on the clients' CPU), PERF_OUT (record the server's CPU samples during the pushes with
# `perf record -e cpu-clock -g` into this file, for `perf report`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared/vulndb/osv" && pwd)
N=${N:-10000}
C=${C:-8}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
work=$(mktemp -d /tmp/vigil-ingest.XXXXXX)
pid=
schema=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$schema" ]; then psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export PGOPTIONS='-c client_min_messages=warning'
if [ -z "${VIGIL:-}" ]; then
  (cd "$root" && go build -o /tmp/vigil ./cmd/vigil)
  VIGIL=/tmp/vigil
fi
(cd "$root" && go build -o "$work/ingestload" ./bench/cmd/ingestload)

# cpu_s PID: user+system CPU seconds of a process so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat"; }
kib() { awk -v k="$2" '$1==k":" {print $2}' "/proc/$1/status"; }

run() {
  local backend=$1 data=$work/$1 db=()
  mkdir -p "$data"
  if [ "$backend" = postgres ]; then
    schema=vigil_bench_$$
    psql "$PG_URL" -qc "CREATE SCHEMA $schema" >/dev/null
    db=(--database "$PG_URL&search_path=$schema")
  fi
  local tok port
  tok=$("$VIGIL" token create --data-dir "$data" "${db[@]}" --role writer)
  mtok=$("$VIGIL" token create --data-dir "$data" "${db[@]}" --role metrics --name bench)
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  "$VIGIL" serve --data-dir "$data" "${db[@]}" --listen "127.0.0.1:$port" --vulndb-from "$shared" --log-level warn 2>"$work/$backend.log" &
  pid=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "server not ready"; cat "$work/$backend.log"; exit 1; }
  local hwm_start cpu0 load0
  # The writer's totals (vigil_store_*), before and after the pushes.
  scrape() { curl -sf -H "Authorization: Bearer $mtok" "http://127.0.0.1:$port/metrics" | awk '/^vigil_store_/ {print $1"="$2}' | tr '\n' ' '; }
  local w0 w1
  w0=$(scrape)
  hwm_start=$(kib "$pid" VmHWM)
  cpu0=$(cpu_s "$pid")
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  # Sample RSS while the pushes run.
  (max=0; while kill -0 "$pid" 2>/dev/null; do r=$(kib "$pid" VmRSS); [ "${r:-0}" -gt "$max" ] && max=$r && echo "$max" >"$work/rss"; sleep 0.5; done) &
  local sampler=$!
  local perfpid=
  if [ -n "${PERF_OUT:-}" ]; then
    perf record -q -e cpu-clock -F 999 -g -p "$pid" -o "$PERF_OUT.$backend" 2>/dev/null &
    perfpid=$!
  fi
  VIGIL_TOKEN=$tok "$work/ingestload" -url "http://127.0.0.1:$port" -n "$N" -c "$C" -pregen="$([ "${PREGEN:-1}" = 1 ] && echo true || echo false)" >"$work/$backend.json"
  if [ -n "$perfpid" ]; then kill -INT "$perfpid"; wait "$perfpid" || true; fi
  local cpu1 hwm rss load1
  cpu1=$(cpu_s "$pid")
  w1=$(scrape)
  hwm=$(kib "$pid" VmHWM)
  load1=$(cut -d' ' -f1-3 /proc/loadavg)
  kill "$sampler" 2>/dev/null || true
  rss=$(cat "$work/rss" 2>/dev/null || echo 0)
  kill -TERM "$pid"; wait "$pid" || true
  pid=
  python3 - "$backend" "$work/$backend.json" "$cpu0" "$cpu1" "$hwm_start" "$hwm" "$rss" "$load0" "$load1" "$w0" "$w1" <<'PY'
import json, sys
b, f, c0, c1, h0, h1, rss, l0, l1, w0, w1 = sys.argv[1:]
def stats(t):
    return {k: float(v) for k, v in (kv.split("=") for kv in t.split())}
w0, w1 = stats(w0), stats(w1)
dw = {k: w1.get(k, 0) - w0.get(k, 0) for k in w1}
r = json.load(open(f))
n = r["sboms"]
print(f"{b}: {n} SBOMs ({r['failed']} failed) from {r['clients']} clients in {r['seconds']:.1f} s = {r['sboms_per_s']:.1f} SBOMs/s; "
      f"latency p50 {r['latency_ms_p50']:.0f} ms, p99 {r['latency_ms_p99']:.0f} ms; "
      f"server CPU {1000*(float(c1)-float(c0))/max(n,1):.2f} ms/SBOM; "
      f"peak RSS {int(h1)//1024} MiB (VmHWM; {int(h0)//1024} MiB after start-up, max sampled VmRSS during pushes {int(rss)//1024} MiB); "
      f"gzip body {r['mean_gzip_bytes']//1024} KiB; "
      f"clients' CPU {r.get('client_cpu_ms_per_sbom', 0):.2f} ms/SBOM (bodies {'generated before the pushes' if r.get('pregenerated') else 'generated during the pushes'}); "
      f"load average {l0} -> {l1}")
if dw.get("vigil_store_ingests_total"):
    ing, secs = dw["vigil_store_ingests_total"], r["seconds"]
    print(f"{b} writer: busy {1000*dw['vigil_store_writer_busy_seconds_total']/ing:.2f} ms/SBOM "
          f"(commit {1000*dw['vigil_store_writer_commit_seconds_total']/ing:.2f}), "
          f"{100*dw['vigil_store_writer_busy_seconds_total']/secs:.0f}% of the wall time; "
          f"{ing/max(dw['vigil_store_ingest_groups_total'], 1):.2f} ingests per group commit, "
          f"{dw['vigil_store_writer_commits_total']:.0f} commits in all")
PY
  if [ "$backend" = postgres ]; then psql "$PG_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null; schema=; fi
}

echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)" MiB"}' /proc/meminfo), $(go version | cut -d' ' -f3), commit $(cd "$root" && git rev-parse --short HEAD)"
case "${1:-both}" in
  sqlite) run sqlite ;;
  postgres) run postgres ;;
  both) run sqlite; run postgres ;;
  *) echo "usage: $0 [sqlite|postgres|both]" >&2; exit 2 ;;
esac
