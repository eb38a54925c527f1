using System.Text;
using Microsoft.AspNetCore.Http.Features;
using ServiceAnalytics.EmbeddedClickHouse;
using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Server.SqlEndpoint;

/// <summary>
/// One request to the SQL endpoint read as ClickHouse's HTTP interface reads it: the statement is the <c>query</c>
/// URL parameter, a line feed and the (decompressed) body; <c>database</c> (only the service's), <c>default_format</c>,
/// <c>param_*</c> as named (the <c>query_id</c>, or a new one, comes from the handler, which labels every answer with it); the parameters of the HTTP exchange itself (credentials, compression,
/// progress headers, sessions) taken here; ClickHouse's native compression refused; every other URL parameter is a
/// setting for the runner to accept or refuse.
/// </summary>
internal sealed record SqlRequest(BiQuery Query, bool CompressResponse, int ZlibLevel)
{
    /// <summary>
    /// URL parameters of the exchange, not of the statement: credentials, and what a server does with its HTTP buffers,
    /// progress headers and sessions, accepted and ignored: the endpoint always streams, sends no progress, and runs
    /// each statement alone (a session would only carry SET and temporary tables, both refused; clients such as
    /// clickhouse-connect send a session id unasked).
    /// </summary>
    private static readonly HashSet<string> s_exchange = new(StringComparer.Ordinal)
    {
        "query", "database", "default_format", "query_id", "user", "password", "quota_key",
        "session_id", "session_timeout", "session_check",
        "enable_http_compression", "http_zlib_compression_level", "compress", "decompress",
        "wait_end_of_query", "http_wait_end_of_query", "buffer_size", "http_response_buffer_size",
        "send_progress_in_http_headers", "http_headers_progress_interval_ms", "cancel_http_readonly_queries_on_client_close",
    };

    private static readonly UTF8Encoding s_strictUtf8 = new(false, true);

    /// <summary>Reads the request, or throws the ClickHouse error a malformed or oversized one gets.</summary>
    public static async Task<SqlRequest> ReadAsync(HttpContext context, SqlEndpointOptions options, string database, string queryId)
    {
        var url = context.Request.Query;
        if (url["database"].FirstOrDefault() is { Length: > 0 } named && named != database)
        {
            throw ClickHouseErrors.Of("UNKNOWN_DATABASE", $"Database {Quoted(named)} does not exist or is not open to BI callers: the SQL endpoint serves the database {Quoted(database)} only");
        }

        // ClickHouse's own framed compression (compress=1, decompress=1) is not spoken: HTTP compression is (docs).
        foreach (var framed in new[] { "compress", "decompress" })
        {
            if (url[framed].FirstOrDefault() is { } value && value != "0")
            {
                throw ClickHouseErrors.Of("NOT_IMPLEMENTED", $"The '{framed}' parameter (ClickHouse's native compression) is not supported by this endpoint: use HTTP compression (Content-Encoding; enable_http_compression=1 with Accept-Encoding)");
            }
        }

        var sql = await ReadStatementAsync(context, url["query"].FirstOrDefault() ?? "", options);
        var parameters = url.Where(p => p.Key.StartsWith("param_", StringComparison.Ordinal) && p.Key.Length > 6)
            .Select(p => KeyValuePair.Create(p.Key[6..], p.Value.ToString())).ToList();
        var settings = url.Where(p => !s_exchange.Contains(p.Key) && !p.Key.StartsWith("param_", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        var format = url["default_format"].FirstOrDefault() is { Length: > 0 } f ? f : null;
        var level = url["http_zlib_compression_level"].FirstOrDefault() is { } text ? ParseZlibLevel(text) : 3;
        return new SqlRequest(new BiQuery(sql, parameters, format, queryId, settings), url["enable_http_compression"].FirstOrDefault() == "1", level);
    }

    /// <summary>The statement text: the <c>query</c> parameter, then a line feed and the body when there is one.</summary>
    private static async Task<string> ReadStatementAsync(HttpContext context, string fromUrl, SqlEndpointOptions options)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = options.MaxRequestBodyBytes;
        }

        var limit = options.MaxQueryBytes;
        var text = new MemoryStream();
        if (fromUrl.Length > 0)
        {
            text.Write(Encoding.UTF8.GetBytes(fromUrl + "\n"));
        }

        Stream body;
        try
        {
            body = RequestBodyEncodings.Decode(context.Request.Body, context.Request.Headers.ContentEncoding.LastOrDefault());
        }
        catch (EmbeddedEngineException error)
        {
            throw new BiSqlException(error.Code, "BAD_ARGUMENTS", error.Message);
        }

        await using (body)
        {
            await CopyBoundedAsync(body, text, limit, context.RequestAborted);
        }

        if (text.Length > limit)
        {
            throw TooLarge($"the statement is over {limit} bytes (SqlEndpoint:MaxQueryBytes)");
        }

        try
        {
            var sql = s_strictUtf8.GetString(text.GetBuffer(), 0, (int)text.Length);
            return sql.Trim().Length > 0 ? sql : throw ClickHouseErrors.Of("SYNTAX_ERROR", "Empty query");
        }
        catch (DecoderFallbackException)
        {
            throw ClickHouseErrors.Of("BAD_ARGUMENTS", "The query is not valid UTF-8");
        }
    }

    /// <summary>Copies up to one byte over <paramref name="limit"/>, so an oversized statement is known without reading it all.</summary>
    private static async Task CopyBoundedAsync(Stream body, MemoryStream text, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while (text.Length <= limit && (read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                text.Write(buffer, 0, read);
            }
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge("the request body is over SqlEndpoint:MaxRequestBodyBytes");
        }
        catch (InvalidDataException error)
        {
            throw ClickHouseErrors.Of("CANNOT_DECOMPRESS", $"Cannot decompress the request body: {error.Message}");
        }
    }

    private static BiSqlException TooLarge(string why) => ClickHouseErrors.Of("QUERY_IS_TOO_LARGE", $"Query is too large: {why}");

    private static int ParseZlibLevel(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var level) && level is >= 1 and <= 9
            ? level
            : throw ClickHouseErrors.Of("BAD_ARGUMENTS", "http_zlib_compression_level must be 1 to 9");

    private static string Quoted(string name) => "'" + new string([.. name.Take(64).Select(c => char.IsControl(c) ? '?' : c)]) + "'";
}
