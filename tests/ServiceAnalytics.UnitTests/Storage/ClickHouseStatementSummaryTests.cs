using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.UnitTests.Storage;

/// <summary>What a statement span says of a statement: its kind and table, never more, and nothing it cannot tell.</summary>
public sealed class ClickHouseStatementSummaryTests
{
    [Theory]
    [InlineData("SELECT count() FROM chat_facts WHERE shop_id = {shop:String}", "SELECT", "chat_facts")]
    [InlineData("  -- why\n/* and how */ select * from `db`.`settled_chats` final", "SELECT", "db.settled_chats")]
    [InlineData("WITH x AS (SELECT 1 FROM numbers(3)) SELECT * FROM (SELECT * FROM shop_daily_summary) AS s", "SELECT", "shop_daily_summary")]
    [InlineData("SELECT * FROM numbers(10)", "SELECT", null)]
    [InlineData("SELECT 1", "SELECT", null)]
    [InlineData("INSERT INTO message_facts (shop_id, chat_id) FORMAT RowBinary", "INSERT", "message_facts")]
    [InlineData("insert into table analytics.rollup_runs SELECT * FROM staging", "INSERT", "analytics.rollup_runs")]
    [InlineData("CREATE TABLE IF NOT EXISTS stage_1 ON CLUSTER c AS settled_chats", "CREATE", "stage_1")]
    [InlineData("DROP TABLE IF EXISTS stage_1", "DROP", "stage_1")]
    [InlineData("ALTER TABLE settled_chats REPLACE PARTITION 202601 FROM stage_1", "ALTER", "settled_chats")]
    [InlineData("EXCHANGE TABLES a AND b", "EXCHANGE", "a")]
    [InlineData("CREATE USER bi_reader IDENTIFIED WITH sha256_password BY 'secret'", "CREATE", null)]
    [InlineData("SYSTEM FLUSH LOGS", "SYSTEM", null)]
    [InlineData("AAAB FROM whatever", "OTHER", null)]
    [InlineData("Zzyzx_1234 SELECT 1", "OTHER", null)]
    [InlineData("", null, null)]
    [InlineData("   ", null, null)]
    public void Names_the_kind_and_the_table_when_the_statement_says(string sql, string? kind, string? table) =>
        Assert.Equal((kind, table), ClickHouseStatementSummary.Summarize(sql));
}
