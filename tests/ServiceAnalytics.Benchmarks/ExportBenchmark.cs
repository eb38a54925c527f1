using System.Buffers;

namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// The All Chats CSV export at scale: the real service in its own process (embedded engine, Release build), one shop
/// with N chats over 60 days (~10 facts each, <see cref="MetricsBenchmark.ChatFacts"/>) ingested over gRPC; then the
/// service is restarted, so its peak RSS is that of serving exports rather than of ingesting, and the whole period is
/// downloaded over HTTP/1.1 (GET …/chats.csv) a few times. Prints time to first byte, total time, rows/s, and the
/// service's RSS before the exports, its peak (VmHWM) after a ListChats page of the same period (the engine's working
/// memory for the same outcomes) and after the exports. Rollups are off: the rows are computed from
/// the facts, the export's slowest path. Then, with rollups on (answers from the snapshot, as the page is served),
/// the HTTP/JSON door's overhead: GetOverview and ListChats over gRPC and over JSON transcoding, interleaved, p50
/// and p99 of each and the ratio of the p50s, measured in the same run.
/// </summary>
internal static class ExportBenchmark
{
    private const string Shop = "shop-big";

    public static async Task<int> RunAsync(string[] args)
    {
        var chats = BenchmarkEnvironment.IntOption(args, "--chats", 200_000);
        var repeat = BenchmarkEnvironment.IntOption(args, "--repeat", 3);
        Console.WriteLine($"export: {chats:N0} chats of one shop over 60 days, {repeat} downloads of the whole period, service in its own process");
        var dataPath = BenchmarkEnvironment.FreshScratchFolder($"service-{Environment.ProcessId}");

        try
        {
            // Chats over the 60 days ending 10 days ago: their later facts (replies, ratings, orders) are in the past too.
            var origin = DateTime.UtcNow.Date.AddDays(-70);
            await ServiceProcess.RunAsync(dataPath, rollups: false, (grpc, _, _) => ServiceProcess.IngestShopAsync(grpc, Shop, chats, origin));

            var query = string.Create(CultureInfo.InvariantCulture, $"first_day={origin.AddDays(-1):yyyy-MM-dd}&last_day={origin.AddDays(61):yyyy-MM-dd}");
            await ServiceProcess.RunAsync(dataPath, rollups: false, async (_, web, process) =>
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  service RSS before the exports: {ServiceProcess.Rss(process.Id, "VmRSS:") / (1024.0 * 1024.0):F0} MiB"));
                using var http = new HttpClient { BaseAddress = web, Timeout = TimeSpan.FromMinutes(30) };
                http.DefaultRequestHeaders.Add("x-api-key", ServiceProcess.BenchmarkKey);
                // The control: the first page of the same list computes the same outcomes in the engine, so the peak
                // after it is the engine's working memory for the statement; what the exports add is theirs.
                var stopwatch = Stopwatch.StartNew();
                using (var page = await http.GetAsync(new Uri($"/v1/shops/{Shop}/chats?{query}&page_size=50", UriKind.Relative)))
                {
                    page.EnsureSuccessStatusCode();
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  control, ListChats first page of the same period: {stopwatch.Elapsed.TotalSeconds:F2} s; service peak RSS after it {ServiceProcess.Rss(process.Id, "VmHWM:") / (1024.0 * 1024.0):F0} MiB"));
                for (var run = 1; run <= repeat; run++)
                {
                    await DownloadAsync(http, $"/v1/shops/{Shop}/chats.csv?{query}", chats, run);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  service peak RSS (VmHWM) after the exports: {ServiceProcess.Rss(process.Id, "VmHWM:") / (1024.0 * 1024.0):F0} MiB"));
            });

            await ServiceProcess.RunAsync(dataPath, rollups: true, (grpc, web, _) => TranscodingOverheadAsync(grpc, web, origin, repeat * 100));
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

    /// <summary>Downloads the CSV, reading it as it arrives (nothing kept), and prints its figures.</summary>
    private static async Task DownloadAsync(HttpClient http, string path, int chats, int run)
    {
        var stopwatch = Stopwatch.StartNew();
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        long lines = 0, bytes = 0;
        TimeSpan? firstByte = null;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            firstByte ??= stopwatch.Elapsed;
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        ArrayPool<byte>.Shared.Return(buffer);
        stopwatch.Stop();
        var rows = lines - 1;
        if (rows != chats)
        {
            throw new InvalidOperationException($"The export held {rows} rows, not {chats}.");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  run {run}: {rows:N0} rows, {bytes / (1024.0 * 1024.0):F1} MiB; first byte after {firstByte?.TotalSeconds:F2} s; total {stopwatch.Elapsed.TotalSeconds:F2} s; {rows / stopwatch.Elapsed.TotalSeconds:N0} rows/s"));
    }

    /// <summary>
    /// GetOverview (the last 30 days of the data) and ListChats (its first page) over gRPC and over HTTP/JSON, each
    /// call of one door followed by the same call of the other, once the start-up rollup has left a snapshot.
    /// </summary>
    private static async Task TranscodingOverheadAsync(GrpcChannel grpc, Uri web, DateTime origin, int runs)
    {
        var waited = await ServiceProcess.WaitForSnapshotAsync(grpc);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  transcoding: the start-up rollup left a snapshot after {waited.TotalSeconds:F0} s; {runs} calls per door"));
        var analytics = new Contracts.Query.V1.AnalyticsService.AnalyticsServiceClient(grpc);
        using var http = new HttpClient { BaseAddress = web };
        http.DefaultRequestHeaders.Add("x-api-key", ServiceProcess.BenchmarkKey);
        var (first, last) = (origin.AddDays(31).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), origin.AddDays(60).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var cases = new (string Name, Func<Task> Grpc, Func<Task> Json)[]
        {
            ("GetOverview", () => analytics.GetOverviewAsync(new() { ShopId = Shop, FirstDay = first, LastDay = last }).ResponseAsync,
                () => GetAsync(http, $"/v1/shops/{Shop}/overview?first_day={first}&last_day={last}")),
            ("ListChats", () => analytics.ListChatsAsync(new() { ShopId = Shop, FirstDay = first, LastDay = last, PageSize = 50 }).ResponseAsync,
                () => GetAsync(http, $"/v1/shops/{Shop}/chats?first_day={first}&last_day={last}&page_size=50")),
        };
        foreach (var (name, overGrpc, overJson) in cases)
        {
            var (grpcTimes, jsonTimes) = (new List<double>(), new List<double>());
            for (var i = 0; i < runs + 10; i++)
            {
                var grpcTime = await TimeAsync(overGrpc);
                var jsonTime = await TimeAsync(overJson);
                if (i >= 10)
                {
                    // The first ten of each are warm-up.
                    grpcTimes.Add(grpcTime);
                    jsonTimes.Add(jsonTime);
                }
            }

            var (grpcP50, jsonP50) = (Percentile(grpcTimes, 0.5), Percentile(jsonTimes, 0.5));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name}: gRPC p50 {grpcP50:F2} ms / p99 {Percentile(grpcTimes, 0.99):F2} ms; HTTP/JSON p50 {jsonP50:F2} ms / p99 {Percentile(jsonTimes, 0.99):F2} ms; JSON p50 / gRPC p50 = {jsonP50 / grpcP50:F3} (overhead {(jsonP50 / grpcP50 - 1) * 100:F1} %)"));
        }
    }

    private static async Task GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<double> TimeAsync(Func<Task> call)
    {
        var stopwatch = Stopwatch.StartNew();
        await call();
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    internal static double Percentile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(q * sorted.Count) - 1)];
    }
}
