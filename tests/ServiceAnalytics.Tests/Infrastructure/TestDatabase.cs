using ClickHouse.Driver;

namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>A database of its own for one test class on one lane: created on first use, dropped at the end.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(ClickHouseStore store) => Store = store;

    public ClickHouseStore Store { get; }

    public ClickHouseClient Client => Store.Client;

    public string Name => Store.Options.Database;

    public static async Task<TestDatabase> CreateAsync(ClickHouseLane lane, string purpose)
    {
        var store = TestEnvironment.CreateStore(TestEnvironment.Options(lane, TestEnvironment.UniqueDatabaseName(purpose)));
        await store.Client.ExecuteNonQueryAsync($"CREATE DATABASE {SchemaNames.Quote(store.Options.Database)}", options: ClickHouseStore.InDatabase("default"));
        return new TestDatabase(store);
    }

    public async ValueTask DisposeAsync()
    {
        // Not SYNC: a SYNC drop waits until no connection holds a table of the database, so one connection left open
        // (a BI pool not closed: a CI run hung here) would hang the run instead of failing a test. Names are unique,
        // so nothing waits on the drop; the engine removes the data once the tables are released.
        await Client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {SchemaNames.Quote(Name)}", options: ClickHouseStore.InDatabase("default"));
        Store.Dispose();
    }
}

/// <summary>Class fixture: one <see cref="TestDatabase"/> per lane, shared by the class's tests.</summary>
public sealed class DatabasePerLane : IAsyncDisposable
{
    private readonly Dictionary<ClickHouseLane, Task<TestDatabase>> _databases = [];
    private readonly Lock _gate = new();

    public Task<TestDatabase> For(ClickHouseLane lane, string purpose)
    {
        // Throws the lane's skip before anything is created.
        TestEnvironment.Options(lane, "probe");
        lock (_gate)
        {
            if (!_databases.TryGetValue(lane, out var database))
            {
                database = TestDatabase.CreateAsync(lane, purpose);
                _databases[lane] = database;
            }

            return database;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _databases.Values)
        {
            await (await database).DisposeAsync();
        }
    }
}
