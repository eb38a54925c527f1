using System.CommandLine;
using System.Globalization;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// <c>migrate [config overrides]</c>: applies pending migrations with the service's own configuration, shows their
/// progress, and prints one line per migration: <c>applied|already-applied, version, name, applied-at (UTC)</c>.
/// </summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Apply pending schema migrations with the service's configuration, then exit.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((parse, cancellation) => RunAsync(ServiceCommandLine.ConfigurationOverrides(parse), Console.Out, CommandProgress.ForConsole(), cancellation));
        return command;
    }

    public static async Task<int> RunAsync(string[] settings, TextWriter output, CommandProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settings, ContentRootPath = ServiceAnalyticsApp.ContentRoot });
        builder.Services.AddClickHouseStorage(builder.Configuration);
        using var host = builder.Build();
        var migrator = host.Services.GetRequiredService<SchemaMigrator>();
        var report = await progress.RunAsync("migrate", "scripts", migrator.Scripts.Count, counter => migrator.MigrateAsync(cancellation, counter));
        foreach (var (status, migration) in report.AlreadyApplied.Select(m => ("already-applied", m)).Concat(report.AppliedNow.Select(m => ("applied", m))))
        {
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture, $"{status}\t{migration.Version:D4}\t{migration.Name}\t{migration.AppliedAtUtc:O}"));
        }

        if (report.BiAccessStatements > 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"bi-access\t{report.BiAccessStatements} statements applied"));
        }

        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture, $"database {report.Database} is at schema version {report.SchemaVersion}"));
        return 0;
    }
}
