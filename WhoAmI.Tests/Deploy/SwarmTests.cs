using System.Diagnostics;
using WhoAmI.Tests.Containers;

namespace WhoAmI.Tests.Deploy;

/// <summary>
/// deploy/stack.yaml on a real single-node swarm: three replicas behind HAProxy, drained, killed, updated and scaled
/// while a client keeps asking. Each test leaves the stack as it found it: 3 healthy replicas on the first image.
/// Run alone with <c>dotnet test --filter-trait "Category=Swarm"</c>.
/// </summary>
[Trait("Category", "Swarm")]
[Collection(ContainerCollection.Name)]
public sealed class SwarmTests(SwarmStack stack) : IClassFixture<SwarmStack>
{
    static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1); // inter 1s in deploy/haproxy/haproxy.cfg

    [Fact]
    public async Task Requests_through_haproxy_reach_all_three_replicas_evenly()
    {
        await stack.ReadyAsync();
        using var client = new HttpClient { BaseAddress = stack.Address };

        var names = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            names.Add(await client.GetStringAsync("/whoami", TestContext.Current.CancellationToken));
        }

        var counts = names.CountBy(n => n).ToDictionary();
        Assert.Equal(["whoami-1", "whoami-2", "whoami-3"], counts.Keys.Order());
        Assert.All(counts.Values, count => Assert.True(count >= 60, $"uneven: {string.Join(", ", counts)}"));
    }

    /// <summary>gRPC through the same HAProxy port: h2c from the client, proto h2 to each replica.</summary>
    [Fact]
    public async Task Grpc_calls_through_haproxy_over_h2c_reach_all_three_replicas()
    {
        await stack.ReadyAsync();
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(stack.Address);
        var client = new Whoami.Whoami.WhoamiClient(channel);

        var names = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var reply = await client.WhoamiAsync(new Whoami.WhoamiRequest(), cancellationToken: TestContext.Current.CancellationToken);
            Assert.NotEmpty(reply.Iface);
            names.Add(reply.Hostname);
        }

        Assert.Equal(["whoami-1", "whoami-2", "whoami-3"], names.Distinct().Order());
        Assert.Equal(1, (await client.BenchAsync(new Whoami.BenchRequest(), cancellationToken: TestContext.Current.CancellationToken)).Data);
    }

    [Fact]
    public async Task A_replica_whose_readiness_is_switched_off_leaves_rotation_within_three_checks_and_comes_back_when_switched_on()
    {
        await stack.ReadyAsync();
        var container = await stack.ContainerOfSlotAsync(2);
        await using var load = RequestLoad.Start(stack.Address, clients: 2);
        await load.RunUntilAsync(100, TimeSpan.FromSeconds(30));

        var drained = load.Elapsed;
        using (var outside = new HttpClient { BaseAddress = stack.Address })
        {
            var refused = await outside.PostAsync("/ready/disable", null, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode); // HAProxy keeps the switch from the service's clients
        }

        await stack.SwitchReadinessAsync(container, enabled: false);
        await Task.Delay(3 * CheckInterval + TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        var returned = load.Elapsed;
        await stack.SwitchReadinessAsync(container, enabled: true);
        await Task.Delay(3 * CheckInterval + TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        await load.StopAsync();

        var fromTwo = load.Answers.Where(a => a.HostName == "whoami-2").Select(a => a.At).ToList();
        var lastBeforeOut = fromTwo.Where(at => at >= drained && at < returned).DefaultIfEmpty(drained).Max() - drained;
        var firstBack = fromTwo.Where(at => at >= returned).DefaultIfEmpty(TimeSpan.MaxValue).Min() - returned;
        Measurements.Record("swarm: out after POST /ready/disable (last answer from the replica)", $"{lastBeforeOut.TotalSeconds:0.00} s");
        Measurements.Record("swarm: back after POST /ready/enable (first answer from the replica)", $"{firstBack.TotalSeconds:0.00} s");
        Measurements.Record("swarm: failed requests while out and back", $"{load.Failures.Count}/{load.Total}");
        Assert.True(lastBeforeOut <= 3 * CheckInterval, $"replica 2 still answered {lastBeforeOut.TotalSeconds:0.00} s after its readiness was switched off");
        Assert.True(firstBack <= 3 * CheckInterval, $"replica 2 came back {firstBack.TotalSeconds:0.00} s after its readiness was switched on");
        Assert.Empty(load.Failures);
    }

    [Fact]
    public async Task A_rolling_update_to_another_image_under_load_loses_no_request()
    {
        await stack.ReadyAsync();
        await using var load = RequestLoad.Start(stack.Address);
        await load.RunUntilAsync(200, TimeSpan.FromSeconds(30));

        var clock = Stopwatch.StartNew();
        try
        {
            await stack.DeployAsync(SwarmStack.SecondImage);
            await stack.WaitForTasksAsync(3, SwarmStack.SecondImage, TimeSpan.FromMinutes(3));
            var updated = clock.Elapsed;
            await load.RunUntilAsync(2_000, TimeSpan.FromMinutes(2));
            await load.StopAsync();

            Measurements.Record("swarm: rolling update of 3 replicas (start-first), deploy to update completed", $"{updated.TotalSeconds:0.0} s");
            Measurements.Record("swarm: failed requests during the rolling update", $"{load.Failures.Count}/{load.Total}");
            Assert.Empty(load.Failures);
            Assert.True(load.Total >= 2_000);
        }
        finally
        {
            await load.StopAsync();
            await stack.DeployAsync(SwarmStack.FirstImage);
            await stack.WaitForTasksAsync(3, SwarmStack.FirstImage, TimeSpan.FromMinutes(3));
        }
    }

    [Fact]
    public async Task Killing_a_replica_under_load_loses_no_request_and_swarm_brings_back_three()
    {
        await stack.ReadyAsync();
        await using var load = RequestLoad.Start(stack.Address);
        await load.RunUntilAsync(200, TimeSpan.FromSeconds(30));

        var killed = await stack.ContainerOfSlotAsync(1);
        await Docker.RunAsync("kill", killed);
        var clock = Stopwatch.StartNew();
        while (await stack.TryContainerOfSlotAsync(1) is not { } replacement || replacement == killed)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "Swarm did not start a replacement for replica 1");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        await stack.WaitForTasksAsync(3, SwarmStack.FirstImage, TimeSpan.FromMinutes(2));
        var running = clock.Elapsed;
        await stack.WaitForNamesAsync(3, TimeSpan.FromMinutes(1));
        var answering = clock.Elapsed;
        await load.RunUntilAsync(1_000, TimeSpan.FromMinutes(1));
        await load.StopAsync();

        Measurements.Record("swarm: docker kill of a replica, to 3 tasks running", $"{running.TotalSeconds:0.0} s");
        Measurements.Record("swarm: docker kill of a replica, to 3 names through HAProxy", $"{answering.TotalSeconds:0.0} s");
        Measurements.Record("swarm: failed requests around the kill", $"{load.Failures.Count}/{load.Total}");
        Assert.Empty(load.Failures);
    }

    [Fact]
    public async Task Scaling_to_five_replicas_makes_five_names_answer()
    {
        await stack.ReadyAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            await Docker.RunAsync("service", "scale", "--detach", $"{SwarmStack.Service}=5");
            await stack.WaitForNamesAsync(5, TimeSpan.FromMinutes(2));
            Measurements.Record("swarm: scale 3 -> 5, to 5 names through HAProxy", $"{clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await Docker.RunAsync("service", "scale", "--detach", $"{SwarmStack.Service}=3");
            await stack.WaitForTasksAsync(3, SwarmStack.FirstImage, TimeSpan.FromMinutes(2));
        }
    }
}
