"""Measuring: start and stop the servers, load them with wrk and h2load, build and size the images.

Every function returns plain figures; nothing here writes a report. Used by bench.py.
"""
import os
import platform
import shutil
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "bench"
REGISTRY = os.environ.get("WHOAMI_BASE_IMAGE_REGISTRY", "localhost:5000/whoami-mirror")
CONNECTIONS = 64
THREADS = 2


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


def first_200(port, deadline, tls=False):
    """Polls GET /whoami on a fresh connection (in TLS, unverified, when TLS) until it answers 200; returns the
    time it did."""
    request = b"GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if tls else None
    if context:
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    while time.perf_counter() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as plain:
                s = context.wrap_socket(plain) if context else plain
                s.sendall(request)
                if s.recv(16).startswith(b"HTTP/1.1 200"):
                    return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.0005)
    raise TimeoutError(f"nothing answered on port {port}")


def build_go(output, source=ROOT / "bench" / "go-whoami"):
    """The Go reference as the tutorial builds it: CGO_ENABLED=0 go build -trimpath, not stripped."""
    run("go", "build", "-trimpath", "-o", str(output), ".", cwd=source, env={"CGO_ENABLED": "0"})


# traefik/whoami master after v1.11.0 (gRPC, OpenAPI): the peer compared with, pinned.
PEER_COMMIT = "8951300b46f13ce678dbed8a692ef2ccecf0eec4"
PEER_BUILD = ROOT.parent / "shared" / "peer" / "build-traefik-whoami.sh"


def peer_binary():
    """traefik/whoami's binary: WHOAMI_PEER_BINARY, else built at PEER_COMMIT from WHOAMI_PEER_SOURCE (a git
    directory of its source) by the workplace's shared/peer/build-traefik-whoami.sh, with Debian's Go. None, said
    in one line, when neither can be had: the run then compares with the Go tutorial server alone."""
    if os.environ.get("WHOAMI_PEER_BINARY"):
        return Path(os.environ["WHOAMI_PEER_BINARY"]).resolve()
    source = os.environ.get("WHOAMI_PEER_SOURCE")
    if not source or not PEER_BUILD.exists():
        say("traefik/whoami is not at hand (set WHOAMI_PEER_BINARY, or WHOAMI_PEER_SOURCE to a git directory of its source "
            f"with {PEER_BUILD} present): comparing with the Go tutorial server alone")
        return None
    output = OUT / "peer" / "traefik-whoami"
    result = subprocess.run(["bash", str(PEER_BUILD), source, str(output)], env={**os.environ, "SCRATCH": str(OUT / "peer"), "REV": PEER_COMMIT},
                            capture_output=True, text=True)
    if result.returncode != 0:
        say(f"traefik/whoami did not build ({(result.stderr or result.stdout).strip().splitlines()[-1]}): comparing with the Go tutorial server alone")
        return None
    say(result.stdout.strip().splitlines()[-1])
    return output


def published_whoami():
    """WHOAMI_BINARY, or a fresh `dotnet publish WhoAmI` (Native AOT) into artifacts/bench/aot."""
    binary = Path(os.environ.get("WHOAMI_BINARY", OUT / "aot" / "WhoAmI")).resolve()
    if "WHOAMI_BINARY" not in os.environ:
        run("dotnet", "publish", "WhoAmI", "--nologo", "-o", str(binary.parent))
    return binary


def whoami_server(name, binary, env=None, tls=None):
    """WhoAmI on loopback; with TLS=(cert, key), HTTPS (HTTP/1.1 and h2 by ALPN)."""
    if tls:
        return Server(name, [str(binary), "--urls", "https://127.0.0.1:{port}", "--cert", tls[0], "--key", tls[1]], env or {}, tls=True)
    return Server(name, [str(binary), "--urls", "http://127.0.0.1:{port}"], env or {})


def go_server(binary):
    return Server("go", [str(binary)], {"WHOAMI_GO_PORT": "{port}"})


def peer_server(binary, tls=None):
    """traefik/whoami. It has no /whoami (any unknown path gets its / page), so its load runs on /bench, its
    cheapest answer. It listens on all interfaces (it takes only a port); the benchmark talks to loopback alone."""
    return Server("peer", [str(binary), "-port", "{port}", *(["-cert", tls[0], "-key", tls[1]] if tls else [])], {},
                  load_path="/bench", tls=bool(tls))


class Server:
    """A server process on a loopback port, with its RSS and CPU time read from /proc."""

    def __init__(self, name, command, env, load_path="/whoami", tls=False):
        self.name, self.command, self.env, self.load_path, self.tls = name, command, env, load_path, tls

    def start(self):
        self.port = free_port()
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [a.format(port=self.port) for a in self.command],
            env={**os.environ, **{k: v.format(port=self.port) for k, v in self.env.items()}},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        answered = first_200(self.port, started + 20, self.tls)
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


def wrk(port, seconds, path="/whoami"):
    """One wrk run of a fixed duration, with --latency. (wrk has no request count: its main thread sleeps for
    the duration whatever its threads do, so figures are normalised per 100,000 requests instead.)"""
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", "--latency", "--timeout", "5s", "-d", f"{seconds}s"]
    output = run(*args, f"http://127.0.0.1:{port}{path}")
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


def alternate(repeats, names=("whoami", "go")):
    """A B, B A, A B, … (A B C, C B A, … for more): no server always runs first."""
    for i in range(repeats):
        yield tuple(names) if i % 2 == 0 else tuple(reversed(names))


def measure_processes(servers, starts, repeats, load_seconds):
    figures = {name: {"startup_process": [], "rss_idle": [], "rss_after": [], "cpu_per_100k": [], "rps": [], "p50": [], "p99": []} for name in servers}
    say(f"start-up: {starts} starts of each, alternating")
    for order in alternate(starts, servers):
        for name in order:
            server = servers[name]
            figures[name]["startup_process"].append(server.start() * 1000)
            server.stop()
    say(f"load: {repeats} runs of each, wrk -t{THREADS} -c{CONNECTIONS}, {load_seconds} s per run")
    for name, server in idle_runs(servers, repeats):
        figures[name]["rss_idle"].append(server.rss_kib())
        cpu_before = server.cpu_seconds()
        result = wrk(server.port, load_seconds, server.load_path)
        cpu = server.cpu_seconds() - cpu_before
        figures[name]["rss_after"].append(server.rss_kib())
        figures[name]["cpu_per_100k"].append(cpu * 100_000 / result["requests"])
        for key in ("rps", "p50", "p99"):
            figures[name][key].append(result[key])
        if result["errors"] or result["non_2xx"]:
            sys.exit(f"bench: {name} had {result['errors']} socket errors and {result['non_2xx']} non-2xx answers")
    return medians(figures)


def measure_endpoints(servers, paths, repeats, load_seconds):
    """Requests/s, p99 and CPU per 100,000 requests on each of PATHS, for each server, wrk as above: what
    {name: {"rps:/api": …, "p99:/api": …, "cpu_per_100k:/api": …}} holds, medians of REPEATS alternated runs."""
    keys = [f"{figure}:{path}" for path in paths for figure in ("rps", "p99", "cpu_per_100k")]
    figures = {name: {key: [] for key in keys} for name in servers}
    say(f"endpoints {', '.join(paths)}: {repeats} runs of each server, {load_seconds} s per endpoint")
    for name, server in idle_runs(servers, repeats):
        for path in paths:
            cpu_before = server.cpu_seconds()
            result = wrk(server.port, load_seconds, path)
            figures[name][f"cpu_per_100k:{path}"].append((server.cpu_seconds() - cpu_before) * 100_000 / result["requests"])
            figures[name][f"rps:{path}"].append(result["rps"])
            figures[name][f"p99:{path}"].append(result["p99"])
            if result["errors"] or result["non_2xx"]:
                sys.exit(f"bench: {name} {path} had {result['errors']} socket errors and {result['non_2xx']} non-2xx answers")
    return medians(figures)


def grpc_empty_message():
    """A file holding one gRPC message, empty (WhoamiRequest, BenchRequest): not compressed, length 0."""
    message = OUT / "grpc-empty-message"
    message.parent.mkdir(parents=True, exist_ok=True)
    message.write_bytes(bytes(5))
    return message


def h2load(url, seconds, http1=False, grpc=False):
    """Requests/s of h2load (nghttp2-client) on URL: 10 clients, 10 streams each (h2), for SECONDS after a 1 s warm-up.
    With GRPC, each request is a unary gRPC call with an empty message (POST, application/grpc, TE: trailers)."""
    grpc_options = []
    if grpc:
        grpc_options = ["-d", str(grpc_empty_message()), "-H", "content-type: application/grpc", "-H", "te: trailers"]
    output = run("h2load", *(["--h1"] if http1 else []), *grpc_options, "-c", "10", "-m", "10", "-t", "1",
                 "--warm-up-time=1", "-D", str(seconds), url)
    for line in output.splitlines():
        if line.startswith("finished in"):
            return float(line.split(",")[1].split()[0])
    sys.exit(f"bench: h2load printed no rate for {url}:\n{output}")


def measure_h2load(plain, secure, repeats, seconds, path="/bench"):
    """/bench through h2load as HTTP/1.1, h2c (prior knowledge) and h2 over TLS, and gRPC's whoami.Whoami/Bench over
    h2c beside it, for each server: PLAIN and SECURE map a name to its cleartext and its HTTPS server.
    {name: {"h2load_h1": …, "h2load_h2c": …, "h2load_grpc": …, "h2load_tls": …}}."""
    say(f"h2load on {path}: HTTP/1.1, h2c, gRPC Bench over h2c and TLS, {repeats} runs of each server, {seconds} s each")
    figures = {name: {"h2load_h1": [], "h2load_h2c": [], "h2load_grpc": [], "h2load_tls": []} for name in plain}
    for name, server in idle_runs(plain, repeats):
        figures[name]["h2load_h1"].append(h2load(f"http://127.0.0.1:{server.port}{path}", seconds, http1=True))
        figures[name]["h2load_h2c"].append(h2load(f"http://127.0.0.1:{server.port}{path}", seconds))
        figures[name]["h2load_grpc"].append(h2load(f"http://127.0.0.1:{server.port}/whoami.Whoami/Bench", seconds, grpc=True))
    for name, server in idle_runs(secure, repeats):
        figures[name]["h2load_tls"].append(h2load(f"https://127.0.0.1:{server.port}{path}", seconds))
    return medians(figures)


def test_certificate(folder):
    """A self-signed P-256 certificate for 127.0.0.1, made with openssl: (certificate, key) paths."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "bench.pem", folder / "bench.key"
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert))
    return str(cert), str(key)


def idle_runs(servers, repeats):
    """Each server started REPEATS times, alternated, and given a second to settle; yields (name, server) and
    stops the server once the caller has measured it."""
    for order in alternate(repeats, servers):
        for name in order:
            server = servers[name]
            server.start()
            try:
                time.sleep(1)
                yield name, server
            finally:
                server.stop()


def medians(figures):
    return {name: {k: statistics.median(v) for k, v in f.items()} for name, f in figures.items()}


def open_and_drop(port, count, batch=300):
    """Opens COUNT connections to the server, BATCH at a time, and drops each with a reset (SO_LINGER 0),
    as a crowd of clients that go away would."""
    for _ in range(0, count, batch):
        sockets = []
        for _ in range(batch):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sockets.append(s)
        for s in sockets:
            s.close()
        time.sleep(0.05)


def measure_burst(servers, repeats, settle_seconds=30, connections=3000):
    """RSS when idle, and SETTLE_SECONDS after a burst of CONNECTIONS opened and dropped: what a server keeps."""
    say(f"burst: {repeats} runs of each, {connections:,} connections opened and dropped, RSS {settle_seconds} s later")
    figures = {name: {"rss_burst_idle": [], "rss_burst": []} for name in servers}
    for name, server in idle_runs(servers, repeats):
        figures[name]["rss_burst_idle"].append(server.rss_kib())
        open_and_drop(server.port, connections)
        time.sleep(settle_seconds)
        figures[name]["rss_burst"].append(server.rss_kib())
    return medians(figures)


def gzip_size(image):
    """`docker save IMAGE | gzip -c | wc -c`, as docs/containers.md gives it."""
    return int(run("sh", "-c", f"docker save {image} | gzip -c | wc -c"))


def sdk_image():
    """The image `dotnet publish WhoAmI -t:PublishContainer` loads: whoami:TAG, the tag derived from the csproj's Version."""
    return "whoami:" + run("dotnet", "msbuild", "WhoAmI/WhoAmI.csproj", "-getProperty:ContainerImageTag").strip()


def image_size(image):
    return int(run("docker", "image", "inspect", "-f", "{{.Size}}", image))


def build_images(go_binary, peer=None):
    say("images: SDK path, Dockerfile path, build stage, Go FROM scratch" + (", traefik/whoami's" if peer else ""))
    timings = {}
    run("dotnet", "publish", "WhoAmI", "-t:PublishContainer", f"-p:BaseImageRegistry={REGISTRY}", "--nologo")
    dockerfile_args = ["--network", "host", "--build-arg", f"BASE_IMAGE_REGISTRY={REGISTRY}"]
    run("docker", "build", "-q", "--pull", *dockerfile_args, "-t", "whoami-dockerfile:bench", ".", env={"DOCKER_BUILDKIT": "0"})
    run("docker", "build", "-q", *dockerfile_args, "--target", "build", "-t", "whoami-build", ".", env={"DOCKER_BUILDKIT": "0"})
    go_context = OUT / "go-image"
    shutil.rmtree(go_context, ignore_errors=True)
    go_context.mkdir(parents=True)
    shutil.copy(go_binary, go_context / "whoami")
    run("docker", "build", "-q", "-f", str(ROOT / "bench" / "go-whoami" / "Dockerfile"), "-t", "whoami-go:bench", str(go_context), env={"DOCKER_BUILDKIT": "0"})
    if peer:
        peer_context = OUT / "peer-image"
        shutil.rmtree(peer_context, ignore_errors=True)
        peer_context.mkdir(parents=True)
        shutil.copy(peer, peer_context / "whoami")
        shutil.copytree("/usr/share/zoneinfo", peer_context / "zoneinfo", symlinks=True)
        shutil.copy("/etc/ssl/certs/ca-certificates.crt", peer_context / "ca-certificates.crt")
        run("docker", "build", "-q", "-f", str(ROOT / "bench" / "traefik-whoami" / "Dockerfile"), "-t", "traefik-whoami:bench", str(peer_context),
            env={"DOCKER_BUILDKIT": "0"})

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
    build_go(go_context / "whoami", source=copy / "bench" / "go-whoami")
    run("docker", "build", "-q", "-f", str(ROOT / "bench" / "go-whoami" / "Dockerfile"), "-t", "whoami-go:rebuild", str(go_context), env={"DOCKER_BUILDKIT": "0"})
    timings["go"] = time.perf_counter() - started

    sizes = {}
    sdk = sdk_image()
    images = [("whoami-build (build stage)", "whoami-build"), (f"{sdk}, SDK path", sdk),
              (f"{sdk}, Dockerfile", "whoami-dockerfile:bench"), ("Go tutorial, FROM scratch", "whoami-go:bench")]
    if peer:
        images.append((f"traefik/whoami {PEER_COMMIT[:7]}, its Dockerfile's final stage", "traefik-whoami:bench"))
    for label, image in images:
        sizes[label] = (image_size(image), gzip_size(image))
    return sizes, timings


def container_startups(starts):
    say(f"container start-up: {starts} starts of each, alternating")
    times = {"whoami": [], "go": []}
    images = {"whoami": sdk_image(), "go": "whoami-go:bench"}
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


def cpu_model():
    with open("/proc/cpuinfo") as info:
        return next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), platform.processor())


def memory_gib():
    with open("/proc/meminfo") as info:
        return int(info.readline().split()[1]) / 1024 / 1024
