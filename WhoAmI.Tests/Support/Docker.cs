using System.Text.Json;

namespace WhoAmI.Tests.Support;

/// <summary>The Docker CLI, as a user types it. Containers publish their port on 127.0.0.1 only.</summary>
public static class Docker
{
    public static async Task<string> RunAsync(params string[] args) => await RunAsync(args, null);

    public static async Task<string> RunAsync(string[] args, IDictionary<string, string?>? environment, string fileName = "docker")
    {
        var (exitCode, output) = await Run.ProcessAsync(fileName, args, TimeSpan.FromMinutes(10), environment);
        return exitCode == 0 ? output.Trim() : throw new DockerException(exitCode, $"{fileName} {string.Join(' ', args)} failed ({exitCode}):\n{output}");
    }

    public static async Task<int> ExitCodeAsync(params string[] args) =>
        (await Run.ProcessAsync("docker", args, TimeSpan.FromMinutes(2))).ExitCode;

    /// <summary>The image's config (<c>docker image inspect</c>), and its size in bytes.</summary>
    public static async Task<(JsonElement Config, long Size)> InspectImageAsync(string image)
    {
        using var json = JsonDocument.Parse(await RunAsync("image", "inspect", image));
        var root = json.RootElement[0];
        return (root.GetProperty("Config").Clone(), root.GetProperty("Size").GetInt64());
    }

    /// <summary>The labels in an image's config (from <see cref="InspectImageAsync"/>).</summary>
    public static Dictionary<string, string> Labels(JsonElement config) =>
        config.GetProperty("Labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");

    /// <summary>One file's bytes from an image, read with <c>docker create</c> and <c>docker cp</c>: no shell needed inside.</summary>
    public static async Task<byte[]> ReadFileAsync(string image, string path)
    {
        var container = await RunAsync("create", image);
        var copy = Path.Combine(Path.GetTempPath(), $"{container[..12]}-{Path.GetFileName(path)}");
        try
        {
            await RunAsync("cp", $"{container}:{path}", copy);
            return await File.ReadAllBytesAsync(copy);
        }
        finally
        {
            File.Delete(copy);
            await RunAsync("rm", container);
        }
    }

    /// <summary>Starts <paramref name="image"/> detached with a host name and its <paramref name="port"/> published
    /// on loopback, with docker <paramref name="options"/> and the service's own <paramref name="args"/>; reached
    /// over HTTPS to localhost when a TLS <paramref name="tlsHandler"/> is given. <paramref name="engine"/> is the
    /// command (podman takes the same arguments), run with <paramref name="environment"/>.</summary>
    public static async Task<RunningContainer> StartAsync(string image, string hostName = "web-1.example.internal",
        string[]? options = null, string[]? args = null, int port = 8080, HttpMessageHandler? tlsHandler = null,
        string engine = "docker", IDictionary<string, string?>? environment = null)
    {
        var name = $"whoami-test-{Guid.NewGuid():N}"[..24];
        await RunAsync(["run", "-d", "--name", name, "--hostname", hostName, "-p", $"127.0.0.1::{port}", .. options ?? [], image, .. args ?? []],
            environment, engine);
        var container = new RunningContainer(name, tlsHandler, engine, environment);
        try
        {
            var published = await RunAsync(["port", name, $"{port}/tcp"], environment, engine);
            var hostPort = published.Split('\n')[0].Trim();
            container.Client.BaseAddress = new Uri(tlsHandler is null ? $"http://{hostPort}" : $"https://localhost:{hostPort.Split(':')[^1]}");
            if (!await Answering.WaitForWhoamiAsync(container.Client.BaseAddress, TimeSpan.FromSeconds(30), handler: tlsHandler))
            {
                throw new TimeoutException($"{name} did not answer on {container.Client.BaseAddress}:\n{await RunAsync(["logs", name], environment, engine)}");
            }

            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }
}
