namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// Small synchronous producers, the common case for real-time chat events: each of <c>--producers</c> (1) sends
/// <c>--batch</c> (300) facts over its own <c>IngestStream</c> and waits for their acknowledgement before sending the
/// next, until <c>--facts</c> (150,000) are acknowledged. The real service in its own process, authenticated, with
/// telemetry and rollups as shipped (<c>--no-rollups</c>: without the scheduled rollup competing for the cores); service settings (<c>--Section:Key=value</c>) are passed to it. Prints the rate, the
/// acknowledgement latency as the producer sees it (send to acknowledgement), and how large the INSERTs ClickHouse
/// received were (the service's own <c>service_analytics.ingest.insert.rows</c>, read from its Prometheus endpoint).
/// Targets on 2 cores: one producer ≥ 20k facts/s with acknowledgement p50 ≤ 20 ms.
/// </summary>
internal static class SyncProducerBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var facts = BenchmarkEnvironment.IntOption(args, "--facts", 150_000);
        var batch = BenchmarkEnvironment.IntOption(args, "--batch", 300);
        var producers = BenchmarkEnvironment.IntOption(args, "--producers", 1);
        var settings = BenchmarkEnvironment.ServiceSettings(args);
        Console.WriteLine($"ingest-sync: {producers} producer(s), {batch} facts per batch, each waiting for its acknowledgement, {facts:N0} facts; service settings: {BenchmarkEnvironment.Describe(settings)}");

        var dataPath = BenchmarkEnvironment.FreshScratchFolder($"service-{Environment.ProcessId}");
        await ServiceProcess.RunAsync(dataPath, rollups: !args.Contains("--no-rollups"), async (channel, web, process) =>
        {
            var client = new IngestionService.IngestionServiceClient(channel);
            await ProduceAsync(client, SyntheticFacts.Generate(facts / 10, run: "w").Chunk(batch).ToArray(), producers);

            using var http = new HttpClient { BaseAddress = web };
            var insertsBefore = await InsertRowsAsync(http);
            var cpuBefore = process.TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            var latencies = await ProduceAsync(client, SyntheticFacts.Generate(facts).Chunk(batch).ToArray(), producers);
            stopwatch.Stop();
            var insertsAfter = await InsertRowsAsync(http);
            process.Refresh();

            latencies.Sort();
            var inserts = insertsAfter.Count - insertsBefore.Count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ingest-sync: {facts / stopwatch.Elapsed.TotalSeconds:N0} facts/s ({stopwatch.Elapsed.TotalSeconds:F2} s); acknowledgement p50 {Percentile(latencies, 0.50):F1} ms, p95 {Percentile(latencies, 0.95):F1}, p99 {Percentile(latencies, 0.99):F1}, max {latencies[^1]:F1}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ingest-sync: {inserts:N0} INSERTs of collected batches, {(insertsAfter.Rows - insertsBefore.Rows) / Math.Max(1, inserts):N0} rows each on average ({inserts / stopwatch.Elapsed.TotalSeconds:F1} per second); service CPU {(process.TotalProcessorTime - cpuBefore).TotalSeconds:F1} s, peak RSS {ServiceProcess.Rss(process.Id, "VmHWM:") / (1024.0 * 1024.0):F0} MiB"));
        }, settings);
        return 0;
    }

    /// <summary>Sends the batches over <paramref name="producers"/> streams, each waiting for every acknowledgement; the latencies in ms.</summary>
    private static async Task<List<double>> ProduceAsync(IngestionService.IngestionServiceClient client, Fact[][] batches, int producers)
    {
        var next = -1;
        var latencies = new List<double>[producers];
        await Task.WhenAll(Enumerable.Range(0, producers).Select(async producer =>
        {
            latencies[producer] = [];
            using var call = client.IngestStream();
            for (var index = Interlocked.Increment(ref next); index < batches.Length; index = Interlocked.Increment(ref next))
            {
                var sent = Stopwatch.GetTimestamp();
                await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = (ulong)index, Facts = { batches[index] } });
                if (!await call.ResponseStream.MoveNext(CancellationToken.None) || call.ResponseStream.Current.Outcome.Rejected.Count > 0)
                {
                    throw new InvalidOperationException($"Batch {index} was not acknowledged whole.");
                }

                latencies[producer].Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }

            await call.RequestStream.CompleteAsync();
        }));
        return [.. latencies.SelectMany(l => l)];
    }

    private static double Percentile(List<double> sorted, double quantile) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(quantile * sorted.Count))];

    /// <summary>The count and sum of <c>service_analytics.ingest.insert.rows</c> from the service's Prometheus endpoint.</summary>
    private static async Task<(long Count, long Rows)> InsertRowsAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        long Value(string name) => text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        return (Value("service_analytics_ingest_insert_rows_count"), Value("service_analytics_ingest_insert_rows_sum"));
    }
}
