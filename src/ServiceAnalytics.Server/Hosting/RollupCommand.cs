using System.Globalization;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Migrations;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// <c>ServiceAnalytics.Server rollup FIRST_DAY LAST_DAY [config overrides]</c>: recomputes the rollups of local days
/// FIRST_DAY to LAST_DAY (YYYY-MM-DD) with the service's configuration and prints the run. For a server deployment
/// it may run beside the service; the embedded engine's data folder belongs to one process at a time, so there
/// use the <c>OperationsService.RecomputeRollups</c> RPC of the running service instead.
/// </summary>
public static class RollupCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (args.Length < 2 || !TryDay(args[0], out var first) || !TryDay(args[1], out var last) || last < first)
        {
            await output.WriteLineAsync("usage: rollup FIRST_DAY LAST_DAY [--Section:Key=value ...]  (days YYYY-MM-DD, FIRST_DAY <= LAST_DAY)");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args[2..], ContentRootPath = ServiceAnalyticsApp.ContentRoot });
        builder.Services.AddClickHouseStorage(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        using var host = builder.Build();
        await host.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        var run = await host.Services.GetRequiredService<RollupRunner>().RecomputeAsync(first, last, DateTime.UtcNow, CancellationToken.None);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"run {run.RunId}: {run.FirstDay:yyyy-MM-dd}..{run.LastDay:yyyy-MM-dd}, {run.Shops} shops, {run.RowsWritten} rows in {run.Duration.TotalSeconds:F1} s"));
        return 0;
    }

    private static bool TryDay(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}
