#!/usr/bin/env bash
# Re-match benchmarks of issue 12 on a real-shaped portfolio: builds vigil,
# copies the six ecosystems a -dist real portfolio uses from the shared OSV
# data into a temporary mirror, loads ARTIFACTS artifacts of ~500 packages
# (bench/cmd/portfolio -dist real: the OSV data's package distribution,
# Zipf popularity, one package, npm/lodash, in 20% of the artifacts),
# starts `vigil serve --vulndb-from MIRROR` and measures, with readers
# loading the findings and summary endpoints throughout (RATE reads/s on
# CONNS connections, bench/cmd/rematchbench):
#
#   start  the start-up re-match of the whole portfolio (same database)
#   a      ONE new advisory for the 20% package (written as <ID>.json and
#          listed in npm/modified_id.csv, as the OSV bucket publishes):
#          refresh request time, the server's own duration and its update
#          part (log), first finding visible in GET /api/v1/findings?vulnerability=ID,
#          and every finding visible once the refresh answers
#   b      1,000 revised advisories in one refresh (new modified time and
#          summary: every finding of each is updated)
#   c      full re-match after a fresh database import: the listed records
#          are folded into the archives, the server is stopped, its vulndb
#          directory removed and the server started again
#
# and the server's peak RSS (VmHWM, reset before each phase) for each.
#
# Usage: bench/serve-rematch.sh [sqlite|postgres|both]   (default: sqlite)
# Environment: ARTIFACTS (100000), PROJECTS (200), RUNS (3), RUNS_B and
# RUNS_C (runs of phases b and c, default RUNS), YEAR (2027: the year of
# the advisories' ids and modified times; a later one for a portfolio
# whose mirror has this year's already), RATE (20),
# CONNS (8), PG_URL (postgres://postgres@127.0.0.1:5432/test?sslmode=disable),
# PORTFOLIO_DIR (SQLite: load the portfolio once into this directory and
# copy it from there in later runs; with LOAD_ONLY=1 only load it),
# PROFILE=1 (run bench/cmd/profserve, the same server with pprof, and keep
# a CPU profile of each phase's first run: PROF_SECONDS, 60), OUT (results
# directory, default bench/results/rematch-<backend>-<date>; not committed
# unless you add it), KEEP=1 (keep the work directory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared/vulndb/osv" && pwd)
ARTIFACTS=${ARTIFACTS:-100000}
PROJECTS=${PROJECTS:-200}
RUNS=${RUNS:-3}
RUNS_B=${RUNS_B:-$RUNS}
RUNS_C=${RUNS_C:-$RUNS}
YEAR=${YEAR:-2027}
RATE=${RATE:-20}
CONNS=${CONNS:-8}
PROF_SECONDS=${PROF_SECONDS:-60}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
ecosystems=(Debian Go PyPI RubyGems crates.io npm)
bin=$(mktemp -d /tmp/vigil-rematch-bin.XXXXXX)
work=
pid=
schema=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$schema" ] && [ "${KEEP:-0}" != 1 ]; then psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; fi
  if [ -n "$work" ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
  rm -rf "$bin"
}
trap cleanup EXIT
export PGOPTIONS='-c client_min_messages=warning'

(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$bin/vigil" ./cmd/vigil &&
  go build -o "$bin/portfolio" ./bench/cmd/portfolio &&
  go build -o "$bin/rematchbench" ./bench/cmd/rematchbench &&
  go build -o "$bin/profserve" ./bench/cmd/profserve)
VIGIL=$bin/vigil

kib() { awk -v k="$2" '$1==k":" {print $2}' "/proc/$1/status"; }
freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

run() {
  local backend=$1
  work=$(mktemp -d /tmp/vigil-rematch.XXXXXX)
  local out=${OUT:-$root/bench/results/rematch-$backend-$(date -u +%Y%m%dT%H%M)}
  mkdir -p "$out"
  local data=$work/data mirror=$work/mirror db=() dburl
  if [ "$backend" = sqlite ] && [ -n "${PORTFOLIO_DIR:-}" ] && [ -f "$PORTFOLIO_DIR/portfolio.json" ]; then
    # A portfolio loaded before (PORTFOLIO_DIR, SQLite): a copy of it, so
    # this run's edits leave it as it was.
    log "copying the portfolio of $PORTFOLIO_DIR"
    cp -a "$PORTFOLIO_DIR/data" "$PORTFOLIO_DIR/mirror" "$work/"
    cp "$PORTFOLIO_DIR/portfolio.json" "$PORTFOLIO_DIR/load.txt" "$out/"
    {
      echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {print int($2/1024)" MiB"}' /proc/meminfo), $(go version | cut -d' ' -f3), commit $(cd "$root" && git rev-parse --short HEAD), backend $backend"
      echo "portfolio: $(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print(d.get("artifacts"), "artifacts,", d.get("projects"), "projects")' "$out/portfolio.json") (loaded before, $PORTFOLIO_DIR); readers $RATE/s on $CONNS connections"
    } | tee "$out/machine.txt"
    dburl=$data/vigil.db
    export VIGIL_TOKEN
    VIGIL_TOKEN=$("$VIGIL" token create --data-dir "$data" --role admin)
  else
    mkdir -p "$data" "$mirror"
    # The mirror: only the ecosystems the portfolio uses (a copy: the
    # benchmark edits it).
    for e in "${ecosystems[@]}"; do mkdir -p "$mirror/$e"; cp "$shared/$e/all.zip" "$mirror/$e/"; done
    printf '%s\n' "${ecosystems[@]}" >"$mirror/ecosystems.txt"
    dburl=$data/vigil.db
    if [ "$backend" = postgres ]; then
      schema=vigil_rematch_$$
      psql "$PG_URL" -qc "CREATE SCHEMA $schema" >/dev/null
      dburl="$PG_URL&search_path=$schema"
      db=(--database "$dburl")
    fi
    {
      echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {print int($2/1024)" MiB"}' /proc/meminfo), $(go version | cut -d' ' -f3), commit $(cd "$root" && git rev-parse --short HEAD), backend $backend"
      echo "portfolio: $ARTIFACTS artifacts, $PROJECTS projects; readers $RATE/s on $CONNS connections"
    } | tee "$out/machine.txt"
    "$VIGIL" db update --from "$mirror" --db-dir "$data/vulndb" >/dev/null
    local tok
    tok=$("$VIGIL" token create --data-dir "$data" "${db[@]}" --role admin)
    export VIGIL_TOKEN=$tok
    log "loading the portfolio"
    /usr/bin/time -f "portfolio load: %e s wall, %U s user, %S s sys, peak RSS %M KiB" \
      nice "$bin/portfolio" -dist real -osv "$shared" -db "$dburl" -vulndb "$data/vulndb" \
      -artifacts "$ARTIFACTS" -projects "$PROJECTS" -summary "$out/portfolio.json" 2>&1 | tee "$out/load.txt" >&2
    if [ "$backend" = sqlite ]; then du -sh "$data/vigil.db" | tee -a "$out/load.txt"; else
      psql "$PG_URL" -Atc "SELECT pg_size_pretty(sum(pg_total_relation_size(quote_ident('$schema')||'.'||quote_ident(tablename)))) FROM pg_tables WHERE schemaname='$schema'" | sed 's/^/postgres schema size: /' | tee -a "$out/load.txt"
    fi
    if [ "$backend" = sqlite ] && [ -n "${PORTFOLIO_DIR:-}" ]; then
      # Keep the loaded portfolio for later runs (PORTFOLIO_DIR).
      mkdir -p "$PORTFOLIO_DIR"
      cp -a "$data" "$mirror" "$PORTFOLIO_DIR/"
      cp "$out/portfolio.json" "$out/load.txt" "$PORTFOLIO_DIR/"
    fi
  fi
  if [ "${LOAD_ONLY:-0}" = 1 ]; then log "loaded (LOAD_ONLY=1)"; rm -rf "$work"; work=; return; fi
  local hot
  hot=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["hot_artifacts"])' "$out/portfolio.json")

  local port pport
  port=$(freeport)
  pport=$(freeport)
  local url=http://127.0.0.1:$port
  start_server() { # log file
    if [ "${PROFILE:-0}" = 1 ]; then
      local pdb=()
      if [ "$backend" = postgres ]; then pdb=(-database "$dburl"); fi
      "$bin/profserve" -data-dir "$data" "${pdb[@]}" -listen "127.0.0.1:$port" -vulndb-from "$mirror" -pprof "127.0.0.1:$pport" 2>"$1" &
    else
      "$VIGIL" serve --data-dir "$data" "${db[@]}" --listen "127.0.0.1:$port" --vulndb-from "$mirror" \
        --refresh-interval 0 --write-timeout 30m --log-level info 2>"$1" &
    fi
    pid=$!
  }
  stop_server() { kill -TERM "$pid"; wait "$pid" || true; pid=; }
  prof=
  profile() { # name: a CPU profile of the next PROF_SECONDS, in the background
    if [ "${PROFILE:-0}" = 1 ]; then
      for _ in $(seq 200); do curl -fsS -o /dev/null "http://127.0.0.1:$pport/debug/pprof/" 2>/dev/null && break; sleep 0.05; done
      curl -fsS -o "$out/$1.pprof" "http://127.0.0.1:$pport/debug/pprof/profile?seconds=$PROF_SECONDS" &
      prof=$!
    fi
  }
  wait_profile() { if [ -n "$prof" ]; then wait "$prof" || true; prof=; fi; }
  reset_hwm() { echo 5 >"/proc/$pid/clear_refs"; }
  hwm() { echo $(($(kib "$pid" VmHWM) / 1024)); }
  # update_ms LOG: the "updated database" duration of the last refresh.
  update_ms() { grep '"msg":"updated database"' "$1" | tail -1 | python3 -c 'import json,sys;print(round(json.loads(sys.stdin.read())["duration"]/1e6))'; }
  reads() { "$bin/rematchbench" read -url "$url" -projects "$PROJECTS" -rate "$RATE" -c "$CONNS" -log "$1" -timeout 3h; }
  record() { # phase run json...
    python3 - "$@" <<'PY' | tee -a "$out/results.jsonl"
import json, sys
phase, run, body, extra = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
body.update(extra); body["phase"], body["run"] = phase, int(run)
print(json.dumps(body, sort_keys=True))
PY
  }

  # start: the start-up re-match of everything (same database).
  log "starting the server; start-up re-match"
  start_server "$work/serve-0.log"
  profile start
  local r
  r=$(reads "$work/serve-0.log")
  record start 1 "$r" "{\"peak_rss_mib\": $(hwm)}"
  wait_profile

  # a: one new advisory, RUNS times (each a new id).
  local i
  for i in $(seq 1 "$RUNS"); do
    local id=VGL-BENCH-$YEAR-000$i
    "$bin/rematchbench" advisory -mirror "$mirror" -eco npm -name lodash -id "$id" -modified "$YEAR-01-01T00:00:0${i}Z"
    reset_hwm
    [ "$i" = 1 ] && profile one-advisory
    r=$("$bin/rematchbench" refresh -url "$url" -vuln "$id" -projects "$PROJECTS" -rate "$RATE" -c "$CONNS")
    record one-advisory "$i" "$r" "{\"peak_rss_mib\": $(hwm), \"update_ms\": $(update_ms "$work/serve-0.log"), \"expected_findings\": $hot}"
    wait_profile
  done

  # b: 1,000 revised advisories in one refresh, RUNS times.
  for i in $(seq 1 "$RUNS_B"); do
    "$bin/rematchbench" modify -mirror "$mirror" -n 1000 -seed "$i" -modified "$YEAR-01-0$((1 + i))T00:00:00Z" >"$work/modify-$i.json"
    reset_hwm
    [ "$i" = 1 ] && profile thousand-advisories
    r=$("$bin/rematchbench" refresh -url "$url" -projects "$PROJECTS" -rate "$RATE" -c "$CONNS")
    record thousand-advisories "$i" "$r" "{\"peak_rss_mib\": $(hwm), \"update_ms\": $(update_ms "$work/serve-0.log"), \"modify\": $(cat "$work/modify-$i.json")}"
    wait_profile
  done

  # c: a fresh import (the archives now hold what the listings brought),
  # then the start-up re-match of everything, RUNS times.
  "$bin/rematchbench" rezip -mirror "$mirror"
  for i in $(seq 1 "$RUNS_C"); do
    stop_server
    rm -rf "$data/vulndb"
    start_server "$work/serve-c$i.log"
    [ "$i" = 1 ] && profile full-rematch
    r=$(reads "$work/serve-c$i.log")
    record full-rematch "$i" "$r" "{\"peak_rss_mib\": $(hwm)}"
    wait_profile
  done
  stop_server
  "$bin/rematchbench" summarize "$out/results.jsonl" | tee "$out/summary.txt"
  cp "$work"/serve-*.log "$out/" 2>/dev/null || true
  grep -v '"msg":"request"' "$out"/serve-*.log >"$out/server-events.log" || true
  rm -f "$out"/serve-*.log
  if [ "$backend" = postgres ] && [ "${KEEP:-0}" != 1 ]; then psql "$PG_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null; schema=; fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
  work=
  log "results in $out"
}

case "${1:-sqlite}" in
  sqlite) run sqlite ;;
  postgres) run postgres ;;
  both) run sqlite; run postgres ;;
  *) echo "usage: $0 [sqlite|postgres|both]" >&2; exit 2 ;;
esac
