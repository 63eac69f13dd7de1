using System.Diagnostics.Metrics;
using System.Text;
using WhoAmI.Telemetry;

namespace WhoAmI.Tests.References;

/// <summary>
/// The Prometheus text format (https://prometheus.io/docs/instrumenting/exposition_formats/) as PrometheusMetrics
/// writes it, at its edges: names as OpenTelemetry's Prometheus exporter gives them, label escaping, bucket edges and
/// <c>+Inf</c>. PrometheusTests hold the whole exposition to promtool and a real Prometheus.
/// </summary>
public sealed class PrometheusExpositionTests
{
    [Theory]
    [InlineData("http.server.request.duration", "s", false, "http_server_request_duration_seconds")]
    [InlineData("kestrel.active_connections", "{connection}", false, "kestrel_active_connections")]
    [InlineData("dotnet.gc.collections", "{collection}", true, "dotnet_gc_collections_total")]
    [InlineData("dotnet.process.memory.working_set", "By", false, "dotnet_process_memory_working_set_bytes")]
    [InlineData("dotnet.process.cpu.time", "s", true, "dotnet_process_cpu_time_seconds_total")]
    [InlineData("requests_total", "", true, "requests_total")]
    [InlineData("latency.seconds", "s", false, "latency_seconds")]
    [InlineData("ratio", "1", false, "ratio")]
    [InlineData("9lives-per.cat", "ms", false, "_9lives_per_cat_milliseconds")]
    [InlineData("cpu.util", "%", false, "cpu_util_percent")]
    public void Names_are_sanitized_suffixed_by_unit_and_counters_end_in_total(string name, string unit, bool counter, string expected)
    {
        Assert.Equal(expected, MetricFamily.PrometheusName(name, unit, counter));
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline_and_label_names_are_sanitized_and_sorted()
    {
        using var meter = new Meter("test");
        var family = new MetricFamily(meter.CreateCounter<long>("test.requests", "{request}", "Requests, \\ and\nmore"), null);

        family.Record(1, [new("path", "a\\b\"c\nd"), new("http.method", "GET")]);
        family.Record(2, [new("http.method", "GET"), new("path", "a\\b\"c\nd")]);

        Assert.Equal(
            "# HELP test_requests_total Requests, \\\\ and\\nmore\n" +
            "# TYPE test_requests_total counter\n" +
            "test_requests_total{http_method=\"GET\",path=\"a\\\\b\\\"c\\nd\"} 3\n", Write(family));
    }

    [Fact]
    public void A_value_on_a_boundary_counts_in_that_bucket_buckets_are_cumulative_and_inf_counts_all()
    {
        using var meter = new Meter("test");
        var family = new MetricFamily(meter.CreateHistogram<double>("test.duration", "s"), [0.1, 1, 10]);

        foreach (var value in new[] { 0.1, 0.5, 1, 10.0001, 100 })
        {
            family.Record(value, [new("route", "/")]);
        }

        Assert.Equal(
            "# HELP test_duration_seconds \n" +
            "# TYPE test_duration_seconds histogram\n" +
            "test_duration_seconds_bucket{route=\"/\",le=\"0.1\"} 1\n" +
            "test_duration_seconds_bucket{route=\"/\",le=\"1\"} 3\n" +
            "test_duration_seconds_bucket{route=\"/\",le=\"10\"} 3\n" +
            "test_duration_seconds_bucket{route=\"/\",le=\"+Inf\"} 5\n" +
            "test_duration_seconds_sum{route=\"/\"} 111.6001\n" +
            "test_duration_seconds_count{route=\"/\"} 5\n", Write(family));
    }

    [Fact]
    public void A_series_without_tags_has_no_braces_and_a_gauge_keeps_the_last_value()
    {
        using var meter = new Meter("test");
        var family = new MetricFamily(meter.CreateGauge<long>("test.queue.length", "{item}"), null);

        family.Record(5, []);
        family.Record(2, []);

        Assert.EndsWith("# TYPE test_queue_length gauge\ntest_queue_length 2\n", Write(family), StringComparison.Ordinal);
    }

    [Fact]
    public void An_up_down_counter_is_a_gauge_of_its_running_sum()
    {
        using var meter = new Meter("test");
        var family = new MetricFamily(meter.CreateUpDownCounter<long>("test.active", "{request}"), null);

        family.Record(3, []);
        family.Record(-1, []);

        Assert.EndsWith("# TYPE test_active gauge\ntest_active 2\n", Write(family), StringComparison.Ordinal);
    }

    static string Write(MetricFamily family)
    {
        var text = new StringBuilder();
        family.Write(text);
        return text.ToString();
    }
}
