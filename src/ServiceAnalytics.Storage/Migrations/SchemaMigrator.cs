using System.Diagnostics;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;

namespace ServiceAnalytics.Storage.Migrations;

/// <summary>An applied migration's file has changed: retrying cannot help, someone must revert the file.</summary>
public sealed class SchemaChangedException(string message) : InvalidOperationException(message);

/// <summary>A migration recorded in <c>schema_migrations</c>.</summary>
public sealed record AppliedMigration(int Version, string Name, DateTime AppliedAtUtc);

/// <summary>
/// What a run of <see cref="SchemaMigrator.MigrateAsync"/> found and did; <paramref name="BiAccessStatements"/> counts the
/// statements of <see cref="BiAccessScript"/> it ran (0 when <c>ClickHouse:BiAccess:Enabled</c> is false).
/// </summary>
public sealed record MigrationReport(string Database, IReadOnlyList<AppliedMigration> AppliedNow, IReadOnlyList<AppliedMigration> AlreadyApplied, int BiAccessStatements = 0)
{
    public int SchemaVersion => AppliedNow.Concat(AlreadyApplied).Select(m => m.Version).DefaultIfEmpty(0).Max();
}

/// <summary>
/// Brings the database to the newest schema: creates the database and the <c>schema_migrations</c> history, then
/// applies each script not yet recorded there and records it. Safe to re-run and safe when several instances run
/// it at once: every statement is re-runnable (<see cref="MigrationScript.IsRerunnable"/>), so two instances
/// applying the same script both succeed, and the history is read per version (duplicate rows collapse).
/// A script whose checksum differs from the recorded one is refused. Then, when <c>ClickHouse:BiAccess:Enabled</c>,
/// it applies <see cref="BiAccessScript"/> (every time: it follows the configuration and is idempotent).
/// </summary>
public sealed class SchemaMigrator(ClickHouseStore store, ILogger<SchemaMigrator> logger)
{
    internal const string HistoryTemplate = """
        CREATE TABLE IF NOT EXISTS {{table:schema_migrations}}{{on_cluster}}
        (
            version UInt32,
            name String,
            checksum String,
            applied_at DateTime64(3, 'UTC'),
            applied_by String
        )
        ENGINE = MergeTree
        ORDER BY version;
        -- distribute: schema_migrations BY version
        """;

    /// <summary>The scripts this migrator applies. Default: the ones shipped with the service.</summary>
    public IReadOnlyList<MigrationScript> Scripts { get; init; } = MigrationScript.Embedded;

    /// <summary>
    /// Applies the pending <see cref="Scripts"/> in order; <c>scriptsChecked</c> is told how many were checked or
    /// applied so far (the <c>migrate</c> command's progress).
    /// </summary>
    public async Task<MigrationReport> MigrateAsync(CancellationToken cancellationToken, IProgress<long>? scriptsChecked = null)
    {
        // The options validator stops such a start; commands that migrate without starting a host meet it here.
        if (store.Options.BiAccess.Enabled && store.Options.UsesEmbeddedEngine)
        {
            throw new InvalidOperationException($"ClickHouse:BiAccess:Enabled {BiAccessOptionsValidator.EmbeddedRule}.");
        }

        var target = SchemaTarget.For(store.Options);
        var client = store.Client;
        await client.ExecuteNonQueryAsync(
            $"CREATE DATABASE IF NOT EXISTS {SchemaNames.Quote(target.Database)}{target.OnClusterClause}",
            options: ClickHouseStore.InDatabase("default"), cancellationToken: cancellationToken);
        foreach (var statement in target.Render(HistoryTemplate))
        {
            await client.ExecuteNonQueryAsync(statement, cancellationToken: cancellationToken);
        }

        var recorded = await ReadHistoryAsync(target, cancellationToken);
        var appliedNow = new List<AppliedMigration>();
        var alreadyApplied = new List<AppliedMigration>();
        foreach (var script in Scripts)
        {
            if (recorded.TryGetValue(script.Version, out var record))
            {
                if (record.Checksum != script.Checksum)
                {
                    throw new SchemaChangedException(
                        $"Migration {script.Version} ({script.Name}) was changed after it was applied to database '{target.Database}'. " +
                        "Applied migrations are immutable: revert the file and add a new migration instead.");
                }

                alreadyApplied.Add(record.Migration);
                scriptsChecked?.Report(alreadyApplied.Count + appliedNow.Count);
                continue;
            }

            var stopwatch = Stopwatch.StartNew();
            foreach (var statement in script.Render(target))
            {
                await client.ExecuteNonQueryAsync(statement, cancellationToken: cancellationToken);
            }

            var appliedAt = await RecordAsync(target, script, cancellationToken);
            appliedNow.Add(new AppliedMigration(script.Version, script.Name, appliedAt));
            Log.MigrationApplied(logger, script.Version, script.Name, stopwatch.ElapsedMilliseconds);
            scriptsChecked?.Report(alreadyApplied.Count + appliedNow.Count);
        }

        var accessStatements = await ApplyBiAccessAsync(target, cancellationToken);
        var report = new MigrationReport(target.Database, appliedNow, alreadyApplied, accessStatements);
        Log.SchemaReady(logger, target.Database, report.SchemaVersion, appliedNow.Count);
        return report;
    }

    private async Task<int> ApplyBiAccessAsync(SchemaTarget target, CancellationToken cancellationToken)
    {
        var access = store.Options.BiAccess;
        if (!access.Enabled)
        {
            return 0;
        }

        var statements = BiAccessScript.Render(target, access);
        foreach (var statement in statements)
        {
            await store.Client.ExecuteNonQueryAsync(statement, cancellationToken: cancellationToken);
        }

        Log.BiAccessApplied(logger, access.ReaderRole, access.AnalystRole, access.Profile, statements.Count);
        return statements.Count;
    }

    private async Task<Dictionary<int, (string Checksum, AppliedMigration Migration)>> ReadHistoryAsync(SchemaTarget target, CancellationToken cancellationToken)
    {
        var history = new Dictionary<int, (string, AppliedMigration)>();
        using var reader = await store.Client.ExecuteReaderAsync(
            $"SELECT version, any(name) AS name, any(checksum) AS checksum, min(applied_at) AS applied_at FROM {target.Table("schema_migrations")} GROUP BY version ORDER BY version",
            cancellationToken: cancellationToken);
        while (reader.Read())
        {
            var version = reader.Int("version");
            history[version] = (reader.String("checksum"), new AppliedMigration(version, reader.String("name"), reader.DateTime("applied_at")));
        }

        return history;
    }

    private async Task<DateTime> RecordAsync(SchemaTarget target, MigrationScript script, CancellationToken cancellationToken)
    {
        // Stored with millisecond precision; report what is stored.
        var now = DateTime.UtcNow;
        var appliedAt = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("version", (uint)script.Version);
        parameters.AddParameter("name", script.Name);
        parameters.AddParameter("checksum", script.Checksum);
        parameters.AddParameter("applied_at", appliedAt);
        parameters.AddParameter("applied_by", $"{Environment.MachineName}/{Environment.ProcessId}");
        await store.Client.ExecuteNonQueryAsync(
            $"INSERT INTO {target.Table("schema_migrations")} (version, name, checksum, applied_at, applied_by) " +
            "SELECT {version:UInt32}, {name:String}, {checksum:String}, {applied_at:DateTime64(3, 'UTC')}, {applied_by:String}",
            parameters, cancellationToken: cancellationToken);
        return appliedAt;
    }
}
