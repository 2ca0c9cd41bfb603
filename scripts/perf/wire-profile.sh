#!/usr/bin/env bash
# The server's profile during black-friday over the wire: `wire-pair.sh` with SERVER_BINARY and
# RUNNER_BINARY, and `perf record -a -e cpu-clock -F 999 -g` of the whole machine for 45 s from
# 4 s after the server listens (per-CPU buffers: recording the server's threads by `-p` cost
# perf more than the run could spare); then the server's samples split by what they do
# (`profile-split.py`: webhook deliveries, the event fan-out, admission, each read, the
# processor, HTTP decoding and writing, scheduling). Shape only: take it under the shared lock.
# Usage: scripts/perf/wire-profile.sh LABEL SERVER_BINARY RUNNER_BINARY SCENARIO PORT [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
label="$1"
server="$2"
runner="$3"
scenario="$4"
port="$5"
out="${6:-${TMPDIR:-/tmp}/wire-profile-$label-$port}"
mkdir -p "$out"
scripts/perf/wire-pair.sh "$label" "$server" "$runner" "$scenario" "$port" "$out/run" >"$out/wire.txt" 2>&1 &
run=$!
pid=""
for _ in $(seq 1 200); do
    pid="$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)" || true
    [ -n "$pid" ] && break
    sleep 0.1
done
[ -n "$pid" ] || { echo "$label: no server on port $port" >&2; exit 1; }
sleep 4
perf record -a -e cpu-clock -F 999 -g -o "$out/perf.data" -- sleep 45 >"$out/perf.log" 2>&1
wait "$run" || true
perf script -i "$out/perf.data" --pid "$pid" -F tid,comm,ip,sym 2>/dev/null >"$out/server.stacks"
cat "$out/wire.txt"
python3 scripts/perf/profile-split.py "$out/server.stacks"
