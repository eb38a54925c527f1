using System.Globalization;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// <c>ServiceAnalytics.Server migrate [config overrides]</c>: applies pending migrations with the service's own
/// configuration and prints one line per migration: <c>applied|already-applied, version, name, applied-at (UTC)</c>.
/// </summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = ServiceAnalyticsApp.ContentRoot });
        builder.Services.AddClickHouseStorage(builder.Configuration);
        using var host = builder.Build();
        var report = await host.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
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
