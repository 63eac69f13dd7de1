#!/usr/bin/env python3
"""WhoAmI (Native AOT) against the Go tutorial server and traefik/whoami, side by side, in one run on one machine.

Every figure is a ratio WhoAmI / reference measured in the same run, alternating A B C / C B A, medians over repeats.
Writes docs/benchmarks.md, docs/benchmarks.json and docs/benchmarks.svg; exits 1 when a target is missed
(full mode only). Run through bench/run.sh (full) or bench/run.sh --smoke (a few seconds, for CI: no images,
no targets). The parts: measure.py measures, report.py turns figures into ratios and tables, chart.py draws.
"""
import argparse
import datetime
import os
import platform
import shutil
import sys
from pathlib import Path

import chart
import report
from measure import (CONNECTIONS, OUT, PEER_COMMIT, ROOT, THREADS, build_go, build_images, container_startups, cpu_model, go_server,
                     measure_burst, measure_endpoints, measure_h2load, measure_processes, memory_gib, peer_binary, peer_server, published_whoami, run,
                     say, test_certificate, whoami_server)

DOCS = ROOT / "docs"


def measure(smoke, processes_only=False):
    say("building the Native AOT binary and the Go reference server")
    whoami_binary = published_whoami()
    go_binary = OUT / "go" / "whoami"
    build_go(go_binary)

    servers = {"whoami": whoami_server("whoami", whoami_binary), "go": go_server(go_binary)}
    peer = peer_binary()
    if peer:
        servers["peer"] = peer_server(peer)
    if smoke:
        figures = measure_processes(servers, starts=3, repeats=1, load_seconds=1)
        burst = measure_burst(servers, repeats=1, settle_seconds=2, connections=600)
    else:
        figures = measure_processes(servers, starts=21, repeats=5, load_seconds=10)
        burst = measure_burst(servers, repeats=3)
    for name in figures:
        figures[name].update(burst[name])
    figures["whoami"]["binary"] = whoami_binary.stat().st_size
    figures["go"]["binary"] = go_binary.stat().st_size
    if peer:
        figures["peer"]["binary"] = peer.stat().st_size
        pair = {"whoami": servers["whoami"], "peer": servers["peer"]}
        endpoints = measure_endpoints(pair, report.ENDPOINTS, repeats=1 if smoke else 3, load_seconds=1 if smoke else 5)
        for name in pair:
            figures[name].update(endpoints[name])
        if shutil.which("h2load"):
            tls = test_certificate(OUT / "tls")
            secure = {"whoami": whoami_server("whoami", whoami_binary, tls=tls), "peer": peer_server(peer, tls=tls)}
            h2 = measure_h2load(pair, secure, repeats=1 if smoke else 3, seconds=1 if smoke else 5)
            for name in pair:
                figures[name].update(h2[name])
        else:
            say("h2load is not installed (apt-get install nghttp2-client): no h2c and TLS figures")

    sizes, timings = {}, {}
    if not smoke and not processes_only:
        sizes, timings = build_images(go_binary, peer)
        for name, median in container_startups(21).items():
            figures[name]["startup_container"] = median
    return figures, sizes, timings


def markdown(smoke, rows, sizes, timings, burst):
    lines = [
        "# Benchmarks: WhoAmI against the Go tutorial server and traefik/whoami",
        "",
        f"Written by `bench/run.sh{' --smoke' if smoke else ''}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. "
        "No number here is typed by hand; the same figures are in benchmarks.json.",
        "",
        f"- Machine: {os.cpu_count()} cores, {cpu_model()}, {memory_gib():.0f} GiB, {platform.platform()}",
        f"- Tools: .NET SDK {run('dotnet', '--version')}, {run('go', 'version')}, {run('wrk', '-v', check=False).splitlines()[0] if shutil.which('wrk') else 'wrk missing'}",
        f"- WhoAmI: `dotnet publish WhoAmI` (Native AOT, settings in WhoAmI/WhoAmI.csproj), run as `WhoAmI --urls http://127.0.0.1:PORT`",
        "- Go: bench/go-whoami/main.go, the tutorial's server, `CGO_ENABLED=0 go build -trimpath` (not stripped, as the tutorial builds it)",
        f"- Method: ratios WhoAmI / Go in the same run, servers alternated A B / B A, medians. "
        + ("Smoke run: 3 starts, one 1 s wrk run each; targets not enforced." if smoke else
           f"Start-up: median of 21 starts (exec to first 200 on a new connection). Load: 5 runs of 10 s each "
           f"(every run well over 100,000 requests), `wrk -t{THREADS} -c{CONNECTIONS} --latency -d 10s`, keep-alive, on /whoami; "
           "RSS from /proc/PID/status after the run, CPU = utime + stime from /proc/PID/stat over the run, per 100,000 requests. "
           "wrk shares the 2 cores with the server."),
        "",
        *report.markdown_table(rows, "go"),
        "",
    ]
    if any(r.get("reference") == "peer" for r in rows):
        lines += ["## Against traefik/whoami", "",
                  f"traefik/whoami at {PEER_COMMIT[:7]} (what users pick instead), built from its source with Debian's Go by "
                  "`shared/peer/build-traefik-whoami.sh`, in the same run: start-up, memory and the burst alternated with the two "
                  "servers above; its load runs on `/bench` (it has no `/whoami`). Then each endpoint both serve, alternated between "
                  f"WhoAmI and traefik/whoami: `wrk -t{THREADS} -c{CONNECTIONS} --latency`, "
                  + ("1 s per endpoint, once (smoke)" if smoke else "5 s per endpoint, 3 runs, medians")
                  + "; and `/bench` through `h2load -c 10 -m 10` as HTTP/1.1, h2c (prior knowledge) and h2 over TLS "
                  "(a self-signed P-256 certificate), and gRPC's unary `whoami.Whoami/Bench` (an empty message) over h2c.", "",
                  *report.markdown_table(rows, "peer"), ""]
    if burst:
        kept, limit, reference, each, met = burst
        names = {"whoami": "WhoAmI", "go": "the Go server", "peer": "traefik/whoami"}
        lines += [f"Burst: 3 runs of each server, 3,000 connections opened and dropped (reset), RSS 30 s later, above the idle RSS "
                  "before it: " + ", ".join(f"{names[n]} kept {k:,.0f} KiB" for n, k in each.items())
                  + f". Target: WhoAmI within {limit:,.0f} KiB ({reference}'s, or 3 MiB, whichever is larger): "
                  f"{'met' if met else '**missed**'}.", ""]
    if sizes:
        lines += ["## Images", "", "`docker image inspect -f '{{.Size}}'` and `docker save IMAGE | gzip -c | wc -c`. Stand-ins: "
                  "the .NET base image (runtime-deps:10.0-noble-chiseled) is the offline mirror's (see containers.md); the real "
                  "one with a Native AOT web API on it is 11.60 MB compressed as Microsoft published it (November 2025, "
                  "dotnet/dotnet-docker documentation/sample-image-size-report.md, the releasesapi sample). traefik/whoami's "
                  "image is built as its own Dockerfile's final stage (bench/traefik-whoami/Dockerfile) from the binary above, "
                  "with Debian 12's zoneinfo and CA bundle in place of its Alpine builder's.", "",
                  "| Image | Size (bytes) | gzip (bytes) |", "|---|---:|---:|"]
        lines += [f"| {label} | {size:,} | {packed:,} |" for label, (size, packed) in sizes.items()]
        lines += ["", "## Warm rebuild after a one-line source change", "",
                  f"- WhoAmI, SDK path (`dotnet publish WhoAmI -t:PublishContainer`): {timings['whoami_sdk']:.1f} s",
                  f"- WhoAmI, Dockerfile (`docker build`): {timings['whoami_dockerfile']:.1f} s",
                  f"- Go (`go build` + `docker build` FROM scratch): {timings['go']:.1f} s", ""]
    lines += ["![Ratios WhoAmI / Go](benchmarks.svg)", "",
              "What was tried against each missed target, with its measured effect: [tuning.md](tuning.md).", ""]
    if report.missed(rows, burst):
        lines += ["## Targets missed", "", *[f"- {m}" for m in report.missed(rows, burst)], ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds: process figures only, no targets enforced")
    parser.add_argument("--chart-only", action="store_true", help="redraw docs/benchmarks.svg from docs/benchmarks.json")
    parser.add_argument("--processes-only", action="store_true",
                        help="the full process figures without images, written to artifacts/bench/ (for trying one change)")
    options = parser.parse_args()
    if options.chart_only:
        DOCS.joinpath("benchmarks.svg").write_text(chart.svg(report.read_json(DOCS / "benchmarks.json")))
        return 0

    OUT.mkdir(parents=True, exist_ok=True)
    figures, sizes, timings = measure(options.smoke, options.processes_only)
    rows = report.ratios(figures, "go") + report.ratios(figures, "peer")
    burst = report.burst_check(figures)

    # A smoke run proves the script works; only a full run writes docs/.
    folder = OUT if options.smoke or options.processes_only else DOCS
    folder.mkdir(exist_ok=True)
    report.write_json(folder / "benchmarks.json", rows, f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    folder.joinpath("benchmarks.md").write_text(markdown(options.smoke, rows, sizes, timings, burst))
    folder.joinpath("benchmarks.svg").write_text(chart.svg(rows))
    print("\n".join(report.markdown_table(rows, "go") + report.markdown_table(rows, "peer")))
    if burst:
        say(f"burst: {burst[0]:,.0f} KiB kept above idle, {'within' if burst[-1] else 'over'} {burst[1]:,.0f} KiB")
    say(f"wrote {(folder / 'benchmarks.md').relative_to(ROOT)}")
    if report.missed(rows, burst) and not options.smoke:
        for m in report.missed(rows, burst):
            say(f"MISSED {m}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
