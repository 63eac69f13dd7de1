"""Reporting: the figures as ratios WhoAmI / reference against named targets, written as Markdown and as JSON.
The references: the Go tutorial server ("go", what WhoAmI ports) and traefik/whoami ("peer", what users pick instead).

The JSON (docs/benchmarks.json) is what the chart is drawn from, so a chart can be redrawn without a new run.
"""
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Target:
    """A ratio WhoAmI / Go that a figure must stay within."""
    limit: float
    higher_is_better: bool = False

    def met(self, ratio):
        return ratio >= self.limit if self.higher_is_better else ratio <= self.limit

    def __str__(self):
        return f"{'≥' if self.higher_is_better else '≤'} {self.limit}"


@dataclass(frozen=True)
class Figure:
    """One row of the table: the key in the measured figures, how it is labelled and printed, its target."""
    key: str
    label: str
    format: str
    target: Target | None = None


FIGURES = [
    Figure("binary", "App binary, uncompressed (bytes)", "{:,.0f}", Target(1.35)),  # 1.25 before HTTPS (issue 11)
    Figure("startup_process", "Start-up to first 200, process (ms)", "{:.1f}", Target(5.0)),  # 2.0 until issue 13
    Figure("rss_idle", "RSS idle after start (KiB)", "{:,.0f}", Target(2.5)),
    Figure("rss_after", "RSS after load (KiB)", "{:,.0f}", Target(1.4)),  # 1.5 until issue 13
    Figure("cpu_per_100k", "CPU per 100,000 requests (s)", "{:.2f}", Target(1.0)),
    Figure("rps", "Requests/s", "{:,.0f}", Target(1.0, higher_is_better=True)),
    Figure("p50", "p50 latency (ms)", "{:.2f}"),
    Figure("p99", "p99 latency (ms)", "{:.2f}", Target(1.0)),
    Figure("rss_burst", "RSS 30 s after 3,000 dropped connections (KiB)", "{:,.0f}"),
    Figure("startup_container", "Start-up to first 200, container (ms)", "{:.0f}"),
]


# Against traefik/whoami (issue 25): memory and start-up, and each endpoint both serve. Its load runs on /bench
# (it has no /whoami), WhoAmI's on /whoami: both the cheapest answer of their server.
ENDPOINTS = ["/bench", "/", "/api", "/data?size=1&unit=kb"]
FAST_ENDPOINTS = ("/", "/api")
PEER_FIGURES = [
    Figure("binary", "App binary, uncompressed (bytes)", "{:,.0f}", Target(1.15)),  # issue 35, OpenTelemetry in
    Figure("startup_process", "Start-up to first 200, process (ms)", "{:.1f}", Target(2.0)),  # issue 35's; 1.5 in issue 25
    Figure("rss_idle", "RSS idle after start (KiB)", "{:,.0f}", Target(1.5)),
    Figure("rss_after", "RSS after load (KiB)", "{:,.0f}", Target(1.25)),
    Figure("rss_burst", "RSS 30 s after 3,000 dropped connections (KiB)", "{:,.0f}"),
    *[figure for path in ENDPOINTS for figure in (
        Figure(f"rps:{path}", f"GET {path}: requests/s", "{:,.0f}",
               Target(2.0, higher_is_better=True) if path in FAST_ENDPOINTS else Target(1.0, higher_is_better=True) if path == "/bench" else None),
        Figure(f"cpu_per_100k:{path}", f"GET {path}: CPU per 100,000 requests (s)", "{:.2f}", Target(0.5) if path in FAST_ENDPOINTS else None),
        Figure(f"p99:{path}", f"GET {path}: p99 latency (ms)", "{:.2f}"))],
    Figure("h2load_h1", "GET /bench, h2load HTTP/1.1: requests/s", "{:,.0f}", Target(1.0, higher_is_better=True)),
    Figure("h2load_h2c", "GET /bench, h2load h2c: requests/s", "{:,.0f}", Target(1.0, higher_is_better=True)),
    Figure("h2load_grpc", "gRPC whoami.Whoami/Bench, h2load h2c: calls/s", "{:,.0f}", Target(1.0, higher_is_better=True)),
    Figure("h2load_tls", "GET /bench, h2load h2 over TLS: requests/s", "{:,.0f}", Target(1.0, higher_is_better=True)),
]

REFERENCES = {"go": ("Go (net/http)", FIGURES), "peer": ("traefik/whoami", PEER_FIGURES)}


def ratios(figures, reference="go"):
    """One record per figure measured in this run for WhoAmI and REFERENCE: both values, the ratio, the target and
    whether it was met."""
    rows = []
    for figure in REFERENCES[reference][1]:
        if figure.key not in figures["whoami"] or figure.key not in figures.get(reference, {}):
            continue
        whoami, other = figures["whoami"][figure.key], figures[reference][figure.key]
        ratio = whoami / other if other else float("nan")
        rows.append({
            "reference": reference, "key": figure.key, "label": figure.label, "whoami": whoami, reference: other, "ratio": ratio,
            "target": asdict(figure.target) if figure.target else None,
            "met": figure.target.met(ratio) if figure.target else None,
        })
    return rows


# What WhoAmI keeps 30 s after a burst (RSS above its idle RSS before it) may be at most what the reference keeps in
# the same run, traefik/whoami's where it ran, else the Go server's, or this floor, whichever is larger (issue 35).
BURST_FLOOR_KIB = 3 * 1024


def burst_check(figures):
    """The burst target: (kept KiB, limit KiB, the reference it came from, kept KiB of each server, met)."""
    if "rss_burst" not in figures["whoami"]:
        return None
    kept = {name: f["rss_burst"] - f["rss_burst_idle"] for name, f in figures.items() if "rss_burst" in f}
    reference = "peer" if "peer" in kept else "go"
    limit = max(kept.get(reference, 0), BURST_FLOOR_KIB)
    return kept["whoami"], limit, REFERENCES[reference][0], kept, kept["whoami"] <= limit


def missed(rows, burst=None):
    found = [f"{r['label']}: ratio {r['ratio']:.2f} against {REFERENCES[r.get('reference', 'go')][0]}, target {Target(**r['target'])}"
             for r in rows if r["met"] is False]
    if burst and not burst[-1]:
        found.append(f"RSS 30 s after a burst: {burst[0]:,.0f} KiB above idle, target within {burst[1]:,.0f} KiB ({burst[2]}'s, or 3 MiB)")
    return found


def markdown_table(rows, reference="go"):
    label, figures = REFERENCES[reference]
    formats = {f.key: f.format for f in figures}
    short = "Go" if reference == "go" else "traefik"
    table = [f"| Figure | WhoAmI (Native AOT) | {label} | WhoAmI / {short} | Target | Met |", "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        if r.get("reference", "go") != reference:
            continue
        fmt = formats[r["key"]]
        target = str(Target(**r["target"])) if r["target"] else ""
        met = {None: "", True: "yes", False: "**no**"}[r["met"]]
        table.append(f"| {r['label']} | {fmt.format(r['whoami'])} | {fmt.format(r[reference])} | {r['ratio']:.2f} | {target} | {met} |")
    return table


def write_json(path, rows, written):
    path.write_text(json.dumps({"written": written, "rows": rows}, indent=2) + "\n")


def read_json(path):
    return json.loads(path.read_text())["rows"]
