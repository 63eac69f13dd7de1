using k8s.Models;

namespace WhoAmI.Tests.Deploy;

/// <summary>deploy/k8s checked without a cluster: strictly against the Kubernetes API types (see
/// <see cref="KubernetesManifests"/>), then for what the manifests mean for WhoAmI.</summary>
public sealed class KubernetesManifestTests
{
    static readonly string Directory = Path.Combine(RepositoryRoot.Path, "deploy", "k8s");

    static string Read(string file) => File.ReadAllText(Path.Combine(Directory, file));

    static T Load<T>(string file) => Assert.IsType<T>(Assert.Single(KubernetesManifests.Load(Read(file))));

    static V1Container WhoAmIContainer(V1Deployment deployment) => Assert.Single(deployment.Spec.Template.Spec.Containers);

    /// <summary>The resources the kustomization lists, read from it the way kustomize does.</summary>
    static List<string> KustomizationResources()
    {
        var kustomization = new YamlDotNet.Serialization.DeserializerBuilder().Build()
            .Deserialize<Dictionary<string, object>>(Read("kustomization.yaml"));
        return [.. ((List<object>)kustomization["resources"]).Select(r => (string)r)];
    }

    [Fact]
    public void The_kustomization_lists_every_manifest_and_each_parses_strictly_into_its_api_type()
    {
        var files = System.IO.Directory.GetFiles(Directory, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml");

        Assert.Equal(files.Order(), KustomizationResources().Order());
        Assert.All(KustomizationResources(), file => Assert.Single(KubernetesManifests.Load(Read(file))));
    }

    [Fact]
    public void The_deployment_runs_three_replicas_of_whoami_2_0_and_never_fewer_during_an_update()
    {
        var deployment = Load<V1Deployment>("deployment.yaml");

        Assert.Equal(3, deployment.Spec.Replicas);
        Assert.Equal(BuildFacts.Image, WhoAmIContainer(deployment).Image);
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        var spread = Assert.Single(deployment.Spec.Template.Spec.TopologySpreadConstraints);
        Assert.Equal("kubernetes.io/hostname", spread.TopologyKey);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, spread.LabelSelector.MatchLabels);
    }

    [Fact]
    public void The_selectors_of_the_deployment_service_and_budget_match_the_pod_labels()
    {
        var deployment = Load<V1Deployment>("deployment.yaml");
        var podLabels = deployment.Spec.Template.Metadata.Labels;

        Assert.Subset(podLabels.ToHashSet(), deployment.Spec.Selector.MatchLabels.ToHashSet());
        Assert.Subset(podLabels.ToHashSet(), Load<V1Service>("service.yaml").Spec.Selector.ToHashSet());
        Assert.Subset(podLabels.ToHashSet(), Load<V1PodDisruptionBudget>("pod-disruption-budget.yaml").Spec.Selector.MatchLabels.ToHashSet());
        Assert.NotEmpty(deployment.Spec.Selector.MatchLabels);
    }

    [Fact]
    public void Readiness_probes_ready_and_liveness_probes_health_on_the_port_the_service_targets()
    {
        var container = WhoAmIContainer(Load<V1Deployment>("deployment.yaml"));
        var port = Assert.Single(container.Ports);
        var service = Assert.Single(Load<V1Service>("service.yaml").Spec.Ports);

        Assert.Equal(BuildFacts.HttpPort, port.ContainerPort);
        Assert.Equal("/ready", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/health", container.LivenessProbe.HttpGet.Path);
        foreach (var probe in new[] { container.ReadinessProbe, container.LivenessProbe })
        {
            Assert.Contains(probe.HttpGet.Port.Value, new[] { port.Name, $"{port.ContainerPort}" });
        }

        Assert.Contains(service.TargetPort.Value, new[] { port.Name, $"{port.ContainerPort}" });
    }

    /// <summary>The drain comes from the app (WHOAMI_DRAIN_DELAY), not a preStop pause, and fits in the grace period
    /// with the 5 s the app gives requests in flight.</summary>
    [Fact]
    public void The_pod_drains_by_the_apps_own_delay_within_its_grace_period()
    {
        var deployment = Load<V1Deployment>("deployment.yaml");
        var container = WhoAmIContainer(deployment);

        Assert.Null(container.Lifecycle?.PreStop);
        var delay = container.Env.Single(e => e.Name == "WHOAMI_DRAIN_DELAY").Value;
        Assert.True(WhoAmISettings.Parse(["--drain-delay", delay], _ => null).DrainDelay + TimeSpan.FromSeconds(5)
            < TimeSpan.FromSeconds(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds ?? 30));
    }

    /// <summary>The annotations a kubernetes-pods scrape job reads point at a port and path that serve metrics.</summary>
    [Fact]
    public void Prometheus_annotations_point_at_the_metrics_the_container_serves()
    {
        var deployment = Load<V1Deployment>("deployment.yaml");
        var container = WhoAmIContainer(deployment);
        var annotations = deployment.Spec.Template.Metadata.Annotations;

        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
        Assert.Equal(container.Ports.Single().ContainerPort.ToString(), annotations["prometheus.io/port"]);
        var environment = container.Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.True(WhoAmISettings.Parse([], name => environment.GetValueOrDefault(name)).Metrics);
    }

    [Fact]
    public void The_pod_runs_as_the_images_non_root_user_read_only_without_capabilities_under_runtime_default_seccomp()
    {
        var deployment = Load<V1Deployment>("deployment.yaml");
        var pod = deployment.Spec.Template.Spec.SecurityContext;
        var container = WhoAmIContainer(deployment).SecurityContext;

        Assert.True(pod.RunAsNonRoot);
        Assert.Equal(1654, pod.RunAsUser);
        Assert.Equal("RuntimeDefault", pod.SeccompProfile.Type);
        Assert.True(container.RunAsNonRoot);
        Assert.Equal(1654, container.RunAsUser);
        Assert.True(container.ReadOnlyRootFilesystem);
        Assert.False(container.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.Capabilities.Drop);
    }

    [Fact]
    public void The_container_requests_and_limits_cpu_and_memory()
    {
        var resources = WhoAmIContainer(Load<V1Deployment>("deployment.yaml")).Resources;

        Assert.Equal(["cpu", "memory"], resources.Requests.Keys.Order());
        Assert.Equal(["cpu", "memory"], resources.Limits.Keys.Order());
        Assert.True(resources.Requests["memory"].ToDecimal() <= resources.Limits["memory"].ToDecimal());
        Assert.True(resources.Requests["cpu"].ToDecimal() <= resources.Limits["cpu"].ToDecimal());
    }

    /// <summary>A change to deployment.yaml (the text it replaces, and what with) that the API server would refuse,
    /// and a part of the error that says why.</summary>
    public static TheoryData<string, string, string, string> Breakages => new()
    {
        { "misspelled field", "readinessProbe:", "readinesProbe:", "'readinesProbe' not found" },
        { "field in the wrong case", "readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true", "'readOnlyRootFileSystem' not found" },
        { "unknown field", "imagePullPolicy: IfNotPresent", "imagePullPolicy: IfNotPresent\n          restartAlways: true", "'restartAlways' not found" },
        { "number given as a word", "replicas: 3", "replicas: three", "'three'" },
        { "list where a number goes", "containerPort: 8080", "containerPort: [8080]", "System.Int32" },
        { "missing selector", "  selector:\n    matchLabels:\n      app.kubernetes.io/name: whoami\n  strategy:", "  strategy:", "spec: selector is required" },
        { "container without a name", "        - name: whoami\n          image: whoami:2.0", "        - image: whoami:2.0", "containers[0]: name is required" },
        { "unknown kind", "kind: Deployment", "kind: Deploymnet", "apps/v1/Deploymnet" },
        { "missing metadata name", "metadata:\n  name: whoami\n", "metadata:\n", "metadata.name is required" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void A_broken_deployment_fails_validation_saying_why(string what, string text, string replacement, string why)
    {
        var original = Read("deployment.yaml");
        Assert.Contains(text, original);
        var broken = original.Replace(text, replacement);

        var error = Record.Exception(() => KubernetesManifests.Load(broken));

        Assert.True(error is not null, $"{what}: accepted");
        Assert.Contains(why, $"{error.Message} {error.InnerException?.Message}");
    }

    [Fact]
    public async Task Kubectl_kustomize_renders_the_deployment_the_service_and_the_budget()
    {
        var (exitCode, output) = await Run.ProcessAsync("kubectl", ["kustomize", Directory], TimeSpan.FromMinutes(1));
        Assert.SkipWhen(exitCode == 127, "kubectl is not installed (Debian/Ubuntu: apt-get install kubernetes-client)");
        Assert.True(exitCode == 0, output);

        var kinds = KubernetesManifests.Load(output).Select(o => o.GetType().Name).Order();

        Assert.Equal(["V1Deployment", "V1PodDisruptionBudget", "V1Service"], kinds);
    }
}
