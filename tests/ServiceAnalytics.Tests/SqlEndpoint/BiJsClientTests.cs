using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Server.Security;
using ServiceAnalytics.Storage.Bi;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>
/// The official JavaScript client, <c>@clickhouse/client</c> from npm (a client nobody here wrote), against the SQL
/// endpoint: <c>tests/bi-js-client/script.mjs</c> connects with a shop-scoped BI key, lists the views, runs a
/// parameterized query on <c>bi_chats</c> in JSONEachRow and JSON and meets refusals as the client's
/// <c>ClickHouseError</c>; this test ingests the scenario, rolls it up and hands the script what it must find.
/// </summary>
public sealed class BiJsClientTests
{
    private const string BiKey = "bi-js-client-key-shop-a-only";

    private static readonly string s_project = Path.Combine(RepositoryLayout.Root, "tests", "bi-js-client");

    private static readonly SemaphoreSlim s_install = new(1, 1);

    [Fact]
    public async Task The_official_javascript_client_reads_a_view_of_its_shop_and_meets_refusals_as_clickhouse_errors()
    {
        var shopA = $"shop-a-{Guid.NewGuid():N}"[..20];
        var shopB = $"shop-b-{Guid.NewGuid():N}"[..20];
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?>
        {
            ["Security:ApiKeys:1:Id"] = "bi-js",
            ["Security:ApiKeys:1:Sha256"] = ApiKeyRing.HashHex(BiKey),
            ["Security:ApiKeys:1:Scopes:0"] = CallerClaims.Bi,
            ["Security:ApiKeys:1:Shops:0"] = shopA,
        });
        // Days well before today: settled by the rollup, the same day in every zone at noon UTC.
        var first = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-6);
        await IngestAsync(host, Scenario(shopA, first), Scenario(shopB, first, extraChats: 2));
        await ActivatorUtilities.CreateInstance<RollupRunner>(host.App.Services).RunScheduledAsync(DateTime.UtcNow, CancellationToken.None);

        var expected = new
        {
            views = BiViews.Names,
            daily = new object[]
            {
                // Shop A: a1 (5 stars) and a2 (2 stars) on the first day, a3 (4 stars) the next.
                Daily(shopA, first, first.AddDays(1), (first, 2, 1), (first.AddDays(1), 1, 1)),
                Daily(shopA, first.AddDays(1), first.AddDays(3), (first.AddDays(1), 1, 1)),
                // Shop B has chats on those days, but not for this key: its filter reads none of them.
                Daily(shopB, first, first.AddDays(1)),
            },
            shops = new[] { new { shop_id = shopA, chats = 3 } },
            refused = new[]
            {
                new { statement = $"INSERT INTO bi_chats (shop_id) VALUES ('{shopA}')", code = 164 },
                new { statement = "SELECT * FROM file('/etc/passwd', 'LineAsString')", code = 497 },
                new { statement = "SELECT * FROM chat_starts", code = 497 },
            },
        };

        await EnsureInstalledAsync();
        var sql = host.App.Services.GetRequiredService<ServiceEndpoints>().Sql(host.App.Services.GetRequiredService<IServer>()).Single();
        var (exit, output) = await RunAsync("node", ["script.mjs", sql.ToString(), "bi-js", BiKey, JsonSerializer.Serialize(expected)], TimeSpan.FromMinutes(2));

        Assert.True(exit == 0, $"script.mjs exited with {exit}:\n{output}");
        Assert.Contains("ok", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A shop's chats: two on <paramref name="first"/> (rated 5 and 2), one the next day (rated 4), and
    /// <paramref name="extraChats"/> more unrated on the first day. Each is received (a customer message).
    /// </summary>
    private static FactScenario Scenario(string shopId, DateOnly first, int extraChats = 0)
    {
        var scenario = new FactScenario(shopId);
        var noon = first.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc);
        var chats = new List<(string Chat, DateTime At, int Stars)> { ("c1", noon, 5), ("c2", noon.AddHours(1), 2), ("c3", noon.AddDays(1), 4) };
        chats.AddRange(Enumerable.Range(0, extraChats).Select(i => ($"x{i}", noon.AddMinutes(10 + i), 0)));
        foreach (var (chat, at, stars) in chats)
        {
            scenario.ChatStarted(chat, "u-" + chat, at, []);
            scenario.Message(chat, SenderRole.Customer, MessageKind.Text, at.AddSeconds(1));
            if (stars > 0)
            {
                scenario.Rated(chat, stars, at.AddHours(2));
            }
        }

        return scenario;
    }

    private static object Daily(string shop, DateOnly first, DateOnly last, params (DateOnly Day, int Chats, int Rated4Or5)[] rows) => new
    {
        @params = new { shop, first = Iso(first), last = Iso(last) },
        rows = rows.Select(r => new { day = Iso(r.Day), chats = r.Chats, rated_4_or_5 = r.Rated4Or5 }),
    };

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static async Task IngestAsync(ServiceHost host, params FactScenario[] shops)
    {
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        foreach (var shop in shops)
        {
            var outcome = (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { shop.Facts } })).Outcome;
            Assert.Empty(outcome.Rejected);
        }
    }

    /// <summary>
    /// <c>npm ci</c> from the project's lock file, once: skipped while <c>node_modules/.package-lock.json</c>
    /// (rewritten by every <c>npm ci</c>) is newer than <c>package-lock.json</c>, as the page's build does.
    /// </summary>
    private static async Task EnsureInstalledAsync()
    {
        await s_install.WaitAsync();
        try
        {
            var stamp = Path.Combine(s_project, "node_modules", ".package-lock.json");
            if (File.Exists(stamp) && File.GetLastWriteTimeUtc(stamp) >= File.GetLastWriteTimeUtc(Path.Combine(s_project, "package-lock.json")))
            {
                return;
            }

            var (exit, output) = await RunAsync("npm", ["ci", "--no-fund", "--no-audit"], TimeSpan.FromMinutes(5));
            Assert.True(exit == 0, $"npm ci in {s_project} failed ({exit}); the test needs Node.js 20+ and npm (README, Quick start):\n{output}");
            File.SetLastWriteTimeUtc(stamp, DateTime.UtcNow);
        }
        finally
        {
            s_install.Release();
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = s_project, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {timeout}.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
