using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// The ranges of <see cref="SecurityOptions"/> and its <see cref="JwtOptions"/>, checked when the service starts. The
/// API keys are checked as the key ring is built (<see cref="ApiKeyRing"/>), before the service is.
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
    }
}
