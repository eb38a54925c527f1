using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Benchmarks;

/// <summary>A fresh embedded engine over a scratch folder, migrated to the service's schema.</summary>
internal static class BenchmarkEnvironment
{
    /// <summary>Where every run keeps its scratch folders, named after the process that made them.</summary>
    public static string ScratchRoot { get; } = Path.Combine(Path.GetTempPath(), "service-analytics-bench");

    public static async Task<ClickHouseStore> OpenMigratedStoreAsync(string database)
    {
        var folder = FreshScratchFolder($"{Environment.ProcessId}");
        var options = new ClickHouseOptions { Database = database, Embedded = { DataPath = folder } };
        var store = new ClickHouseStore(Options.Create(options), NullLoggerFactory.Instance);
        await new SchemaMigrator(store, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return store;
    }

    /// <summary>
    /// The path of scratch folder <paramref name="name"/>, absent (a previous run's under that name is deleted), after
    /// the scratch folders of runs that are gone are removed (<see cref="RemoveStaleScratchFolders"/>).
    /// </summary>
    public static string FreshScratchFolder(string name)
    {
        RemoveStaleScratchFolders();
        var folder = Path.Combine(ScratchRoot, name);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return folder;
    }

    /// <summary>Deletes the scratch folders of runs whose process is gone (a run's data is hundreds of MB).</summary>
    public static void RemoveStaleScratchFolders()
    {
        if (!Directory.Exists(ScratchRoot))
        {
            return;
        }

        foreach (var folder in Directory.GetDirectories(ScratchRoot))
        {
            var name = Path.GetFileName(folder);
            if (int.TryParse(name.StartsWith("service-", StringComparison.Ordinal) ? name["service-".Length..] : name, out var pid) && !IsRunning(pid))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>
    /// The options in <paramref name="args"/> that set the service's configuration (<c>--Section:Key=value</c>, say
    /// <c>--Rollups:RefreshInterval=00:02:00</c>): passed to the service process as they are.
    /// </summary>
    public static string[] ServiceSettings(string[] args) =>
        [.. args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains(':', StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal))];

    /// <summary>The service settings a harness runs with, as it prints them.</summary>
    public static string Describe(string[] settings) => settings.Length == 0 ? "as shipped" : string.Join(' ', settings);

    public static string PeakMemory()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return $"{self.PeakWorkingSet64 / (1024.0 * 1024.0):F0} MiB";
    }
}
