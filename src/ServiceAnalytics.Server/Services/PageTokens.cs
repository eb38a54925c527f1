using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Storage.Queries;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// Keyset page tokens: the shop and the last row's position, bound by an HMAC to the request that produced it (shop,
/// period, filters), so a token cannot be forged, altered or replayed with other filters. The shop is readable
/// without the key (<see cref="ShopOf"/>) so authorization can refuse another shop's token before the request runs.
/// </summary>
public sealed class PageTokens(IOptions<QueryOptions> options)
{
    private const int MacBytes = 16;

    // The key is checked at start-up (QueryOptionsValidator): set, it is base64 of at least 32 bytes.
    private readonly byte[] _key = options.Value.PageTokenKeyBytes() ?? RandomNumberGenerator.GetBytes(32);

    // Payload: shop length (2 bytes), shop (UTF-8), received-at ticks (8 bytes), chat id (UTF-8); then the MAC.
    public string Issue(string shopId, ChatListCursor cursor, string requestFingerprint)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var shop = Encoding.UTF8.GetBytes(shopId);
        var chat = Encoding.UTF8.GetBytes(cursor.ChatId);
        var payload = new byte[2 + shop.Length + 8 + chat.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(payload, checked((ushort)shop.Length));
        shop.CopyTo(payload, 2);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(2 + shop.Length), cursor.ReceivedAt.Ticks);
        chat.CopyTo(payload, 2 + shop.Length + 8);
        return Base64Url([.. payload, .. Mac(payload, requestFingerprint)]);
    }

    /// <summary>The cursor in <paramref name="token"/>, or null when it is not a token this service issued for this request.</summary>
    public ChatListCursor? Read(string token, string requestFingerprint)
    {
        if (Decode(token) is not { } bytes || ShopLength(bytes) is not { } shopLength || bytes.Length < 2 + shopLength + 8 + MacBytes)
        {
            return null;
        }

        var payload = bytes[..^MacBytes];
        if (!CryptographicOperations.FixedTimeEquals(bytes[^MacBytes..], Mac(payload, requestFingerprint)))
        {
            return null;
        }

        var cursorStart = 2 + shopLength;
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(cursorStart));
        return ticks is < 0 || ticks > DateTime.MaxValue.Ticks
            ? null
            : new ChatListCursor(new DateTime(ticks, DateTimeKind.Utc), Encoding.UTF8.GetString(payload, cursorStart + 8, payload.Length - cursorStart - 8));
    }

    /// <summary>
    /// The shop a token says it was issued for, unverified (the MAC needs the whole request), or null when it is not
    /// shaped like a token. Good for refusing, never for granting: a request runs only once <see cref="Read"/> verifies it.
    /// </summary>
    public static string? ShopOf(string token)
    {
        if (Decode(token) is not { } bytes || ShopLength(bytes) is not { } shopLength || bytes.Length < 2 + shopLength + 8 + MacBytes)
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 2, shopLength);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The identity a list request's tokens are bound to: the shop, the period and every filter, each list behind
    /// its count, so a token cannot move to other filters. An unambiguous text: each value length-prefixed, each
    /// list sorted (the order of a filter's values does not change its rows).
    /// </summary>
    public static string Fingerprint(ListChatsRequest request, ChatListFilter filter)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(filter);
        IReadOnlyList<string>[] lists =
        [
            filter.ChatTypes, filter.Tags, filter.Agents, filter.Statuses, filter.HandledBy,
            [.. filter.Ratings.Select(r => r.ToString(CultureInfo.InvariantCulture))], filter.InquiryOutcomes, filter.InquiryAgents,
            filter.TransferDirections, filter.TransferAgents,
        ];
        var text = new StringBuilder();
        foreach (var value in new[] { request.ShopId, request.FirstDay, request.LastDay, filter.CustomerId }
            .Concat(lists.SelectMany(list => list.Order(StringComparer.Ordinal).Prepend(list.Count.ToString(CultureInfo.InvariantCulture)))))
        {
            text.Append(value.Length).Append(':').Append(value);
        }

        return text.ToString();
    }

    private static byte[]? Decode(string token)
    {
        try
        {
            return Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (token.Length % 4)) % 4));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static int? ShopLength(byte[] bytes) => bytes.Length < 2 ? null : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    private byte[] Mac(byte[] payload, string requestFingerprint) =>
        HMACSHA256.HashData(_key, (byte[])[.. Encoding.UTF8.GetBytes(requestFingerprint), 0, .. payload])[..MacBytes];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
