#!/usr/bin/env bash
# testssl.sh against WhoAmI and traefik/whoami with one certificate, on loopback: what each offers and what the scan
# flags, for docs/tls.md. Needs testssl.sh and openssl (Debian: apt-get install testssl.sh), a published WhoAmI
# (WHOAMI_BINARY, default artifacts/bench/aot/WhoAmI) and traefik/whoami (WHOAMI_PEER_BINARY, default the one
# bench/run.sh builds). Writes artifacts/bench/tls/{whoami,traefik}.txt. Run: bench/tls-scan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
whoami=${WHOAMI_BINARY:-artifacts/bench/aot/WhoAmI}
peer=${WHOAMI_PEER_BINARY:-artifacts/bench/peer/traefik-whoami}
out=artifacts/bench/tls
mkdir -p "$out"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$out/key.pem" -out "$out/cert.pem" 2>/dev/null
"$whoami" --port 18444 --cert "$out/cert.pem" --key "$out/key.pem" >/dev/null 2>&1 & pids=$!
"$peer" -port 18443 -cert "$out/cert.pem" -key "$out/key.pem" >/dev/null 2>&1 & pids="$pids $!"
trap 'kill $pids 2>/dev/null || true' EXIT
sleep 1
# Protocols, cipher categories, forward secrecy, server preferences, HTTP headers, vulnerabilities.
testssl --quiet --color 0 --warnings off -p -s -f -P -h -U 127.0.0.1:18444 >"$out/whoami.txt"
testssl --quiet --color 0 --warnings off -p -s -f -P -h -U 127.0.0.1:18443 >"$out/traefik.txt"
diff <(grep -E '^ [A-Z]' "$out/traefik.txt" | grep -v -E 'Start|Done') <(grep -E '^ [A-Z]' "$out/whoami.txt" | grep -v -E 'Start|Done') \
  || true
