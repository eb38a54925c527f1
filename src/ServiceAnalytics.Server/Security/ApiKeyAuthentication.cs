using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// Authenticates the <c>x-api-key</c> header against the configured keys' SHA-256 hashes (compared in constant
/// time), yielding the key's scopes and shops as <see cref="CallerClaims"/>.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyRing keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    public const string Header = "x-api-key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var key = keys.Find(values.ToString());
        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        var claims = new List<Claim> { new(CallerClaims.Name, "key:" + key.Id) };
        claims.AddRange(key.Scopes.Select(s => new Claim(CallerClaims.Scope, s)));
        claims.AddRange(key.Shops.Select(s => new Claim(CallerClaims.Shop, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, CallerClaims.Name, null));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}

/// <summary>The configured API keys (and the development key, when one was made), by hash.</summary>
public sealed class ApiKeyRing
{
    private readonly List<(byte[] Hash, ApiKeyOptions Key)> _keys;

    /// <summary>
    /// A ring of <paramref name="keys"/>, which are the validated configuration's (<see cref="SecurityOptionsValidator"/>
    /// refuses a start with an unusable key) and the development key.
    /// </summary>
    public ApiKeyRing(IEnumerable<ApiKeyOptions> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = [.. keys.Select(key => (Convert.FromHexString(key.Sha256), key))];
    }

    /// <summary>The key whose hash matches <paramref name="presented"/>, or null.</summary>
    public ApiKeyOptions? Find(string presented)
    {
        var hash = Hash(presented);
        ApiKeyOptions? match = null;
        foreach (var (candidate, key) in _keys)
        {
            // Every key is compared, in constant time, so timing tells nothing about which one came close.
            if (CryptographicOperations.FixedTimeEquals(candidate, hash))
            {
                match = key;
            }
        }

        return match;
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string HashHex(string key) => Convert.ToHexStringLower(Hash(key));
}
