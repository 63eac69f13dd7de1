#!/usr/bin/env python3
"""Several WhoAmI binaries against the Go server in one run: for weighing one lever at a time (docs/tuning.md).

    python3 bench/compare.py [--starts 21] [--rounds 3] [--burst] NAME=[VAR=VALUE ...] PATH ...

Each NAME=PATH is a published WhoAmI (VAR=VALUE pairs before the path are set in its environment, e.g.
DOTNET_GCgen0size=400000); Go is built and added. Servers are alternated A B C / C B A, figures are medians:
start-up to the first 200 (--starts runs), RSS idle and after one 6 s wrk run, CPU per 100,000 requests,
requests/s, p50 and p99 (--rounds runs), by measure.py's own loops; with --burst, the RSS split into file pages
and anonymous memory when idle and 30 s after 3,000 dropped connections. Prints a Markdown table; bench/run.sh stays the benchmark of record.
"""
import argparse
import time

from measure import OUT, build_go, go_server, idle_runs, measure_processes, open_and_drop, say, whoami_server

# The figures of measure_processes, as this table names them.
COLUMNS = {"startup_process": "start-up (ms)", "rss_idle": "RSS idle (KiB)", "cpu_per_100k": "CPU / 100k req (s)",
           "rss_after": "RSS after load (KiB)", "rps": "requests/s", "p50": "p50 (ms)", "p99": "p99 (ms)"}


def server(spec):
    name, _, rest = spec.partition("=")
    words = rest.split()
    return whoami_server(name, words[-1], dict(word.split("=", 1) for word in words[:-1]))


def smaps_kib(pid):
    """(file-backed, anonymous) resident KiB from /proc/PID/smaps_rollup."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            words = line.split()
            if len(words) == 3 and words[2] == "kB":
                fields[words[0].rstrip(":")] = int(words[1])
    return fields["Rss"] - fields["Anonymous"], fields["Anonymous"]


def cell(key, value, go):
    if isinstance(value, str):
        return value
    text = f"{value:,.2f}" if "CPU" in key or "ms" in key else f"{value:,.0f}"
    return f"{text} ({value / go:.2f} ×)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+", metavar="NAME=[VAR=VALUE ...] PATH")
    parser.add_argument("--starts", type=int, default=21)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst", action="store_true")
    options = parser.parse_args()

    go_binary = OUT / "go" / "whoami"
    build_go(go_binary)
    servers = {"go": go_server(go_binary), **{s.name: s for s in map(server, options.binaries)}}
    medians = measure_processes(servers, starts=options.starts, repeats=options.rounds, load_seconds=6)
    figures = {name: {COLUMNS[key]: value for key, value in f.items()} for name, f in medians.items()}
    if options.burst:
        say("burst: 3,000 connections opened and dropped, RSS 30 s later")
        for name, s in idle_runs(servers, 1):
            file_idle, anon_idle = smaps_kib(s.process.pid)
            open_and_drop(s.port, 3000)
            time.sleep(30)
            file_after, anon_after = smaps_kib(s.process.pid)
            figures[name]["idle file / anon (KiB)"] = f"{file_idle:,} / {anon_idle:,}"
            figures[name]["30 s after burst file / anon (KiB)"] = f"{file_after:,} / {anon_after:,}"

    keys = list(figures["go"])
    print("| Binary | " + " | ".join(keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for name, values in figures.items():
        print(f"| {name} | " + " | ".join(cell(k, v, figures["go"][k]) for k, v in values.items()) + " |")


if __name__ == "__main__":
    main()
