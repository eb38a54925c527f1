namespace ServiceAnalytics.Storage.Facts;

/// <summary>
/// Rows for the raw fact tables, gathered from one or more ingested batches and written together. Owns pooled
/// buffers: dispose it once written (or once its rows were moved into another batch).
/// </summary>
public sealed class FactBatch : IDisposable
{
    private readonly Dictionary<FactTable, RowBinaryRows> _rows = [];
    private readonly HashSet<(string ShopId, string ChatId, string CustomerId)> _touched = [];

    /// <summary>Rows added so far, over all tables.</summary>
    public int RowCount => _rows.Values.Sum(r => r.RowCount);

    /// <summary>Takes over all rows of <paramref name="other"/>, which is left empty.</summary>
    public void MoveFrom(FactBatch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (table, rows) in other._rows)
        {
            RowsOf(table).MoveFrom(rows);
        }

        _touched.UnionWith(other._touched);
        other._touched.Clear();

    }

    /// <summary>
    /// Records that the batch has a fact of chat <paramref name="chatId"/>, or an order of customer
    /// <paramref name="customerId"/>, or (both empty) a change to the whole shop: the rows of
    /// <see cref="FactTables.FactArrivals"/>.
    /// </summary>
    public void Touch(string shopId, string chatId, string customerId) => _touched.Add((shopId, chatId, customerId));

    /// <summary>What <see cref="Touch"/> recorded, once each.</summary>
    public IReadOnlyCollection<(string ShopId, string ChatId, string CustomerId)> Touched => _touched;

    public IEnumerable<(FactTable Table, RowBinaryRows Rows)> NonEmptyTables =>
        _rows.Where(p => p.Value.RowCount > 0).Select(p => (p.Key, p.Value));

    public void Dispose()
    {
        foreach (var rows in _rows.Values)
        {
            rows.Dispose();
        }
    }

    /// <summary>The rows of <paramref name="table"/>, to append a row to (values in column order, then <see cref="RowBinaryRows.EndRow"/>).</summary>
    public RowBinaryRows RowsOf(FactTable table)
    {
        if (!_rows.TryGetValue(table, out var rows))
        {
            rows = new RowBinaryRows();
            _rows[table] = rows;
        }

        return rows;
    }
}
