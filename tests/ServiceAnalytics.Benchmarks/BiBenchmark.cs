using System.Net.Http.Headers;
using ClickHouse.Driver;
using ServiceAnalytics.Contracts.Query.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ServiceAnalytics.Server.Hosting;

namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// The SQL endpoint as BI tools use it: the 200k-chat shop over 60 days, served by the service in this process (rollups
/// on, so the BI views hold the latest run), a BI key for that one shop. Measured in the same run, interleaved:
/// <list type="number">
/// <item>a day-by-day aggregate over <c>bi_chats</c> for 30 days through the endpoint (ClickHouse's HTTP interface:
/// authentication, the parser's checks, shop filters, limits, streaming) and the same statement run directly on the
/// engine through the service's own ClickHouse client — p50/p99 of each and the endpoint's overhead;</item>
/// <item>the query RPCs (overview, first All Chats page, agent details of the same 30 days) alone, and again while 16
/// BI clients run the aggregate back to back: the endpoint must not starve the service (its statements run on a
/// separate, bounded pool of engine connections).</item>
/// </list>
/// Targets (issue 17): endpoint overhead ≤ 20 % of the direct p50 on statements of ≥ 10 ms; the RPCs' p99 under BI
/// load within their targets (overview ≤ 50 ms, list and agents ≤ 100 ms).
/// </summary>
internal static class BiBenchmark
{
    private const string Shop = "shop-big";
    private const string BiKey = "benchmark-bi-key";
    private const int BiClients = 16;

    /// <summary>The BI user's statement: chats, 24-hour responses, mean first response and good ratings per day.</summary>
    private const string DailyAggregate = """
        SELECT day, count() AS chats, countIf(chat_type = 'responded_24h') AS responded_24h,
               avg(first_response_seconds) AS mean_first_response_seconds, countIf(stars >= 4) AS rated_4_or_5
        FROM bi_chats
        WHERE shop_id = {shop:String} AND day BETWEEN {from:Date} AND {to:Date}
        GROUP BY day
        ORDER BY day
        FORMAT JSONEachRow
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var chats = BenchmarkEnvironment.IntOption(args, "--chats", 200_000);
        var repeat = BenchmarkEnvironment.IntOption(args, "--repeat", 200);
        Console.WriteLine($"bi: {chats:N0} chats of one shop over 60 days; {repeat} runs of each measurement; the service in this process");
        var dataPath = BenchmarkEnvironment.FreshScratchFolder($"service-{Environment.ProcessId}");

        try
        {
            var origin = DateTime.UtcNow.Date.AddDays(-60);
            await using (var loading = await InProcessService.StartAsync(dataPath, rollups: false))
            {
                await ServiceProcess.IngestShopAsync(loading.Grpc, Shop, chats, origin);
            }

            await using var service = await InProcessService.StartAsync(dataPath, rollups: true);
            var waited = await ServiceProcess.WaitForSnapshotAsync(service.Grpc);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  the start-up rollup left a snapshot after {waited.TotalSeconds:F0} s"));
            var (from, to) = (DateOnly.FromDateTime(DateTime.UtcNow.Date.AddDays(-30)), DateOnly.FromDateTime(DateTime.UtcNow.Date.AddDays(-1)));
            await MeasureOverheadAsync(service, from, to, repeat, newStatements: false);
            await MeasureOverheadAsync(service, from, to, repeat, newStatements: true);
            await MeasureRpcsUnderBiLoadAsync(service, from, to, repeat);
        }
        finally
        {
            if (Directory.Exists(dataPath))
            {
                Directory.Delete(dataPath, recursive: true);
            }
        }

        return 0;
    }

    /// <param name="newStatements">
    /// Each run's text new to the endpoint (a comment numbers it), so its parser checks run every time, as for a
    /// statement seen once; otherwise the same text each time, as a dashboard's refresh sends it (the checks' decision is kept).
    /// </param>
    private static async Task MeasureOverheadAsync(InProcessService service, DateOnly from, DateOnly to, int repeat, bool newStatements)
    {
        using var endpoint = BiClient(service.SqlEndpoint);
        var biThreads = service.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Storage.Bi.BiSqlOptions>>().Value.MaxThreads;
        var (viaEndpoint, direct, directCapped) = (new List<double>(), new List<double>(), new List<double>());
        string? endpointRows = null, directRows = null;
        for (var run = -5; run < repeat; run++)
        {
            var stopwatch = Stopwatch.StartNew();
            endpointRows = await EndpointAsync(endpoint, from, to, newStatements ? $"-- run {run}\n" : "");
            var endpointMs = stopwatch.Elapsed.TotalMilliseconds;
            stopwatch.Restart();
            directRows = await DirectAsync(service.Store, from, to, maxThreads: null);
            var directMs = stopwatch.Elapsed.TotalMilliseconds;
            stopwatch.Restart();
            await DirectAsync(service.Store, from, to, biThreads);
            if (run >= 0)
            {
                viaEndpoint.Add(endpointMs);
                direct.Add(directMs);
                directCapped.Add(stopwatch.Elapsed.TotalMilliseconds);
            }
        }

        if (endpointRows != directRows)
        {
            throw new InvalidOperationException("The endpoint's rows differ from the engine's.");
        }

        static double P50(List<double> times) => ExportBenchmark.Percentile(times, 0.5);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  bi_chats, 30 days by day, {(newStatements ? "a new statement each run" : "the same statement each run")} ({endpointRows!.Count(c => c == '\n')} rows, same bytes both ways): endpoint p50 {P50(viaEndpoint):F1} ms / p99 {ExportBenchmark.Percentile(viaEndpoint, 0.99):F1} ms; direct p50 {P50(direct):F1} ms / p99 {ExportBenchmark.Percentile(direct, 0.99):F1} ms; direct with the endpoint's max_threads = {biThreads}: p50 {P50(directCapped):F1} / p99 {ExportBenchmark.Percentile(directCapped, 0.99):F1} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    overhead over the direct p50: {(P50(viaEndpoint) / P50(direct) - 1) * 100:F1} % (target <= 20 % on statements of >= 10 ms); over the direct run with the same thread cap: {(P50(viaEndpoint) / P50(directCapped) - 1) * 100:F1} %"));
    }

    private static async Task MeasureRpcsUnderBiLoadAsync(InProcessService service, DateOnly from, DateOnly to, int repeat)
    {
        var quiet = await RpcLatenciesAsync(service.Grpc, from, to, repeat);
        using var stop = new CancellationTokenSource();
        var statements = 0;
        var load = Enumerable.Range(0, BiClients).Select(_ => Task.Run(async () =>
        {
            using var client = BiClient(service.SqlEndpoint);
            while (!stop.IsCancellationRequested)
            {
                await EndpointAsync(client, from, to, "");
                Interlocked.Increment(ref statements);
            }
        })).ToList();
        var stopwatch = Stopwatch.StartNew();
        var loaded = await RpcLatenciesAsync(service.Grpc, from, to, repeat);
        await stop.CancelAsync();
        await Task.WhenAll(load);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  query RPCs alone vs while {BiClients} BI clients ran {statements / stopwatch.Elapsed.TotalSeconds:F0} statements/s (targets p99: overview <= 50 ms, list and agents <= 100 ms):"));
        foreach (var (rpc, times) in quiet)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {rpc}: alone p50 {ExportBenchmark.Percentile(times, 0.5):F1} / p99 {ExportBenchmark.Percentile(times, 0.99):F1} ms; under BI load p50 {ExportBenchmark.Percentile(loaded[rpc], 0.5):F1} / p99 {ExportBenchmark.Percentile(loaded[rpc], 0.99):F1} ms"));
        }
    }

    private static async Task<Dictionary<string, List<double>>> RpcLatenciesAsync(GrpcChannel grpc, DateOnly from, DateOnly to, int repeat)
    {
        var analytics = new AnalyticsService.AnalyticsServiceClient(grpc);
        var (first, last) = (from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var calls = new Dictionary<string, Func<Task>>(StringComparer.Ordinal)
        {
            ["overview"] = () => analytics.GetOverviewAsync(new() { ShopId = Shop, FirstDay = first, LastDay = last }).ResponseAsync,
            ["list"] = () => analytics.ListChatsAsync(new() { ShopId = Shop, FirstDay = first, LastDay = last, PageSize = 50 }).ResponseAsync,
            ["agents"] = () => analytics.GetAgentDetailsAsync(new() { ShopId = Shop, FirstDay = first, LastDay = last }).ResponseAsync,
        };
        var times = calls.Keys.ToDictionary(rpc => rpc, _ => new List<double>(), StringComparer.Ordinal);
        for (var run = -3; run < repeat; run++)
        {
            foreach (var (rpc, call) in calls)
            {
                var stopwatch = Stopwatch.StartNew();
                await call();
                if (run >= 0)
                {
                    times[rpc].Add(stopwatch.Elapsed.TotalMilliseconds);
                }
            }
        }

        return times;
    }

    /// <summary>A BI tool's HTTP client: basic authentication with the BI key, as ClickHouse clients send it.</summary>
    private static HttpClient BiClient(Uri endpoint)
    {
        var client = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"bi:{BiKey}")));
        return client;
    }

    private static async Task<string> EndpointAsync(HttpClient client, DateOnly from, DateOnly to, string prefix)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"/?param_shop={Shop}&param_from={from:yyyy-MM-dd}&param_to={to:yyyy-MM-dd}");
        using var response = await client.PostAsync(new Uri(url, UriKind.Relative), new StringContent(prefix + DailyAggregate));
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"The endpoint answered {(int)response.StatusCode}: {body}");
    }

    private static async Task<string> DirectAsync(ClickHouseStore store, DateOnly from, DateOnly to, int? maxThreads)
    {
        var options = new QueryOptions
        {
            CustomSettings = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["param_shop"] = Shop,
                ["param_from"] = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["param_to"] = to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            },
        };
        if (maxThreads is { } threads)
        {
            options.CustomSettings["max_threads"] = threads;
        }

        using var result = await store.Client.ExecuteRawResultAsync(DailyAggregate, options, CancellationToken.None);
        return await result.ReadAsStringAsync();
    }

    /// <summary>The service hosted in this process (so its own ClickHouse client is at hand for the direct runs).</summary>
    private sealed class InProcessService(WebApplication app, GrpcChannel grpc, Uri sqlEndpoint) : IAsyncDisposable
    {
        public WebApplication App => app;

        public GrpcChannel Grpc { get; } = grpc;

        public Uri SqlEndpoint { get; } = sqlEndpoint;

        public ClickHouseStore Store => app.Services.GetRequiredService<ClickHouseStore>();

        public static async Task<InProcessService> StartAsync(string dataPath, bool rollups)
        {
            var (grpcPort, webPort, sqlPort) = (IngestBenchmark.FreePort(), IngestBenchmark.FreePort(), IngestBenchmark.FreePort());
            var app = ServiceAnalyticsApp.Build(
            [
                $"--ClickHouse:Embedded:DataPath={dataPath}", "--Logging:LogLevel:Default=Warning",
                $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{grpcPort}", $"--Kestrel:Endpoints:Web:Url=http://127.0.0.1:{webPort}",
                $"--SqlEndpoint:Url=http://127.0.0.1:{sqlPort}",
                "--Security:ApiKeys:0:Id=benchmark", $"--Security:ApiKeys:0:Sha256={ApiKeyRing.HashHex(ServiceProcess.BenchmarkKey)}",
                "--Security:ApiKeys:0:Scopes:0=ingest", "--Security:ApiKeys:0:Scopes:1=query", "--Security:ApiKeys:0:Scopes:2=operations",
                "--Security:ApiKeys:0:Shops:0=*",
                "--Security:ApiKeys:1:Id=bi", $"--Security:ApiKeys:1:Sha256={ApiKeyRing.HashHex(BiKey)}",
                "--Security:ApiKeys:1:Scopes:0=bi", $"--Security:ApiKeys:1:Shops:0={Shop}",
                "--Security:RequestsPerSecond=100000", "--Security:RequestBurst=100000", $"--Rollups:Enabled={(rollups ? "true" : "false")}",
            ]);
            await app.StartAsync();
            var grpc = ServiceProcess.Channel(grpcPort);
            await IngestBenchmark.WaitUntilServingAsync(grpc);
            return new InProcessService(app, grpc, new Uri($"http://127.0.0.1:{sqlPort}"));
        }

        public async ValueTask DisposeAsync()
        {
            Grpc.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
