#!/usr/bin/env python3
"""Several WhoAmI binaries against the Go server in one run: for weighing one lever at a time (docs/tuning.md).

    python3 bench/compare.py [--starts 21] [--rounds 3] [--burst] NAME=[VAR=VALUE ...] PATH ...

Each NAME=PATH is a published WhoAmI (VAR=VALUE pairs before the path are set in its environment, e.g.
DOTNET_GCgen0size=400000); Go is built and added. Servers are alternated A B C / C B A, figures are medians:
start-up to the first 200 (--starts runs), RSS idle and after one 6 s wrk run, CPU per 100,000 requests and
requests/s (--rounds runs), and with --burst the RSS split into file pages and anonymous memory when idle and
30 s after 3,000 dropped connections. Prints a Markdown table; bench/run.sh stays the benchmark of record.
"""
import argparse
import statistics
import time

from measure import OUT, ROOT, Server, open_and_drop, run, say, wrk


def server(spec):
    name, _, rest = spec.partition("=")
    words = rest.split()
    env = dict(word.split("=", 1) for word in words[:-1])
    return Server(name, [words[-1], "--urls", "http://127.0.0.1:{port}"], env)


def smaps_kib(pid):
    """(file-backed, anonymous) resident KiB from /proc/PID/smaps_rollup."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            words = line.split()
            if len(words) == 3 and words[2] == "kB":
                fields[words[0].rstrip(":")] = int(words[1])
    return fields["Rss"] - fields["Anonymous"], fields["Anonymous"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+", metavar="NAME=[VAR=VALUE ...] PATH")
    parser.add_argument("--starts", type=int, default=21)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst", action="store_true")
    options = parser.parse_args()

    go_binary = OUT / "go" / "whoami"
    run("go", "build", "-trimpath", "-o", str(go_binary), ".", cwd=ROOT / "bench" / "go-whoami", env={"CGO_ENABLED": "0"})
    servers = [Server("go", [str(go_binary)], {"WHOAMI_GO_PORT": "{port}"})] + [server(s) for s in options.binaries]
    figures = {s.name: {} for s in servers}

    def record(name, key, value):
        figures[name].setdefault(key, []).append(value)

    def alternated(count):
        for i in range(count):
            yield from servers if i % 2 == 0 else reversed(servers)

    say(f"start-up: {options.starts} starts of each")
    for s in alternated(options.starts):
        record(s.name, "start-up (ms)", s.start() * 1000)
        s.stop()
    say(f"load: {options.rounds} runs of 6 s each")
    for s in alternated(options.rounds):
        s.start()
        time.sleep(1)
        record(s.name, "RSS idle (KiB)", s.rss_kib())
        cpu = s.cpu_seconds()
        result = wrk(s.port, 6)
        record(s.name, "CPU / 100k req (s)", (s.cpu_seconds() - cpu) * 100_000 / result["requests"])
        record(s.name, "RSS after load (KiB)", s.rss_kib())
        record(s.name, "requests/s", result["rps"])
        s.stop()
    if options.burst:
        say("burst: 3,000 connections opened and dropped, RSS 30 s later")
        for s in alternated(1):
            s.start()
            time.sleep(1)
            file_idle, anon_idle = smaps_kib(s.process.pid)
            open_and_drop(s.port, 3000)
            time.sleep(30)
            file_after, anon_after = smaps_kib(s.process.pid)
            record(s.name, "idle file / anon (KiB)", f"{file_idle:,} / {anon_idle:,}")
            record(s.name, "30 s after burst file / anon (KiB)", f"{file_after:,} / {anon_after:,}")
            s.stop()

    def cell(key, value, go):
        text = f"{value:,.2f}" if "CPU" in key or "ms" in key else f"{value:,.0f}"
        return f"{text} ({value / go:.2f} ×)"

    keys = list(figures["go"])
    print("| Binary | " + " | ".join(keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for name, values in figures.items():
        cells = [v[0] if isinstance(v[0], str) else cell(k, statistics.median(v), statistics.median(figures["go"][k]))
                 for k, v in values.items()]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
