using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Facts;

/// <summary>Writes fact rows to the raw tables; the materialized views of migration 0002 follow each insert.</summary>
public sealed class FactWriter(ClickHouseStore store)
{
    /// <summary>
    /// Inserts every table's rows, one INSERT per table. Returns once ClickHouse has committed all of them; throws
    /// if any failed (some tables may then hold their rows, which a re-send de-duplicates).
    /// </summary>
    public async Task WriteAsync(FactBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var (table, rows) in batch.NonEmptyTables)
        {
            await store.Client.InsertBinaryAsync(
                table.Name, table.Columns, rows, store.CreateInsertOptions(batchSize: rows.Count, maxDegreeOfParallelism: 1), cancellationToken);
        }
    }
}
