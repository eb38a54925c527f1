using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using ClickHouse.Driver.ADO.Parameters;
using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>
/// ClickHouse.Driver, a client nobody here wrote, pointed at the SQL endpoint as a BI user points it at a server:
/// host, port, user and password (the API key), database. With its defaults: HTTP compression of responses on.
/// </summary>
public sealed class DriverClientTests(SqlEndpointFixture fixture) : IClassFixture<SqlEndpointFixture>
{
    [Fact]
    public async Task It_connects_and_reads_what_drivers_ask_on_connecting()
    {
        using var client = Client("bi-a");
        Assert.True(await client.PingAsync());
        Assert.False(string.IsNullOrEmpty((string?)await client.ExecuteScalarAsync("SELECT version()")));
        Assert.Equal(fixture.Host.Database, await client.ExecuteScalarAsync("SELECT currentDatabase()"));
    }

    [Fact]
    public async Task It_lists_exactly_the_bi_views()
    {
        using var client = Client("bi-a");
        using var reader = await client.ExecuteReaderAsync("SHOW TABLES");
        var tables = new List<string>();
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }

        Assert.Equal(BiViews.Names.Order(StringComparer.Ordinal), tables.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_parameterized_select_is_read_through_its_reader()
    {
        using var client = Client("bi-all");
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("first", 40);
        parameters.AddParameter("label", "it's");
        using var reader = await client.ExecuteReaderAsync(
            "SELECT {first:Int32} + number AS n, concat({label:String}, toString(number)) AS s FROM (SELECT arrayJoin([1, 2]) AS number)", parameters);
        var rows = new List<(int, string)>();
        while (reader.Read())
        {
            rows.Add((Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1)));
        }

        Assert.Equal([(41, "it's1"), (42, "it's2")], rows);
    }

    [Fact]
    public async Task A_parameterized_select_over_a_view_reads_the_keys_shop_only()
    {
        await fixture.Host.Store.Client.ExecuteNonQueryAsync("""
            INSERT INTO settled_chats (shop_id, day, chat_id, received, stars) VALUES
                ('sql-shop-a', '2026-02-01', 'a1', true, 5), ('sql-shop-a', '2026-02-02', 'a2', true, 2),
                ('sql-shop-a', '2026-02-02', 'a3', true, 4), ('sql-shop-a', '2026-01-31', 'a0', true, 5),
                ('sql-shop-b', '2026-02-02', 'b1', true, 5)
            """);
        using var client = Client("bi-a");
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("from", new DateOnly(2026, 2, 1));
        parameters.AddParameter("stars", 4);
        using var reader = await client.ExecuteReaderAsync(
            "SELECT toString(day) AS local_day, count() AS chats, countIf(stars >= {stars:UInt8}) AS rated_well FROM bi_chats WHERE day >= {from:Date} GROUP BY local_day ORDER BY local_day",
            parameters);
        var rows = new List<(string, ulong, ulong)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), Convert.ToUInt64(reader.GetValue(1), CultureInfo.InvariantCulture), Convert.ToUInt64(reader.GetValue(2), CultureInfo.InvariantCulture)));
        }

        // Shop B's chat of 2026-02-02 is not the key's; shop A's of 2026-01-31 is before the period.
        Assert.Equal([("2026-02-01", 1UL, 1UL), ("2026-02-02", 2UL, 1UL)], rows);
    }

    [Theory]
    [MemberData(nameof(FormatCases.Formats), MemberType = typeof(FormatCases))]
    public async Task Each_format_is_read_through_its_raw_result(string format)
    {
        using var client = Client("bi-all");
        using var result = await client.ExecuteRawResultAsync($"{FormatCases.Statement} FORMAT {format}");
        await using var body = await result.ReadDecompressedStreamAsync();
        using var bytes = new MemoryStream();
        await body.CopyToAsync(bytes);
        FormatCases.AssertRows(format, bytes.ToArray());
    }

    [Fact]
    public async Task A_refusal_reaches_the_driver_as_a_server_exception_with_its_code()
    {
        using var client = Client("bi-a");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.ExecuteScalarAsync("SELECT * FROM file('/etc/hostname', 'LineAsString')"));
        Assert.Contains("(ACCESS_DENIED)", error.Message, StringComparison.Ordinal);
        var wrong = new ClickHouseClient(Settings("bi-a", "not-the-key"));
        using (wrong)
        {
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => wrong.ExecuteScalarAsync("SELECT 1"));
            Assert.Contains("(AUTHENTICATION_FAILED)", refused.Message, StringComparison.Ordinal);
        }
    }

    private ClickHouseClient Client(string key) => new(Settings(key, SqlEndpointFixture.Key(key)));

    private ClickHouseClientSettings Settings(string user, string password) => new()
    {
        Host = fixture.SqlAddress.Host,
        Port = (ushort)fixture.SqlAddress.Port,
        Protocol = "http",
        Username = user,
        Password = password,
        Database = fixture.Host.Database,
    };
}
