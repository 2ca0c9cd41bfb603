#!/usr/bin/env bash
# The server's CPU per request for each of the wire runner's request kinds, two ways: wrk flat
# out on 32 connections, and paced on 512 connections that each carry one request at a time
# (each pauses DELAY_MS after an answer), as the runner sends them. Starts `paystorm serve`
# from BINARY on PORT with one merchant (sk_test_perf_merchant), fills it with payments
# (scripts/perf/populate.lua, not measured), then runs each kind for SECONDS. Kinds: the reads
# (status: a payment intent; list: a search page of 25 succeeded payments of the last minute;
# balance; payouts), noroute (a 404: the HTTP stack and middleware alone), onboard (POST
# /admin/merchants with an endpoint URL) and create (create+confirm, no endpoint: no webhooks).
# Usage: scripts/perf/request-kinds.sh LABEL BINARY PORT [SECONDS] [DELAY_MS]
#   KINDS, WAYS: the kinds and ways to run (default: the reads and noroute; flat paced).
# Prints one line a kind and way: requests/s, p50, p99, server CPU a request (utime + stime
# from /proc/PID/stat over the wrk run). Run under the machine lock held exclusively when quoted.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/perf/server.sh
label="$1"
bin="$2"
port="$3"
seconds="${4:-8}"
pause="${5:-100}"
key=sk_test_perf_merchant
base="http://127.0.0.1:$port"
out="${TMPDIR:-/tmp}/request-kinds-$label-$port"
mkdir -p "$out"
"$bin" serve --port "$port" --api-key "$key" --rate-limit 1000000 --rate-burst 1000000 \
    >"$out/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
wait_for_server "$port" 200
wrk -t2 -c16 -d4s -s scripts/perf/populate.lua "$base" -- "$key" >"$out/populate.txt"
payment="$(curl -s -H "Authorization: Bearer $key" "$base/v1/payment_intents?limit=1" \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["data"][0]["id"])')"
since=$(($(date +%s) - 60))
declare -A paths=(
    [status]="/v1/payment_intents/$payment"
    [list]="/v1/payment_intents/search?limit=25&query=status%3A%27succeeded%27%20AND%20created%3E%3D$since"
    [balance]="/v1/balance"
    [payouts]="/v1/payouts?limit=10"
    # No route: the HTTP stack, the middleware and a 404 in Stripe's shape, no handler.
    [noroute]="/v1/no_such_route"
)
run() {
    local kind="$1" way="$2" before after text requests
    local args=(-t2 -c32 -d"${seconds}s" --latency)
    [ "$way" = paced ] && args=(-t2 -c512 -d"${seconds}s" --latency)
    local delay=0
    [ "$way" = paced ] && delay="$pause"
    before="$(server_cpu_ticks "$pid")"
    case "$kind" in
    onboard) text="$(wrk "${args[@]}" -s scripts/perf/onboard.lua "$base" -- "$delay")" ;;
    create) text="$(wrk "${args[@]}" -s scripts/perf/populate.lua "$base" -- "$key" "$delay")" ;;
    *) text="$(wrk "${args[@]}" -s scripts/perf/paced.lua -H "Authorization: Bearer $key" \
        "$base${paths[$kind]}" -- "$delay")" ;;
    esac
    after="$(server_cpu_ticks "$pid")"
    requests="$(echo "$text" | awk '/requests in/ { print $1 }')"
    echo "$label $kind $way: req/s $(echo "$text" | awk '/Requests\/sec/ { print $2 }')" \
        "p50 $(echo "$text" | awk '$1 == "50%" { print $2 }') p99 $(echo "$text" | awk '$1 == "99%" { print $2 }')" \
        "non2xx $(echo "$text" | awk '/Non-2xx/ { print $NF }')" \
        "server_us_per_request $(python3 -c "print(round(($after - $before) * 1e6 / $(getconf CLK_TCK) / $requests, 1))")"
}
echo "$label: $(awk '/requests in/ { print $1 }' "$out/populate.txt") payments; rows on a list page: $(curl -s \
    -H "Authorization: Bearer $key" "$base${paths[list]}" | python3 -c 'import sys, json; print(len(json.load(sys.stdin)["data"]))')"
for kind in ${KINDS:-status list balance payouts noroute}; do
    for way in ${WAYS:-flat paced}; do run "$kind" "$way"; done
done
