using ServiceAnalytics.Benchmarks;

// dotnet run -c Release --project tests/ServiceAnalytics.Benchmarks -- <harness> [options]
var harnesses = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["insert"] = InsertBenchmark.RunAsync,
    ["ingest"] = IngestBenchmark.RunAsync,
    ["ingest-sync"] = SyncProducerBenchmark.RunAsync,
    ["metrics"] = MetricsBenchmark.RunAsync,
    ["export"] = ExportBenchmark.RunAsync,
    ["export-command"] = ExportCommandBenchmark.RunAsync,
    ["page"] = PageBenchmark.RunAsync,
    ["bi"] = BiBenchmark.RunAsync,
    ["import"] = ImportBenchmark.RunAsync,
    ["soak"] = SoakBenchmark.RunAsync,
};

if (args.Length == 0 || !harnesses.TryGetValue(args[0], out var harness))
{
    Console.Error.WriteLine($"usage: ServiceAnalytics.Benchmarks <{string.Join("|", harnesses.Keys)}> [options]");
    return 2;
}

return await harness(args[1..]);
