#!/usr/bin/env bash
# WhoAmI against the Go tutorial server: sizes, start-up, memory, CPU per request, throughput, rebuild time.
# Run: bench/run.sh (full, ~10 min; needs wrk, golang-go and, for images, eng/start-image-mirror.sh first)
#      bench/run.sh --smoke (a few seconds; what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk go python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed (apt-get install wrk golang-go python3)" >&2; exit 1; }
done
exec python3 bench/bench.py "$@"
