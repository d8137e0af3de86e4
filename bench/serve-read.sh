#!/usr/bin/env bash
# Read latency of `vigil serve` on a portfolio of 10,000 artifacts (issue 11):
# wrk with 64 connections on the findings list of one project and on the
# summary; p99 must stay below 50 ms. Also prints the server's peak RSS.
#
#   bench/serve-read.sh                 # SQLite in a temporary data dir
#   DATABASE=postgres://127.0.0.1:5432/vigil_bench?sslmode=disable bench/serve-read.sh
#
# Env: ARTIFACTS (10000), PROJECTS (50), DURATION (20s), PORT (18431).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
artifacts="${ARTIFACTS:-10000}" projects="${PROJECTS:-50}" duration="${DURATION:-20s}" port="${PORT:-18431}"
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=""
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$work/vigil" ./cmd/vigil && go build -o "$work/portfolio" ./bench/cmd/portfolio)

dbflag=(--data-dir "$work/data")
dburl="$work/data/vigil.db"
mkdir -p "$work/data"
if [ -n "${DATABASE:-}" ]; then
  dbflag=(--data-dir "$work/data" --database "$DATABASE")
  dburl="$DATABASE"
fi
"$work/vigil" db update --from "$root/../shared/vulndb/osv" --db-dir "$work/data/vulndb" >/dev/null
# Migrations first (token create applies them), then the portfolio.
admin="$("$work/vigil" token create "${dbflag[@]}" --role admin)"
reader="$("$work/vigil" token create "${dbflag[@]}" --role reader --project team-07)"
/usr/bin/time -f "fill: %e s, %M KiB" "$work/portfolio" -db "$dburl" -vulndb "$work/data/vulndb" -artifacts "$artifacts" -projects "$projects"

"$work/vigil" serve --listen "127.0.0.1:$port" "${dbflag[@]}" --vulndb-from "$root/../shared/vulndb/osv" --log-level info 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null

run() { # name token path
  echo "== $1: GET $3"
  curl -fsS -o /dev/null -w "one request: %{http_code} %{size_download} bytes %{time_total}s\n" -H "Authorization: Bearer $2" "http://127.0.0.1:$port$3"
  wrk -t2 -c64 -d"$duration" --latency -H "Authorization: Bearer $2" "http://127.0.0.1:$port$3" | sed -n '/Latency Distribution/,/Transfer/p;/Requests\/sec/p;/Non-2xx/p'
}
# The start-up re-match of the whole portfolio runs in the background;
# measure reads once it is done (the log says "vulnerability database ready").
for _ in $(seq 1 3000); do grep -q "vulnerability database ready" "$work/serve.log" 2>/dev/null && break; sleep 0.2; done
grep -h "vulnerability database ready" "$work/serve.log" || echo "start-up re-match still running"
run "findings of a project (reader scoped to it)" "$reader" "/api/v1/findings?project=team-07&state=open"
run "findings of a project in prod" "$reader" "/api/v1/findings?project=team-07&environment=prod&state=open"
run "summary (admin: whole portfolio)" "$admin" "/api/v1/summary"
run "summary (reader scoped to one project)" "$reader" "/api/v1/summary"
echo "server peak RSS: $(grep VmHWM /proc/$pid/status)"
