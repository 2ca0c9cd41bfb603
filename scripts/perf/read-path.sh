#!/usr/bin/env bash
# The read path under wrk, with the server's own CPU per request (its utime + stime from
# /proc/PID/stat over each wrk run, divided by the requests answered): the figure to compare on
# a shared machine, where latency is mostly other processes' queueing.
# Usage: scripts/perf/read-path.sh PORT [DURATION] [CONNECTIONS]
# against a `paystorm serve --api-key sk_test_perf_merchant` on PORT that
# scripts/perf/populate.lua filled.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/perf/server.sh
port="$1"
duration="${2:-8s}"
connections="${3:-16}"
key=sk_test_perf_merchant
base="http://127.0.0.1:$port"
pid="$(ss -ltnpH "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)"
cookie="$(scripts/perf/dashboard-session.sh "$base" "$key")"
since=$(($(date +%s) - 3600))
run() {
    local name="$1" header="$2" path="$3" before after out requests
    before="$(server_cpu_ticks "$pid")"
    out="$(wrk -t2 -c"$connections" -d"$duration" --latency -H "$header" "$base$path")"
    after="$(server_cpu_ticks "$pid")"
    requests="$(echo "$out" | awk '/requests in/ { print $1 }')"
    echo "$name: p50 $(echo "$out" | awk '/^ +50%/ { print $2 }')" \
        "p99 $(echo "$out" | awk '/^ +99%/ { print $2 }')" \
        "req/s $(echo "$out" | awk '/Requests\/sec/ { print $2 }')" \
        "cpu_ms_per_request $(echo "scale=3; ($after - $before) * 1000 / $(getconf CLK_TCK) / $requests" | bc)" \
        "load $(cut -d' ' -f1 /proc/loadavg)"
}
run filtered "Cookie: $cookie" "/dashboard/payments?status=succeeded&currency=usd&amount_min=10&amount_max=300"
run status_currency "Cookie: $cookie" "/dashboard/payments?status=succeeded&currency=usd"
run unfiltered "Cookie: $cookie" "/dashboard/payments"
run overview "Cookie: $cookie" "/dashboard"
run api_list "Authorization: Bearer $key" "/v1/payment_intents?limit=25"
run search "Authorization: Bearer $key" \
    "/v1/payment_intents/search?limit=25&query=status%3A%27succeeded%27%20AND%20created%3E$since"
