using System.Globalization;
using System.Net;
using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.SqlEndpoint;

/// <summary>
/// The SQL endpoint (section <c>SqlEndpoint</c>; docs/sql-endpoint.md): ClickHouse's HTTP interface on a port of its
/// own, over which BI tools, drivers and <c>curl</c> read the BI views with an API key holding the <c>bi</c> scope.
/// Checked when the service starts (<see cref="SqlEndpointOptionsValidator"/>).
/// </summary>
public sealed class SqlEndpointOptions
{
    public const string SectionName = "SqlEndpoint";

    /// <summary>
    /// Whether the endpoint is served. Default: unset, meaning on with the embedded engine (nothing else can connect
    /// to it) and off with a ClickHouse server (BI tools connect to the server itself, under the read-only BI role and
    /// row policies; docs/bi.md). <c>true</c> serves it on a server deployment too, for BI users who hold the service's
    /// API keys rather than server accounts; <c>false</c> never serves it.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// Where it listens: <c>http://</c> or <c>https://</c>, an IP address (or <c>localhost</c>, or <c>*</c> for every
    /// address) and a port, nothing else. HTTP/1.1 only, as BI drivers speak it. Default: <c>http://127.0.0.1:5312</c>.
    /// A non-loopback address must be <c>https</c> unless <c>Security:AllowPlaintextOnNetwork</c>; port 0 takes a free
    /// port (tests; the log states the one bound).
    /// </summary>
    public string Url { get; set; } = "http://127.0.0.1:5312";

    /// <summary>The certificate (PFX/PKCS#12) of an <c>https</c> <see cref="Url"/>. Default: unset; required with https.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>. Default: unset (a certificate without a password).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Statements run at once over the endpoint; one more is refused at once with 429 and ClickHouse's
    /// <c>TOO_MANY_SIMULTANEOUS_QUERIES</c> (202). Default: 16; 1 to 1,024.
    /// </summary>
    public int MaxConcurrentQueries { get; set; } = 16;

    /// <summary>
    /// Connections open at once on the endpoint's port; a request on one more is answered 429 with ClickHouse's
    /// <c>TOO_MANY_SIMULTANEOUS_QUERIES</c> (202) and its connection closed. Default: 256 (BI tools keep a few pooled
    /// connections each); 1 to 10,000.
    /// </summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>
    /// Longest statement text (the <c>query</c> parameter and the decompressed body, in UTF-8 bytes); a longer one is
    /// refused with 413 and <c>QUERY_IS_TOO_LARGE</c> (229). Default: 262,144 (256 KiB, ClickHouse's
    /// <c>max_query_size</c>); 1,024 to 16,777,216.
    /// </summary>
    public int MaxQueryBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Largest request body as sent (compressed or not); a larger one is refused with 413 and <c>QUERY_IS_TOO_LARGE</c>.
    /// Default: 262,144 (256 KiB); 1,024 to 16,777,216.
    /// </summary>
    public int MaxRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Whether the endpoint is served with the engine <paramref name="clickHouse"/> configures.</summary>
    internal bool IsServed(ClickHouseOptions clickHouse) => Enabled ?? string.IsNullOrEmpty(clickHouse.ServerUrl);

    /// <summary>
    /// <see cref="Url"/>'s parts: https or not, the address (null: every address; <see cref="IPAddress.Loopback"/> with
    /// <c>Localhost</c> for <c>localhost</c>) and the port. Null when it is not of that shape.
    /// </summary>
    internal static (bool Https, IPAddress? Address, bool Localhost, int Port)? Parse(string? url)
    {
        var https = url?.StartsWith("https://", StringComparison.Ordinal) == true;
        if (url is null || !https && !url.StartsWith("http://", StringComparison.Ordinal))
        {
            return null;
        }

        var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
        var colon = authority.LastIndexOf(':');
        // The port must be written: a URL without one would listen on 80/443.
        if (colon < 1 || authority.IndexOfAny(['/', '?', '#', '@']) >= 0
            || !int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return null;
        }

        var host = authority[..colon];
        return host switch
        {
            "*" => (https, null, false, port),
            "localhost" => (https, IPAddress.Loopback, true, port),
            _ => IPAddress.TryParse(host.Trim('[', ']'), out var address) ? (https, address, false, port) : null,
        };
    }
}

/// <summary>Checks <see cref="SqlEndpointOptions"/>' URL and ranges when the service starts.</summary>
internal sealed class SqlEndpointOptionsValidator() : RangeValidator<SqlEndpointOptions>(SqlEndpointOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, SqlEndpointOptions options)
    {
        var url = SqlEndpointOptions.Parse(options.Url);
        ranges
            .Check(url is not null, nameof(options.Url), $"must be http:// or https:// with an IP address, localhost or * and an explicit port (e.g. http://127.0.0.1:5312), got '{options.Url}'")
            .Check(url is not { Localhost: true, Port: 0 }, nameof(options.Url), "cannot take a dynamic port (0) on localhost: name 127.0.0.1 instead")
            .Check(url is not { Https: true } || !string.IsNullOrEmpty(options.CertificatePath), nameof(options.CertificatePath), "must name the certificate of an https Url")
            .Int(nameof(options.MaxConcurrentQueries), options.MaxConcurrentQueries, 1, 1024)
            .Int(nameof(options.MaxConnections), options.MaxConnections, 1, 10_000)
            .Int(nameof(options.MaxQueryBytes), options.MaxQueryBytes, 1024, 16 * 1024 * 1024)
            .Int(nameof(options.MaxRequestBodyBytes), options.MaxRequestBodyBytes, 1024, 16 * 1024 * 1024);
    }
}
