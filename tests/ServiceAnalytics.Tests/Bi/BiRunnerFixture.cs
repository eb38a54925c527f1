using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>
/// A database with stand-in BI views over scoped source tables, a raw table no BI caller may read, and rows of
/// three shops in every view (chats: A 3, B 2, C 1);
/// plus a <see cref="BiQueryRunner"/> over it on the embedded engine's read-only BI pool.
/// </summary>
public sealed class BiRunnerFixture : IAsyncLifetime
{
    public const string ShopA = "shop-a";
    public const string ShopB = "shop-b";
    public const string ShopC = "shop-c";

    public TestDatabase Database { get; private set; } = null!;

    public BiSqlClient Client { get; private set; } = null!;

    public BiQueryRunner Runner { get; private set; } = null!;

    /// <summary>Limits small enough for tests to cross: 2 s, 1,000 rows, 1 MiB of result, 64 MiB of memory, 2 connections.</summary>
    public static BiSqlOptions Options { get; } = new()
    {
        MaxConnections = 2, MaxExecutionTime = TimeSpan.FromSeconds(2), MaxResultRows = 1000, MaxResultBytes = 1024 * 1024, MaxMemoryUsage = 64L * 1024 * 1024,
    };

    public async ValueTask InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(ClickHouseLane.Embedded, "bi runner");
        foreach (var statement in StandInSchema())
        {
            await Database.Client.ExecuteNonQueryAsync(statement);
        }

        Client = new BiSqlClient(Database.Store, Microsoft.Extensions.Options.Options.Create(Options), NullLoggerFactory.Instance);
        var catalog = new BiCatalog(Client);
        Runner = new BiQueryRunner(Client, new BiQueryGuard(Client, catalog), catalog);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Database.DisposeAsync();
    }

    /// <summary>Runs <paramref name="sql"/> for <paramref name="caller"/> and returns the whole body as text.</summary>
    public async Task<string> TextAsync(BiCaller caller, string sql, string? format = "TSV", IReadOnlyList<KeyValuePair<string, string>>? parameters = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        await using var result = await Runner.RunAsync(caller, Query(sql, format, parameters, settings), CancellationToken.None);
        using var reader = new StreamReader(result.Body);
        return await reader.ReadToEndAsync();
    }

    public static BiQuery Query(string sql, string? format = null, IReadOnlyList<KeyValuePair<string, string>>? parameters = null, IReadOnlyDictionary<string, string>? settings = null) =>
        new(sql, parameters ?? [], format, "", settings ?? new Dictionary<string, string>());

    public static BiCaller Shops(params string[] shops) => new("test", new HashSet<string>(shops));

    public static BiCaller Platform { get; } = new("platform", null);

    /// <summary>Row counts of every table of the database, to show a refused statement changed nothing.</summary>
    public async Task<string> TableCountsAsync()
    {
        var tables = new List<string>();
        using (var reader = await Database.Client.ExecuteReaderAsync($"SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT LIKE '%View' ORDER BY name"))
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var counts = new List<string>();
        foreach (var table in tables)
        {
            counts.Add($"{table}={await Database.Client.ExecuteScalarAsync($"SELECT count() FROM {SchemaNames.Quote(table)}")}");
        }

        return string.Join(",", counts);
    }

    private static IEnumerable<string> StandInSchema()
    {
        yield return "CREATE TABLE settled_chats (shop_id String, chat_id String, tag String) ENGINE = MergeTree ORDER BY (shop_id, chat_id)";
        yield return "CREATE TABLE chat_messages (shop_id String, chat_id String, body String) ENGINE = MergeTree ORDER BY (shop_id, chat_id)";
        yield return "CREATE TABLE shop_daily_summary (shop_id String, day Date, chats UInt64) ENGINE = MergeTree ORDER BY shop_id";
        yield return "CREATE TABLE agent_daily_summary (shop_id String, day Date, agent String) ENGINE = MergeTree ORDER BY shop_id";
        yield return "CREATE TABLE secret_facts (shop_id String, secret String) ENGINE = MergeTree ORDER BY shop_id";
        yield return "CREATE VIEW bi_chats AS SELECT shop_id, chat_id, tag FROM settled_chats";
        yield return "CREATE VIEW bi_messages AS SELECT shop_id, chat_id, body FROM chat_messages";
        yield return "CREATE VIEW bi_shop_daily AS SELECT shop_id, day, chats FROM shop_daily_summary";
        yield return "CREATE VIEW bi_agent_daily AS SELECT shop_id, day, agent FROM agent_daily_summary";
        yield return "CREATE VIEW bi_tag_daily AS SELECT shop_id, tag, count() AS chats FROM bi_chats GROUP BY shop_id, tag";
        yield return """
            INSERT INTO settled_chats VALUES
                ('shop-a', 'a1', 'red'), ('shop-a', 'a2', 'red'), ('shop-a', 'a3', 'blue'),
                ('shop-b', 'b1', 'red'), ('shop-b', 'b2', 'green'), ('shop-c', 'c1', 'blue')
            """;
        yield return "INSERT INTO chat_messages VALUES ('shop-a', 'a1', 'hello'), ('shop-b', 'b1', 'hi'), ('shop-c', 'c1', 'hey')";
        yield return "INSERT INTO shop_daily_summary VALUES ('shop-a', '2026-01-01', 3), ('shop-b', '2026-01-01', 2), ('shop-c', '2026-01-01', 1)";
        yield return "INSERT INTO agent_daily_summary VALUES ('shop-a', '2026-01-01', 'ann'), ('shop-b', '2026-01-01', 'bob'), ('shop-c', '2026-01-01', 'cy')";
        yield return "INSERT INTO secret_facts VALUES ('shop-a', 'raw-a'), ('shop-b', 'raw-b')";
    }
}
