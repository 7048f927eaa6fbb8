#!/usr/bin/env bash
# One stage of `make run` / `make test`: say what starts and, when it ends, how long it took,
# so that a newcomer sees what the first minutes are spent on.
#   scripts/stage.sh NAME COMMAND [ARG...]
set -euo pipefail
name=$1
shift
start=$EPOCHREALTIME
printf '==> %s\n' "$name" >&2
"$@"
printf '==> %s: done in %s s\n' "$name" "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" >&2
