using System.Text.RegularExpressions;
using Google.Protobuf;
using ServiceAnalytics.Server.Commands;

namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// The <c>import</c> command on an NDJSON file of N facts (<see cref="MetricsBenchmark.ChatFacts"/>, ~10 per chat,
/// 100 shops, the 50 days before today), run as the command runs (<see cref="ImportCommand.RunAsync"/>, progress as
/// plain lines): first straight into a fresh embedded store in this process (the service stopped), then, unless
/// <c>--no-grpc</c>, against the real service in its own process over gRPC with an API key. Prints each mode's
/// facts/s (the import alone, from the first line read to the last batch acknowledged; host start and migration
/// excluded) and the whole command's time. Target: ≥ 100k facts/s from a file.
/// </summary>
internal static class ImportBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var factCount = BenchmarkEnvironment.IntOption(args, "--facts", 1_000_000);
        var folder = BenchmarkEnvironment.FreshScratchFolder($"{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        try
        {
            var input = Path.Combine(folder, "facts.ndjson");
            var written = Stopwatch.StartNew();
            var lines = await WriteFactsAsync(input, factCount);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"import: {lines:N0} facts written to {input} ({new FileInfo(input).Length / (1024.0 * 1024.0):F0} MiB) in {written.Elapsed.TotalSeconds:F1} s"));

            var parsing = Stopwatch.StartNew();
            var parser = new JsonParser(JsonParser.Settings.Default);
            foreach (var line in File.ReadLines(input))
            {
                parser.Parse<Fact>(line);
            }

            var jsonParser = lines / parsing.Elapsed.TotalSeconds;
            parsing.Restart();
            foreach (var line in File.ReadLines(input))
            {
                _ = ServiceAnalytics.Server.Commands.Import.FastFactJson.TryParse<Fact>(System.Text.Encoding.UTF8.GetBytes(line)) ?? throw new InvalidOperationException($"The fast path left a line to JsonParser: {line}");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"import: parsing alone, one thread: JsonParser {jsonParser:N0} facts/s, FastFactJson {lines / parsing.Elapsed.TotalSeconds:N0} facts/s"));
            var direct = await MeasureAsync("into the store directly", input, lines, service: null, [
                $"--ClickHouse:Embedded:DataPath={Path.Combine(folder, "store")}", "--Logging:LogLevel:Default=Warning"]);
            if (!args.Contains("--no-grpc"))
            {
                var keyFile = Path.Combine(folder, "api-key");
                await File.WriteAllTextAsync(keyFile, ServiceProcess.BenchmarkKey);
                await ServiceProcess.RunAsync(Path.Combine(folder, "service"), rollups: false, async (channel, _, _) =>
                {
                    await MeasureAsync("over gRPC into the service in its own process", input, lines, new Uri($"http://{channel.Target}"), [], keyFile);
                });
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"import: direct {direct:N0} facts/s (target ≥ 100,000)"));
            return 0;
        }
        finally
        {
            // The embedded engine holds its folder until this process ends: a later run removes it (RemoveStaleScratchFolders).
            File.Delete(Path.Combine(folder, "facts.ndjson"));
        }
    }

    private static async Task<long> WriteFactsAsync(string path, int count)
    {
        var now = DateTime.UtcNow;
        var origin = now.Date.AddDays(-50);
        const int chats = 1_000_000;
        var formatter = JsonFormatter.Default;
        await using var file = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false), bufferSize: 1 << 20);
        long written = 0;
        for (var c = 0; written < count && c < chats; c++)
        {
            foreach (var fact in MetricsBenchmark.ChatFacts($"shop-{c % 100:D3}", c, origin.AddSeconds((long)c * 45 * 86400 / chats)))
            {
                if (written == count)
                {
                    break;
                }

                await file.WriteLineAsync(formatter.Format(fact));
                written++;
            }
        }

        return written;
    }

    private static async Task<double> MeasureAsync(string mode, string input, long lines, Uri? service, string[] settings, string? keyFile = null)
    {
        Console.WriteLine($"import: {mode}");
        // The progress lines (and the final one: the import alone, after host start and migration) are kept to read the time from.
        var progressLines = new StringWriter();
        var started = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var exit = await ImportCommand.RunAsync(
            new ImportRequest(input, service, keyFile, Path.Combine(Path.GetDirectoryName(input)!, $"state-{service is null}"), FromStart: true),
            settings, Console.Out, Console.Error, new CommandProgress(progressLines, terminal: false, TimeSpan.FromSeconds(2)), CancellationToken.None);
        started.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        Console.Write(progressLines.ToString());
        if (exit != 0)
        {
            throw new InvalidOperationException($"import exited with {exit}.");
        }

        var seconds = double.Parse(Regex.Match(progressLines.ToString(), @"import: [\d,]+ facts in ([\d.]+) s").Groups[1].Value, CultureInfo.InvariantCulture);
        var rate = lines / seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"import: {mode}: {lines:N0} facts in {seconds:F1} s = {rate:N0} facts/s; whole command (host start, migration, import, drain) {started.Elapsed.TotalSeconds:F1} s, CPU of this process {cpu.TotalSeconds:F1} s (over {Environment.ProcessorCount} cores); peak working set {BenchmarkEnvironment.PeakMemory()}"));
        return rate;
    }
}
