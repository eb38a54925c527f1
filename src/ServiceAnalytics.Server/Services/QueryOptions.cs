using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Services;

/// <summary>Query service settings (configuration section <c>Query</c>), checked when the service starts (<see cref="QueryOptionsValidator"/>).</summary>
public sealed class QueryOptions
{
    public const string SectionName = "Query";

    /// <summary>
    /// Base64 key (at least 32 bytes) that signs page tokens. Default: none, and a random key is made per process,
    /// so tokens do not survive a restart or move between instances; set it when running several instances.
    /// </summary>
    public string? PageTokenKey { get; set; }

    /// <summary>
    /// Query RPCs answered at once (<see cref="QueryAdmission"/>): every read of <c>AnalyticsService</c>, whatever its
    /// door; <c>TransferChat</c> and <c>GetCaller</c> are not counted. The engine answers only so many statements at
    /// once (on the embedded engine, <c>Embedded:MaxConnections</c> less the one kept for rollups); more calls in flight
    /// would only wait there, each slower. Default: 4. Raise it with the cores of a ClickHouse server.
    /// </summary>
    public int MaxConcurrentQueries { get; set; } = 4;

    /// <summary>
    /// Query RPCs that may wait for their turn beyond <see cref="MaxConcurrentQueries"/>; a call past them is refused at
    /// once with RESOURCE_EXHAUSTED (HTTP 429). Default: 64.
    /// </summary>
    public int MaxQueuedQueries { get; set; } = 64;

    /// <summary>
    /// How long a query RPC waits for its turn before it is refused with RESOURCE_EXHAUSTED (HTTP 429) and a retry delay:
    /// under more calls than the engine answers, callers learn it within this time instead of waiting in a queue that
    /// only grows. Default: 1 s.
    /// </summary>
    public TimeSpan QueryQueueWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The bytes of <see cref="PageTokenKey"/>, or null when it is unset or not base64.</summary>
    internal byte[]? PageTokenKeyBytes()
    {
        if (string.IsNullOrEmpty(PageTokenKey))
        {
            return null;
        }

        var buffer = new byte[PageTokenKey.Length];
        return Convert.TryFromBase64String(PageTokenKey, buffer, out var length) ? buffer[..length] : null;
    }
}

/// <summary>
/// Checks <see cref="QueryOptions.PageTokenKey"/> (unset, or base64 of at least 32 bytes) and the ranges of the
/// admission settings.
/// </summary>
internal sealed class QueryOptionsValidator() : RangeValidator<QueryOptions>(QueryOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, QueryOptions options) => ranges
        .Check(string.IsNullOrEmpty(options.PageTokenKey) || options.PageTokenKeyBytes() is { Length: >= 32 },
            nameof(options.PageTokenKey), "must be unset, or base64 of at least 32 bytes")
        .Int(nameof(options.MaxConcurrentQueries), options.MaxConcurrentQueries, 1, 1024)
        .Int(nameof(options.MaxQueuedQueries), options.MaxQueuedQueries, 0, 100_000)
        .Duration(nameof(options.QueryQueueWait), options.QueryQueueWait, TimeSpan.Zero, TimeSpan.FromMinutes(5));
}
