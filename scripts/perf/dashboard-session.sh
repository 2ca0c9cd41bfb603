#!/usr/bin/env bash
# Signs in to the dashboard of a running `paystorm serve` with a secret key and prints the
# session cookie (`paystorm_session=...`) for wrk's -H "Cookie: ...".
# Usage: scripts/perf/dashboard-session.sh http://127.0.0.1:4242 sk_test_perf_merchant
set -euo pipefail
base="$1"
key="$2"
jar="$(mktemp)"
trap 'rm -f "$jar"' EXIT
csrf="$(curl -s -c "$jar" "$base/dashboard/sign-in" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)"
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "key=$key" \
    "$base/dashboard/sign-in"
session="$(awk '$6 == "paystorm_session" { print $7 }' "$jar")"
if [ -z "$session" ]; then
    echo "sign-in failed" >&2
    exit 1
fi
echo "paystorm_session=$session"
