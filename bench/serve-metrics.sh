#!/usr/bin/env bash
# /metrics scrape benchmark of issue 13 ("/metrics is scraped in under
# 100 ms on the 100,000-artifact portfolio of the re-match benchmark"), on
# a copy of a portfolio loaded by bench/serve-rematch.sh (SQLite,
# PORTFOLIO_DIR; loaded first with LOAD_ONLY=1 when PORTFOLIO_DIR has none):
# builds vigil, starts `vigil serve` on the copy, waits for the start-up
# re-match to end ("vulnerability database ready") and for a portfolio
# aggregate, then, with a metrics-role token (bench/cmd/rematchbench scrape):
#
#   scrape   N scrapes on one connection, then N on CONNS connections:
#            median, p90, p99, max; the aggregate's compute time
#            (vigil_metrics_aggregate_duration_seconds) and encode time
#            (vigil_metrics_encode_duration_seconds), as the server reports
#            them; the server's CPU time during the scrapes
#   idle     IDLE seconds without requests: the server's CPU time, i.e.
#            the background aggregate's cost per interval
#   rematch  scrapes on one connection while one new advisory for the 20%
#            package (serve-rematch.sh phase a) is refreshed and re-matched
#
# and the server's peak RSS (VmHWM) over the whole run.
#
# Usage: bench/serve-metrics.sh
# Environment: PORTFOLIO_DIR (required), ARTIFACTS and PROJECTS (for a
# first load only; serve-rematch.sh's defaults), N (200), CONNS (8),
# IDLE (90), METRICS_INTERVAL (30s, the server's default), YEAR (2027: the
# advisory's id and modified time; a later one for a mirror with this
# year's already), OUT (results directory, default
# bench/results/metrics-<date>; not committed unless you add it), KEEP=1
# (keep the work directory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${PORTFOLIO_DIR:?set PORTFOLIO_DIR (a portfolio of bench/serve-rematch.sh, SQLite)}"
N=${N:-200}
CONNS=${CONNS:-8}
IDLE=${IDLE:-90}
METRICS_INTERVAL=${METRICS_INTERVAL:-30s}
YEAR=${YEAR:-2027}
bin=$(mktemp -d /tmp/vigil-metrics-bin.XXXXXX)
work=
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$work" ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
  rm -rf "$bin"
}
trap cleanup EXIT
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

if [ ! -f "$PORTFOLIO_DIR/portfolio.json" ]; then
  log "no portfolio in $PORTFOLIO_DIR: loading one (bench/serve-rematch.sh, LOAD_ONLY=1)"
  LOAD_ONLY=1 "$root/bench/serve-rematch.sh" sqlite
fi
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$bin/vigil" ./cmd/vigil &&
  go build -o "$bin/rematchbench" ./bench/cmd/rematchbench)
VIGIL=$bin/vigil

out=${OUT:-$root/bench/results/metrics-$(date -u +%Y%m%dT%H%M)}
mkdir -p "$out"
work=$(mktemp -d /tmp/vigil-metrics.XXXXXX)
log "copying the portfolio of $PORTFOLIO_DIR ($(du -sh "$PORTFOLIO_DIR" | cut -f1))"
cp -a "$PORTFOLIO_DIR/data" "$PORTFOLIO_DIR/mirror" "$work/"
cp "$PORTFOLIO_DIR/portfolio.json" "$out/"
data=$work/data mirror=$work/mirror
{
  echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {print int($2/1024)" MiB"}' /proc/meminfo), $(go version | cut -d' ' -f3), commit $(cd "$root" && git rev-parse --short HEAD), backend sqlite"
  echo "portfolio: $(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print(d.get("artifacts"), "artifacts,", d.get("projects"), "projects,", d.get("findings", "?"), "findings")' "$out/portfolio.json") ($PORTFOLIO_DIR; vigil.db $(du -sh "$data/vigil.db" | cut -f1)); N=$N, CONNS=$CONNS, metrics-interval $METRICS_INTERVAL"
} | tee "$out/machine.txt"
export VIGIL_TOKEN VIGIL_METRICS_TOKEN
VIGIL_TOKEN=$("$VIGIL" token create --data-dir "$data" --role admin)
VIGIL_METRICS_TOKEN=$("$VIGIL" token create --data-dir "$data" --role metrics --name prometheus)

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
url=http://127.0.0.1:$port
tck=$(getconf CLK_TCK)
cpu() { awk -v t="$tck" '{printf "%.2f", ($14 + $15) / t}' "/proc/$pid/stat"; }
hwm() { echo $(($(awk '$1=="VmHWM:" {print $2}' "/proc/$pid/status") / 1024)); }
load() { cut -d' ' -f1-3 /proc/loadavg; }
record() { # phase json extra-json
  python3 - "$@" <<'PY' | tee -a "$out/results.jsonl"
import json, sys
body = json.loads(sys.argv[2]); body.update(json.loads(sys.argv[3])); body["phase"] = sys.argv[1]
print(json.dumps(body, sort_keys=True))
PY
}

log "starting the server"
"$VIGIL" serve --data-dir "$data" --listen "127.0.0.1:$port" --vulndb-from "$mirror" --refresh-interval 0 \
  --metrics-interval "$METRICS_INTERVAL" --write-timeout 30m --log-level info 2>"$work/serve.log" &
pid=$!
t0=$(date +%s.%N)
until grep -q 'vulnerability database ready' "$work/serve.log"; do
  kill -0 "$pid" || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.2
done
ready=$(python3 -c "import time;print(round(time.time()-$t0,1))")
log "ready after ${ready}s (start-up re-match); scraping"
c0=$(cpu)
r=$("$bin/rematchbench" scrape -url "$url" -n "$N" -c "$CONNS")
record scrape "$r" "{\"server_cpu_s\": $(python3 -c "print(round($(cpu)-$c0,2))"), \"start_s\": $ready, \"peak_rss_mib\": $(hwm), \"load\": \"$(load)\"}"

log "idle ${IDLE}s"
c0=$(cpu)
sleep "$IDLE"
record idle "{}" "{\"seconds\": $IDLE, \"server_cpu_s\": $(python3 -c "print(round($(cpu)-$c0,2))"), \"peak_rss_mib\": $(hwm), \"load\": \"$(load)\"}"

log "one new advisory: scraping during its re-match"
"$bin/rematchbench" advisory -mirror "$mirror" -eco npm -name lodash -id "VGL-BENCH-$YEAR-0001" -modified "$YEAR-01-01T00:00:01Z"
c0=$(cpu)
r=$("$bin/rematchbench" scrape -url "$url" -refresh)
record rematch "$r" "{\"server_cpu_s\": $(python3 -c "print(round($(cpu)-$c0,2))"), \"peak_rss_mib\": $(hwm), \"load\": \"$(load)\"}"
# The aggregate after the re-match (the next one the background loop computes).
r=$("$bin/rematchbench" scrape -url "$url" -n 20 -c 2)
record after-rematch "$r" "{\"peak_rss_mib\": $(hwm), \"load\": \"$(load)\"}"

kill -TERM "$pid"; wait "$pid" || true; pid=
grep -v '"msg":"request"' "$work/serve.log" >"$out/server-events.log" || true
log "results in $out"
