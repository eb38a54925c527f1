using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Storage.Telemetry;
using ServiceAnalytics.Tests.Security;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// The Prometheus scrape endpoint: Prometheus text with ASP.NET Core's metrics and the service meter's instruments,
/// on the web door only, open to loopback callers and to operators elsewhere.
/// </summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task A_loopback_scrape_returns_Prometheus_text_with_ASP_NET_Core_and_service_metrics()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        // An instrument on the service's meter, as the service's own are: the scrape must show it, with its value.
        using var meter = new Meter(TelemetryNames.Meter);
        var probe = meter.CreateCounter<long>("telemetry_test_probe");
        probe.Add(3);
        using var http = host.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);

        var scrape = await ScrapeUntilAsync(http, text => text.Contains("http_server_request_duration_seconds", StringComparison.Ordinal));

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", scrape, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/health\"", scrape, StringComparison.Ordinal);
        Assert.Contains("# TYPE telemetry_test_probe_total counter", scrape, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^telemetry_test_probe_total(\{[^}]*\})? 3(\s|$)", scrape);
    }

    [Fact]
    public async Task Neither_the_gRPC_port_nor_the_SQL_endpoint_serves_metrics()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        using var grpcPort = new HttpClient { BaseAddress = host.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var sql = host.App.Services.GetRequiredService<ServiceEndpoints>().Sql(host.App.Services.GetRequiredService<IServer>()).Single();
        using var sqlPort = new HttpClient { BaseAddress = sql };

        var overGrpc = await grpcPort.GetAsync("/metrics");
        var overSql = await sqlPort.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, overGrpc.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, overSql.StatusCode);
        Assert.DoesNotContain("# TYPE", await overSql.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Beyond_loopback_a_scrape_needs_an_operations_credential_over_every_shop()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings(), configure: builder =>
            builder.Services.AddSingleton<IStartupFilter>(new RemoteAddress(IPAddress.Parse("203.0.113.7"))));
        using var http = host.CreateHttpClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await ScrapeAsync(http, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ScrapeAsync(http, "not-a-key-0123456789")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ScrapeAsync(http, Callers.Keys["query-a"].Key)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ScrapeAsync(http, Callers.Keys["ops-a"].Key)).StatusCode);
        var operator_ = await ScrapeAsync(http, Callers.Keys["ops"].Key);
        Assert.Equal(HttpStatusCode.OK, operator_.StatusCode);
        Assert.Contains("# TYPE", await operator_.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A bearer token carries the query scope only: no operator.
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Callers.Token(["shop-a"]));
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(bearer)).StatusCode);
    }

    [Fact]
    public async Task Closed_to_loopback_a_scrape_needs_the_credential_there_too()
    {
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Telemetry:PrometheusOpenOnLoopback"] = "false" });
        using var http = host.CreateHttpClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await ScrapeAsync(http, null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ScrapeAsync(http, ServiceHost.TestKey)).StatusCode);
    }

    [Fact]
    public async Task With_telemetry_off_there_is_no_scrape_endpoint()
    {
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Telemetry:Enabled"] = "false" });
        using var http = host.CreateHttpClient();

        Assert.Equal(HttpStatusCode.NotFound, (await ScrapeAsync(http, ServiceHost.TestKey)).StatusCode);
    }

    [Fact]
    public async Task A_scrape_path_of_its_own_is_served_and_a_bad_one_stops_the_start()
    {
        await using (var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Telemetry:PrometheusPath"] = "/ops/prometheus" }))
        {
            using var http = host.CreateHttpClient();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/ops/prometheus")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ServiceHost.StartAsync(new Dictionary<string, string?> { ["Telemetry:PrometheusPath"] = "metrics" }));
        Assert.Contains("Telemetry:PrometheusPath", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> ScrapeAsync(HttpClient http, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        return await http.SendAsync(request);
    }

    /// <summary>Scrapes until <paramref name="done"/> (the exporter caches a scrape briefly; a request's metrics are recorded as it ends).</summary>
    private static async Task<string> ScrapeUntilAsync(HttpClient http, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var response = await http.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            var text = await response.Content.ReadAsStringAsync();
            if (done(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Makes every request look as if it came from <paramref name="address"/>, ahead of the service's own pipeline.</summary>
    private sealed class RemoteAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
