#!/usr/bin/env bash
# Side-by-side correctness check: Vigil and OSV-Scanner 2.5.1 on the same real
# lockfiles and the same OSV data (../shared/vulndb/osv), both offline.
# Prints per input the packages each found and every finding that differs.
# Usage: bench/compare-osv-scanner.sh [INPUT_DIR...]   (default: bench-data/real/*)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared/vulndb/osv" && pwd)
osv=${OSV_SCANNER:-$(command -v osv-scanner || echo /work/peers/bin/osv-scanner)}
[ -x "$osv" ] || { echo "install: go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.5.1" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $srv 2>/dev/null || true; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/vigil" "$root/cmd/vigil"  # the release build: static

# Vigil: the real download path, over loopback.
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$shared" >/dev/null 2>&1 & srv=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ecosystems.txt" >/dev/null && break; sleep 0.2; done
"$work/vigil" db update --db-dir "$work/db" --from "http://127.0.0.1:$port/" 2>&1 | tail -3

# OSV-Scanner: its offline cache layout.
mkdir -p "$work/osvcache/osv-scanner"
for eco in $(cat "$shared/ecosystems.txt"); do
  mkdir -p "$work/osvcache/osv-scanner/$eco"
  ln -s "$shared/$eco/all.zip" "$work/osvcache/osv-scanner/$eco/all.zip"
done
cp -rs "$work/osvcache/osv-scanner" "$work/osvcache/osv-scalibr" 2>/dev/null || true

inputs=("$@")
[ ${#inputs[@]} -gt 0 ] || inputs=(/work/bench-data/real/*)
for dir in "${inputs[@]}"; do
  name=$(basename "$dir")
  "$work/vigil" scan --offline --db-dir "$work/db" --scanners vuln --format json -o "$work/$name.vigil.json" "$dir" || true
  OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="$work/osvcache" "$osv" scan source --offline --all-packages --all-vulns --format json --recursive "$dir" > "$work/$name.osv.json" 2>"$work/$name.osv.err" || true
  python3 "$root/bench/compare.py" "$name" "$work/$name.vigil.json" "$work/$name.osv.json"
done
