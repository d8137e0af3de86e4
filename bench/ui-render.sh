#!/usr/bin/env bash
# Render time of the dashboard (issue 15), a measurement, not a test:
# bench/cmd/portfolio fills a fresh SQLite data dir with N artifacts,
# `vigil serve` runs on loopback, and web/e2e/bench.mjs logs in with
# headless Chromium and times, as fresh navigations, the overview, the
# page of the project whose open findings are nearest to 2,000, and the
# trends page, from navigation start until the dashboard's data-loaded
# marker (every load the page started has finished and rendered), with
# the Navigation and Performance timings. Target: under 1 s each. Also
# prints the JavaScript shipped, gzip'd (target: under 300 KB).
#
#   bench/ui-render.sh                 # N=10,000 artifacts (a quiet machine)
#   ARTIFACTS=300 RUNS=2 bench/ui-render.sh   # a dry run
#
# Needs web/node_modules (npm ci in web/) and /usr/bin/chromium.
# Env: ARTIFACTS (10000), PROJECTS (50), RUNS (5), PORT (18432),
# FINDINGS (2000: the project picked), PROJECT (pick this one instead).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
artifacts="${ARTIFACTS:-10000}" projects="${PROJECTS:-50}" port="${PORT:-18432}"
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$work/vigil" ./cmd/vigil && go build -o "$work/portfolio" ./bench/cmd/portfolio)
mkdir -p "$work/data"
"$work/vigil" db update --from "$root/../shared/vulndb/osv" --db-dir "$work/data/vulndb" >/dev/null
token="$("$work/vigil" token create --data-dir "$work/data" --role admin --name bench)"
/usr/bin/time -f "fill ($artifacts artifacts, $projects projects): %e s, %M KiB" \
  "$work/portfolio" -db "$work/data/vigil.db" -vulndb "$work/data/vulndb" -artifacts "$artifacts" -projects "$projects"
"$work/vigil" serve --listen "127.0.0.1:$port" --data-dir "$work/data" --vulndb-from "$root/../shared/vulndb/osv" --refresh-interval 0 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
for _ in $(seq 1 3000); do grep -q "vulnerability database ready" "$work/serve.log" 2>/dev/null && break; sleep 0.2; done
# Today's snapshot, so that the trends page has a point to draw.
curl -fsS -X POST -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/admin/metrics/snapshot" >/dev/null
echo "JavaScript shipped: $(cat "$root"/internal/server/web/dist/assets/*.js | gzip -9 | wc -c) bytes gzip'd ($(cat "$root"/internal/server/web/dist/assets/*.js | wc -c) raw)"
(cd "$root/web" && VIGIL_URL="http://127.0.0.1:$port" VIGIL_TOKEN="$token" node e2e/bench.mjs)
