using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// The service's doors as bound: gRPC (HTTP/2 only: plaintext gRPC needs it without negotiation), web (HTTP/1.1 as
/// shipped; Http1AndHttp2 behind TLS: JSON transcoding, gRPC-Web, OpenAPI, health) and, when served, the SQL endpoint
/// (HTTP/1.1, ClickHouse's HTTP interface; <see cref="SqlEndpoint.SqlEndpointHosting"/>). Kestrel reports bound
/// addresses without their endpoint's name, so each endpoint's options are kept as they are configured and matched
/// with the bound addresses by port once the server has started.
/// </summary>
public sealed class ServiceEndpoints
{
    private readonly List<ListenOptions> _endpoints = [];
    private ListenOptions? _sql;

    /// <summary>Called by Kestrel for each endpoint it configures (<c>ConfigureEndpointDefaults</c>).</summary>
    internal void Add(ListenOptions endpoint)
    {
        // gRPC over plaintext needs HTTP/2 without negotiation; an endpoint's own Protocols setting overrides this.
        endpoint.Protocols = HttpProtocols.Http2;
        lock (_endpoints)
        {
            _endpoints.Add(endpoint);
        }
    }

    /// <summary>Marks the endpoint (already <see cref="Add"/>ed) that serves the SQL endpoint.</summary>
    internal void AddSql(ListenOptions endpoint)
    {
        lock (_endpoints)
        {
            _sql = endpoint;
        }
    }

    /// <summary>The bound gRPC addresses (e.g. <c>http://127.0.0.1:5310</c>).</summary>
    public IReadOnlyList<Uri> Grpc(IServer server) => Bound(server, e => e != _sql && e.Protocols == HttpProtocols.Http2);

    /// <summary>The bound web addresses (e.g. <c>http://127.0.0.1:5311</c>).</summary>
    public IReadOnlyList<Uri> Web(IServer server) => Bound(server, e => e != _sql && e.Protocols != HttpProtocols.Http2);

    /// <summary>The bound SQL endpoint addresses (e.g. <c>http://127.0.0.1:5312</c>); none when it is not served.</summary>
    public IReadOnlyList<Uri> Sql(IServer server) => Bound(server, e => e == _sql);

    /// <summary>Whether a connection to local port <paramref name="port"/> came in through the SQL endpoint.</summary>
    internal bool IsSql(int port)
    {
        lock (_endpoints)
        {
            // Read per request: with port 0 the endpoint's port is known only once bound.
            return _sql?.IPEndPoint?.Port == port;
        }
    }

    private List<Uri> Bound(IServer server, Func<ListenOptions, bool> kind)
    {
        ArgumentNullException.ThrowIfNull(server);
        var addresses = (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => new Uri(a)).ToList();
        List<int> ports;
        lock (_endpoints)
        {
            ports = [.. _endpoints.Where(kind).Select(e => e.IPEndPoint?.Port ?? -1)];
        }

        return [.. addresses.Where(a => ports.Contains(a.Port))];
    }
}
