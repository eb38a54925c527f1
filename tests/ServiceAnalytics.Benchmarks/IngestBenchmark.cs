using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;

namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// End-to-end ingestion: the real service in its own process (embedded engine, Release build), N synthetic facts
/// streamed over gRPC on loopback by a few concurrent producers, measured from the first send to the last
/// acknowledgement. In the same run, the baseline: the same facts as rows, written by ClickHouse.Driver's
/// <c>InsertBinaryAsync</c> straight into an embedded engine in this process. Prints both rates, their ratio, and
/// the service's peak RSS (VmHWM), with the peaks of its anonymous and file-backed parts (<see cref="ResidentMemorySampler"/>). Targets on 2 cores: ≥ 150k facts/s, ≥ 0.5 of the baseline, ≤ 1 GiB.
/// The service runs <c>--rounds</c> times with telemetry as shipped (metrics and the Prometheus endpoint on) and as
/// many times with <c>--Telemetry:Enabled=false</c>, interleaved (on, off, off, on, …: a drift of the shared machine
/// falls on both, and so does any advantage of going first), each in a fresh process over a fresh data folder; the ratio of their mean rates is printed (target: on
/// within 5% of off). Service settings (<c>--Section:Key=value</c>) are passed to the service (say,
/// <c>--Ingestion:AcknowledgeAfter=Committed</c>).
/// </summary>
internal static class IngestBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var facts = BenchmarkEnvironment.IntOption(args, "--facts", 1_000_000);
        var warmUp = BenchmarkEnvironment.IntOption(args, "--warm-up", 200_000);
        var streams = BenchmarkEnvironment.IntOption(args, "--streams", 4);
        var batch = BenchmarkEnvironment.IntOption(args, "--batch", 10_000);
        var rounds = BenchmarkEnvironment.IntOption(args, "--rounds", 2);
        var ingestion = BenchmarkEnvironment.ServiceSettings(args);
        Console.WriteLine($"ingest: {facts:N0} facts after {warmUp:N0} warm-up facts, {streams} streams, {batch:N0} facts per message, service in its own process, {rounds} rounds of telemetry on and off; service settings: {BenchmarkEnvironment.Describe(ingestion)}");

        var on = new List<double>();
        var off = new List<double>();
        var onCpu = new List<double>();
        var offCpu = new List<double>();
        long peakRss = 0;
        for (var round = 1; round <= rounds; round++)
        {
            // On first in odd rounds, off first in even ones: whatever favours a position favours both alike.
            foreach (var telemetry in round % 2 == 1 ? new[] { true, false } : [false, true])
            {
                Console.WriteLine($"  round {round}, telemetry {(telemetry ? "on" : "off")}:");
                var (rate, rss, cpu) = await MeasureServiceAsync(facts, warmUp, streams, batch, telemetry, [.. ingestion, .. telemetry ? Array.Empty<string>() : ["--Telemetry:Enabled=false"]]);
                (telemetry ? on : off).Add(rate);
                (telemetry ? onCpu : offCpu).Add(cpu);
                peakRss = Math.Max(peakRss, rss);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {rate:N0} facts/s, peak RSS {rss / (1024.0 * 1024.0):F0} MiB"));
            }
        }

        var direct = await MeasureDirectInsertAsync(facts, warmUp);
        var endToEnd = on.Average();

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingest: end to end {endToEnd:N0} facts/s; direct InsertBinaryAsync {direct:N0} facts/s; ratio {endToEnd / direct:F2}; service peak RSS {peakRss / (1024.0 * 1024.0):F0} MiB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingest: telemetry on {string.Join(" / ", on.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} facts/s (mean {on.Average():N0}); off {string.Join(" / ", off.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} (mean {off.Average():N0}); on/off {on.Average() / off.Average():F3} (target ≥ 0.95); service CPU per run on {onCpu.Average():F1} s, off {offCpu.Average():F1} s"));
        return 0;
    }

    private static async Task<(double Rate, long PeakRss, double ServiceCpuSeconds)> MeasureServiceAsync(int factCount, int warmUp, int streams, int batch, bool telemetry, string[] settings)
    {
        var dataPath = BenchmarkEnvironment.FreshScratchFolder($"service-{Environment.ProcessId}");

        (double Rate, long PeakRss, double ServiceCpuSeconds) result = default;
        // Ingestion alone: a rollup run (the catch-up at start-up) would compete for the same two cores.
        await ServiceProcess.RunAsync(dataPath, rollups: false, async (channel, web, process) =>
        {
            await using var memory = new ResidentMemorySampler(process.Id);
            var client = new IngestionService.IngestionServiceClient(channel);
            var gate = new Lock();
            // Warm-up: the same work on other facts, so the measured run sees compiled code and a settled engine.
            using (var warmUpSource = Batches(SyntheticFacts.Generate(warmUp, run: "w"), batch).GetEnumerator())
            {
                await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => ProduceAsync(client, warmUpSource, gate)));
            }

            using var source = Batches(SyntheticFacts.Generate(factCount), batch).GetEnumerator();

            var serviceCpuBefore = process.TotalProcessorTime;
            var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            // With telemetry on, scraped as a Prometheus server would (every 5 s: harsher than the usual 15 to 60 s).
            using var scraping = new CancellationTokenSource();
            var scrapes = telemetry ? ScrapeAsync(web, scraping.Token) : Task.FromResult(0);
            var accepted = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => ProduceAsync(client, source, gate)));
            stopwatch.Stop();
            await scraping.CancelAsync();
            if (await scrapes is > 0 and var scraped)
            {
                Console.WriteLine($"    {scraped} scrapes of /metrics during the run");
            }

            process.Refresh();
            var serviceCpu = (process.TotalProcessorTime - serviceCpuBefore).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  CPU during the run: service {serviceCpu:F1} s, producers {(Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds:F1} s"));

            if (accepted.Sum() != factCount)
            {
                throw new InvalidOperationException($"The service accepted {accepted.Sum()} of {factCount} facts.");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  end to end: {stopwatch.Elapsed.TotalSeconds:F2} s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  resident memory by kind, peaks while it ingested (warm-up included): anonymous {memory.PeakAnonymous / (1024.0 * 1024.0):F0} MiB, file-backed {memory.PeakFileBacked / (1024.0 * 1024.0):F0} MiB (mostly the engine's library mapped from disk)"));
            result = (factCount / stopwatch.Elapsed.TotalSeconds, ServiceProcess.Rss(process.Id, "VmHWM:"), serviceCpu);
        }, settings);
        return result;
    }

    /// <summary>Scrapes the service's Prometheus endpoint (loopback: no credential) every 5 s, the first at once; how many times.</summary>
    private static async Task<int> ScrapeAsync(Uri web, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = web };
        var scrapes = 0;
        try
        {
            while (true)
            {
                (await http.GetAsync("/metrics", cancellationToken)).EnsureSuccessStatusCode();
                scrapes++;
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            return scrapes;
        }
    }

    private static IEnumerable<(ulong Sequence, Fact[] Facts)> Batches(IEnumerable<Fact> facts, int batch) =>
        facts.Chunk(batch).Select((chunk, i) => ((ulong)i, chunk));

    private static async Task<int> ProduceAsync(IngestionService.IngestionServiceClient client, IEnumerator<(ulong Sequence, Fact[] Facts)> source, Lock gate)
    {
        using var call = client.IngestStream();
        var acknowledging = Task.Run(async () =>
        {
            var accepted = 0;
            await foreach (var ack in call.ResponseStream.ReadAllAsync())
            {
                accepted += ack.Outcome.AcceptedCount;
                if (ack.Outcome.Rejected.Count > 0)
                {
                    throw new InvalidOperationException($"Rejected: {ack.Outcome.Rejected[0]}");
                }
            }

            return accepted;
        });
        while (true)
        {
            (ulong Sequence, Fact[] Facts) next;
            lock (gate)
            {
                if (!source.MoveNext())
                {
                    break;
                }

                next = source.Current;
            }

            await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = next.Sequence, Facts = { next.Facts } });
        }

        await call.RequestStream.CompleteAsync();
        return await acknowledging;
    }

    /// <summary>The baseline: the same facts as object rows, written with the driver's own InsertBinaryAsync.</summary>
    private static async Task<double> MeasureDirectInsertAsync(int factCount, int warmUp)
    {
        using var store = await BenchmarkEnvironment.OpenMigratedStoreAsync("bench_direct");
        await InsertRowsAsync(store, RowsOf(SyntheticFacts.Generate(warmUp, run: "w")));
        var rows = RowsOf(SyntheticFacts.Generate(factCount));

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await InsertRowsAsync(store, rows);
        stopwatch.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  direct InsertBinaryAsync: {stopwatch.Elapsed.TotalSeconds:F2} s, CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F1} s"));
        return factCount / stopwatch.Elapsed.TotalSeconds;
    }

    private static Dictionary<FactTable, List<object[]>> RowsOf(IEnumerable<Fact> facts)
    {
        var rows = FactTables.All.ToDictionary(t => t, _ => new List<object[]>());
        foreach (var fact in facts)
        {
            var (table, row) = SyntheticFacts.AsRow(fact);
            rows[table].Add(row);
        }

        return rows;
    }

    private static async Task InsertRowsAsync(ServiceAnalytics.Storage.ClickHouseStore store, Dictionary<FactTable, List<object[]>> rows)
    {
        foreach (var (table, tableRows) in rows.Where(r => r.Value.Count > 0))
        {
            await store.Client.InsertBinaryAsync(table.Name, table.Columns, tableRows, store.CreateInsertOptions());
        }
    }

    internal static async Task WaitUntilServingAsync(GrpcChannel channel)
    {
        var health = new Health.HealthClient(channel);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                if ((await health.CheckAsync(new HealthCheckRequest())).Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The service did not report SERVING within 90 s.");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
