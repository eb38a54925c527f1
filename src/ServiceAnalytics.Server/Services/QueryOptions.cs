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

/// <summary>Checks <see cref="QueryOptions.PageTokenKey"/>: unset, or base64 of at least 32 bytes.</summary>
internal sealed class QueryOptionsValidator() : RangeValidator<QueryOptions>(QueryOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, QueryOptions options) => ranges
        .Check(string.IsNullOrEmpty(options.PageTokenKey) || options.PageTokenKeyBytes() is { Length: >= 32 },
            nameof(options.PageTokenKey), "must be unset, or base64 of at least 32 bytes");
}
