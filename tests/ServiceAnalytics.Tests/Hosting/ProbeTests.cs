using System.Diagnostics;
using System.Net;

namespace ServiceAnalytics.Tests.Hosting;

/// <summary>The orchestrator's probes on the web door: <c>/healthz</c> (liveness) and <c>/readyz</c> (readiness).</summary>
public sealed class ProbeTests
{
    [Fact]
    public async Task Readiness_is_503_while_migrations_cannot_run_and_liveness_stays_200()
    {
        // Port 9 (discard) on loopback refuses connections: a ClickHouse server that is down, so migrations never apply.
        await using var host = await ServiceHost.StartAsync(new Dictionary<string, string?> { ["ClickHouse:ServerUrl"] = "http://127.0.0.1:9" });
        using var http = host.CreateHttpClient();

        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(3))
        {
            using (var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
            }

            using (var live = await http.GetAsync(new Uri("/healthz", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
                Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
            }

            await Task.Delay(250);
        }

        Assert.False(host.App.Services.GetRequiredService<SchemaReadiness>().IsReady);
    }

    [Fact]
    public async Task Readiness_turns_200_once_migrations_are_applied_and_never_goes_back()
    {
        // Probed from the moment the host starts: every answer before the schema is ready is 503, and once
        // readiness is 200 the schema is marked ready.
        await using var host = await ServiceHost.StartAsync();
        using var http = host.CreateHttpClient();
        var readiness = host.App.Services.GetRequiredService<SchemaReadiness>();
        var answers = new List<HttpStatusCode>();
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var migratedBefore = readiness.IsReady;
            using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
            answers.Add(ready.StatusCode);
            if (ready.StatusCode == HttpStatusCode.OK)
            {
                Assert.True(readiness.IsReady);
                break;
            }

            // A refusal after the schema was marked ready would be the store not answering: not this scenario.
            Assert.False(migratedBefore, "readiness refused after migrations had been applied");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            using var live = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            await Task.Delay(20);
        }

        Assert.Equal(HttpStatusCode.OK, answers[^1]);
        for (var i = 0; i < 5; i++)
        {
            using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
            using var live = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
    }

    [Fact]
    public async Task Probes_need_no_credentials_and_carry_no_detail()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        using var http = host.CreateHttpClient();
        http.DefaultRequestHeaders.Add("x-api-key", "not-a-key");

        foreach (var path in new[] { "/healthz", "/readyz" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        }
    }
}
