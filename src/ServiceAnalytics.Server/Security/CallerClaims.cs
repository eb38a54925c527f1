using System.Security.Claims;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// What an authenticated caller may do, as claims both authentication schemes produce: scopes and shops. The
/// authorization interceptor reads nothing else.
/// </summary>
public static class CallerClaims
{
    public const string Scope = "sa:scope";

    public const string Shop = "sa:shop";

    /// <summary>The caller's name for logs: a key id or a token subject, never a secret.</summary>
    public const string Name = "sa:name";

    public const string AllShops = "*";

    public const string Ingest = "ingest";

    public const string Query = "query";

    public const string Transfer = "transfer";

    public const string Operations = "operations";

    /// <summary>Reads the BI views over the SQL endpoint (docs/sql-endpoint.md); API keys only, never a token.</summary>
    public const string Bi = "bi";

    public static readonly IReadOnlySet<string> KnownScopes = new HashSet<string>([Ingest, Query, Transfer, Operations, Bi], StringComparer.Ordinal);

    public static bool HasScope(this ClaimsPrincipal caller, string scope) => caller.HasClaim(Scope, scope);

    public static bool MayTouch(this ClaimsPrincipal caller, string shopId) =>
        caller.HasClaim(Shop, AllShops) || caller.HasClaim(Shop, shopId);

    public static string CallerName(this ClaimsPrincipal caller) => caller.FindFirst(Name)?.Value ?? "anonymous";
}
