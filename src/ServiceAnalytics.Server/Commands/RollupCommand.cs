using System.CommandLine;
using System.Globalization;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Migrations;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// <c>rollup FIRST_DAY LAST_DAY [config overrides]</c>: recomputes the rollups of local days FIRST_DAY to LAST_DAY
/// (YYYY-MM-DD) with the service's configuration, showing the shops done, and prints the run. For a server deployment
/// it may run beside the service; the embedded engine's data folder belongs to one process at a time, so there use
/// the <c>OperationsService.RecomputeRollups</c> RPC of the running service instead.
/// </summary>
public static class RollupCommand
{
    public static Command Create()
    {
        var firstDay = new Argument<DateOnly>("FIRST_DAY") { Description = "The first local day to recompute (YYYY-MM-DD).", CustomParser = ServiceCommandLine.ParseDay };
        var lastDay = new Argument<DateOnly>("LAST_DAY") { Description = "The last local day to recompute (YYYY-MM-DD), not before FIRST_DAY.", CustomParser = ServiceCommandLine.ParseDay };
        var command = new Command("rollup", "Recompute the rollups (settled chats, daily summaries) of a range of days, then exit.")
        {
            firstDay,
            lastDay,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, cancellation) => RunAsync(
            parse.GetValue(firstDay), parse.GetValue(lastDay), ServiceCommandLine.ConfigurationOverrides(parse), Console.Out, CommandProgress.ForConsole(), cancellation));
        return command;
    }

    public static async Task<int> RunAsync(
        DateOnly first, DateOnly last, string[] settings, TextWriter output, CommandProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        if (last < first)
        {
            await Console.Error.WriteLineAsync($"rollup: LAST_DAY {last:yyyy-MM-dd} is before FIRST_DAY {first:yyyy-MM-dd}.");
            return ServiceCommandLine.ExitUsage;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settings, ContentRootPath = ServiceAnalyticsApp.ContentRoot });
        builder.Services.AddClickHouseStorage(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        using var host = builder.Build();
        await host.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellation);
        var runner = host.Services.GetRequiredService<RollupRunner>();
        var run = await progress.RunAsync("rollup", "shops", null, counter => runner.RecomputeAsync(
            first, last, DateTime.UtcNow, cancellation, new ShopsProgress(counter)));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"run {run.RunId}: {run.FirstDay:yyyy-MM-dd}..{run.LastDay:yyyy-MM-dd}, {run.Shops} shops, {run.RowsWritten} rows in {run.Duration.TotalSeconds:F1} s"));
        return 0;
    }

    /// <summary>Passes the run's progress on as it happens (<see cref="Progress{T}"/> would post it, out of order).</summary>
    private sealed class ShopsProgress(ProgressCounter counter) : IProgress<RollupProgress>
    {
        public void Report(RollupProgress value)
        {
            counter.Total = value.Shops;
            counter.Report(value.ShopsDone);
        }
    }
}
