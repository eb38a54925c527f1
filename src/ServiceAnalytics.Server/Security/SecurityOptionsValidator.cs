using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// The ranges of <see cref="SecurityOptions"/>, its <see cref="JwtOptions"/> and each of its API keys, checked when
/// the service starts (the transport rules are <see cref="TransportValidator"/>'s).
/// </summary>
internal sealed class SecurityOptionsValidator() : RangeValidator<SecurityOptions>(SecurityOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, SecurityOptions options)
    {
        var jwt = options.Jwt;
        ranges
            .Int(nameof(options.RequestsPerSecond), options.RequestsPerSecond, 1, 1_000_000)
            .Int(nameof(options.RequestBurst), options.RequestBurst, 1, 1_000_000)
            .Check(!string.IsNullOrWhiteSpace(options.DevelopmentKeyPath), nameof(options.DevelopmentKeyPath), "must name a file")
            .Check(!string.IsNullOrEmpty(jwt.Audience), "Jwt:Audience", "must not be empty")
            .Duration("Jwt:ClockSkew", jwt.ClockSkew, TimeSpan.Zero, TimeSpan.FromMinutes(10))
            .Check(jwt.Issuer is null || jwt.SigningKeys.Count > 0, "Jwt:SigningKeys", "must list at least one key when Security:Jwt:Issuer is set");
        for (var i = 0; i < jwt.SigningKeys.Count; i++)
        {
            ranges.Check(JwtOptions.KeyBytes(jwt.SigningKeys[i]) is not null, $"Jwt:SigningKeys:{i}", "must be base64 of at least 32 bytes");
        }

        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            CheckKey(ranges, $"ApiKeys:{i}", options.ApiKeys[i]);
        }
    }

    /// <summary>One API key, each failure naming its setting (<c>Security:ApiKeys:n:Field</c>) and the key's id.</summary>
    private static void CheckKey(OptionRanges ranges, string key, ApiKeyOptions options)
    {
        var which = options.Id.Length is 0 or > 64 ? "" : $" (key '{options.Id}')";
        ranges
            .Check(options.Id.Length is > 0 and <= 64, $"{key}:Id", "must name the key in 1 to 64 characters")
            .Check(options.Sha256.Length == 64 && options.Sha256.All(Uri.IsHexDigit), $"{key}:Sha256", $"must be the 64 hex digits of the key's SHA-256{which}")
            .Check(
                options.Scopes.Count > 0 && options.Scopes.All(CallerClaims.KnownScopes.Contains),
                $"{key}:Scopes",
                $"must list some of {string.Join(", ", CallerClaims.KnownScopes)}{which}")
            .Check(
                options.Shops.Count > 0 && options.Shops.All(shop => shop.Length is > 0 and <= 64),
                $"{key}:Shops",
                $"must list the key's shops (1 to 64 characters each), or \"*\" for every shop{which}");
    }
}
