using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// OTLP goes out only when an endpoint is configured, and then carries traces, metrics and logs: a stand-in
/// collector on loopback (OTLP over HTTP, as <c>http/protobuf</c> posts to <c>/v1/traces</c>, <c>/v1/metrics</c>,
/// <c>/v1/logs</c>) records what it receives.
/// </summary>
public sealed class OtlpExportTests
{
    [Theory]
    [InlineData("Telemetry")]
    [InlineData("OTEL variables")]
    public async Task With_an_OTLP_endpoint_traces_metrics_and_logs_reach_the_collector(string configuredBy)
    {
        await using var collector = await Collector.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            // The SDK reads its variables from the configuration, environment included: short intervals for the test.
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            // The start-up lines (Information) are the log records to look for.
            ["Logging:LogLevel:Default"] = "Information",
        };
        if (configuredBy == "Telemetry")
        {
            settings["Telemetry:Otlp:Endpoint"] = collector.Address.ToString();
            settings["Telemetry:Otlp:Protocol"] = "http/protobuf";
        }
        else
        {
            settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Address.ToString();
            settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        }

        await using (var host = await ServiceHost.StartReadyAsync(settings))
        {
            await CallAsync(host);
            await collector.WaitForAsync("/v1/traces", "/v1/metrics");
        }

        // The start-up lines (at least) went out as OTLP logs, by the time the service stopped.
        await collector.WaitForAsync("/v1/logs");
        Assert.All(collector.Requests, request => Assert.Equal("application/x-protobuf", request.ContentType));
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_sent_and_no_span_is_recorded()
    {
        await using var collector = await Collector.StartAsync();
        var spans = new SpanCapture();
        // The collector is there, but the service is not told of it: nothing may reach it.
        await using (var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["OTEL_METRIC_EXPORT_INTERVAL"] = "300" }, configure: spans.AddTo))
        {
            await CallAsync(host);
            await Task.Delay(1000);
        }

        Assert.Empty(collector.Requests);
        Assert.Empty(spans.All);
    }

    /// <summary>A query RPC, traced like any: the shop is unknown, so it answers NOT_FOUND after reading the store.</summary>
    private static async Task CallAsync(ServiceHost host)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => new AnalyticsService.AnalyticsServiceClient(host.Channel).GetOverviewAsync(new GetOverviewRequest
        {
            ShopId = "shop-otlp", FirstDay = "2026-01-01", LastDay = "2026-01-02",
        }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    /// <summary>An HTTP server on a free loopback port that answers every OTLP post with 200 and keeps its path.</summary>
    private sealed class Collector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Collector(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public ConcurrentQueue<(string Path, string? ContentType)> Received { get; } = new();

        public IReadOnlyList<(string Path, string? ContentType)> Requests => [.. Received];

        public static async Task<Collector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            // Not the service's settings (its Kestrel endpoints are in the appsettings.json beside the tests).
            builder.Configuration.Sources.Clear();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            Collector? collector = null;
            app.Run(async context =>
            {
                await context.Request.Body.CopyToAsync(Stream.Null);
                collector!.Received.Enqueue((context.Request.Path.Value ?? "", context.Request.ContentType));
                context.Response.StatusCode = StatusCodes.Status200OK;
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            collector = new Collector(app, new Uri(address));
            return collector;
        }

        public async Task WaitForAsync(params string[] paths)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!paths.All(path => Received.Any(r => r.Path == path)))
            {
                Assert.True(DateTime.UtcNow < deadline, $"Not received within 20 s: {string.Join(", ", paths)}; received: {string.Join(", ", Received.Select(r => r.Path))}");
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
