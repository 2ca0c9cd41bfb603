# Sourced by the scripts beside it: what each does with the `paystorm serve` it measures.

# Waits until the server on PORT answers its audit route, checking every 0.1 s at most
# ATTEMPTS times (a release build answers within a second; a debug build with 50,000
# merchants to load may take longer).
wait_for_server() {
    local port="$1" attempts="$2"
    for _ in $(seq 1 "$attempts"); do
        curl -s -o /dev/null "http://127.0.0.1:$port/admin/audit" && return 0
        sleep 0.1
    done
}

# The server's CPU so far, user + system, in clock ticks (getconf CLK_TCK a second): read
# before and after a load to charge the server alone, whatever else the machine runs.
server_cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}
