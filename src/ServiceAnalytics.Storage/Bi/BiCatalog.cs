using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// What the BI runner reads once from the engine and keeps: the tables of the service database (for the scope filters) and <c>system.functions</c> (for the function policy). The schema changes
/// only through migrations, which run before the service serves, so one read per process is enough.
/// </summary>
public sealed class BiCatalog(BiSqlClient client)
{
    private Task<IReadOnlyList<string>>? _serviceTables;
    private Task<BiFunctionPolicy>? _functions;

    public Task<IReadOnlyList<string>> ServiceTablesAsync(CancellationToken cancellationToken) =>
        Cached(ref _serviceTables, () => TablesAsync(client, client.Database)).WaitAsync(cancellationToken);

    public Task<BiFunctionPolicy> FunctionsAsync(CancellationToken cancellationToken) =>
        Cached(ref _functions, () => LoadFunctionsAsync(client)).WaitAsync(cancellationToken);

    /// <summary>The read in <paramref name="slot"/>, started once; a failed read is started again by the next caller.</summary>
    private static Task<T> Cached<T>(ref Task<T>? slot, Func<Task<T>> load)
    {
        var current = Volatile.Read(ref slot);
        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            var started = load();
            current = Interlocked.CompareExchange(ref slot, started, current) == current ? started : Volatile.Read(ref slot)!;
        }

        return current;
    }

    private static async Task<IReadOnlyList<string>> TablesAsync(BiSqlClient client, string database)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("database", database);
        using var reader = await client.Client.ExecuteReaderAsync("SELECT name FROM system.tables WHERE database = {database:String}", parameters);
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task<BiFunctionPolicy> LoadFunctionsAsync(BiSqlClient client)
    {
        using var reader = await client.Client.ExecuteReaderAsync("SELECT name, alias_to, categories FROM system.functions");
        var rows = new List<(string, string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return BiFunctionPolicy.FromCatalog(rows);
    }
}
