#!/usr/bin/env bash
# The dashboard's render time: bench/ui-render.sh (kept under this name
# for bench/RESULTS.md's earlier runs).
exec "$(dirname "$0")/ui-render.sh" "$@"
