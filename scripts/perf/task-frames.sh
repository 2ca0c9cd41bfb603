#!/usr/bin/env bash
# What suspended tasks hold: runs a paystorm command with scripts/perf/task-frames.c preloaded and
# prints the call sites that asked the Swift task allocator for the most bytes (count x size),
# each with the frame size it asked for and the function it was called from. A task keeps the
# slabs of its deepest stack until it ends (swift's StackAllocator reuses them), so a large frame
# on a path that many tasks take and then wait (a journey retrying after 429, or waiting for its
# capture) is memory held for as long as they wait. jemalloc's heap profile shows only
# `swift::StackAllocator::alloc`; this names the frames.
# Usage: scripts/perf/task-frames.sh TOP BINARY ARGS...
# e.g.   scripts/perf/task-frames.sh 30 .build/release/paystorm run scenarios/constant-rate.yaml \
#            --mode realtime --scale 20 --duration 5s
set -euo pipefail
top="$1"
binary="$2"
shift 2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
clang -O2 -shared -fPIC -o "$work/task-frames.so" "$(dirname "$0")/task-frames.c" -ldl
TASK_FRAMES_OUT="$work/sites" LD_PRELOAD="$work/task-frames.so" "$binary" "$@" > /dev/null || true
echo "bytes asked  callee frame  count  asked in (the caller allocates its callee's frame)"
awk '$3 !~ /\.so/ { print $1 * $2, $2, $1, $4 }' "$work/sites" \
    | sort -n -r | head -n "$top" | while read -r bytes size count address; do
        name="$(addr2line -f -e "$binary" "$address" | head -1 | swift demangle --simplified | cut -c1-110)"
        printf "%11d  %12d  %6d  %s\n" "$bytes" "$size" "$count" "$name"
    done
