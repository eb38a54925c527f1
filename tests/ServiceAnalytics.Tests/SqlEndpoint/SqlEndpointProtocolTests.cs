using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>
/// The SQL endpoint as plain HTTP sees it, before any statement runs: health answers, its own port only, credentials,
/// and malformed or oversized requests, each answered with ClickHouse's error format and status.
/// </summary>
public sealed class SqlEndpointProtocolTests(SqlEndpointFixture fixture) : IClassFixture<SqlEndpointFixture>
{
    [Fact]
    public async Task Ping_and_a_bare_get_answer_ok_without_credentials()
    {
        using var client = fixture.Anonymous();
        foreach (var path in new[] { "/ping", "/" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Ok.\n", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task The_endpoint_answers_only_on_its_port_and_the_services_routes_not_on_it()
    {
        using var sql = fixture.Basic("bi-all");
        using (var health = await sql.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
        }

        using (var rest = await sql.GetAsync("/v1/rollups/status"))
        {
            Assert.Equal(HttpStatusCode.NotFound, rest.StatusCode);
        }

        using var web = fixture.Host.CreateHttpClient();
        using (var ping = await web.GetAsync("/ping"))
        {
            Assert.Equal(HttpStatusCode.NotFound, ping.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/?query=SELECT%201") { Content = new StringContent("") };
        request.Headers.Authorization = sql.DefaultRequestHeaders.Authorization;
        using var query = await web.SendAsync(request);
        Assert.False(query.Headers.Contains("X-ClickHouse-Query-Id"));
        Assert.NotEqual(HttpStatusCode.OK, query.StatusCode);
    }

    public static TheoryData<string, string> RefusedCredentials => new()
    {
        { "none", "default: Authentication failed" },
        { "basic-wrong", "bi-all: Authentication failed" },
        { "headers-wrong", "bi-all: Authentication failed" },
        { "params-wrong", "bi-all: Authentication failed" },
        { "basic-and-params", "it is not allowed to use Authorization HTTP header and authentication via parameters simultaneously" },
        { "headers-and-basic", "it is not allowed to use X-ClickHouse HTTP headers and Authorization HTTP header simultaneously" },
        { "bearer", "'Bearer' HTTP Authorization scheme is not supported" },
        { "empty-user", "Got an empty user name from X-ClickHouse HTTP headers" },
    };

    [Theory]
    [MemberData(nameof(RefusedCredentials))]
    public async Task Missing_wrong_or_mixed_credentials_are_refused_as_authentication_failed(string how, string expected)
    {
        using var client = fixture.Anonymous();
        var key = SqlEndpointFixture.Key("bi-all");
        var query = "query=SELECT%201";
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("bi-all:wrong-" + key)));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        switch (how)
        {
            case "basic-wrong":
                request.Headers.Authorization = basic;
                break;
            case "headers-wrong":
                request.Headers.Add("X-ClickHouse-User", "bi-all");
                request.Headers.Add("X-ClickHouse-Key", key + "x");
                break;
            case "params-wrong":
                query += "&user=bi-all&password=nope";
                break;
            case "basic-and-params":
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("bi-all:" + key)));
                query += "&user=bi-all&password=" + Uri.EscapeDataString(key);
                break;
            case "headers-and-basic":
                request.Headers.Add("X-ClickHouse-User", "bi-all");
                request.Headers.Add("X-ClickHouse-Key", key);
                request.Headers.Authorization = basic;
                break;
            case "bearer":
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                break;
            case "empty-user":
                request.Headers.Add("X-ClickHouse-Key", key);
                break;
        }

        request.RequestUri = new Uri("/?" + query, UriKind.Relative);
        using var response = await client.SendAsync(request);
        var body = await ClickHouseAnswers.AssertErrorAsync(fixture.Host, response, HttpStatusCode.Forbidden, "AUTHENTICATION_FAILED");
        Assert.Contains(expected, body, StringComparison.Ordinal);
        Assert.DoesNotContain(key, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_key_without_the_bi_scope_is_refused_as_access_denied()
    {
        using var client = fixture.Basic("query-all");
        using var response = await client.GetAsync("/?query=SELECT%201");
        var body = await ClickHouseAnswers.AssertErrorAsync(fixture.Host, response, HttpStatusCode.Forbidden, "ACCESS_DENIED");
        Assert.Contains("'bi' scope", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_requests_are_refused_with_400_and_nothing_runs()
    {
        using var client = fixture.Basic("bi-all");
        using (var empty = await ClickHouseAnswers.PostAsync(client, "  \n"))
        {
            Assert.Contains("Empty query", await ClickHouseAnswers.AssertErrorAsync(fixture.Host, empty, HttpStatusCode.BadRequest, "SYNTAX_ERROR"), StringComparison.Ordinal);
        }

        using (var unknown = await client.PostAsync("/", Encoded("SELECT 1", "compress")))
        {
            Assert.Contains("'compress'", await ClickHouseAnswers.AssertErrorAsync(fixture.Host, unknown, HttpStatusCode.BadRequest, "BAD_ARGUMENTS"), StringComparison.Ordinal);
        }

        var notGzip = new ByteArrayContent(Encoding.UTF8.GetBytes("SELECT 1 is not gzip"));
        notGzip.Headers.ContentEncoding.Add("gzip");
        using (var corrupt = await client.PostAsync("/", notGzip))
        {
            await ClickHouseAnswers.AssertErrorAsync(fixture.Host, corrupt, HttpStatusCode.BadRequest, "CANNOT_DECOMPRESS");
        }

        using (var latin1 = await client.PostAsync("/", new ByteArrayContent([.. "SELECT '"u8, 0xE9, .. "'"u8])))
        {
            Assert.Contains("UTF-8", await ClickHouseAnswers.AssertErrorAsync(fixture.Host, latin1, HttpStatusCode.BadRequest, "BAD_ARGUMENTS"), StringComparison.Ordinal);
        }

        using (var put = await client.PutAsync("/?query=SELECT%201", new StringContent("")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        }
    }

    [Fact]
    public async Task Other_databases_and_native_compression_are_refused_by_name()
    {
        using var client = fixture.Basic("bi-all");
        using (var system = await ClickHouseAnswers.PostAsync(client, "SELECT 1", "database=system&query_id=q-db-1"))
        {
            Assert.Contains("'system'", await ClickHouseAnswers.AssertErrorAsync(fixture.Host, system, HttpStatusCode.NotFound, "UNKNOWN_DATABASE"), StringComparison.Ordinal);
            Assert.Equal("q-db-1", Assert.Single(system.Headers.GetValues("X-ClickHouse-Query-Id")));
        }

        foreach (var framed in new[] { "compress=1", "decompress=1" })
        {
            using var native = await ClickHouseAnswers.PostAsync(client, "SELECT 1", framed);
            await ClickHouseAnswers.AssertErrorAsync(fixture.Host, native, HttpStatusCode.NotImplemented, "NOT_IMPLEMENTED");
        }
    }

    [Fact]
    public async Task An_oversized_body_or_statement_is_refused_with_413()
    {
        using var client = fixture.Basic("bi-all");
        // 300 KiB sent as is: over MaxRequestBodyBytes (256 KiB), refused from its Content-Length.
        var statement = "SELECT 1 -- " + new string('x', 300 * 1024);
        using (var body = await ClickHouseAnswers.PostAsync(client, statement))
        {
            Assert.Contains("MaxRequestBodyBytes", await ClickHouseAnswers.AssertErrorAsync(fixture.Host, body, HttpStatusCode.RequestEntityTooLarge, "QUERY_IS_TOO_LARGE"), StringComparison.Ordinal);
        }

        // The same statement gzipped is a few hundred bytes on the wire but over MaxQueryBytes once decompressed.
        var gzipped = Encoded(statement, "gzip");
        Assert.True(gzipped.Headers.ContentLength < 4096);
        using (var text = await client.PostAsync("/", gzipped))
        {
            Assert.Contains("MaxQueryBytes", await ClickHouseAnswers.AssertErrorAsync(fixture.Host, text, HttpStatusCode.RequestEntityTooLarge, "QUERY_IS_TOO_LARGE"), StringComparison.Ordinal);
        }
    }

    /// <summary><paramref name="text"/> as a body with <c>Content-Encoding: <paramref name="encoding"/></c> (gzipped for gzip).</summary>
    internal static ByteArrayContent Encoded(string text, string encoding)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var buffer = new MemoryStream();
        // An encoding no ClickHouse client sends (the refusal tests') leaves the text as it is.
        if (Compressing(buffer, encoding) is { } compressing)
        {
            using (compressing)
            {
                compressing.Write(bytes);
            }

            bytes = buffer.ToArray();
        }

        var content = new ByteArrayContent(bytes);
        content.Headers.ContentEncoding.Add(encoding);
        content.Headers.ContentLength = bytes.Length;
        return content;
    }

    /// <summary>A stream that writes <paramref name="encoding"/> into <paramref name="buffer"/>, as ClickHouse clients compress a body.</summary>
    private static Stream? Compressing(MemoryStream buffer, string encoding) => encoding switch
    {
        "gzip" => new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true),
        "deflate" => new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true),
        "br" => new BrotliStream(buffer, CompressionLevel.Optimal, leaveOpen: true),
        "zstd" => ClickHouse.Driver.Compression.ZstdCompressor.Default.Compress(buffer, leaveOpen: true),
        "lz4" => ClickHouse.Driver.Compression.Lz4Compressor.Default.Compress(buffer, leaveOpen: true),
        _ => null,
    };
}
