namespace ServiceAnalytics.Storage.Facts;

/// <summary>
/// Writes fact rows to the raw tables; the materialized views of migration 0002 follow each insert. Writes go
/// through <see cref="ClickHouseStore.IngestionClient"/>, whose connections queries never take.
/// </summary>
public sealed class FactWriter(ClickHouseStore store)
{
    /// <summary>
    /// Raw fact tables are ReplacingMergeTrees read with FINAL or duplicate-proof aggregates, so sorting out
    /// duplicates while inserting (optimize_on_insert, on by default) is work done twice; merges still do it.
    /// </summary>
    private static readonly Dictionary<string, object> s_insertSettings = new() { ["optimize_on_insert"] = 0 };

    /// <summary>Up to this many rows a batch's tables are inserted at once; larger batches one table after another.</summary>
    public const int ConcurrentInsertRows = 10_000;

    /// <summary>
    /// Inserts every table's rows, one INSERT per table (at once for small batches), in RowBinary, then — only once all of them are committed —
    /// the batch's <see cref="FactBatch.Touched"/> chats and customers into <c>fact_arrivals</c>, so an arrival
    /// stamped before an instant means its facts were readable then. Throws if any insert failed (some tables may
    /// then hold their rows, which a re-send de-duplicates and records again).
    /// </summary>
    public async Task WriteAsync(FactBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.RowCount <= ConcurrentInsertRows)
        {
            // A small insert's cost is mostly the engine creating its part's files (measured: ~15 ms for a few rows on
            // this machine's ext4), which overlaps well: a lone producer's batch is committed in about one insert's
            // time instead of one per table (docs/ingestion.md, "Measured").
            await Task.WhenAll(batch.NonEmptyTables.Select(t => InsertAsync(t.Table, t.Rows, cancellationToken)));
        }
        else
        {
            // Large inserts keep the engine's threads busy on their own; at once they only contend for the cores.
            foreach (var (table, rows) in batch.NonEmptyTables)
            {
                await InsertAsync(table, rows, cancellationToken);
            }
        }

        if (batch.Touched.Count > 0)
        {
            using var arrivals = new RowBinaryRows();
            foreach (var (shopId, chatId, customerId) in batch.Touched)
            {
                arrivals.String(shopId).String(chatId).String(customerId).EndRow();
            }

            await InsertAsync(FactTables.FactArrivals, arrivals, cancellationToken);
        }
    }

    private async Task InsertAsync(FactTable table, RowBinaryRows rows, CancellationToken cancellationToken)
    {
        using var data = rows.OpenRead();
        using var response = await store.IngestionClient.InsertRawStreamAsync(
            table.Name, data, "RowBinary", table.Columns, useCompression: store.InsertCompressor is not null,
            new ClickHouse.Driver.QueryOptions { CustomSettings = s_insertSettings }, cancellationToken);
    }
}
