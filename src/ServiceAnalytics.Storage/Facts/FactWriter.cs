namespace ServiceAnalytics.Storage.Facts;

/// <summary>Writes fact rows to the raw tables; the materialized views of migration 0002 follow each insert.</summary>
public sealed class FactWriter(ClickHouseStore store)
{
    /// <summary>
    /// Raw fact tables are ReplacingMergeTrees read with FINAL or duplicate-proof aggregates, so sorting out
    /// duplicates while inserting (optimize_on_insert, on by default) is work done twice; merges still do it.
    /// </summary>
    private static readonly Dictionary<string, object> s_insertSettings = new() { ["optimize_on_insert"] = 0 };

    /// <summary>
    /// Inserts every table's rows, one INSERT per table, in RowBinary. Returns once ClickHouse has committed all of
    /// them; throws if any failed (some tables may then hold their rows, which a re-send de-duplicates).
    /// </summary>
    public async Task WriteAsync(FactBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var (table, rows) in batch.NonEmptyTables)
        {
            using var data = rows.OpenRead();
            using var response = await store.Client.InsertRawStreamAsync(
                table.Name, data, "RowBinary", table.Columns, useCompression: store.InsertCompressor is not null,
                new ClickHouse.Driver.QueryOptions { CustomSettings = s_insertSettings }, cancellationToken);
        }
    }
}
