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
    /// Inserts every table's rows, one INSERT per table, in RowBinary, then — only once all of them are committed —
    /// the batch's <see cref="FactBatch.Touched"/> chats and customers into <c>fact_arrivals</c>, so an arrival
    /// stamped before an instant means its facts were readable then. Throws if any insert failed (some tables may
    /// then hold their rows, which a re-send de-duplicates and records again).
    /// </summary>
    public async Task WriteAsync(FactBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var (table, rows) in batch.NonEmptyTables)
        {
            await InsertAsync(table, rows, cancellationToken);
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
        using var response = await store.Client.InsertRawStreamAsync(
            table.Name, data, "RowBinary", table.Columns, useCompression: store.InsertCompressor is not null,
            new ClickHouse.Driver.QueryOptions { CustomSettings = s_insertSettings }, cancellationToken);
    }
}
