using System.Diagnostics;
using WhoAmI.Tests.Containers;

namespace WhoAmI.Tests.Deploy;

/// <summary>
/// deploy/stack.yaml deployed as a user does (<c>docker stack deploy</c>) on a single-node swarm, once for the
/// tests that share it, with the SDK path's image and the mirror's HAProxy. Everything it made is removed at the end:
/// the stack, its tags, and the swarm itself when the engine was not in one before.
/// </summary>
public sealed class SwarmStack(ContainerImages images) : IAsyncLifetime
{
    public const string Name = "whoami-test";
    public const string Service = $"{Name}_whoami";
    public const string FirstImage = "whoami-swarm-test:1";
    public const string SecondImage = "whoami-swarm-test:2";

    static readonly string StackFile = Path.Combine(RepositoryRoot.Path, "deploy", "stack.yaml");

    /// <summary>The mirror's stand-in for HAProxy's official image (eng/mirror/haproxy.sh).</summary>
    const string HaproxyStandIn = "haproxy:3.2";

    /// <summary>HAProxy's official image where Docker Hub answers (HAPROXY_IMAGE), else the mirror's stand-in.</summary>
    public static string HaproxyImage { get; } = Environment.GetEnvironmentVariable("HAPROXY_IMAGE") ?? $"{ContainerEngine.Registry}/{HaproxyStandIn}";

    /// <summary>Skips (so fails under --fail-skips) at once, naming the image, when the mirror lacks HAProxy's stand-in:
    /// without it the replicas would never answer through HAProxy, and the tests would time out saying nothing useful.</summary>
    public static async Task SkipUnlessHaproxyAsync()
    {
        if (Environment.GetEnvironmentVariable("HAPROXY_IMAGE") is null
            && await ContainerEngine.MissingImageAsync([HaproxyStandIn], "set HAPROXY_IMAGE=haproxy:3.2 where Docker Hub is reachable") is { } reason)
        {
            Assert.Skip($"HAProxy's image is missing: {reason}");
        }
    }

    readonly int _port = WhoAmIProcess.FreePort();
    Lazy<Task>? _deployed;
    bool _madeSwarm;

    /// <summary>HAProxy's published port, on loopback.</summary>
    public Uri Address => new($"http://127.0.0.1:{_port}");

    public ValueTask InitializeAsync()
    {
        _deployed = new(DeployFirstAsync);
        return ValueTask.CompletedTask;
    }

    /// <summary>Deploys the stack the first time a test asks, then waits for 3 replicas behind HAProxy.</summary>
    public async Task ReadyAsync()
    {
        images.SkipUnlessAvailable();
        await SkipUnlessHaproxyAsync();
        await _deployed!.Value;
        await WaitForNamesAsync(3, TimeSpan.FromSeconds(90));
    }

    async Task DeployFirstAsync()
    {
        await Docker.RunAsync("tag", await images.SdkImage, FirstImage);
        await Docker.RunAsync("tag", await images.DockerfileImage, SecondImage);
        if (await Docker.RunAsync("info", "--format", "{{.Swarm.LocalNodeState}}") == "inactive")
        {
            await Docker.RunAsync("swarm", "init", "--advertise-addr", "127.0.0.1");
            _madeSwarm = true;
        }

        await DeployAsync(FirstImage);
    }

    /// <summary><c>docker stack deploy -c deploy/stack.yaml</c> with <paramref name="image"/> as WHOAMI_IMAGE.</summary>
    public Task DeployAsync(string image) => Docker.RunAsync(["stack", "deploy", "--detach=true", "-c", StackFile, Name],
        new Dictionary<string, string?> { ["WHOAMI_IMAGE"] = image, ["HAPROXY_IMAGE"] = HaproxyImage, ["WHOAMI_PORT"] = $"{_port}" });

    /// <summary>Asks HAProxy until the last 30 answers name exactly <paramref name="count"/> distinct hosts: a full
    /// window, so that replicas still leaving (after a scale-down, their tasks already marked shut down) are seen.</summary>
    public async Task<TimeSpan> WaitForNamesAsync(int count, TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var recent = new Queue<string>();
        while (clock.Elapsed < timeout)
        {
            try
            {
                recent.Enqueue(await client.GetStringAsync("/whoami"));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
            catch (TaskCanceledException)
            {
            }

            while (recent.Count > 30)
            {
                recent.Dequeue();
            }

            if (recent.Count == 30 && recent.Distinct().Count() == count)
            {
                return clock.Elapsed;
            }
        }

        throw new TimeoutException($"{count} replicas did not answer through HAProxy within {timeout}; last answers: "
            + $"{string.Join(", ", recent.Distinct())}\n{await Docker.RunAsync("service", "ps", "--no-trunc", Service)}");
    }

    /// <summary>The running container of replica <paramref name="slot"/>.</summary>
    public async Task<string> ContainerOfSlotAsync(int slot) =>
        await TryContainerOfSlotAsync(slot) ?? throw new InvalidOperationException($"replica {slot} has no single running container");

    /// <summary>The running container of replica <paramref name="slot"/>'s current task (not one of a task being
    /// replaced, which may still be stopping), or null while there is none, or while an update runs two.</summary>
    public async Task<string?> TryContainerOfSlotAsync(int slot)
    {
        var tasks = await Docker.RunAsync("service", "ps", "--no-trunc", "--filter", "desired-state=running", "--format", "{{.Name}}.{{.ID}}", Service);
        if (tasks.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(t => t.StartsWith($"{Service}.{slot}.", StringComparison.Ordinal)).ToList() is not [var task])
        {
            return null;
        }

        var ids = await Docker.RunAsync("ps", "-q", "--filter", $"name={task}", "--filter", "status=running");
        return ids.Split('\n', StringSplitOptions.RemoveEmptyEntries) is [var id] ? id : null;
    }

    /// <summary>Switches one replica's readiness with <c>POST /ready/disable</c> or <c>/ready/enable</c>, from inside its
    /// network namespace (the image has no client of its own, the overlay network is not reachable from the host, and
    /// HAProxy refuses the switches from outside).</summary>
    public async Task SwitchReadinessAsync(string container, bool enabled)
    {
        var pid = await Docker.RunAsync("inspect", "--format", "{{.State.Pid}}", container);
        var status = await Docker.RunAsync(["--target", pid, "--net", "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
            "-X", "POST", $"http://127.0.0.1:8080/ready/{(enabled ? "enable" : "disable")}"], null, "nsenter");
        Assert.Equal("204", status);
    }

    /// <summary>Polls until the service runs <paramref name="replicas"/> tasks in state running, all on <paramref name="image"/>,
    /// and no update is in progress: Swarm watches each updated task for a while (update_config's monitor, 5 s), and
    /// a task that fails then — a replica killed by the next test — rolls the whole update back.</summary>
    public async Task WaitForTasksAsync(int replicas, string image, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string tasks = "";
        while (clock.Elapsed < timeout)
        {
            tasks = await Docker.RunAsync("service", "ps", "--filter", "desired-state=running", "--format", "{{.Image}} {{.CurrentState}}", Service);
            var update = await Docker.RunAsync("service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", Service);
            var lines = tasks.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == replicas && lines.All(l => l.StartsWith($"{image} Running", StringComparison.Ordinal))
                && update is "" or "completed")
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Service} did not reach {replicas} running tasks of {image}, no update in progress, within {timeout}:\n{tasks}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_deployed is not { IsValueCreated: true })
        {
            return;
        }

        await Run.ProcessAsync("docker", ["stack", "rm", Name], TimeSpan.FromMinutes(1));
        // `stack rm` returns before the containers and the network are gone; a new deploy would meet them.
        for (var i = 0; i < 120; i++)
        {
            var (_, left) = await Run.ProcessAsync("docker", ["ps", "-aq", "--filter", $"label=com.docker.stack.namespace={Name}"], TimeSpan.FromMinutes(1));
            var (_, networks) = await Run.ProcessAsync("docker", ["network", "ls", "-q", "--filter", $"label=com.docker.stack.namespace={Name}"], TimeSpan.FromMinutes(1));
            if (left.Trim().Length == 0 && networks.Trim().Length == 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        if (_madeSwarm)
        {
            await Run.ProcessAsync("docker", ["swarm", "leave", "--force"], TimeSpan.FromMinutes(1));
        }

        await Run.ProcessAsync("docker", ["rmi", FirstImage, SecondImage], TimeSpan.FromMinutes(1));
    }
}
