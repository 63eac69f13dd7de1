#!/usr/bin/env python3
"""WhoAmI (Native AOT) against the Go tutorial server, side by side, in one run on one machine.

Every figure is a ratio WhoAmI / Go measured in the same run, alternating A B / B A, medians over repeats.
Writes docs/benchmarks.md and docs/benchmarks.svg; exits 1 when a target is missed (full mode only).
Run through bench/run.sh (full) or bench/run.sh --smoke (a few seconds, for CI: no images, no targets).
"""
import argparse
import datetime
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "bench"
REGISTRY = os.environ.get("WHOAMI_BASE_IMAGE_REGISTRY", "localhost:5000")
CONNECTIONS = 64
THREADS = 2

# (metric key, what it is, target ratio, higher is better)
TARGETS = {
    "binary": ("App binary, uncompressed", 1.25, False),
    "startup_process": ("Start-up to first 200, process", 2.0, False),
    "rss_after": ("RSS after load", 1.5, False),
    "cpu_per_100k": ("CPU per 100,000 requests", 1.0, False),
    "rps": ("Requests/s", 1.0, True),
    "p99": ("p99 latency", 1.0, False),
}


def run(*args, env=None, cwd=ROOT, check=True):
    result = subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"bench: {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def say(text):
    print(f"bench: {text}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_200(port, deadline):
    """Polls GET /whoami on a fresh connection until it answers 200; returns the time it did."""
    request = b"GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    while time.perf_counter() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(request)
                if s.recv(16).startswith(b"HTTP/1.1 200"):
                    return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.0005)
    raise TimeoutError(f"nothing answered on port {port}")


class Server:
    """A server process on a loopback port, with its RSS and CPU time read from /proc."""

    def __init__(self, name, command, env):
        self.name, self.command, self.env = name, command, env

    def start(self):
        self.port = free_port()
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [a.format(port=self.port) for a in self.command],
            env={**os.environ, **{k: v.format(port=self.port) for k, v in self.env.items()}},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        answered = first_200(self.port, started + 20)
        return answered - started

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def wrk(port, seconds):
    """One wrk run of a fixed duration, with --latency. (wrk has no request count: its main thread sleeps for
    the duration whatever its threads do, so figures are normalised per 100,000 requests instead.)"""
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", "--latency", "--timeout", "5s", "-d", f"{seconds}s"]
    output = run(*args, f"http://127.0.0.1:{port}/whoami")
    figures = {"errors": 0, "non_2xx": 0}
    for line in output.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(words[1])
        elif "requests in" in line:
            figures["requests"] = int(words[0])
        elif len(words) == 2 and words[0] in ("50%", "99%"):
            figures["p50" if words[0] == "50%" else "p99"] = milliseconds(words[1])
        elif line.strip().startswith("Socket errors:"):
            figures["errors"] = sum(int(w.strip(",")) for w in words[3::2])
        elif line.strip().startswith("Non-2xx"):
            figures["non_2xx"] = int(words[-1])
    return figures


def milliseconds(text):
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    raise ValueError(text)


def alternate(repeats):
    """A B, B A, A B, …: neither server always runs first."""
    for i in range(repeats):
        yield ("whoami", "go") if i % 2 == 0 else ("go", "whoami")


def measure_processes(servers, starts, repeats, load_seconds):
    figures = {name: {"startup_process": [], "rss_idle": [], "rss_after": [], "cpu_per_100k": [], "rps": [], "p50": [], "p99": []} for name in servers}
    say(f"start-up: {starts} starts of each, alternating")
    for order in alternate(starts):
        for name in order:
            server = servers[name]
            figures[name]["startup_process"].append(server.start() * 1000)
            server.stop()
    say(f"load: {repeats} runs of each, wrk -t{THREADS} -c{CONNECTIONS}, {load_seconds} s per run")
    for order in alternate(repeats):
        for name in order:
            server = servers[name]
            server.start()
            time.sleep(1)
            figures[name]["rss_idle"].append(server.rss_kib())
            cpu_before = server.cpu_seconds()
            result = wrk(server.port, load_seconds)
            cpu = server.cpu_seconds() - cpu_before
            figures[name]["rss_after"].append(server.rss_kib())
            figures[name]["cpu_per_100k"].append(cpu * 100_000 / result["requests"])
            for key in ("rps", "p50", "p99"):
                figures[name][key].append(result[key])
            if result["errors"] or result["non_2xx"]:
                sys.exit(f"bench: {name} had {result['errors']} socket errors and {result['non_2xx']} non-2xx answers")
            server.stop()
    return {name: {k: statistics.median(v) for k, v in f.items()} for name, f in figures.items()}


def gzip_size(image):
    """`docker save IMAGE | gzip -c | wc -c`, as the README's commands give it."""
    return int(run("sh", "-c", f"docker save {image} | gzip -c | wc -c"))


def image_size(image):
    return int(run("docker", "image", "inspect", "-f", "{{.Size}}", image))


def build_images(go_binary):
    say("images: SDK path, Dockerfile path, build stage, Go FROM scratch")
    timings = {}
    run("dotnet", "publish", "WhoAmI", "-t:PublishContainer", f"-p:BaseImageRegistry={REGISTRY}", "--nologo")
    dockerfile_args = ["--network", "host", "--build-arg", f"BASE_IMAGE_REGISTRY={REGISTRY}"]
    run("docker", "build", "-q", "--pull", *dockerfile_args, "-t", "whoami:2.0-dockerfile", ".", env={"DOCKER_BUILDKIT": "0"})
    run("docker", "build", "-q", *dockerfile_args, "--target", "build", "-t", "whoami:1.0", ".", env={"DOCKER_BUILDKIT": "0"})
    go_context = OUT / "go-image"
    shutil.rmtree(go_context, ignore_errors=True)
    go_context.mkdir(parents=True)
    shutil.copy(go_binary, go_context / "whoami")
    run("docker", "build", "-q", "-f", str(ROOT / "bench" / "go-whoami" / "Dockerfile"), "-t", "whoami-go:bench", str(go_context), env={"DOCKER_BUILDKIT": "0"})

    # Warm rebuild after a one-line change, in a copy of the sources so the work tree stays as it is.
    copy = OUT / "rebuild"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("artifacts", ".git", "bin", "obj"))
    run("dotnet", "publish", "WhoAmI", "-t:PublishContainer", f"-p:BaseImageRegistry={REGISTRY}", "-p:ContainerRepository=whoami-rebuild", cwd=copy)
    run("docker", "build", "-q", *dockerfile_args, "-t", "whoami-rebuild:dockerfile", ".", cwd=copy, env={"DOCKER_BUILDKIT": "0"})
    # The line differs on every run: a line seen before would find the layer of a previous run in Docker's cache.
    change = f"// one-line change for the rebuild benchmark, {time.time_ns()}\n"
    with open(copy / "WhoAmI" / "Program.cs", "a") as program:
        program.write(change)
    with open(copy / "bench" / "go-whoami" / "main.go", "a") as program:
        program.write(change)
    started = time.perf_counter()
    run("dotnet", "publish", "WhoAmI", "-t:PublishContainer", f"-p:BaseImageRegistry={REGISTRY}", "-p:ContainerRepository=whoami-rebuild", cwd=copy)
    timings["whoami_sdk"] = time.perf_counter() - started
    started = time.perf_counter()
    run("docker", "build", "-q", *dockerfile_args, "-t", "whoami-rebuild:dockerfile", ".", cwd=copy, env={"DOCKER_BUILDKIT": "0"})
    timings["whoami_dockerfile"] = time.perf_counter() - started
    started = time.perf_counter()
    run("go", "build", "-trimpath", "-o", str(go_context / "whoami"), ".", cwd=copy / "bench" / "go-whoami", env={"CGO_ENABLED": "0"})
    run("docker", "build", "-q", "-f", str(ROOT / "bench" / "go-whoami" / "Dockerfile"), "-t", "whoami-go:rebuild", str(go_context), env={"DOCKER_BUILDKIT": "0"})
    timings["go"] = time.perf_counter() - started

    sizes = {}
    for label, image in (("whoami:1.0 (build stage)", "whoami:1.0"), ("whoami:2.0, SDK path", "whoami:2.0"),
                         ("whoami:2.0, Dockerfile", "whoami:2.0-dockerfile"), ("Go, FROM scratch", "whoami-go:bench")):
        sizes[label] = (image_size(image), gzip_size(image))
    return sizes, timings


def container_startups(starts):
    say(f"container start-up: {starts} starts of each, alternating")
    times = {"whoami": [], "go": []}
    images = {"whoami": "whoami:2.0", "go": "whoami-go:bench"}
    for order in alternate(starts):
        for name in order:
            port = free_port()
            started = time.perf_counter()
            container = run("docker", "run", "-d", "--rm", "-p", f"127.0.0.1:{port}:8080", images[name])
            try:
                times[name].append((first_200(port, started + 30) - started) * 1000)
            finally:
                run("docker", "rm", "-f", container)
    return {name: statistics.median(t) for name, t in times.items()}


def ratio(a, b):
    return a / b if b else float("nan")


def svg_chart(rows):
    """Horizontal bars of the ratios WhoAmI / Go, a line at 1 (parity), a dashed tick at each target.
    Green: target met; red: missed; grey: no target. Bars past 3 are cut at 3 and say so."""
    width, bar_left, row_height, cap = 720, 250, 28, 3.0
    scale = (width - bar_left - 110) / cap
    height = 40 + row_height * len(rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<text x="10" y="20" font-size="14">WhoAmI / Go, same run (lower is better unless marked ↑)</text>']
    for i, (label, value, target, higher_better) in enumerate(rows):
        y = 34 + i * row_height
        met = None if target is None else (value >= target if higher_better else value <= target)
        colour = {None: "#999999", True: "#3a7d44", False: "#c0392b"}[met]
        length = min(value, cap) * scale
        parts.append(f'<text x="10" y="{y + 14}">{label}{" ↑" if higher_better else ""}</text>')
        parts.append(f'<rect x="{bar_left}" y="{y}" width="{length:.1f}" height="18" fill="{colour}"/>')
        parts.append(f'<text x="{bar_left + length + 4:.1f}" y="{y + 14}">{value:.2f}{" (cut at 3)" if value > cap else ""}</text>')
        if target is not None:
            x = bar_left + target * scale
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + 20}" stroke="black" stroke-dasharray="3,2"/>')
    x = bar_left + scale
    parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="28" y2="{height - 4}" stroke="#888"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def chart_from_table(markdown):
    """The chart's rows read back from the ratio table that a full run wrote (for --chart-only)."""
    rows = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not cells[3].replace(".", "", 1).isdigit():
            continue
        target = float(cells[4][2:]) if cells[4][:1] in "≤≥" and cells[4] else None
        rows.append((cells[0].split(" (")[0], float(cells[3]), target, cells[4].startswith("≥")))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds: process figures only, no targets enforced")
    parser.add_argument("--chart-only", action="store_true", help="redraw docs/benchmarks.svg from docs/benchmarks.md")
    options = parser.parse_args()
    if options.chart_only:
        docs = ROOT / "docs"
        docs.joinpath("benchmarks.svg").write_text(svg_chart(chart_from_table(docs.joinpath("benchmarks.md").read_text())))
        return 0
    smoke = options.smoke
    OUT.mkdir(parents=True, exist_ok=True)

    say("building the Native AOT binary and the Go reference server")
    whoami_binary = Path(os.environ.get("WHOAMI_BINARY", OUT / "aot" / "WhoAmI")).resolve()
    if "WHOAMI_BINARY" not in os.environ:
        run("dotnet", "publish", "WhoAmI", "--nologo", "-o", str(whoami_binary.parent))
    go_binary = OUT / "go" / "whoami"
    run("go", "build", "-trimpath", "-o", str(go_binary), ".", cwd=ROOT / "bench" / "go-whoami", env={"CGO_ENABLED": "0"})

    servers = {
        "whoami": Server("whoami", [str(whoami_binary), "--urls", "http://127.0.0.1:{port}"], {}),
        "go": Server("go", [str(go_binary)], {"WHOAMI_GO_PORT": "{port}"}),
    }
    if smoke:
        figures = measure_processes(servers, starts=3, repeats=1, load_seconds=1)
    else:
        figures = measure_processes(servers, starts=21, repeats=5, load_seconds=10)
    figures["whoami"]["binary"] = whoami_binary.stat().st_size
    figures["go"]["binary"] = go_binary.stat().st_size

    sizes, timings, container = {}, {}, {}
    if not smoke:
        sizes, timings = build_images(go_binary)
        container = container_startups(21)

    rows = [
        ("App binary, uncompressed (bytes)", "binary", "{:,.0f}"),
        ("Start-up to first 200, process (ms)", "startup_process", "{:.1f}"),
        ("RSS idle after start (KiB)", "rss_idle", "{:,.0f}"),
        ("RSS after a 10 s load (KiB)" if not smoke else "RSS after a 1 s load (KiB)", "rss_after", "{:,.0f}"),
        ("CPU per 100,000 requests (s)", "cpu_per_100k", "{:.2f}"),
        ("Requests/s", "rps", "{:,.0f}"),
        ("p50 latency (ms)", "p50", "{:.2f}"),
        ("p99 latency (ms)", "p99", "{:.2f}"),
    ]
    table = ["| Figure | WhoAmI (Native AOT) | Go (net/http) | WhoAmI / Go | Target | Met |", "|---|---:|---:|---:|---:|---|"]
    missed, chart = [], []
    for label, key, fmt in rows:
        w, g = figures["whoami"][key], figures["go"][key]
        r = ratio(w, g)
        target = TARGETS.get(key)
        met = ""
        if target:
            ok = r >= target[1] if target[2] else r <= target[1]
            met = "yes" if ok else "**no**"
            if not ok:
                missed.append(f"{label}: ratio {r:.2f}, target {'≥' if target[2] else '≤'} {target[1]}")
        table.append(f"| {label} | {fmt.format(w)} | {fmt.format(g)} | {r:.2f} | {('≥ ' if target and target[2] else '≤ ') + str(target[1]) if target else ''} | {met} |")
        chart.append((label.split(" (")[0], r, target[1] if target else None, bool(target and target[2])))
    if container:
        r = ratio(container["whoami"], container["go"])
        table.append(f"| Start-up to first 200, container (ms) | {container['whoami']:.0f} | {container['go']:.0f} | {r:.2f} | | |")
        chart.append(("Start-up, container", r, None, False))

    lines = [
        "# Benchmarks: WhoAmI against the Go tutorial server",
        "",
        f"Written by `bench/run.sh{' --smoke' if smoke else ''}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. "
        "No number here is typed by hand.",
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
        *table,
        "",
    ]
    if sizes:
        lines += ["## Images", "", "`docker image inspect -f '{{.Size}}'` and `docker save IMAGE | gzip -c | wc -c`. "
                  f"The .NET base image here is the offline stand-in (see README).", "",
                  "| Image | Size (bytes) | gzip (bytes) |", "|---|---:|---:|"]
        lines += [f"| {label} | {size:,} | {packed:,} |" for label, (size, packed) in sizes.items()]
        lines += ["", "## Warm rebuild after a one-line source change", "",
                  f"- WhoAmI, SDK path (`dotnet publish WhoAmI -t:PublishContainer`): {timings['whoami_sdk']:.1f} s",
                  f"- WhoAmI, Dockerfile (`docker build`): {timings['whoami_dockerfile']:.1f} s",
                  f"- Go (`go build` + `docker build` FROM scratch): {timings['go']:.1f} s", ""]
    lines += ["![Ratios WhoAmI / Go](benchmarks.svg)", "",
              "What was tried against each missed target, with its measured effect: [tuning.md](tuning.md).", ""]
    if missed:
        lines += ["## Targets missed", "", *[f"- {m}" for m in missed], ""]

    # A smoke run proves the script works; only a full run writes docs/.
    folder = OUT if smoke else ROOT / "docs"
    folder.mkdir(exist_ok=True)
    target_file = folder / "benchmarks.md"
    target_file.write_text("\n".join(lines))
    folder.joinpath("benchmarks.svg").write_text(svg_chart(chart))
    print("\n".join(table))
    say(f"wrote {target_file.relative_to(ROOT)}")
    if missed and not smoke:
        for m in missed:
            say(f"MISSED {m}")
        return 1
    return 0


def cpu_model():
    with open("/proc/cpuinfo") as info:
        return next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), platform.processor())


def memory_gib():
    with open("/proc/meminfo") as info:
        return int(info.readline().split()[1]) / 1024 / 1024


if __name__ == "__main__":
    sys.exit(main())
