#!/usr/bin/env python3
# Writes docs/test-measurements.md from what a test run measured: artifacts/tests/measurements.tsv (build times,
# multi-arch sizes, emulated start-up, Swarm disruptions) and the closing summary of each `dotnet test` log given.
# Run after a full run (as .ci/run does): eng/render-test-measurements.py [NAME=LOG ...] > docs/test-measurements.md
import re
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TSV = ROOT / "artifacts" / "tests" / "measurements.tsv"


def summary(log):
    """total, failed, succeeded, skipped and duration from the closing lines of a `dotnet test` log."""
    text = Path(log).read_text(errors="replace")
    found = dict(re.findall(r"^\s+(total|failed|succeeded|skipped|duration): (.+)$", text, re.MULTILINE))
    if "total" not in found:
        sys.exit(f"render-test-measurements: {log} has no test run summary")
    return found


def main(logs):
    if not TSV.exists():
        sys.exit(f"render-test-measurements: {TSV.relative_to(ROOT)} is missing: run the tests first")
    rows = [line.rstrip("\n").split("\t") for line in TSV.open() if line.count("\t") == 2]
    figures = OrderedDict()
    for when, what, figure in rows:
        figures.setdefault(what, []).append((when, figure))
    days = sorted({when[:10] for when, _, _ in rows})

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print("# What the tests measured")
    print()
    print(f"Written by `eng/render-test-measurements.py` from `artifacts/tests/measurements.tsv` (test runs of "
          f"{', '.join(days)}{f', commit {commit}' if commit else ''}); no number here is typed by hand. "
          "A figure measured in several runs lists each.")
    print()
    if logs:
        print("## Test runs")
        print()
        print("| Run | total | passed | failed | skipped | duration |")
        print("|---|---:|---:|---:|---:|---|")
        for name, log in logs:
            s = summary(log)
            print(f"| {name} | {s['total']} | {s['succeeded']} | {s['failed']} | {s['skipped']} | {s['duration']} |")
        print()
    sections = (("Image builds", "build: "), ("Multi-arch images", "multi-arch "), ("Swarm behind HAProxy", "swarm: "),
                ("Shutdown drain", "drain: "), ("Metrics read back by Prometheus", "metrics: "),
                ("h2c beside Go's h2c.NewHandler (References/H2cTests)", "h2c: "),
                ("HTTP/2 abuse (Published/Http2AbuseTests)", "http2 abuse: "))
    known = tuple(prefix for _, prefix in sections)
    # A figure under a prefix not listed above is still shown, at the end, rather than dropped.
    for section, prefix in (*sections, ("Other", "")):
        chosen = [(what, values) for what, values in figures.items()
                  if what.startswith(prefix) and (prefix or not what.startswith(known))]
        if not chosen:
            continue
        print(f"## {section}")
        print()
        print("| What | Measured |")
        print("|---|---|")
        for what, values in chosen:
            print(f"| {what[len(prefix):]} | {'; '.join(figure for _, figure in values)} |")
        print()


if __name__ == "__main__":
    pairs = []
    for arg in sys.argv[1:]:
        name, _, log = arg.partition("=")
        if not log:
            sys.exit("usage: eng/render-test-measurements.py [NAME=LOG ...]")
        pairs.append((name, log))
    main(pairs)
