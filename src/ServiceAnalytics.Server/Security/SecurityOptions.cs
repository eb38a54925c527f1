namespace ServiceAnalytics.Server.Security;

/// <summary>
/// Who may call the service and how much (section <c>Security</c>; docs/security.md). The ranges are checked when
/// the service starts (<see cref="SecurityOptionsValidator"/>).
/// </summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>API keys, several valid at once so they can be rotated. Default: none.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>JWT bearer tokens of shop-facing apps; off while <see cref="JwtOptions.Issuer"/> is unset.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>Calls each caller may make per second, sustained. Default: 50; 1 to 1,000,000.</summary>
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>Calls a caller may make in a burst above <see cref="RequestsPerSecond"/>. Default: 100; 1 to 1,000,000.</summary>
    public int RequestBurst { get; set; } = 100;

    /// <summary>
    /// Where the development key is kept when no key or issuer is configured and the service listens on loopback
    /// only. Default: <c>data/dev-api-key</c>; a relative path resolves against the working directory, like the data
    /// folder (<see cref="Hosting.ServiceAnalyticsApp.ContentRoot"/> says why).
    /// </summary>
    public string DevelopmentKeyPath { get; set; } = "data/dev-api-key";

    /// <summary>
    /// Allows plaintext HTTP/2 on a non-loopback address (behind a TLS-terminating proxy only: keys and tokens
    /// travel in headers). Default: false, and such a bind refuses to start.
    /// </summary>
    public bool AllowPlaintextOnNetwork { get; set; }
}

/// <summary>One API key, stored as the SHA-256 of the key (never the key).</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Name of the key in logs and audit (not secret), e.g. <c>orders-ingest-2026-11</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>What the key may do: <c>ingest</c>, <c>query</c>, <c>transfer</c>, <c>operations</c>, <c>bi</c> (the SQL endpoint).</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Shops the key may touch, or <c>*</c> for every shop. Required: an empty list is refused.</summary>
    public List<string> Shops { get; set; } = [];
}

/// <summary>
/// JWT bearer validation. Tokens must be signed with one of <see cref="SigningKeys"/> (HMAC-SHA256), carry this
/// issuer and audience and an expiry; claim <c>shops</c> lists the shops the caller may read, and claim
/// <c>transfer</c> = <c>true</c> also allows transferring their chats.
/// </summary>
public sealed class JwtOptions
{
    /// <summary>Expected <c>iss</c>. Default: unset (bearer tokens are not accepted).</summary>
    public string? Issuer { get; set; }

    /// <summary>Expected <c>aud</c>. Default: <c>service-analytics</c>; must not be empty.</summary>
    public string Audience { get; set; } = "service-analytics";

    /// <summary>
    /// Base64 HMAC-SHA256 keys of at least 32 bytes; several at once for rotation. Default: none; at least one when
    /// <see cref="Issuer"/> is set.
    /// </summary>
    public List<string> SigningKeys { get; set; } = [];

    /// <summary>Tolerated clock difference when checking expiry. Default: 30 seconds; 0 to 10 minutes.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The bytes of a signing key, or null when it is not base64 of at least 32 bytes.</summary>
    internal static byte[]? KeyBytes(string key)
    {
        var buffer = new byte[key.Length];
        return Convert.TryFromBase64String(key, buffer, out var length) && length >= 32 ? buffer[..length] : null;
    }
}
