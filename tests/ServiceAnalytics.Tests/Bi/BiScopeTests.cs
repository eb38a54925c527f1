using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>A shop-scoped BI caller sees exactly its shops' rows, whatever shape the statement takes; a platform caller sees all.</summary>
public sealed class BiScopeTests(BiRunnerFixture bi) : IClassFixture<BiRunnerFixture>
{
    private static readonly BiCaller s_shopA = BiRunnerFixture.Shops(BiRunnerFixture.ShopA);

    /// <summary>Statements that each answer the distinct shops they read, one per line, sorted (every shop has rows in every view).</summary>
    public static TheoryData<string> ShopsSeen => new()
    {
        "SELECT DISTINCT shop_id FROM bi_chats ORDER BY shop_id",
        "SELECT DISTINCT shop_id FROM bi_messages ORDER BY shop_id",
        "SELECT DISTINCT shop_id FROM bi_shop_daily ORDER BY shop_id",
        "SELECT DISTINCT shop_id FROM bi_agent_daily ORDER BY shop_id",
        "SELECT DISTINCT shop_id FROM bi_tag_daily ORDER BY shop_id",
        "SELECT DISTINCT m.shop_id FROM bi_messages AS m INNER JOIN bi_chats AS c ON m.chat_id = c.chat_id ORDER BY m.shop_id",
        "SELECT DISTINCT c.shop_id FROM bi_chats AS c LEFT JOIN bi_shop_daily AS d ON c.shop_id = d.shop_id ORDER BY c.shop_id",
        "SELECT DISTINCT shop_id FROM (SELECT shop_id FROM (SELECT * FROM bi_chats)) ORDER BY shop_id",
        "SELECT DISTINCT shop_id FROM (SELECT shop_id FROM bi_chats UNION ALL SELECT shop_id FROM bi_messages UNION DISTINCT SELECT shop_id FROM bi_agent_daily) ORDER BY shop_id",
        "WITH c AS (SELECT * FROM bi_chats), d AS (SELECT shop_id FROM c) SELECT DISTINCT shop_id FROM d ORDER BY shop_id",
        "WITH bi_chats AS (SELECT * FROM {db}.bi_chats) SELECT DISTINCT shop_id FROM bi_chats ORDER BY shop_id",
        "SELECT DISTINCT shop_id FROM bi_shop_daily WHERE shop_id IN (SELECT shop_id FROM bi_chats) ORDER BY shop_id",
        "SELECT DISTINCT shop_id FROM bi_shop_daily WHERE shop_id NOT IN (SELECT 'nobody') ORDER BY shop_id",
        "SELECT DISTINCT shop_id FROM {db}.bi_messages WHERE chat_id GLOBAL IN (SELECT chat_id FROM {db}.bi_chats) ORDER BY shop_id",
        "SELECT arrayJoin((SELECT groupUniqArray(shop_id) FROM bi_chats)) AS s GROUP BY s ORDER BY s",
        "SELECT shop_id FROM bi_chats INTERSECT SELECT shop_id FROM bi_shop_daily ORDER BY shop_id",
        "SELECT DISTINCT shop_id FROM bi_tag_daily AS t INNER JOIN (SELECT shop_id AS s FROM bi_chats) AS c ON t.shop_id = c.s ORDER BY shop_id",
    };

    [Theory]
    [MemberData(nameof(ShopsSeen))]
    public async Task A_shop_key_sees_only_its_shops_and_a_platform_key_sees_all(string sql)
    {
        var text = sql.Replace("{db}", bi.Database.Name, StringComparison.Ordinal);
        var shopA = await bi.TextAsync(s_shopA, text);
        var shopsAc = await bi.TextAsync(BiRunnerFixture.Shops(BiRunnerFixture.ShopA, BiRunnerFixture.ShopC), text);
        var none = await bi.TextAsync(BiRunnerFixture.Shops(), text);
        var all = await bi.TextAsync(BiRunnerFixture.Platform, text);

        Assert.Equal("shop-a\n", shopA);
        Assert.Equal("shop-a\nshop-c\n", shopsAc);
        Assert.Equal("", none);
        Assert.Equal("shop-a\nshop-b\nshop-c\n", all);
    }

    [Fact]
    public async Task A_shop_key_sees_exactly_its_rows_and_aggregates_of_them()
    {
        Assert.Equal("shop-a\ta1\nshop-a\ta2\nshop-a\ta3\n", await bi.TextAsync(s_shopA, "SELECT shop_id, chat_id FROM bi_chats ORDER BY chat_id"));
        Assert.Equal("blue\t1\nred\t2\n", await bi.TextAsync(s_shopA, "SELECT tag, sum(chats) FROM bi_tag_daily GROUP BY tag ORDER BY tag"));
        Assert.Equal("3\t3\n", await bi.TextAsync(s_shopA, "SELECT count(), uniqExact(chat_id) FROM bi_chats AS a INNER JOIN bi_chats AS b USING (chat_id)"));
        Assert.Equal("blue\t2\ngreen\t1\nred\t3\n", await bi.TextAsync(BiRunnerFixture.Platform, "SELECT tag, sum(chats) FROM bi_tag_daily GROUP BY tag ORDER BY tag"));
    }

    [Fact]
    public async Task System_tables_list_only_the_BI_views_of_the_service_database()
    {
        var views = string.Concat(BiViews.Names.Order(StringComparer.Ordinal).Select(name => name + "\n"));
        Assert.Equal(views, await bi.TextAsync(s_shopA, "SHOW TABLES"));
        Assert.Equal(views, await bi.TextAsync(s_shopA, "SELECT name FROM system.tables ORDER BY name"));
        Assert.Equal(views, await bi.TextAsync(s_shopA, "SELECT DISTINCT table FROM system.columns ORDER BY table"));
        Assert.Equal(bi.Database.Name + "\n", await bi.TextAsync(s_shopA, "SHOW DATABASES"));
        Assert.Equal(bi.Database.Name + "\n", await bi.TextAsync(s_shopA, "SELECT name FROM system.databases"));
        Assert.Equal("", await bi.TextAsync(s_shopA, "SHOW TABLES FROM system"));
        Assert.Equal(views, await bi.TextAsync(BiRunnerFixture.Platform, "SHOW TABLES"));
        var json = await bi.TextAsync(s_shopA, "SHOW TABLES FORMAT JSONEachRow", format: null);
        Assert.Equal(BiViews.Names.Order(StringComparer.Ordinal).Select(name => $"{{\"name\":\"{name}\"}}"), json.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task What_drivers_ask_when_they_connect_is_answered()
    {
        var engine = bi.Database.Store.Engine!;
        Assert.Equal($"{engine.EngineVersion}\t{bi.Database.Name}\t{engine.TimeZone}\t1\n", await bi.TextAsync(s_shopA, "SELECT version(), currentDatabase(), timezone(), 1 FROM system.one"));
        Assert.Equal("shop_id\tString\nchat_id\tString\ntag\tString\n", await bi.TextAsync(s_shopA, "SELECT name, type FROM system.columns WHERE table = 'bi_chats' ORDER BY position"));
        var described = await bi.TextAsync(s_shopA, $"DESCRIBE TABLE {bi.Database.Name}.bi_chats", "TSV");
        Assert.StartsWith("shop_id\tString", described, StringComparison.Ordinal);
        Assert.Equal("[{\"s\":\"shop-a\"}]", Compact(await bi.TextAsync(s_shopA, "SELECT DISTINCT shop_id AS s FROM bi_chats FORMAT JSONEachRow")));
    }

    [Fact]
    public async Task Parameters_are_bound_by_the_engine_and_the_scope_still_holds()
    {
        var text = await bi.TextAsync(s_shopA, "SELECT count() FROM bi_chats WHERE shop_id = {shop:String} OR tag = {tag:String}", parameters: [new("shop", "shop-b"), new("tag", "red")]);
        Assert.Equal("2\n", text);
    }

    [Fact]
    public async Task Hostile_shop_ids_scope_exactly_their_own_rows()
    {
        string[] hostile = ["o'brien", @"back\slash", "line\nbreak", "x') OR 1 OR shop_id IN ('y", @"\'", "plain"];
        await using var database = await TestDatabase.CreateAsync(ClickHouseLane.Embedded, "bi hostile ids");
        await database.Client.ExecuteNonQueryAsync("CREATE TABLE settled_chats (shop_id String, chat_id String) ENGINE = MergeTree ORDER BY shop_id");
        await database.Client.ExecuteNonQueryAsync("CREATE VIEW bi_chats AS SELECT shop_id, chat_id FROM settled_chats");
        await database.Client.InsertBinaryAsync("settled_chats", ["shop_id", "chat_id"], hostile.Select((shop, i) => new object[] { shop, $"c{i}" }));
        using var client = new BiSqlClient(database.Store, Microsoft.Extensions.Options.Options.Create(new BiSqlOptions()), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var catalog = new BiCatalog(client);
        var runner = new BiQueryRunner(client, new BiQueryGuard(client, catalog), catalog);

        for (var i = 0; i < hostile.Length; i++)
        {
            await using var result = await runner.RunAsync(BiRunnerFixture.Shops(hostile[i]), BiRunnerFixture.Query("SELECT chat_id FROM bi_chats ORDER BY chat_id", "TSV"), CancellationToken.None);
            using var reader = new StreamReader(result.Body);
            Assert.Equal($"c{i}\n", await reader.ReadToEndAsync());
        }
    }

    private static string Compact(string jsonLines) => "[" + string.Join(",", jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries)) + "]";
}
