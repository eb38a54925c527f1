using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Security;

/// <summary>Authentication (API keys, JWT bearer), the transport rules and the development key (docs/security.md).</summary>
internal static class SecurityServiceCollectionExtensions
{
    private const string CallerScheme = "Caller";

    /// <summary>Registers the schemes; returns the path of the development key when one is in use, else null.</summary>
    public static string? AddServiceAnalyticsSecurity(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(SecurityOptions.SectionName);
        var options = section.Get<SecurityOptions>() ?? new SecurityOptions();
        builder.Services.AddValidatedOptions<SecurityOptions, SecurityOptionsValidator>(section);
        builder.Services.AddSingleton<IValidateOptions<SecurityOptions>, TransportValidator>();

        // Beyond loopback without callers, no key is made: TransportValidator refuses the start, naming the setting.
        string? developmentKey = null;
        ApiKeyOptions[] madeKeys = [];
        if (options.ApiKeys.Count == 0 && options.Jwt.Issuer is null && TransportValidator.IsLoopbackOnly(builder.Configuration))
        {
            developmentKey = Path.GetFullPath(options.DevelopmentKeyPath);
            madeKeys = [DevelopmentKey.LoadOrCreate(developmentKey)];
        }

        // Built from the validated options (reading them runs the validators), so every key in the ring is usable.
        builder.Services.AddSingleton(services => new ApiKeyRing(
            services.GetRequiredService<IOptions<SecurityOptions>>().Value.ApiKeys.Concat(madeKeys)));
        builder.Services.AddSingleton<SecurityInstruments>();
        var jwt = options.Jwt.Issuer is not null;
        var authentication = builder.Services.AddAuthentication(CallerScheme)
            .AddPolicyScheme(CallerScheme, "API key or bearer token", scheme => scheme.ForwardDefaultSelector = context =>
                jwt && !context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.Header)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (jwt)
        {
            authentication.AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, bearer => ConfigureBearer(bearer, options.Jwt));
        }

        return developmentKey;
    }

    private static void ConfigureBearer(JwtBearerOptions bearer, JwtOptions options)
    {
        // Built at the first bearer call, after the start-up check (SecurityOptionsValidator): every key is valid.
        var keys = options.SigningKeys.Select(key => new SymmetricSecurityKey(JwtOptions.KeyBytes(key)!)).ToList();
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKeys = keys,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateLifetime = true,
            ClockSkew = options.ClockSkew,
        };
        bearer.Events = new JwtBearerEvents { OnTokenValidated = MapTokenClaims };
    }

    /// <summary>
    /// Token claims to <see cref="CallerClaims"/>: <c>shops</c> (array or single) readable with the <c>query</c>
    /// scope; <c>transfer: true</c> adds the <c>transfer</c> scope. A token never grants every shop ("*" is ignored).
    /// </summary>
    private static Task MapTokenClaims(TokenValidatedContext context)
    {
        var token = context.Principal!;
        var claims = new List<Claim>
        {
            new(CallerClaims.Name, "token:" + (token.FindFirst("sub")?.Value ?? "?")),
            new(CallerClaims.Scope, CallerClaims.Query),
        };
        foreach (var shop in token.FindAll("shops").SelectMany(ShopsIn).Where(s => s.Length is > 0 and <= 64 && s != CallerClaims.AllShops))
        {
            claims.Add(new Claim(CallerClaims.Shop, shop));
        }

        if (token.FindFirst("transfer")?.Value is "true" or "True")
        {
            claims.Add(new Claim(CallerClaims.Scope, CallerClaims.Transfer));
        }

        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, JwtBearerDefaults.AuthenticationScheme, CallerClaims.Name, null));
        return Task.CompletedTask;
    }

    private static IEnumerable<string> ShopsIn(Claim claim) =>
        claim.Value.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(claim.Value) ?? [] : [claim.Value];
}
