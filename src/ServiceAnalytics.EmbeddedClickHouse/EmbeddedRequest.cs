using System.Collections.Specialized;
using System.Web;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// What a ClickHouse HTTP request asks for, read from its URL the way a ClickHouse server reads it: the database,
/// the output format, <c>param_*</c> query parameters (bound by the engine, never spliced into SQL), the settings
/// to apply, and an optional <c>query</c> that precedes the body.
/// </summary>
internal sealed class EmbeddedRequest
{
    /// <summary>URL parameters of the HTTP interface that are not settings of the engine.</summary>
    private static readonly HashSet<string> s_httpOnlyParameters = new(StringComparer.Ordinal)
    {
        "query", "database", "default_format", "query_id", "session_id", "session_timeout", "session_check",
        "compress", "decompress", "user", "password", "quota_key", "buffer_size", "wait_end_of_query", "role",
        "enable_http_compression", "http_zlib_compression_level", "http_native_compression_disable_checksumming_on_decompress",
    };

    private EmbeddedRequest(NameValueCollection query)
    {
        Database = NonEmpty(query["database"]) ?? "default";
        Format = NonEmpty(query["default_format"]) ?? "TabSeparated";
        QueryId = NonEmpty(query["query_id"]) ?? Guid.NewGuid().ToString();
        QueryText = NonEmpty(query["query"]);
        var parameters = new List<KeyValuePair<string, string>>();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in query.AllKeys)
        {
            if (key is null)
            {
                continue;
            }

            var value = query[key] ?? "";
            if (key.StartsWith("param_", StringComparison.Ordinal))
            {
                parameters.Add(new(key["param_".Length..], value));
            }
            else if (!s_httpOnlyParameters.Contains(key))
            {
                settings[key] = value;
            }
        }

        Parameters = parameters;
        Settings = settings;
    }

    public string Database { get; }

    public string Format { get; }

    public string QueryId { get; }

    /// <summary>The <c>query</c> URL parameter: the start of the statement, the body follows it.</summary>
    public string? QueryText { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; }

    public IReadOnlyDictionary<string, string> Settings { get; }

    public static EmbeddedRequest FromUri(Uri? uri) => new(HttpUtility.ParseQueryString(uri?.Query ?? ""));

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
