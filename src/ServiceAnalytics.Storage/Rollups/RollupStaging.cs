using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// One run's staging copies of the <see cref="SummaryTable.All"/> tables: created empty, given the rows the run keeps,
/// given the run's rows (computed by <see cref="RollupSummaries"/> into a copy of their own), swapped in month by month
/// with <c>REPLACE PARTITION</c>, and dropped; for a refresh, also the table of the chats it recomputes. On a cluster each copy is a local table on every node with a
/// <c>Distributed</c> table over them, as the migrations create the tables themselves.
/// </summary>
internal sealed class RollupStaging(ClickHouseStore store, SchemaTarget target, string runId, ILogger logger)
{
    /// <summary>How the staging copies are sharded on a cluster: as the tables they copy (migration 0003).</summary>
    private const string ShardingKey = "cityHash64(shop_id)";

    private static readonly QueryOptions s_replaceFromEmpty = new()
    {
        CustomSettings = new Dictionary<string, object> { ["allow_replace_partition_from_empty_source"] = 1 },
    };

    /// <summary>Whether the run recomputes only the chats of <see cref="ChangedChats"/> (a refresh), not whole shops.</summary>
    private bool _changedChatsOnly;

    /// <summary>The table of the chats a refresh recomputes, as statements read and write it (<see cref="RollupSelection.WriteChangedChatsAsync"/>).</summary>
    public string ChangedChats => target.Table(ChangedChatsName);

    // Every table of a run is named {name}_stage_{run id}: metrics name it without the id (ClickHouseStatementMetrics).
    private string ChangedChatsName => $"rollup_changed_stage_{runId}";

    /// <summary>The name of the run's staging copy of <paramref name="table"/>.</summary>
    public string StageName(SummaryTable table) => $"{table.Name}_stage_{runId}";

    /// <summary>
    /// The table the run's computed rows of <paramref name="table"/> are written into (by <see cref="RollupSummaries"/>)
    /// while <see cref="KeepAsync"/> masks the rows they replace in the staging copy; then <see cref="AddComputedAsync"/>
    /// adds them. So computing need not wait for the mask, and the mask (a mutation of the parts the staging copy
    /// holds) never reaches a computed row.
    /// </summary>
    public string Computed(SummaryTable table) => target.Table(ComputedName(table));

    private string ComputedName(SummaryTable table) => $"{table.Name}_computed_stage_{runId}";

    /// <summary>The staging copy of <paramref name="table"/> as statements read and write it (the Distributed table on a cluster).</summary>
    public string Stage(SummaryTable table) => target.Table(StageName(table));

    /// <summary>
    /// The statements that create <paramref name="stage"/> as an empty copy of <paramref name="table"/> that merges
    /// nothing in the background: on a cluster, a local copy on every node and a Distributed table over them.
    /// </summary>
    /// <remarks>
    /// A mutation waits for the merges of the parts it mutates. Left to merge, a staging copy starts merging the parts
    /// just attached to it, and the run's mask waited for that merge: 0.8–0.9 s against 40–50 ms for a month of 8
    /// parts. A run that wants its months in one part merges them itself (<see cref="MergeAsync"/>: <c>OPTIMIZE</c>
    /// ignores this limit).
    /// </remarks>
    public static IReadOnlyList<string> CreateStatements(SchemaTarget target, string table, string stage) =>
    [
        $$"""CREATE TABLE {{target.LocalTable(stage)}}{{target.OnClusterClause}} AS {{target.LocalTable(table)}}""",
        $$"""ALTER TABLE {{target.LocalTable(stage)}}{{target.OnClusterClause}} MODIFY SETTING max_bytes_to_merge_at_max_space_in_pool = 1, max_bytes_to_merge_at_min_space_in_pool = 1""",
        .. target.Distribute(stage, ShardingKey),
    ];

    /// <summary>Creates the table of the chats a refresh recomputes (<see cref="ChangedChats"/>): the run recomputes only those.</summary>
    public async Task CreateChangedChatsAsync(CancellationToken cancellationToken)
    {
        _changedChatsOnly = true;
        IReadOnlyList<string> statements =
        [
            $$"""CREATE TABLE {{target.LocalTable(ChangedChatsName)}}{{target.OnClusterClause}} (shop_id String, chat_id String) ENGINE = MergeTree ORDER BY (shop_id, chat_id)""",
            .. target.Distribute(ChangedChatsName, ShardingKey),
        ];
        foreach (var statement in statements)
        {
            await store.RollupClient.ExecuteNonQueryAsync(statement, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Creates the staging copies of every table and the tables of their computed rows (<see cref="Computed"/>).</summary>
    public async Task CreateCopiesAsync(CancellationToken cancellationToken)
    {
        var tables = SummaryTable.All.SelectMany(table => new[] { CreateStatements(target, table.Name, StageName(table)), CreateStatements(target, table.Name, ComputedName(table)) });
        // The tables side by side (each a few milliseconds of DDL), each table's statements in order.
        await Task.WhenAll(tables.Select(async statements =>
        {
            foreach (var statement in statements)
            {
                await store.RollupClient.ExecuteNonQueryAsync(statement, cancellationToken: cancellationToken);
            }
        }));
    }

    /// <summary>
    /// Gives the staging copy of <paramref name="table"/> the rows the run keeps: the rows of the run's months outside
    /// its days (<c>first_day</c>..<c>last_day</c> of <paramref name="parameters"/>) and, within them, of the shops it
    /// does not compute (for a refresh's settled chats: of the chats). A day the run then writes nothing for becomes
    /// empty when swapped in: its chats moved to another day (an earlier message arrived) or never were.
    /// The months are attached from the live table (<c>ATTACH PARTITION … FROM</c>: parts shared, not copied) and the
    /// recomputed rows masked (a lightweight delete, one mutation task per part: the engine needs enough task slots,
    /// see <c>EmbeddedEngine</c>, and the copy must not merge, see <see cref="CreateStatements"/>). On a refresh of the
    /// benchmark's 200k-chat shop the mask of its settled chats took 0.06–0.22 s against 0.3–1.1 s for a copy of the
    /// months' other rows, which are wide; the summaries' masks (0.1–0.2 s) run beside their computation, where their
    /// copies (0.1–0.5 s) ran before it.
    /// </summary>
    public async Task KeepAsync(SummaryTable table, DateOnly first, DateOnly last, ClickHouseParameterCollection parameters, CancellationToken cancellationToken)
    {
        await AttachMonthsAsync(StageName(table), table.Name, first, last, cancellationToken);
        await store.RollupClient.ExecuteNonQueryAsync($$"""
            DELETE FROM {{target.LocalTable(StageName(table))}}{{target.OnClusterClause}}
            WHERE day BETWEEN toDate({first_day:String}) AND toDate({last_day:String}) AND {{Recomputed(table)}}
            """, parameters, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Adds the computed rows of <paramref name="table"/> (<see cref="Computed"/>) of the run's months first..last to
    /// its staging copy, once <see cref="KeepAsync"/> has masked the rows they replace (parts attached, not copied).
    /// </summary>
    public Task AddComputedAsync(SummaryTable table, DateOnly first, DateOnly last, CancellationToken cancellationToken) =>
        AttachMonthsAsync(StageName(table), ComputedName(table), first, last, cancellationToken);

    /// <summary>Attaches the months of first..last of local table <paramref name="from"/> to local table <paramref name="to"/>.</summary>
    private async Task AttachMonthsAsync(string to, string from, DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        foreach (var month in Months(first, last))
        {
            await store.RollupClient.ExecuteNonQueryAsync(
                $$"""ALTER TABLE {{target.LocalTable(to)}}{{target.OnClusterClause}} ATTACH PARTITION ID {{PartitionId(month)}} FROM {{target.LocalTable(from)}}""",
                cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// Merges each staging table into one part per month (rows masked by the run's delete are dropped on the way), so
    /// the months swapped in read as fast as they can. The scheduled run, backfills and recomputations do it (about half
    /// a second on 1M chats); a refresh does not, every minute: its few new parts merge in the background, and the
    /// next scheduled run merges its months whole.
    /// </summary>
    public async Task MergeAsync(CancellationToken cancellationToken)
    {
        foreach (var table in SummaryTable.All)
        {
            await store.RollupClient.ExecuteNonQueryAsync(
                $$"""OPTIMIZE TABLE {{target.LocalTable(StageName(table))}}{{target.OnClusterClause}} FINAL""", cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// Swaps each of the run's months of every table in from its completed staging copy, the three tables side by side
    /// (so the rows and the summaries a request reads are of the same run but for milliseconds).
    /// </summary>
    public Task SwapMonthsAsync(DateOnly first, DateOnly last, CancellationToken cancellationToken) =>
        Task.WhenAll(SummaryTable.All.Select(async table =>
        {
            foreach (var month in Months(first, last))
            {
                await store.RollupClient.ExecuteNonQueryAsync(
                    $$"""ALTER TABLE {{target.LocalTable(table.Name)}}{{target.OnClusterClause}} REPLACE PARTITION ID {{PartitionId(month)}} FROM {{target.LocalTable(StageName(table))}}""",
                    options: s_replaceFromEmpty, cancellationToken: cancellationToken);
            }
        }));

    /// <summary>The first days of the months of first..last.</summary>
    private static IEnumerable<DateOnly> Months(DateOnly first, DateOnly last)
    {
        for (var month = new DateOnly(first.Year, first.Month, 1); month <= last; month = month.AddMonths(1))
        {
            yield return month;
        }
    }

    /// <summary>The partition of a month's days (the tables are partitioned by <c>toYYYYMM(day)</c>), as the literal <c>PARTITION ID</c> takes.</summary>
    private static string PartitionId(DateOnly month) => $"'{month.ToString("yyyyMM", CultureInfo.InvariantCulture)}'";

    /// <summary>The rows the run wrote: those of its computed tables (<see cref="Computed"/>), counted in one statement.</summary>
    public async Task<ComputedRows> CountComputedRowsAsync(CancellationToken cancellationToken)
    {
        var counts = string.Join(", ", SummaryTable.All.Select(table => $"assumeNotNull((SELECT count() FROM {Computed(table)}))"));
        using var reader = await store.RollupClient.ExecuteReaderAsync($"SELECT [{counts}]", cancellationToken: cancellationToken);
        reader.Read();
        var rows = SummaryTable.All.Zip((ulong[])reader.GetValue(0), (table, count) => (Table: table, Count: (long)count)).ToList();
        return new ComputedRows(rows.Single(row => row.Table == SummaryTable.SettledChats).Count, rows.Sum(row => row.Count));
    }

    /// <summary>
    /// The condition on a row of <paramref name="table"/> of the run's days that the run recomputed: of its shops
    /// (<see cref="RollupSelection.InScope"/>), or for a refresh's settled chats, of its changed chats.
    /// </summary>
    private string Recomputed(SummaryTable table) => _changedChatsOnly && table == SummaryTable.SettledChats
        ? $"(shop_id, chat_id) IN (SELECT shop_id, chat_id FROM {ChangedChats})"
        : RollupSelection.InScope;

    /// <summary>Drops the staging copies, whether the run succeeded or not (and whether it created them); a failure to drop is logged, not raised.</summary>
    public async Task DropAsync()
    {
        foreach (var stage in SummaryTable.All.SelectMany(table => new[] { StageName(table), ComputedName(table) }).Append(ChangedChatsName))
        {
            try
            {
                await store.RollupClient.ExecuteNonQueryAsync($$"""DROP TABLE IF EXISTS {{target.Table(stage)}}{{target.OnClusterClause}}""");
                if (target.Cluster is not null)
                {
                    await store.RollupClient.ExecuteNonQueryAsync($$"""DROP TABLE IF EXISTS {{target.LocalTable(stage)}}{{target.OnClusterClause}}""");
                }
            }
            catch (Exception error)
            {
                Log.RollupStageNotDropped(logger, runId, stage, error);
            }
        }
    }
}

/// <summary>The rows a run computed for its days: per-chat rows (<c>settled_chats</c>), and those with the summaries' rows.</summary>
internal readonly record struct ComputedRows(long Chats, long Total);
