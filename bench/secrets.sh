#!/usr/bin/env bash
# Benchmark Vigil's secrets library against Gitleaks on the same tree, and
# score both on the labelled corpus.
#
#   bench/secrets.sh [TREE]
#
# TREE defaults to /work/bench-data/debian12 (a debootstrap'd Debian 12
# rootfs), falling back to /usr. Needs hyperfine, GNU time and gitleaks
# (GITLEAKS=/path/to/gitleaks; default /work/peers/bin/gitleaks).
set -euo pipefail

cd "$(dirname "$0")/.."
TREE=${1:-/work/bench-data/debian12}
[ -d "$TREE" ] || TREE=/usr
GITLEAKS=${GITLEAKS:-/work/peers/bin/gitleaks}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

go build -o "$OUT/secretsbench" ./bench/cmd/secretsbench

echo "== tree: $TREE ($(du -sh "$TREE" 2>/dev/null | cut -f1), $(find "$TREE" -type f 2>/dev/null | wc -l) files), $(nproc) cores"

echo "== throughput (hyperfine, $RUNS runs)"
hyperfine --warmup "$WARMUP" --runs "$RUNS" --ignore-failure \
  --export-markdown "$OUT/hyperfine.md" \
  -n vigil "$OUT/secretsbench -max-file-size 1073741824 scan $TREE" \
  -n gitleaks "$GITLEAKS dir --no-banner --log-level error -f json -r $OUT/gl.json $TREE"
cat "$OUT/hyperfine.md"

echo "== peak memory (GNU time)"
for name in vigil gitleaks; do
  if [ "$name" = vigil ]; then cmd=("$OUT/secretsbench" -max-file-size 1073741824 scan "$TREE"); else cmd=("$GITLEAKS" dir --no-banner --log-level error -f json -r "$OUT/gl.json" "$TREE"); fi
  /usr/bin/time -v "${cmd[@]}" 2>"$OUT/time.txt" >/dev/null || true
  printf '%s: %s, wall %s\n' "$name" "$(grep 'Maximum resident' "$OUT/time.txt" | awk '{print $6 " KiB peak RSS"}')" \
    "$(grep 'Elapsed (wall' "$OUT/time.txt" | awk '{print $8}')"
done
"$OUT/secretsbench" -max-file-size 1073741824 scan "$TREE"

echo "== labelled corpus: precision/recall"
VIGIL_SECRETS_CORPUS_OUT="$OUT/corpus" go test ./internal/secrets/ -run TestWriteCorpus -count=1 >/dev/null
"$GITLEAKS" dir --no-banner --log-level error -f json -r "$OUT/gl-corpus.json" "$OUT/corpus/files" || true
"$OUT/secretsbench" vigil-score "$OUT/corpus/labels.json" "$OUT/corpus/files"
"$OUT/secretsbench" score "$OUT/corpus/labels.json" "$OUT/gl-corpus.json" "$OUT/corpus/files" 2>/dev/null
