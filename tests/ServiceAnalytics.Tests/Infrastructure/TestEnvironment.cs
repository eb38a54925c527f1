using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>
/// The test process's ClickHouse: one embedded engine over a fresh folder (one engine per process), plus an
/// optional server given by <c>SERVICE_ANALYTICS_TEST_CLICKHOUSE_URL</c> (with <c>…_USER</c> and <c>…_PASSWORD</c>).
/// </summary>
public static class TestEnvironment
{
    public const string ServerUrlVariable = "SERVICE_ANALYTICS_TEST_CLICKHOUSE_URL";

    private static readonly Lazy<string> s_runFolder = new(CreateRunFolder);

    /// <summary>This run's scratch folder; earlier runs' folders are removed when it is created.</summary>
    public static string RunFolder => s_runFolder.Value;

    /// <summary>The data folder of the test process's embedded engine.</summary>
    public static string EmbeddedDataPath => Path.Combine(RunFolder, "engine");

    public static string? ServerUrl => Environment.GetEnvironmentVariable(ServerUrlVariable) is { Length: > 0 } url ? url : null;

    /// <summary>Options for <paramref name="lane"/> and <paramref name="database"/>; skips the test when the lane is not configured.</summary>
    public static ClickHouseOptions Options(ClickHouseLane lane, string database)
    {
        var options = new ClickHouseOptions { Database = database };
        if (lane == ClickHouseLane.Server)
        {
            Assert.SkipWhen(ServerUrl is null, $"Server lane skipped: set {ServerUrlVariable} (e.g. http://localhost:8123) to run it.");
            options.ServerUrl = ServerUrl;
            options.Username = Environment.GetEnvironmentVariable("SERVICE_ANALYTICS_TEST_CLICKHOUSE_USER") ?? "default";
            options.Password = Environment.GetEnvironmentVariable("SERVICE_ANALYTICS_TEST_CLICKHOUSE_PASSWORD") ?? "";
        }
        else
        {
            options.Embedded.DataPath = EmbeddedDataPath;
        }

        return options;
    }

    /// <summary>Boots the test process's embedded engine, for tests that use it below the driver.</summary>
    public static void EnsureEmbeddedEngine() => CreateStore(Options(ClickHouseLane.Embedded, "default")).Dispose();

    public static ClickHouseStore CreateStore(ClickHouseOptions options) =>
        new(Microsoft.Extensions.Options.Options.Create(options), NullLoggerFactory.Instance);

    /// <summary>A database name unique to this run, readable in a server's <c>SHOW DATABASES</c>.</summary>
    public static string UniqueDatabaseName(string purpose)
    {
        var slug = new string([.. purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        return $"t_{slug[..Math.Min(slug.Length, 20)]}_{Guid.NewGuid():N}";
    }

    private static string CreateRunFolder()
    {
        var root = Path.Combine(Path.GetTempPath(), "service-analytics-tests");
        if (Directory.Exists(root))
        {
            // A folder is named after its process (below): only those of processes that ended are removed, so test
            // runs side by side (two checkouts, CI and a developer) keep their engines' files.
            foreach (var previous in Directory.EnumerateDirectories(root).Where(p => !IsRunning(p)))
            {
                try
                {
                    Directory.Delete(previous, recursive: true);
                }
                catch (IOException)
                {
                    // Another test process may still be using it; it will be removed by a later run.
                }
            }
        }

        var folder = Path.Combine(root, $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Whether the process a run folder (<c>time-pid</c>) was made by still runs.</summary>
    private static bool IsRunning(string folder)
    {
        if (!int.TryParse(Path.GetFileName(folder).Split('-').Last(), System.Globalization.CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
