"""Reporting: the figures as ratios WhoAmI / Go against named targets, written as Markdown and as JSON.

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


def ratios(figures):
    """One record per figure measured in this run: both values, the ratio, the target and whether it was met."""
    rows = []
    for figure in FIGURES:
        if figure.key not in figures["whoami"]:
            continue
        whoami, go = figures["whoami"][figure.key], figures["go"][figure.key]
        ratio = whoami / go if go else float("nan")
        rows.append({
            "key": figure.key, "label": figure.label, "whoami": whoami, "go": go, "ratio": ratio,
            "target": asdict(figure.target) if figure.target else None,
            "met": figure.target.met(ratio) if figure.target else None,
        })
    return rows


# Not a ratio: what WhoAmI keeps after a burst must be within this many KiB of its idle RSS.
BURST_LIMIT_KIB = 8 * 1024


def burst_check(figures):
    """The burst target, in absolute terms: (kept KiB, met)."""
    w = figures["whoami"]
    if "rss_burst" not in w:
        return None
    kept = w["rss_burst"] - w["rss_burst_idle"]
    return kept, kept <= BURST_LIMIT_KIB


def missed(rows, burst=None):
    found = [f"{r['label']}: ratio {r['ratio']:.2f}, target {Target(**r['target'])}" for r in rows if r["met"] is False]
    if burst and not burst[1]:
        found.append(f"RSS 30 s after a burst: {burst[0]:,.0f} KiB above idle, target within {BURST_LIMIT_KIB:,} KiB")
    return found


def markdown_table(rows):
    formats = {f.key: f.format for f in FIGURES}
    table = ["| Figure | WhoAmI (Native AOT) | Go (net/http) | WhoAmI / Go | Target | Met |", "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        fmt = formats[r["key"]]
        target = str(Target(**r["target"])) if r["target"] else ""
        met = {None: "", True: "yes", False: "**no**"}[r["met"]]
        table.append(f"| {r['label']} | {fmt.format(r['whoami'])} | {fmt.format(r['go'])} | {r['ratio']:.2f} | {target} | {met} |")
    return table


def write_json(path, rows, written):
    path.write_text(json.dumps({"written": written, "rows": rows}, indent=2) + "\n")


def read_json(path):
    return json.loads(path.read_text())["rows"]
