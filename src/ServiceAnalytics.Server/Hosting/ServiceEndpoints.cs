using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// The service's two doors as bound: gRPC (HTTP/2 only: plaintext gRPC needs it without negotiation) and web
/// (HTTP/1.1 as shipped; Http1AndHttp2 behind TLS: JSON transcoding, gRPC-Web, OpenAPI, health). Kestrel reports bound
/// addresses without their endpoint's name, so each endpoint's options are kept as they are configured and matched
/// with the bound addresses by port once the server has started.
/// </summary>
public sealed class ServiceEndpoints
{
    private readonly List<ListenOptions> _endpoints = [];

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

    /// <summary>The bound gRPC addresses (e.g. <c>http://127.0.0.1:5310</c>).</summary>
    public IReadOnlyList<Uri> Grpc(IServer server) => Bound(server, grpc: true);

    /// <summary>The bound web addresses (e.g. <c>http://127.0.0.1:5311</c>).</summary>
    public IReadOnlyList<Uri> Web(IServer server) => Bound(server, grpc: false);

    private List<Uri> Bound(IServer server, bool grpc)
    {
        ArgumentNullException.ThrowIfNull(server);
        var addresses = (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => new Uri(a)).ToList();
        List<int> ports;
        lock (_endpoints)
        {
            ports = [.. _endpoints.Where(e => (e.Protocols == HttpProtocols.Http2) == grpc).Select(e => e.IPEndPoint?.Port ?? -1)];
        }

        return [.. addresses.Where(a => ports.Contains(a.Port))];
    }
}
