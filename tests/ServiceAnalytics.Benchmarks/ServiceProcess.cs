namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// The real service in its own process (Release build, embedded engine over a scratch folder), as an operator runs
/// it: the harnesses that measure what a client sees (ingest, export, page) call it over its doors.
/// </summary>
internal static class ServiceProcess
{
    /// <summary>The API key the harnesses call with: every scope, every shop.</summary>
    public const string BenchmarkKey = "benchmark-key";

    /// <summary>Runs the service over <paramref name="dataPath"/> until <paramref name="work"/> is done.</summary>
    public static async Task RunAsync(string dataPath, bool rollups, Func<GrpcChannel, Uri, Process, Task> work, params string[] settings)
    {
        var (grpcPort, webPort) = (IngestBenchmark.FreePort(), IngestBenchmark.FreePort());
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "ServiceAnalytics.Server.dll"), $"--ClickHouse:Embedded:DataPath={dataPath}",
                $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{grpcPort}", $"--Kestrel:Endpoints:Web:Url=http://127.0.0.1:{webPort}",
                $"--SqlEndpoint:Url=http://127.0.0.1:{IngestBenchmark.FreePort()}",
                "--Logging:LogLevel:Default=Warning",
                "--Security:ApiKeys:0:Id=benchmark", $"--Security:ApiKeys:0:Sha256={ApiKeyRing.HashHex(BenchmarkKey)}",
                "--Security:ApiKeys:0:Scopes:0=ingest", "--Security:ApiKeys:0:Scopes:1=query", "--Security:ApiKeys:0:Scopes:2=operations",
                "--Security:ApiKeys:0:Shops:0=*", "--Security:RequestsPerSecond=100000", $"--Rollups:Enabled={(rollups ? "true" : "false")}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  service: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var channel = Channel(grpcPort);
            await IngestBenchmark.WaitUntilServingAsync(channel);
            await work(channel, new Uri($"http://127.0.0.1:{webPort}"), process);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>A gRPC channel to the service on loopback <paramref name="port"/>, calling with <see cref="BenchmarkKey"/>.</summary>
    public static GrpcChannel Channel(int port) => GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
    {
        MaxSendMessageSize = 64 * 1024 * 1024,
        Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("x-api-key", BenchmarkKey);
            return Task.CompletedTask;
        })),
        UnsafeUseInsecureChannelCallCredentials = true,
    });

    /// <summary>
    /// One shop of <paramref name="chats"/> chats spread over the 60 days from <paramref name="origin"/> (~10 facts
    /// each, <see cref="MetricsBenchmark.ChatFacts"/>), ingested over gRPC in batches of 10,000 facts. Facts later
    /// than now (the replies, ratings and orders of the last chats) have not happened yet and are not sent: those chats
    /// are as a live shop's are, pending.
    /// </summary>
    public static async Task IngestShopAsync(GrpcChannel grpc, string shop, int chats, DateTime origin)
    {
        var stopwatch = Stopwatch.StartNew();
        var client = new IngestionService.IngestionServiceClient(grpc);
        var now = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow);
        var facts = Enumerable.Range(0, chats).SelectMany(c => MetricsBenchmark.ChatFacts(shop, c, origin.AddSeconds((long)c * 60 * 86400 / chats)))
            .Where(fact => fact.OccurredAt <= now);
        foreach (var batch in facts.Chunk(10_000))
        {
            var outcome = (await client.IngestBatchAsync(new IngestBatchRequest { Facts = { batch } })).Outcome;
            if (outcome.Rejected.Count > 0)
            {
                throw new InvalidOperationException($"Rejected: {outcome.Rejected[0]}");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ingested {chats:N0} chats in {stopwatch.Elapsed.TotalSeconds:F0} s"));
    }

    /// <summary>Waits until the rollups have left a snapshot, so answers are served from it; the time it took.</summary>
    public static async Task<TimeSpan> WaitForSnapshotAsync(GrpcChannel grpc)
    {
        var operations = new Contracts.Operations.V1.OperationsService.OperationsServiceClient(grpc);
        var waited = Stopwatch.StartNew();
        while ((await operations.GetRollupStatusAsync(new Contracts.Operations.V1.GetRollupStatusRequest())).SnapshotAsOf is null)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        return waited.Elapsed;
    }

    /// <summary>A memory figure of a process from /proc (VmRSS now, VmHWM its peak), in bytes.</summary>
    public static long Rss(int processId, string key)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith(key, StringComparison.Ordinal));
        return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
