namespace ServiceAnalytics.Storage.Facts;

/// <summary>Rows for the raw fact tables, gathered from one or more ingested batches and written together.</summary>
public sealed class FactBatch
{
    private readonly Dictionary<FactTable, List<object[]>> _rows = FactTables.All.ToDictionary(t => t, _ => new List<object[]>());

    /// <summary>Rows added so far, over all tables.</summary>
    public int RowCount { get; private set; }

    public void Add(FactTable table, object[] row)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(row);
        if (row.Length != table.Columns.Count)
        {
            throw new ArgumentException($"A row of {table.Name} has {table.Columns.Count} columns, not {row.Length}.", nameof(row));
        }

        _rows[table].Add(row);
        RowCount++;
    }

    public void AddRange(FactBatch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (table, rows) in other._rows)
        {
            _rows[table].AddRange(rows);
        }

        RowCount += other.RowCount;
    }

    public IEnumerable<(FactTable Table, IReadOnlyList<object[]> Rows)> NonEmptyTables =>
        _rows.Where(p => p.Value.Count > 0).Select(p => (p.Key, (IReadOnlyList<object[]>)p.Value));
}
