using System.Net;
using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>Through the endpoint, end to end: a key of one shop sees that shop's rows in every view, the platform key every shop's.</summary>
public sealed class SqlEndpointTenancyTests(SqlEndpointFixture fixture) : IClassFixture<SqlEndpointFixture>
{
    [Fact]
    public async Task Every_view_shows_a_shop_key_its_shop_only_and_the_platform_key_both()
    {
        // One row per shop in every table the views read; shop A has two chats on two days (two tag-day rows).
        string[] rows =
        [
            "INSERT INTO settled_chats (shop_id, day, chat_id, received, tags) VALUES ('sql-shop-a', '2026-01-01', 'a1', true, ['vip']), ('sql-shop-a', '2026-01-02', 'a2', true, ['vip']), ('sql-shop-b', '2026-01-01', 'b1', true, ['vip'])",
            "INSERT INTO shop_daily_summary (shop_id, day, chats_received) VALUES ('sql-shop-a', '2026-01-01', 1), ('sql-shop-b', '2026-01-01', 1)",
            "INSERT INTO agent_daily_summary (shop_id, day, agent_id) VALUES ('sql-shop-a', '2026-01-01', 'ann'), ('sql-shop-b', '2026-01-01', 'bob')",
            "INSERT INTO agents (shop_id, agent_id, event_id, display_name) VALUES ('sql-shop-a', 'ann', 'e1', 'Ann A'), ('sql-shop-b', 'bob', 'e2', 'Bob B')",
            "INSERT INTO chat_messages (shop_id, chat_id, event_id) VALUES ('sql-shop-a', 'a1', 'm1'), ('sql-shop-b', 'b1', 'm2')",
            "INSERT INTO rollup_runs (run_id, started_at, arrivals_through, error) VALUES ('r1', '2026-01-03 00:00:00', '2026-01-02 23:00:00', '')",
        ];
        foreach (var statement in rows)
        {
            await fixture.Host.Store.Client.ExecuteNonQueryAsync(statement);
        }

        using var shopA = fixture.Basic("bi-a");
        using var platform = fixture.Basic("bi-all");
        foreach (var view in BiViews.Names)
        {
            var sql = $"SELECT shop_id, count() FROM {view} GROUP BY shop_id ORDER BY shop_id";
            var expectedA = view is BiViews.Chats or BiViews.TagDaily ? "sql-shop-a\t2\n" : "sql-shop-a\t1\n";
            Assert.Equal(expectedA, await TextAsync(shopA, sql));
            Assert.Equal(expectedA + "sql-shop-b\t1\n", await TextAsync(platform, sql));
        }

        // A join, a subquery and a UNION do not reach shop B either.
        Assert.Equal("0\n", await TextAsync(shopA, "SELECT count() FROM (SELECT shop_id FROM bi_chats UNION ALL SELECT shop_id FROM bi_messages) WHERE shop_id = 'sql-shop-b'"));
        Assert.Equal("0\n", await TextAsync(shopA, "SELECT count() FROM bi_chats AS c INNER JOIN bi_messages AS m ON c.chat_id = m.chat_id WHERE m.shop_id = 'sql-shop-b'"));
    }

    private static async Task<string> TextAsync(HttpClient client, string sql)
    {
        using var response = await ClickHouseAnswers.PostAsync(client, sql, "default_format=TSV");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return body;
    }
}
