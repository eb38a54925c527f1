using ServiceAnalytics.EmbeddedClickHouse;

namespace ServiceAnalytics.Tests.Storage;

public sealed class StatementBodyTests
{
    private static Task<StatementBody> Read(string? query, byte[] body) => StatementBody.ReadAsync(query, new MemoryStream(body), CancellationToken.None);

    [Fact]
    public async Task The_drivers_insert_line_is_split_from_binary_data()
    {
        byte[] data = [0, 1, 2, (byte)'\n', 255, 0];
        var body = Encoding.UTF8.GetBytes("INSERT INTO db.t (`a`, `b`) FORMAT RowBinary\n").Concat(data).ToArray();

        var insert = Assert.IsType<StatementBody.Insert>(await Read(null, body));

        Assert.Equal("INSERT INTO db.t (`a`, `b`)", insert.Statement);
        Assert.Equal("RowBinary", insert.Format);
        var rest = new MemoryStream();
        await insert.DataRest.CopyToAsync(rest);
        Assert.Equal(data, insert.DataPrefix.ToArray().Concat(rest.ToArray()));
    }

    [Fact]
    public async Task An_insert_header_may_span_lines_and_follow_whitespace()
    {
        var insert = Assert.IsType<StatementBody.Insert>(await Read(null, Encoding.UTF8.GetBytes("\n  insert into t\n(a)\nformat JSONEachRow\n{\"a\":1}\n")));

        Assert.Equal("insert into t\n(a)", insert.Statement);
        Assert.Equal("JSONEachRow", insert.Format);
        Assert.Equal("{\"a\":1}\n", Encoding.UTF8.GetString(insert.DataPrefix.Span));
    }

    [Theory]
    [InlineData("SELECT 'INSERT INTO t FORMAT TSV'\n")]
    [InlineData("INSERT INTO t VALUES (1)")]
    [InlineData("INSERT INTO t SELECT * FROM s")]
    [InlineData("CREATE TABLE t (format String) ENGINE = Memory")]
    public async Task Statements_without_inline_data_are_executed_whole(string sql)
    {
        var plain = Assert.IsType<StatementBody.Plain>(await Read(null, Encoding.UTF8.GetBytes(sql)));
        Assert.Equal(sql, Encoding.UTF8.GetString(plain.Sql.Span));
    }

    [Fact]
    public async Task The_query_parameter_comes_first_and_the_body_is_its_data()
    {
        var insert = Assert.IsType<StatementBody.Insert>(await Read("INSERT INTO t FORMAT TSV", Encoding.UTF8.GetBytes("1\n2\n")));

        Assert.Equal("INSERT INTO t", insert.Statement);
        var rest = new MemoryStream();
        await insert.DataRest.CopyToAsync(rest);
        Assert.Equal("1\n2\n", Encoding.UTF8.GetString([.. insert.DataPrefix.ToArray(), .. rest.ToArray()]));
    }
}
