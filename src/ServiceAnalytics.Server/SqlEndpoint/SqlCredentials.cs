using System.Net.Http.Headers;
using System.Text;
using ServiceAnalytics.Server.Security;
using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Server.SqlEndpoint;

/// <summary>
/// Who calls the SQL endpoint, found as a ClickHouse server finds it (its <c>authenticateUserByHTTP</c>): the
/// <c>X-ClickHouse-User</c>/<c>X-ClickHouse-Key</c> headers, else HTTP basic auth, else the <c>user</c>/<c>password</c>
/// URL parameters; mixing two of them is refused. The password is an API key of the service (compared in constant
/// time by <see cref="ApiKeyRing"/>), the user name is free (the key's id, say). The key must hold the <c>bi</c> scope;
/// its shops become the caller's (<c>*</c>: every shop).
/// </summary>
internal static class SqlCredentials
{
    /// <summary>The caller, or a ClickHouse error: 516 AUTHENTICATION_FAILED (403) or 497 ACCESS_DENIED (403).</summary>
    public static BiCaller Authenticate(HttpRequest request, ApiKeyRing keys)
    {
        var (user, password) = Presented(request);
        // With nothing presented a server tries its "default" user without a password, and refuses it the same way.
        var key = password.Length == 0 ? null : keys.Find(password);
        if (key is null)
        {
            throw ClickHouseErrors.Of("AUTHENTICATION_FAILED", $"{Printable(user)}: Authentication failed: password is incorrect, or there is no user with such name");
        }

        if (!key.Scopes.Contains(CallerClaims.Bi))
        {
            throw ClickHouseErrors.Of("ACCESS_DENIED", $"{Printable(user)}: Not enough privileges. The API key '{key.Id}' lacks the '{CallerClaims.Bi}' scope the SQL endpoint needs");
        }

        var shops = key.Shops.Contains(CallerClaims.AllShops) ? null : new HashSet<string>(key.Shops, StringComparer.Ordinal);
        return new BiCaller("key:" + key.Id, shops);
    }

    /// <summary>The user name and password presented, by the first of ClickHouse's three ways that was used.</summary>
    private static (string User, string Password) Presented(HttpRequest request)
    {
        var headerUser = request.Headers["X-ClickHouse-User"].ToString();
        var headerKey = request.Headers["X-ClickHouse-Key"].ToString();
        var hasHeaders = headerUser.Length > 0 || headerKey.Length > 0;
        var authorization = request.Headers.Authorization.ToString();
        var hasAuthorization = authorization.Length > 0;
        var hasParameters = request.Query.ContainsKey("user") || request.Query.ContainsKey("password");
        if (hasHeaders)
        {
            Exclusive("X-ClickHouse HTTP headers", (hasAuthorization, "Authorization HTTP header"), (hasParameters, "authentication via parameters"));
            return (NonEmptyUser(headerUser, "X-ClickHouse HTTP headers"), headerKey);
        }

        if (hasAuthorization)
        {
            Exclusive("Authorization HTTP header", (hasParameters, "authentication via parameters"));
            return Basic(authorization);
        }

        return (NonEmptyUser(request.Query["user"].FirstOrDefault() ?? "default", "authentication via parameters"), request.Query["password"].FirstOrDefault() ?? "");
    }

    private static void Exclusive(string method, params (bool Used, string Method)[] others)
    {
        if (others.FirstOrDefault(o => o.Used) is { Used: true } other)
        {
            throw ClickHouseErrors.Of("AUTHENTICATION_FAILED", $"Invalid authentication: it is not allowed to use {method} and {other.Method} simultaneously");
        }
    }

    private static (string, string) Basic(string authorization)
    {
        if (!AuthenticationHeaderValue.TryParse(authorization, out var header) || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            var scheme = authorization.Split(' ', 2)[0];
            throw ClickHouseErrors.Of("AUTHENTICATION_FAILED", $"Invalid authentication: '{Printable(scheme)}' HTTP Authorization scheme is not supported");
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(header.Parameter ?? ""));
        }
        catch (Exception error) when (error is FormatException or DecoderFallbackException)
        {
            throw ClickHouseErrors.Of("AUTHENTICATION_FAILED", "Invalid authentication: the Basic credentials are not base64 of user:password");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? (NonEmptyUser(decoded, "Authorization HTTP header"), "")
            : (NonEmptyUser(decoded[..colon], "Authorization HTTP header"), decoded[(colon + 1)..]);
    }

    private static string NonEmptyUser(string user, string method) => user.Length > 0
        ? user
        : throw ClickHouseErrors.Of("AUTHENTICATION_FAILED", $"Got an empty user name from {method}");

    /// <summary>A user name as it may appear in an answer: printable and short (it is the caller's own text).</summary>
    private static string Printable(string text)
    {
        var printable = new string([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 64 ? printable + "…" : printable;
    }
}
