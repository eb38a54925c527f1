using System.Diagnostics.Metrics;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// Refusals of callers (docs/instruments.md): authentication and authorization refusals by reason, and rate-limit
/// refusals, each by door. Recorded where the refusal is decided (<see cref="CallerAuthorizationInterceptor"/>, the
/// SQL endpoint's handler). The reasons are a closed set (<see cref="SecurityRefusal"/>), never a caller's words.
/// </summary>
public sealed class SecurityInstruments
{
    /// <summary>Attribute: the door the call came through (<see cref="Doors"/>).</summary>
    public const string DoorAttribute = "service_analytics.door";

    /// <summary>Attribute: why the caller was refused.</summary>
    public const string ReasonAttribute = "service_analytics.refusal.reason";

    private readonly Counter<long> _refusals;
    private readonly Counter<long> _rateLimited;

    public SecurityInstruments(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(TelemetryNames.Meter);
        _refusals = meter.CreateCounter<long>(
            "service_analytics.security.refusals", "{call}", "Calls refused for their credentials (authentication) or for what they may do (authorization), by reason and door.");
        _rateLimited = meter.CreateCounter<long>(
            "service_analytics.security.rate_limited", "{call}", "Calls refused because their caller was over its rate (Security:RequestsPerSecond), by door.");
    }

    public void Refused(SecurityRefusal reason, string door) =>
        _refusals.Add(1, new KeyValuePair<string, object?>(ReasonAttribute, ReasonName(reason)), new KeyValuePair<string, object?>(DoorAttribute, door));

    public void RateLimited(string door) => _rateLimited.Add(1, new KeyValuePair<string, object?>(DoorAttribute, door));

    /// <summary>The attribute value of a refusal reason.</summary>
    public static string ReasonName(SecurityRefusal reason) => reason switch
    {
        SecurityRefusal.MissingCredentials => "missing_credentials",
        SecurityRefusal.ExpiredToken => "expired_token",
        SecurityRefusal.InvalidCredentials => "invalid_credentials",
        SecurityRefusal.MissingScope => "missing_scope",
        SecurityRefusal.UnknownMethod => "unknown_method",
        _ => "shop_not_allowed",
    };
}

/// <summary>Why a caller was refused: three of authentication (UNAUTHENTICATED, 401), three of authorization (PERMISSION_DENIED, 403).</summary>
public enum SecurityRefusal
{
    /// <summary>No API key, bearer token or (SQL endpoint) password was presented.</summary>
    MissingCredentials,

    /// <summary>The bearer token has expired.</summary>
    ExpiredToken,

    /// <summary>The credentials presented are not valid (unknown key, bad signature, wrong issuer or audience, …).</summary>
    InvalidCredentials,

    /// <summary>The caller lacks the scope the method (or the SQL endpoint: <c>bi</c>) needs.</summary>
    MissingScope,

    /// <summary>The method is not open to callers.</summary>
    UnknownMethod,

    /// <summary>The request names or reaches a shop outside the caller's, or needs every shop.</summary>
    ShopNotAllowed,
}

/// <summary>The doors a call comes through, as <see cref="SecurityInstruments.DoorAttribute"/> values.</summary>
public static class Doors
{
    /// <summary>gRPC (HTTP/2, <c>application/grpc</c>), on any port.</summary>
    public const string Grpc = "grpc";

    /// <summary>gRPC-Web (<c>application/grpc-web…</c>), on the web door.</summary>
    public const string GrpcWeb = "grpc-web";

    /// <summary>HTTP/JSON (gRPC JSON transcoding), on the web door.</summary>
    public const string HttpJson = "http-json";

    /// <summary>The SQL endpoint for BI tools.</summary>
    public const string Sql = "sql";

    /// <summary>The door of a gRPC call, from its content type: gRPC-Web and transcoded JSON run through the same services.</summary>
    public static string Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var contentType = http.Request.ContentType ?? "";
        return contentType.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase) ? GrpcWeb
            : contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) ? Grpc
            : HttpJson;
    }
}
