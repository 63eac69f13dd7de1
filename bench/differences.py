#!/usr/bin/env python3
"""WhoAmI against a real traefik/whoami, point by point: what the README says differs, and what it says is the same.

    python3 bench/differences.py [--write]

Starts both (WhoAmI from WHOAMI_BINARY or a fresh publish, traefik/whoami as bench/run.sh finds it:
WHOAMI_PEER_BINARY or WHOAMI_PEER_SOURCE), sends each the same requests on loopback, and prints one row per point:
what each answered, and whether that is what the README says. Exits 1 when a point does not hold. With --write, the
table goes to docs/traefik-differences.md. Needs curl (HTTP/2 and gRPC requests).
"""
import argparse
import datetime
import re
import subprocess
import sys

from measure import ROOT, PEER_COMMIT, grpc_empty_message, peer_binary, peer_server, published_whoami, say, whoami_server


def curl(port, path, *options):
    """(status, headers, body) of one request with curl; headers lower-cased."""
    result = subprocess.run(["curl", "-s", "-D", "-", "--max-time", "5", *options, f"http://127.0.0.1:{port}{path}"],
                            capture_output=True, check=False)
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    if head.startswith(b"HTTP/1.1 101"):  # an upgrade: the answer follows the 101's own head
        head, _, body = body.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    return status, headers, body.decode("utf-8", "replace")


def grpc_status(port, method):
    status, headers, rest = curl(port, method, "--http2-prior-knowledge", "-H", "content-type: application/grpc",
                                 "-H", "te: trailers", "--data-binary", f"@{grpc_empty_message()}")
    # In the headers of a trailers-only answer, else in the trailers, which curl writes after the body.
    trailer = re.search(r"grpc-status: *(\d+)", rest, re.IGNORECASE)
    trailer = trailer.group(1) if trailer else "-"
    return f"HTTP {status}, grpc-status {headers.get('grpc-status', trailer)}"


def header_lines(body):
    """The header lines / echoes after the request line, as sent: X-B then X-A."""
    return " ".join(line.split(":")[0] for line in body.splitlines() if line.startswith("X-"))


# Each point: (README's words, request, what to show of the answer, the check on (traefik, whoami)).
POINTS = [
    ("Unknown paths: traefik/whoami answers its `/` page, WhoAmI 404",
     lambda p: curl(p, "/nope"), lambda r: str(r[0]), lambda t, w: t == "200" and w == "404"),
    ("`/whoami`: only WhoAmI answers the host name alone (traefik/whoami: its `/` page)",
     lambda p: curl(p, "/whoami"), lambda r: r[2].splitlines()[0][:40], lambda t, w: t.startswith("Hostname:") and ":" not in w),
    ("`/` lists headers sorted (Go's `Request.Write`); WhoAmI in Kestrel's order, X-B before X-A as sent",
     lambda p: curl(p, "/", "-H", "X-B: 2", "-H", "X-A: 1"), lambda r: header_lines(r[2]), lambda t, w: t == "X-A X-B" and w == "X-B X-A"),
    ("`/api`: the same keys, plus `protocol` (and `tls` over HTTPS) in WhoAmI",
     lambda p: curl(p, "/api"), lambda r: "protocol" if '"protocol"' in r[2] else "no protocol",
     lambda t, w: t == "no protocol" and w == "protocol"),
    ("`/api` header names in Go's canonical form, no `Host`, over HTTP/2 too: the same",
     lambda p: curl(p, "/api", "--http2-prior-knowledge", "-H", "x-lower: a"),
     lambda r: ("X-Lower" if '"X-Lower"' in r[2] else "x-lower") + (", Host" if '"Host":' in r[2] else ", no Host"),
     lambda t, w: t == w == "X-Lower, no Host"),
    ("`env=true`: traefik/whoami always shows the environment (`environ`); WhoAmI only under `--expose-env`",
     lambda p: curl(p, "/api?env=true"), lambda r: "environ" if '"environ"' in r[2] else "no environ",
     lambda t, w: t == "environ" and w == "no environ"),
    ("A bad `wait` is ignored by traefik/whoami; WhoAmI answers 400",
     lambda p: curl(p, "/?wait=soon"), lambda r: str(r[0]), lambda t, w: t == "200" and w == "400"),
    ("`status=` and `header=` exist in WhoAmI only",
     lambda p: curl(p, "/?status=503&header=Retry-After:5"), lambda r: f"{r[0]} {r[1].get('retry-after', '-')}",
     lambda t, w: t == "200 -" and w == "503 5"),
    ("`/data` with a negative size: traefik/whoami sends 0 bytes, WhoAmI 400 (also for units other than b, kb, mb, gb)",
     lambda p: curl(p, "/data?size=-1"), lambda r: str(r[0]), lambda t, w: t == "200" and w == "400"),
    ("`POST /health` takes 200–599 in WhoAmI; traefik/whoami takes 100 too",
     lambda p: (curl(p, "/health", "-d", "100"), curl(p, "/health", "-d", "200"))[0], lambda r: str(r[0]),
     lambda t, w: t == "200" and w == "400"),
    ("`/bench` over HTTP/1.1: traefik/whoami adds `Connection: keep-alive`, WhoAmI's `Content-Type` names the charset",
     lambda p: curl(p, "/bench"), lambda r: f"{r[1].get('connection', '-')}; {r[1].get('content-type')}",
     lambda t, w: t == "keep-alive; text/plain" and w == "-; text/plain; charset=utf-8"),
    ("gRPC `whoami.Whoami/Bench` over h2c: the same",
     lambda p: grpc_status(p, "/whoami.Whoami/Bench"), lambda r: r, lambda t, w: t == w == "HTTP 200, grpc-status 0"),
    ("gRPC health (`grpc.health.v1.Health/Check`): WhoAmI only",
     lambda p: grpc_status(p, "/grpc.health.v1.Health/Check"), lambda r: r,
     lambda t, w: t != "HTTP 200, grpc-status 0" and w == "HTTP 200, grpc-status 0"),
    ("`Upgrade: h2c` from `curl --http2`: both switch to HTTP/2",
     lambda p: curl(p, "/bench", "--http2"), lambda r: "HTTP/2 200" if r[0] == 200 and r[2] == "1" else f"{r[0]}",
     lambda t, w: t == w == "HTTP/2 200"),
    ("`/openapi.yaml`: both, `application/yaml`, each describing its own endpoints",
     lambda p: curl(p, "/openapi.yaml"), lambda r: f"{r[0]} {r[1].get('content-type')} {'/whoami:' in r[2]}",
     lambda t, w: t == "200 application/yaml False" and w == "200 application/yaml True"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()
    peer = peer_binary()
    if peer is None:
        sys.exit("differences: no traefik/whoami to compare with (WHOAMI_PEER_BINARY or WHOAMI_PEER_SOURCE)")
    servers = {"traefik": peer_server(peer), "whoami": whoami_server("whoami", published_whoami())}
    answers = {}
    for name, server in servers.items():
        server.start()
        try:
            answers[name] = [show(ask(server.port)) for _, ask, show, _ in POINTS]
        finally:
            server.stop()

    rows, failed = [], 0
    for (words, _, _, holds), t, w in zip(POINTS, answers["traefik"], answers["whoami"]):
        ok = holds(t, w)
        failed += not ok
        rows.append(f"| {words} | `{t}` | `{w}` | {'yes' if ok else '**no**'} |")
    page = [
        "# WhoAmI and traefik/whoami, point by point",
        "",
        f"Written by `python3 bench/differences.py --write` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC: "
        f"both servers on loopback, the same requests (curl), traefik/whoami at {PEER_COMMIT} built from its source with "
        "Debian's Go. Each row is a point of the README's list; `holds` says whether both answered as it says.",
        "",
        "| Point | traefik/whoami | WhoAmI | holds |",
        "|---|---|---|---|",
        *rows,
        "",
        "Not checked here, from traefik/whoami's source: its default port is 80 (`WHOAMI_PORT_NUMBER`), and it does not "
        "read `PORT`; WhoAmI listens on 8080 and reads both.",
        "",
    ]
    print("\n".join(page))
    if options.write:
        (ROOT / "docs" / "traefik-differences.md").write_text("\n".join(page))
        say("wrote docs/traefik-differences.md")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
