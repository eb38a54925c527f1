using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Metrics;

namespace ServiceAnalytics.Server.Services;

/// <summary>Query service settings (configuration section <c>Query</c>).</summary>
public sealed class QueryOptions
{
    public const string SectionName = "Query";

    /// <summary>
    /// Base64 key (at least 32 bytes) that signs page tokens. Default: none, and a random key is made per process,
    /// so tokens do not survive a restart or move between instances; set it when running several instances.
    /// </summary>
    public string? PageTokenKey { get; set; }
}

/// <summary>
/// Keyset page tokens: the last row's position, bound by an HMAC to the request that produced it (shop, period,
/// filters), so a token cannot be forged, altered or replayed with other filters.
/// </summary>
public sealed class PageTokens(IOptions<QueryOptions> options)
{
    private const int MacBytes = 16;

    private readonly byte[] _key = options.Value.PageTokenKey is { Length: > 0 } configured
        ? Convert.FromBase64String(configured)
        : RandomNumberGenerator.GetBytes(32);

    public string Issue(ChatListCursor cursor, string requestFingerprint)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var chat = Encoding.UTF8.GetBytes(cursor.ChatId);
        var payload = new byte[8 + chat.Length];
        BinaryPrimitives.WriteInt64LittleEndian(payload, cursor.ReceivedAt.Ticks);
        chat.CopyTo(payload, 8);
        return Base64Url([.. payload, .. Mac(payload, requestFingerprint)]);
    }

    /// <summary>The cursor in <paramref name="token"/>, or null when it is not a token this service issued for this request.</summary>
    public ChatListCursor? Read(string token, string requestFingerprint)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (token.Length % 4)) % 4));
        }
        catch (FormatException)
        {
            return null;
        }

        if (bytes.Length < 8 + MacBytes)
        {
            return null;
        }

        var payload = bytes[..^MacBytes];
        if (!CryptographicOperations.FixedTimeEquals(bytes[^MacBytes..], Mac(payload, requestFingerprint)))
        {
            return null;
        }

        var ticks = BinaryPrimitives.ReadInt64LittleEndian(payload);
        return ticks is < 0 || ticks > DateTime.MaxValue.Ticks
            ? null
            : new ChatListCursor(new DateTime(ticks, DateTimeKind.Utc), Encoding.UTF8.GetString(payload, 8, payload.Length - 8));
    }

    private byte[] Mac(byte[] payload, string requestFingerprint) =>
        HMACSHA256.HashData(_key, (byte[])[.. Encoding.UTF8.GetBytes(requestFingerprint), 0, .. payload])[..MacBytes];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
