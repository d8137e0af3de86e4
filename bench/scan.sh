#!/usr/bin/env bash
# Whole-process benchmark of `vigil scan` against OSV-Scanner 2.5.1 in one
# run, on the same lockfile and the same OSV data (../shared/vulndb/osv),
# both offline. Also measures the import of the whole corpus.
# Needs hyperfine (apt-get install hyperfine) and /usr/bin/time.
# Usage: bench/scan.sh [LOCKFILE_DIR]   (default: bench-data/real/npm-cra)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared/vulndb/osv" && pwd)
input=${1:-/work/bench-data/real/npm-cra}
osv=${OSV_SCANNER:-$(command -v osv-scanner || echo /work/peers/bin/osv-scanner)}
work=$(mktemp -d)
trap 'kill $srv 2>/dev/null || true; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/vigil" "$root/cmd/vigil"  # the release build: static
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$shared" >/dev/null 2>&1 & srv=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ecosystems.txt" >/dev/null && break; sleep 0.2; done

echo "## import of ../shared/vulndb/osv over loopback HTTP"
hyperfine --warmup 0 --runs 5 --prepare "rm -rf $work/db-import" \
  "$work/vigil db update --db-dir $work/db-import --from http://127.0.0.1:$port/"
/usr/bin/time -f "peak RSS %M KiB, %e s" "$work/vigil" db update --db-dir "$work/db" --from "http://127.0.0.1:$port/" 2>&1 | tail -1

mkdir -p "$work/osvcache/osv-scanner"
for eco in $(cat "$shared/ecosystems.txt"); do
  mkdir -p "$work/osvcache/osv-scanner/$eco"
  ln -s "$shared/$eco/all.zip" "$work/osvcache/osv-scanner/$eco/all.zip"
done
export OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="$work/osvcache"

echo "## scan of $input ($(grep -c '"version"' "$input"/package-lock.json 2>/dev/null || echo '?') version lines)"
hyperfine --warmup 2 --runs 20 -N --ignore-failure \
  -n vigil "$work/vigil scan --offline --db-dir $work/db --scanners vuln --format json -o /dev/null $input" \
  -n osv-scanner "$osv scan source --offline --format json --recursive $input"
/usr/bin/time -f "vigil peak RSS %M KiB" "$work/vigil" scan --offline --db-dir "$work/db" --scanners vuln --format json -o /dev/null "$input" 2>&1 | tail -1
/usr/bin/time -f "osv-scanner peak RSS %M KiB" "$osv" scan source --offline --format json --recursive "$input" 2>&1 >/dev/null | tail -1

if [ -n "${BIG_DB:-}" ]; then
  echo "## the same scan with the synthetic database ($BIG_DB)"
  hyperfine --warmup 2 --runs 20 -N --ignore-failure \
    -n vigil-small-db "$work/vigil scan --offline --db-dir $work/db --scanners vuln --format json -o /dev/null $input" \
    -n vigil-500k-db "$work/vigil scan --offline --db-dir $BIG_DB --scanners vuln --format json -o /dev/null $input"
fi
