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
    Figure("startup_process", "Start-up to first 200, process (ms)", "{:.1f}", Target(2.0)),
    Figure("rss_idle", "RSS idle after start (KiB)", "{:,.0f}"),
    Figure("rss_after", "RSS after load (KiB)", "{:,.0f}", Target(1.5)),
    Figure("cpu_per_100k", "CPU per 100,000 requests (s)", "{:.2f}", Target(1.0)),
    Figure("rps", "Requests/s", "{:,.0f}", Target(1.0, higher_is_better=True)),
    Figure("p50", "p50 latency (ms)", "{:.2f}"),
    Figure("p99", "p99 latency (ms)", "{:.2f}", Target(1.0)),
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


def missed(rows):
    return [f"{r['label']}: ratio {r['ratio']:.2f}, target {Target(**r['target'])}" for r in rows if r["met"] is False]


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
