#!/usr/bin/env bash
# Soak: wrk at 256 keep-alive connections on loopback against the Native AOT binary. Fails on any socket error,
# any non-2xx answer, or RSS at the end more than 10% above RSS at half time. Run: bench/soak.sh [seconds] (60)
set -euo pipefail
duration=${1:-60}
connections=256
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/artifacts/bench
binary=${WHOAMI_BINARY:-$out/aot/WhoAmI}
mkdir -p "$out"

command -v wrk >/dev/null || { echo "soak: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[ -x "$binary" ] || dotnet publish "$root/WhoAmI" --nologo -v q -o "$(dirname "$binary")" >/dev/null

port=$((20000 + RANDOM % 20000))
"$binary" --urls "http://127.0.0.1:$port" >"$out/soak-server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/whoami" >/dev/null && break; sleep 0.05; done

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
echo "soak: ${duration}s of wrk -t2 -c$connections against /whoami on 127.0.0.1:$port (pid $pid, idle RSS $(rss) KiB)"
wrk -t2 -c"$connections" -d"${duration}s" --timeout 5s "http://127.0.0.1:$port/whoami" >"$out/soak-wrk.txt" &
wrk_pid=$!
sleep $((duration / 2)); rss_half=$(rss)
wait "$wrk_pid"; rss_end=$(rss)

cat "$out/soak-wrk.txt"
socket_errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out/soak-wrk.txt")
non_2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out/soak-wrk.txt")
requests=$(awk '/requests in/ {print $1}' "$out/soak-wrk.txt")
socket_errors=${socket_errors:-0} non_2xx=${non_2xx:-0}
growth=$(awk -v a="$rss_half" -v b="$rss_end" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
echo "soak: $requests requests, socket errors $socket_errors, non-2xx $non_2xx, RSS at $((duration / 2))s $rss_half KiB, at ${duration}s $rss_end KiB ($growth%)"

failed=0
[ "$socket_errors" -eq 0 ] || { echo "soak: FAILED: $socket_errors socket errors" >&2; failed=1; }
[ "$non_2xx" -eq 0 ] || { echo "soak: FAILED: $non_2xx non-2xx answers" >&2; failed=1; }
awk -v a="$rss_half" -v b="$rss_end" 'BEGIN {exit !(b <= a * 1.10)}' || { echo "soak: FAILED: RSS grew $growth% in the second half" >&2; failed=1; }
kill -0 "$pid" || { echo "soak: FAILED: the server died" >&2; failed=1; }
exit "$failed"
