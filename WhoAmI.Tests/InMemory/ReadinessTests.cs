using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WhoAmI.Endpoints;

namespace WhoAmI.Tests.InMemory;

public sealed class ReadinessTests
{
    static WhoAmISettings Settings(params string[] args) => WhoAmISettings.Parse(args, _ => null);

    [Fact]
    public async Task Ready_is_200_with_an_empty_body_by_default()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();

        var response = await client.GetAsync("/ready", Cancel);
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/ready"), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task Shutdown_makes_ready_503_at_once_while_health_stays_200_until_the_drain_is_over()
    {
        // 5 s: long enough that a thread pool busy with the other tests cannot resume this one only after the drain.
        await using var app = new WhoAmIFactory(settings: Settings("--drain-delay", "5s"));
        var readiness = app.Services.GetRequiredService<ReadinessState>();
        var health = app.Services.GetRequiredService<HealthState>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();

        // What SIGTERM does: the host's console lifetime fires ApplicationStopping, then the host's stop awaits the drain.
        lifetime.StopApplication();
        await WaitUntilAsync(() => !readiness.IsReady);
        var healthWhileDraining = health.StatusCode;
        var stillStopping = !app.Running.IsCompleted;

        Assert.True(stillStopping, "the host stopped before the drain was over");
        Assert.Equal(200, healthWhileDraining);
        await app.Running;
        Assert.Equal(503, health.StatusCode);
        Assert.False(readiness.IsReady);
    }

    [Theory]
    [InlineData("/ready/disable")]
    [InlineData("/ready/enable")]
    public async Task The_switches_do_not_exist_without_ready_switch(string path)
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(path, null, Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready", Cancel)).StatusCode);
    }

    [Fact]
    public async Task With_ready_switch_disable_takes_readiness_away_and_enable_gives_it_back_health_untouched()
    {
        await using var app = new WhoAmIFactory(settings: Settings("--ready-switch"));
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/ready/disable", null, Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/ready", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/whoami", Cancel)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/ready/enable", null, Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.GetAsync("/ready/disable", Cancel)).StatusCode);
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var tries = 0; !condition(); tries++)
        {
            Assert.True(tries < 500, "timed out");
            await Task.Delay(10, Cancel);
        }
    }
}
