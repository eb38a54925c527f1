using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.SqlEndpoint;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// The transport rules, checked when the service starts: plaintext HTTP/2 only on loopback unless
/// <see cref="SecurityOptions.AllowPlaintextOnNetwork"/> says a TLS-terminating proxy is in front, and a service that
/// listens beyond loopback needs configured callers (the development key is for loopback only). Each failure names the
/// setting that is wrong. TLS comes from Kestrel's endpoint configuration (<c>Kestrel:Endpoints:Grpc:Url=https://…</c>
/// with <c>Certificate:Path</c>/<c>Password</c>; for the SQL endpoint, <c>SqlEndpoint:Url</c> and
/// <c>SqlEndpoint:CertificatePath</c>).
/// </summary>
internal sealed class TransportValidator(IConfiguration configuration) : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var listeners = Listeners(configuration);
        foreach (var (key, url) in listeners.Where(l => !IsLoopback(l.Url)))
        {
            if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !options.AllowPlaintextOnNetwork)
            {
                failures.Add(
                    $"{key} ({url}) is plaintext beyond loopback: use https (with the endpoint's certificate) or set Security:AllowPlaintextOnNetwork behind a TLS-terminating proxy.");
            }
        }

        if (options.ApiKeys.Count == 0 && options.Jwt.Issuer is null && !IsLoopbackOnly(listeners))
        {
            var beyond = listeners.Where(l => !IsLoopback(l.Url)).Select(l => $"{l.Key} ({l.Url})");
            failures.Add(
                $"{SecurityOptions.SectionName}:ApiKeys (or Security:Jwt:Issuer) must configure the callers: the service listens beyond loopback ({string.Join(", ", beyond)}) and makes a development key for loopback only.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Whether every configured endpoint listens on loopback (false when none is configured: Kestrel's default may not).</summary>
    public static bool IsLoopbackOnly(IConfiguration configuration) => IsLoopbackOnly(Listeners(configuration));

    private static bool IsLoopbackOnly(IReadOnlyList<(string Key, string Url)> listeners) =>
        listeners.Count > 0 && listeners.All(l => IsLoopback(l.Url));

    /// <summary>Every URL the service listens on, with the setting that configures it.</summary>
    private static List<(string Key, string Url)> Listeners(IConfiguration configuration)
    {
        var listeners = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Where(endpoint => endpoint["Url"] is not null)
            .Select(endpoint => (Key: $"{endpoint.Path}:Url", Url: endpoint["Url"]!))
            .ToList();
        var urlsKey = configuration["urls"] is not null ? "urls" : "ASPNETCORE_URLS";
        listeners.AddRange((configuration[urlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).Select(url => (urlsKey, url)));
        if (SqlEndpointHosting.ServedUrl(configuration) is { } sql)
        {
            listeners.Add(($"{SqlEndpointOptions.SectionName}:{nameof(SqlEndpointOptions.Url)}", sql));
        }

        return listeners;
    }

    private static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2) is [_, var rest] ? rest.Split('/')[0] : url;
        host = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
        return host is "localhost" or "127.0.0.1" or "[::1]";
    }
}
