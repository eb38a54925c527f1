using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Operations.V1;

namespace ServiceAnalytics.Tests.Security;

/// <summary>The development key, the transport rules, and secrets kept out of logs and errors.</summary>
public sealed class CredentialHandlingTests
{
    [Fact]
    public async Task Without_configured_callers_a_loopback_service_makes_a_private_development_key_and_keeps_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sa-dev-key-{Guid.NewGuid():N}", "dev-api-key");
        var settings = new Dictionary<string, string?> { ["Security:DevelopmentKeyPath"] = path };
        string key;
        await using (var host = await ServiceHost.StartReadyAsync(settings, withTestKey: false))
        {
            key = (await File.ReadAllTextAsync(path)).Trim();
            Assert.True(key.Length >= 40);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
            using var channel = Callers.WithKey(host, key);
            await new OperationsService.OperationsServiceClient(channel).GetRollupStatusAsync(new GetRollupStatusRequest());
            using var anonymous = Callers.Anonymous(host);
            var refused = await Assert.ThrowsAsync<RpcException>(() =>
                new OperationsService.OperationsServiceClient(anonymous).GetRollupStatusAsync(new GetRollupStatusRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }

        await using (var again = await ServiceHost.StartReadyAsync(settings, withTestKey: false))
        {
            Assert.Equal(key, (await File.ReadAllTextAsync(path)).Trim());
            using var channel = Callers.WithKey(again, key);
            await new OperationsService.OperationsServiceClient(channel).GetRollupStatusAsync(new GetRollupStatusRequest());
        }

        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0", "false", true, "https")]
    [InlineData("http://0.0.0.0:0", "true", false, "Security:ApiKeys")]
    public async Task A_network_bind_needs_tls_and_configured_callers(string url, string allowPlaintext, bool withTestKey, string named)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ServiceHost.StartAsync(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = url,
            ["Security:AllowPlaintextOnNetwork"] = allowPlaintext,
            ["Security:DevelopmentKeyPath"] = Path.Combine(Path.GetTempPath(), $"sa-never-{Guid.NewGuid():N}"),
        }, withTestKey));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_and_tokens_never_appear_in_logs_or_errors()
    {
        var logs = new CapturedLogs();
        var spans = new Telemetry.SpanCapture();
        var settings = Callers.Settings();
        settings["Logging:LogLevel:Default"] = "Trace";
        // With telemetry recording everything it can: spans (and their exporter) must not carry a secret either.
        settings["Telemetry:Traces"] = "true";
        await using var host = await ServiceHost.StartReadyAsync(settings, configure: builder =>
        {
            builder.Logging.AddProvider(logs);
            spans.AddTo(builder);
        });
        var valid = Callers.Token(["shop-a"], transfer: true);
        var expired = Callers.Token(["shop-a"], expires: DateTime.UtcNow.AddMinutes(-10));
        var foreign = Callers.Token(["shop-a"], key: Callers.OtherSigningKey);
        string[] secrets = [valid, expired, foreign, Callers.Keys["query-a"].Key, "wrong-key-0123456789", .. new[] { valid, expired, foreign }.Select(t => t.Split('.')[2])];
        var errors = await CallWithEachCredentialAsync(host, valid, expired, foreign);
        await ScrapeAndQuerySqlWithKeysAsync(host);

        secrets = [.. secrets, Callers.Keys["ops"].Key];
        await spans.WaitForAsync(s => s.DisplayName.EndsWith("/GetOverview", StringComparison.Ordinal));
        // The SQL endpoint's span ends after its client has the answer: wait for it too.
        await spans.WaitForAsync(s => s.GetTagItem("url.query") is not null);
        var spanTexts = spans.All.SelectMany(s => s.Tags.Select(t => $"{t.Key}={t.Value}")
            .Concat(s.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name} {t.Key}={t.Value}")))
            .Append(s.DisplayName)).ToList();
        // The BI call was traced with its query string, whose values the instrumentation redacts.
        Assert.Contains(spanTexts, text => text.StartsWith("url.query=", StringComparison.Ordinal) && text.Contains("password=", StringComparison.Ordinal));
        Assert.NotEmpty(logs.Lines);
        Assert.Equal(5, errors.Count);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(errors, error => error.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(spanTexts, text => text.Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>A query RPC with the tokens and with a valid and a wrong key; the errors of those refused, as text.</summary>
    private static async Task<List<string>> CallWithEachCredentialAsync(ServiceHost host, string valid, string expired, string foreign)
    {
        var errors = new List<string>();
        foreach (var channel in new[]
        {
            Callers.WithToken(host, valid), Callers.WithToken(host, expired), Callers.WithToken(host, foreign),
            Callers.WithKey(host, Callers.Keys["query-a"].Key), Callers.WithKey(host, "wrong-key-0123456789"),
        })
        {
            using (channel)
            {
                try
                {
                    await new AnalyticsService.AnalyticsServiceClient(channel).GetOverviewAsync(new GetOverviewRequest { ShopId = "shop-a", FirstDay = "2026-01-01", LastDay = "2026-01-01" });
                }
                catch (RpcException error)
                {
                    errors.Add(error.ToString());
                }
            }
        }

        return errors;
    }

    /// <summary>The other doors that take keys: metrics scrapes and the SQL endpoint.</summary>
    private static async Task ScrapeAndQuerySqlWithKeysAsync(ServiceHost host)
    {
        // A scrape with a key, and one with a wrong key, as an operator's Prometheus would send them.
        using var http = host.CreateHttpClient();
        foreach (var key in new[] { Callers.Keys["ops"].Key, "wrong-key-0123456789" })
        {
            using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            scrape.Headers.Add("x-api-key", key);
            (await http.SendAsync(scrape)).Dispose();
        }

        // A BI tool that puts its key in the URL, as ClickHouse's HTTP interface allows (the SQL endpoint's span records the URL).
        var sql = host.App.Services.GetRequiredService<ServiceAnalytics.Server.Hosting.ServiceEndpoints>()
            .Sql(host.App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()).Single();
        using (var bi = new HttpClient { BaseAddress = sql })
        {
            (await bi.GetAsync("/?user=bi&password=wrong-key-0123456789&query=SELECT%201")).Dispose();
        }
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLogs logs, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs.Lines.Enqueue($"{category} {formatter(state, exception)} {exception}");
        }
    }
}
