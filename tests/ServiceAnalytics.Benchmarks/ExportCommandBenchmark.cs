namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// The <c>export</c> command's memory at two sizes: for each size (20,000 and 200,000 chats by default) one shop is
/// ingested into a fresh store by the real service in its own process (as <see cref="ExportBenchmark"/> does: 60 days,
/// ~10 facts a chat, all in the past), the service is stopped, and the built server is run as a child process,
/// <c>ServiceAnalytics.Server.dll export … --format csv|parquet</c>, reading the store directly (the embedded engine in
/// the command's process, so its peak counts the engine's working memory too). Prints per size and format the rows,
/// the time, the rows/s and the command's peak RSS (VmHWM of its process, sampled every 20 ms until it exits): a
/// streamed export's peak follows a day slice of about 20,000 chats, not the export's length: at the large size the
/// last 6 days (about the small size's chats, at the large one's density) are exported too.
/// </summary>
internal static class ExportCommandBenchmark
{
    private const string Shop = "shop-export";

    public static async Task<int> RunAsync(string[] args)
    {
        var small = BenchmarkEnvironment.IntOption(args, "--small", 20_000);
        var large = BenchmarkEnvironment.IntOption(args, "--chats", 200_000);
        Console.WriteLine($"export command: peak RSS of `ServiceAnalytics.Server.dll export` from the store, {small:N0} and {large:N0} chats of one shop over 60 days, CSV and Parquet");
        var results = new List<string>();
        foreach (var chats in new[] { small, large })
        {
            var folder = BenchmarkEnvironment.FreshScratchFolder($"export-command-{Environment.ProcessId}-{chats}");
            Directory.CreateDirectory(folder);
            try
            {
                var dataPath = Path.Combine(folder, "data");
                var start = DateTime.UtcNow.Date.AddDays(-70);
                var origin = DateOnly.FromDateTime(start);
                await ServiceProcess.RunAsync(dataPath, rollups: false, (grpc, _, _) => ServiceProcess.IngestShopAsync(grpc, Shop, chats, start));
                // The whole period; at the large size also its last 6 days (about as many chats as the small size's whole
                // period, the same density as the whole): the peak follows a slice, not the export's length.
                var (first, last) = (origin.AddDays(-1), origin.AddDays(61));
                var periods = chats == large && large != small ? new[] { (first, last), (origin.AddDays(55), last) } : new[] { (first, last) };
                foreach (var (from, to) in periods)
                {
                    long? csvRows = null;
                    foreach (var format in new[] { "csv", "parquet" })
                    {
                        var output = Path.Combine(folder, $"chats.{format}");
                        var (seconds, peak) = await RunCommandAsync(dataPath, from, to, output, format);
                        var rows = format == "csv" ? await CsvRowsAsync(output) : await ParquetRowsAsync(output);
                        var expected = from == first ? chats : csvRows ?? rows;
                        if (rows != expected)
                        {
                            throw new InvalidOperationException($"The {format} export held {rows} rows, not {expected}.");
                        }

                        csvRows = rows;
                        var line = string.Create(CultureInfo.InvariantCulture,
                            $"  {chats,9:N0}-chat shop, {(to.DayNumber - from.DayNumber + 1),2} days, {format,-7}: {rows:N0} rows, {new FileInfo(output).Length / (1024.0 * 1024.0):F1} MiB in {seconds:F1} s ({rows / seconds:N0} rows/s); peak RSS (VmHWM) {peak / (1024.0 * 1024.0):F0} MiB");
                        Console.WriteLine(line);
                        results.Add(line);
                        File.Delete(output);
                    }
                }
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        Console.WriteLine("summary:");
        results.ForEach(Console.WriteLine);
        return 0;
    }

    /// <summary>Runs the export command as its own process over the stopped store; its time and peak RSS.</summary>
    private static async Task<(double Seconds, long PeakBytes)> RunCommandAsync(string dataPath, DateOnly from, DateOnly to, string output, string format)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "ServiceAnalytics.Server.dll"), "export", "--shop", Shop,
                "--from", from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                "--to", to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                "--output", output, "--format", format,
                $"--ClickHouse:Embedded:DataPath={dataPath}", "--Logging:LogLevel:Default=Warning",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine($"    command: {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"    command: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long peak = 0;
        while (!process.HasExited)
        {
            try
            {
                peak = Math.Max(peak, ServiceProcess.Rss(process.Id, "VmHWM:"));
            }
            catch (Exception gone) when (gone is IOException or InvalidOperationException)
            {
                // The process ended between the check and the read: its last sample stands.
            }

            await Task.Delay(20);
        }

        await process.WaitForExitAsync();
        stopwatch.Stop();
        return process.ExitCode == 0
            ? (stopwatch.Elapsed.TotalSeconds, peak)
            : throw new InvalidOperationException($"export exited with {process.ExitCode}.");
    }

    private static async Task<long> CsvRowsAsync(string path)
    {
        long lines = 0;
        await foreach (var _ in File.ReadLinesAsync(path))
        {
            lines++;
        }

        return lines - 1;
    }

    private static async Task<long> ParquetRowsAsync(string path)
    {
        await using var reader = await Parquet.ParquetReader.CreateAsync(path);
        long rows = 0;
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            using var rowGroup = reader.OpenRowGroupReader(group);
            rows += rowGroup.RowCount;
        }

        return rows;
    }
}
