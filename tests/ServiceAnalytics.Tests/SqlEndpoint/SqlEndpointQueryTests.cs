using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using ClickHouse.Driver.Compression;

namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>
/// Statements over the SQL endpoint with plain HTTP, as <c>curl</c> sends them: each way of authenticating, the
/// formats BI drivers read (content checked), <c>param_*</c>, the query parameter and body together, compressed
/// requests and responses, the answer's headers, and the runner's refusals in ClickHouse's error format.
/// </summary>
public sealed class SqlEndpointQueryTests(SqlEndpointFixture fixture) : IClassFixture<SqlEndpointFixture>
{
    [Theory]
    [MemberData(nameof(FormatCases.Formats), MemberType = typeof(FormatCases))]
    public async Task Each_format_carries_the_rows_labelled_as_a_server_labels_them(string format)
    {
        using var client = fixture.Basic("bi-all");
        using var response = await ClickHouseAnswers.PostAsync(client, FormatCases.Statement, $"default_format={format}&query_id=fmt-{format}");
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        Assert.Equal(format, Assert.Single(response.Headers.GetValues("X-ClickHouse-Format")));
        Assert.Equal(FormatCases.ContentType(format), response.Content.Headers.ContentType?.ToString());
        Assert.Equal($"fmt-{format}", Assert.Single(response.Headers.GetValues("X-ClickHouse-Query-Id")));
        Assert.Equal("service-analytics", Assert.Single(response.Headers.GetValues("X-ClickHouse-Server-Display-Name")));
        Assert.False(string.IsNullOrEmpty(Assert.Single(response.Headers.GetValues("X-ClickHouse-Timezone"))));
        FormatCases.AssertRows(format, body);
    }

    [Fact]
    public async Task Every_way_of_presenting_the_key_is_accepted()
    {
        var key = SqlEndpointFixture.Key("bi-a");
        using var anonymous = fixture.Anonymous();
        using var basic = fixture.Basic("bi-a");
        using var headers = new HttpRequestMessage(HttpMethod.Get, "/?query=" + Uri.EscapeDataString("SELECT 'headers'"));
        headers.Headers.Add("X-ClickHouse-User", "bi-a");
        headers.Headers.Add("X-ClickHouse-Key", key);

        using var viaBasic = await basic.GetAsync("/?query=" + Uri.EscapeDataString("SELECT 'basic'"));
        using var viaHeaders = await anonymous.SendAsync(headers);
        // With the parameters of the exchange a server takes and that change nothing here (results always stream).
        using var viaUrl = await anonymous.GetAsync($"/?user=bi-a&password={Uri.EscapeDataString(key)}&wait_end_of_query=1&send_progress_in_http_headers=1&session_id=s1&session_timeout=60&query={Uri.EscapeDataString("SELECT 'url'")}");

        Assert.Equal("basic\n", await viaBasic.Content.ReadAsStringAsync());
        Assert.Equal("headers\n", await viaHeaders.Content.ReadAsStringAsync());
        Assert.Equal("url\n", await viaUrl.Content.ReadAsStringAsync());
        Assert.Equal("TabSeparated", Assert.Single(viaUrl.Headers.GetValues("X-ClickHouse-Format")));
    }

    [Fact]
    public async Task Parameters_are_bound_by_the_engine_and_the_query_parameter_precedes_the_body()
    {
        using var client = fixture.Basic("bi-all");
        var query = "param_a=41&param_s=" + Uri.EscapeDataString("it's \"x\"") + "&query=" + Uri.EscapeDataString("SELECT {a:UInt32} + 1 AS n, {s:String} AS s");
        using (var bound = await ClickHouseAnswers.PostAsync(client, "FORMAT JSONEachRow", query))
        {
            Assert.True(bound.StatusCode == HttpStatusCode.OK, await bound.Content.ReadAsStringAsync());
            Assert.Equal("{\"n\":42,\"s\":\"it's \\\"x\\\"\"}\n", await bound.Content.ReadAsStringAsync());
        }

        using var get = await client.GetAsync("/?default_format=CSV&" + query);
        Assert.Equal("42,\"it's \"\"x\"\"\"\n", await get.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Request_bodies_in_every_encoding_are_read_and_responses_are_compressed_only_when_asked()
    {
        using var client = fixture.Basic("bi-all");
        foreach (var encoding in new[] { "gzip", "deflate", "br", "zstd", "lz4" })
        {
            using var compressed = await client.PostAsync("/?default_format=TSV", SqlEndpointProtocolTests.Encoded("SELECT 7 AS n", encoding));
            Assert.True("7\n" == await compressed.Content.ReadAsStringAsync(), $"a request body in {encoding}");
        }

        foreach (var encoding in new[] { "gzip", "zstd", "br", "deflate", "lz4" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/?enable_http_compression=1&default_format=TabSeparatedWithNamesAndTypes")
            {
                Content = new StringContent(FormatCases.Statement),
            };
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            Assert.Equal(encoding, Assert.Single(response.Content.Headers.ContentEncoding));
            await using var decoded = Decode(await response.Content.ReadAsStreamAsync(), encoding);
            using var text = new MemoryStream();
            await decoded.CopyToAsync(text);
            FormatCases.AssertRows("TabSeparatedWithNamesAndTypes", text.ToArray());
        }

        using var plain = new HttpRequestMessage(HttpMethod.Post, "/?default_format=TSV") { Content = new StringContent("SELECT 8") };
        plain.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var uncompressed = await client.SendAsync(plain);
        Assert.Empty(uncompressed.Content.Headers.ContentEncoding);
        Assert.Equal("8\n", await uncompressed.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, HttpStatusCode, string> Refusals => new()
    {
        { "SELEC 1", HttpStatusCode.BadRequest, "SYNTAX_ERROR" },
        { "SELECT 1; SELECT 2", HttpStatusCode.BadRequest, "SYNTAX_ERROR" },
        // A read-only server refuses writes with READONLY, which ClickHouse answers with 500.
        { "INSERT INTO bi_chats SELECT * FROM bi_chats", HttpStatusCode.InternalServerError, "READONLY" },
        { "DROP TABLE bi_chats", HttpStatusCode.InternalServerError, "READONLY" },
        { "SELECT * FROM file('/etc/hostname', 'LineAsString')", HttpStatusCode.Forbidden, "ACCESS_DENIED" },
        { "SELECT * FROM chat_starts", HttpStatusCode.Forbidden, "ACCESS_DENIED" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task The_runners_refusals_come_back_in_clickhouses_error_format(string sql, HttpStatusCode status, string name)
    {
        using var client = fixture.Basic("bi-a");
        using var response = await ClickHouseAnswers.PostAsync(client, sql, "query_id=refused-1");
        await ClickHouseAnswers.AssertErrorAsync(fixture.Host, response, status, name);
        Assert.Equal("refused-1", Assert.Single(response.Headers.GetValues("X-ClickHouse-Query-Id")));
        Assert.False(response.Headers.Contains("X-ClickHouse-Format"));
    }

    [Fact]
    public async Task A_setting_that_is_not_an_output_option_is_refused_as_readonly()
    {
        using var client = fixture.Basic("bi-all");
        using var response = await ClickHouseAnswers.PostAsync(client, "SELECT 1", "max_result_rows=0");
        var body = await ClickHouseAnswers.AssertErrorAsync(fixture.Host, response, HttpStatusCode.InternalServerError, "READONLY");
        Assert.Contains("max_result_rows", body, StringComparison.Ordinal);
    }

    private static Stream Decode(Stream body, string encoding) => encoding switch
    {
        "gzip" => new GZipStream(body, CompressionMode.Decompress),
        "deflate" => new ZLibStream(body, CompressionMode.Decompress),
        "br" => new BrotliStream(body, CompressionMode.Decompress),
        "zstd" => ZstdCompressor.Default.Decompress(body, leaveOpen: false),
        _ => Lz4Compressor.Default.Decompress(body, leaveOpen: false),
    };
}
