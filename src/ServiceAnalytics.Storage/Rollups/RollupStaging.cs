using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// One run's staging copies of the <see cref="SummaryTable.All"/> tables: created empty, given the rows the run keeps,
/// filled with the run's rows (by <see cref="RollupSummaries"/>), swapped in month by month with
/// <c>REPLACE PARTITION</c>, and dropped; for a refresh, also the table of the chats it recomputes. On a cluster each copy is a local table on every node with a
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

    /// <summary>
    /// The table the run's computed chats are written into (<see cref="RollupSummaries.SettleChatsAsync"/>) while
    /// <see cref="KeepAsync"/> masks the rows they replace in the staging copy of <c>settled_chats</c>; then
    /// <see cref="AddComputedChatsAsync"/> adds them. So computing need not wait for the mask, and the mask (a
    /// mutation of the parts the staging copy holds) never reaches a computed row.
    /// </summary>
    public string ComputedChats => target.Table(ComputedChatsName);

    private string ComputedChatsName => $"settled_chats_computed_stage_{runId}";

    /// <summary>The name of the run's staging copy of <paramref name="table"/>.</summary>
    public string StageName(SummaryTable table) => $"{table.Name}_stage_{runId}";

    /// <summary>The staging copy of <paramref name="table"/> as statements read and write it (the Distributed table on a cluster).</summary>
    public string Stage(SummaryTable table) => target.Table(StageName(table));

    /// <summary>
    /// The statements that create <paramref name="stage"/> as an empty copy of <paramref name="table"/>: on a cluster,
    /// a local copy on every node and a Distributed table over them.
    /// </summary>
    public static IReadOnlyList<string> CreateStatements(SchemaTarget target, string table, string stage) =>
    [
        $$"""CREATE TABLE {{target.LocalTable(stage)}}{{target.OnClusterClause}} AS {{target.LocalTable(table)}}""",
        .. target.Distribute(stage, ShardingKey),
    ];

    /// <summary>
    /// Creates the staging copies of every table and, when the run recomputes <paramref name="changedChatsOnly"/>,
    /// the table of those chats.
    /// </summary>
    public async Task CreateAsync(bool changedChatsOnly, CancellationToken cancellationToken)
    {
        _changedChatsOnly = changedChatsOnly;
        IEnumerable<string> changed = changedChatsOnly
            ?
            [
                $$"""CREATE TABLE {{target.LocalTable(ChangedChatsName)}}{{target.OnClusterClause}} (shop_id String, chat_id String) ENGINE = MergeTree ORDER BY (shop_id, chat_id)""",
                .. target.Distribute(ChangedChatsName, ShardingKey),
            ]
            : [];
        IEnumerable<(string Table, string Stage)> copies = SummaryTable.All.Select(table => (table.Name, StageName(table))).Append((SummaryTable.SettledChats.Name, ComputedChatsName));
        foreach (var statement in copies.SelectMany(copy => CreateStatements(target, copy.Table, copy.Stage)).Concat(changed))
        {
            await store.Client.ExecuteNonQueryAsync(statement, cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// Fills the staging copy of <paramref name="table"/> with the rows the run keeps, before it writes its own: the
    /// rows of the run's months (from <c>staged_from</c>, the first of them, for the summaries) outside its days
    /// (<c>first_day</c>..<c>last_day</c>) and, within them, of the shops
    /// it does not compute (for a refresh's settled chats: of the chats). A day the run then writes nothing for
    /// becomes empty when swapped in: its chats moved to another day (an earlier message arrived) or never were.
    /// The settled chats' months are attached from the live table (<c>ATTACH PARTITION … FROM</c>: parts shared, not
    /// copied) and the recomputed rows masked (a lightweight delete), which costs less than copying the wide rows
    /// (measured: 0.6–1.6 s against 1.4–2.3 s for a refresh of 1M chats); the summaries' narrow rows are copied,
    /// which costs less than a delete's mutation of their many parts (0.1–0.2 s against 0.5–2.2 s).
    /// </summary>
    public async Task KeepAsync(SummaryTable table, DateOnly first, DateOnly last, ClickHouseParameterCollection parameters, CancellationToken cancellationToken)
    {
        if (table != SummaryTable.SettledChats)
        {
            await store.Client.ExecuteNonQueryAsync($$"""
                INSERT INTO {{Stage(table)}} ({{table.Columns}})
                SELECT {{table.Columns}} FROM {{target.Table(table.Name)}}
                WHERE day >= toDate({staged_from:String}) AND toYYYYMM(day) <= toYYYYMM(toDate({last_day:String}))
                  AND (day < toDate({first_day:String}) OR day > toDate({last_day:String}) OR NOT {{Recomputed(table)}})
                """, parameters, cancellationToken: cancellationToken);
            return;
        }

        foreach (var month in Months(first, last))
        {
            await store.Client.ExecuteNonQueryAsync(
                $$"""ALTER TABLE {{target.LocalTable(StageName(table))}}{{target.OnClusterClause}} ATTACH PARTITION ID {{PartitionId(month)}} FROM {{target.LocalTable(table.Name)}}""",
                cancellationToken: cancellationToken);
        }

        await store.Client.ExecuteNonQueryAsync($$"""
            DELETE FROM {{target.LocalTable(StageName(table))}}{{target.OnClusterClause}}
            WHERE day BETWEEN toDate({first_day:String}) AND toDate({last_day:String}) AND {{Recomputed(table)}}
            """, parameters, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Adds the computed chats (<see cref="ComputedChats"/>) of the run's months first..last to the staging copy of
    /// <c>settled_chats</c>, once <see cref="KeepAsync"/> has masked the rows they replace (parts attached, not copied).
    /// </summary>
    public async Task AddComputedChatsAsync(DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        foreach (var month in Months(first, last))
        {
            await store.Client.ExecuteNonQueryAsync(
                $$"""ALTER TABLE {{target.LocalTable(StageName(SummaryTable.SettledChats))}}{{target.OnClusterClause}} ATTACH PARTITION ID {{PartitionId(month)}} FROM {{target.LocalTable(ComputedChatsName)}}""",
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
            await store.Client.ExecuteNonQueryAsync(
                $$"""OPTIMIZE TABLE {{target.LocalTable(StageName(table))}}{{target.OnClusterClause}} FINAL""", cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// Swaps each of the run's months of every table in from its completed staging copy, one table after the other
    /// (so the rows and the summaries a request reads are of the same run but for milliseconds).
    /// </summary>
    public async Task SwapMonthsAsync(DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        foreach (var table in SummaryTable.All)
        {
            foreach (var month in Months(first, last))
            {
                await store.Client.ExecuteNonQueryAsync(
                    $$"""ALTER TABLE {{target.LocalTable(table.Name)}}{{target.OnClusterClause}} REPLACE PARTITION ID {{PartitionId(month)}} FROM {{target.LocalTable(StageName(table))}}""",
                    options: s_replaceFromEmpty, cancellationToken: cancellationToken);
            }
        }
    }

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

    /// <summary>
    /// The rows of the recomputed days and shops in the staging copies (which also hold the months' other rows,
    /// kept unchanged): the rows a run wrote. The summaries' days are those of <paramref name="summaryParameters"/>.
    /// </summary>
    public async Task<ComputedRows> CountComputedRowsAsync(
        ClickHouseParameterCollection parameters, ClickHouseParameterCollection summaryParameters, CancellationToken cancellationToken)
    {
        long rows = 0;
        long chats = 0;
        foreach (var table in SummaryTable.All)
        {
            var count = Convert.ToInt64(await store.Client.ExecuteScalarAsync($$"""
                SELECT count() FROM {{Stage(table)}}
                WHERE day BETWEEN toDate({first_day:String}) AND toDate({last_day:String}) AND {{Recomputed(table)}}
                """, table == SummaryTable.SettledChats ? parameters : summaryParameters, cancellationToken: cancellationToken), CultureInfo.InvariantCulture);
            rows += count;
            chats += table == SummaryTable.SettledChats ? count : 0;
        }

        return new ComputedRows(chats, rows);
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
        foreach (var stage in SummaryTable.All.Select(StageName).Append(ComputedChatsName).Append(ChangedChatsName))
        {
            try
            {
                await store.Client.ExecuteNonQueryAsync($$"""DROP TABLE IF EXISTS {{target.Table(stage)}}{{target.OnClusterClause}}""");
                if (target.Cluster is not null)
                {
                    await store.Client.ExecuteNonQueryAsync($$"""DROP TABLE IF EXISTS {{target.LocalTable(stage)}}{{target.OnClusterClause}}""");
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
