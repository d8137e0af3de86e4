#!/usr/bin/env bash
# Benchmarks vigil's image / root filesystem scanner (bench/cmd/imagescan,
# which calls internal/source) against Syft on the same inputs.
#
#   bench/images.sh [ROOTFS]       (default /work/bench-data/debian12)
#
# Env: RUNS (default 5), SYFT (default /work/peers/bin/syft), OUT (image dir,
# default /work/bench-data/img), BIG_MB (random layer for the large image,
# default 1024).
# Prints one line per case: wall median, CPU (user+sys) median, peak RSS max.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOTFS=${1:-/work/bench-data/debian12}
RUNS=${RUNS:-5}
SYFT=${SYFT:-/work/peers/bin/syft}
OUT=${OUT:-/work/bench-data/img}
BIG_MB=${BIG_MB:-1024}
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
go build -o "$BIN/imagescan" ./bench/cmd/imagescan
go build -o "$BIN/mkimage" ./bench/cmd/mkimage
[ -d "$OUT/small/layout" ] || "$BIN/mkimage" -out "$OUT/small" "$ROOTFS"
[ -d "$OUT/big/layout" ] || "$BIN/mkimage" -out "$OUT/big" -random-mb "$BIG_MB" "$ROOTFS"
rm -f "$OUT"/*/layer-*.tar

# measure NAME CMD...: runs CMD $RUNS times under /usr/bin/time.
measure() {
	local name=$1; shift
	local f; f=$(mktemp)
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -f "%e %U %S %M" -a -o "$f" "$@" >/dev/null 2>&1 || { echo "$name: FAILED"; return; }
	done
	awk -v name="$name" '{w[NR]=$1; c[NR]=$2+$3; if ($4>m) m=$4}
		END {n=asort(w); asort(c); printf "%-40s wall %6.2fs  cpu %6.2fs  peak %6.1f MiB  (n=%d)\n", name, w[int((n+1)/2)], c[int((n+1)/2)], m/1024, n}' "$f"
	rm -f "$f"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rootfs: $ROOTFS ($(du -sh "$ROOTFS" | cut -f1)); small layer $(du -sh "$OUT/small/layout" | cut -f1), big $(du -sh "$OUT/big/layout" | cut -f1)"
CACHE=$(mktemp -d)
trap 'rm -rf "$BIN" "$CACHE"' EXIT
measure "vigil rootfs dir"              "$BIN/imagescan" -no-cache "$ROOTFS"
measure "vigil oci-layout (small)"      "$BIN/imagescan" -no-cache "$OUT/small/layout"
measure "vigil oci-archive (small)"     "$BIN/imagescan" -no-cache "$OUT/small/oci.tar"
measure "vigil docker-archive (small)"  "$BIN/imagescan" -no-cache "$OUT/small/docker.tar"
measure "vigil oci-layout (big)"        "$BIN/imagescan" -no-cache "$OUT/big/layout"
"$BIN/imagescan" -cache-dir "$CACHE" "$OUT/small/layout" >/dev/null
measure "vigil oci-layout warm cache"   "$BIN/imagescan" -cache-dir "$CACHE" "$OUT/small/layout"
if [ -x "$SYFT" ]; then
	export SYFT_CHECK_FOR_APP_UPDATE=false
	measure "syft dir"                  "$SYFT" scan -q -o json "dir:$ROOTFS"
	measure "syft oci-dir (small)"      "$SYFT" scan -q -o json "oci-dir:$OUT/small/layout"
	measure "syft docker-archive (small)" "$SYFT" scan -q -o json "docker-archive:$OUT/small/docker.tar"
	measure "syft oci-dir (big)"        "$SYFT" scan -q -o json "oci-dir:$OUT/big/layout"
else
	echo "syft not found at $SYFT: skipped"
fi
