using System.IO.Compression;
using Microsoft.Playwright;

namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// The page's first view with the 200k-chat shop: the real service in its own process with rollups on (answers from
/// the snapshot, as a shop owner is served), Debian's headless Chromium opening the page already signed in with a
/// key for that one shop, so the page loads its assets, asks GetCaller, picks the shop and shows the last 30 days
/// (GetOverview + GetDailyTrends + GetStatusBreakdown, charts drawn). Each view is measured in a fresh browser
/// context (empty cache) from navigation start to the page's <c>first-view</c> performance mark. Prints p50/p95/max,
/// whether the figures were the snapshot's, and the page's assets, raw and gzip-compressed.
/// </summary>
internal static class PageBenchmark
{
    private const string Shop = "shop-big";
    private const string ShopKey = "benchmark-page-key";

    public static async Task<int> RunAsync(string[] args)
    {
        var chats = BenchmarkEnvironment.IntOption(args, "--chats", 200_000);
        var views = BenchmarkEnvironment.IntOption(args, "--views", 40);
        // --keep-data: ingest once into a folder kept between runs (and reused by the next run with the option).
        var keepData = args.Contains("--keep-data");
        Console.WriteLine($"page: {chats:N0} chats of one shop over the 60 days ending today (a live shop: yesterday's last chats pending); {views} first views of the last 30 days, each in a fresh browser context");
        PrintAssets(Path.Combine(AppContext.BaseDirectory, "page"));
        BenchmarkEnvironment.RemoveStaleScratchFolders();
        var dataPath = Path.Combine(BenchmarkEnvironment.ScratchRoot, keepData ? $"page-{chats}-{DateTime.UtcNow:yyyyMMdd}" : $"service-{Environment.ProcessId}");
        // Kept data of other days or sizes is stale: hundreds of MB each.
        foreach (var stale in Directory.Exists(BenchmarkEnvironment.ScratchRoot) ? Directory.GetDirectories(BenchmarkEnvironment.ScratchRoot, "page-*") : [])
        {
            if (stale != dataPath)
            {
                Directory.Delete(stale, recursive: true);
            }
        }

        var ingested = keepData && Directory.Exists(dataPath);
        if (!ingested && Directory.Exists(dataPath))
        {
            Directory.Delete(dataPath, recursive: true);
        }

        try
        {
            var origin = DateTime.UtcNow.Date.AddDays(-60);
            if (!ingested)
            {
                await ServiceProcess.RunAsync(dataPath, rollups: false, (grpc, _, _) => ServiceProcess.IngestShopAsync(grpc, Shop, chats, origin));
            }
            await ServiceProcess.RunAsync(dataPath, rollups: true, async (grpc, web, _) =>
            {
                var waited = await ServiceProcess.WaitForSnapshotAsync(grpc);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  the start-up rollup left a snapshot after {waited.TotalSeconds:F0} s"));
                await MeasureFirstViewsAsync(grpc, web, views);
            },
            // A key for the one shop: the page picks it by itself, as it does for a shop owner.
            "--Security:ApiKeys:1:Id=page", $"--Security:ApiKeys:1:Sha256={Server.Security.ApiKeyRing.HashHex(ShopKey)}",
            "--Security:ApiKeys:1:Scopes:0=query", $"--Security:ApiKeys:1:Shops:0={Shop}");
        }
        finally
        {
            if (!keepData && Directory.Exists(dataPath))
            {
                Directory.Delete(dataPath, recursive: true);
            }
        }

        return 0;
    }

    private static async Task MeasureFirstViewsAsync(Grpc.Net.Client.GrpcChannel grpc, Uri web, int views)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var signedIn = $"sessionStorage.setItem('service-analytics.credential', JSON.stringify({{ kind: 'api-key', value: '{ShopKey}' }}));";
        var times = new List<double>();
        // Each API call's duration as the browser saw it (Resource Timing), by route.
        var calls = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        string? asOf = null;
        const int warmUp = 3;
        for (var view = 0; view < views + warmUp; view++)
        {
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            await context.AddInitScriptAsync(signedIn);
            var page = await context.NewPageAsync();
            await page.GotoAsync(web.ToString());
            var mark = await page.WaitForFunctionAsync(
                "() => { const m = performance.getEntriesByName('first-view')[0]; return m && { ms: m.startTime, asOf: m.detail.asOf }; }",
                null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            var ms = (await mark.GetPropertyAsync("ms")).ToString() ?? "";
            asOf = (await mark.GetPropertyAsync("asOf")).ToString();
            // The sections after the first view load next; they finish before the next view, as one person's would.
            await page.WaitForFunctionAsync(
                "() => ['agents-section', 'tags-section', 'sla-section'].every(id => !document.getElementById(id).hasAttribute('aria-busy'))",
                null, new PageWaitForFunctionOptions { Timeout = 120_000 });
            if (view >= warmUp)
            {
                times.Add(double.Parse(ms, CultureInfo.InvariantCulture));
                var entries = await page.EvaluateAsync<ResourceTiming[]>(
                    "() => performance.getEntriesByType('resource').filter(e => e.startTime <= performance.getEntriesByName('first-view')[0].startTime).map(e => ({ name: new URL(e.name).pathname, start: e.startTime, duration: e.duration }))");
                foreach (var entry in entries)
                {
                    var route = entry.Name.StartsWith("/v1/", StringComparison.Ordinal) ? entry.Name.Replace($"/{Shop}/", "/{shop}/", StringComparison.Ordinal) : "assets";
                    (calls.TryGetValue(route, out var list) ? list : calls[route] = []).Add(entry.Duration);
                }
            }
        }

        foreach (var (route, durations) in calls.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {route}: p50 {ExportBenchmark.Percentile(durations, 0.5):F0} ms, p95 {ExportBenchmark.Percentile(durations, 0.95):F0} ms ({durations.Count} requests)"));
        }

        var status = await new Contracts.Operations.V1.OperationsService.OperationsServiceClient(grpc).GetRollupStatusAsync(new Contracts.Operations.V1.GetRollupStatusRequest());
        var snapshot = status.SnapshotAsOf.ToDateTime();
        var served = DateTime.Parse(asOf ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  first view (navigation start to overview + trends + breakdown drawn): p50 {ExportBenchmark.Percentile(times, 0.5):F0} ms, p95 {ExportBenchmark.Percentile(times, 0.95):F0} ms, max {times.Max():F0} ms over {times.Count} views (target p95 <= 1000 ms)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  figures as of {served:O}; latest snapshot {snapshot:O}: {(Math.Abs((served - snapshot).TotalSeconds) < 1 ? "served from the snapshot" : "NOT the snapshot's")}"));
    }

    /// <summary>A Resource Timing entry as the page reports it (Playwright fills it by property).</summary>
    private sealed class ResourceTiming
    {
        public string Name { get; set; } = "";

        public double Start { get; set; }

        public double Duration { get; set; }
    }

    /// <summary>The page's assets as the build left them beside the service, raw and gzip-compressed (what a browser downloads).</summary>
    private static void PrintAssets(string folder)
    {
        long raw = 0, compressed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            using var gzipped = new MemoryStream();
            using (var gzip = new GZipStream(gzipped, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(bytes);
            }

            raw += bytes.Length;
            compressed += gzipped.Length;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  assets in {Path.GetFileName(folder)}/: {raw / 1024.0:F1} KB, {compressed / 1024.0:F1} KB gzip-compressed (target <= 500 KB)"));
    }
}
