using System.Diagnostics;
using System.Globalization;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http.Features;

namespace ServiceAnalytics.Server.Telemetry;

/// <summary>
/// Gives a gRPC call's server span what OpenTelemetry's RPC conventions expect — its name <c>{service}/{method}</c> and
/// <c>rpc.system</c>, <c>rpc.service</c>, <c>rpc.method</c>, <c>rpc.grpc.status_code</c> — which ASP.NET Core's
/// instrumentation adds only behind an experimental switch. It runs as the span ends, when routing has found the
/// gRPC method: over HTTP/2, gRPC-Web and HTTP/JSON alike (the same method, the same span names); the status code
/// is the call's <c>grpc-status</c>, which HTTP/JSON answers do not carry.
/// </summary>
internal static class GrpcServerSpans
{
    public static void Enrich(Activity activity, HttpResponse response)
    {
        if (response.HttpContext.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not { } grpc)
        {
            return;
        }

        activity.DisplayName = $"{grpc.Method.ServiceName}/{grpc.Method.Name}";
        activity.SetTag("rpc.system", "grpc");
        activity.SetTag("rpc.service", grpc.Method.ServiceName);
        activity.SetTag("rpc.method", grpc.Method.Name);
        // A call's status is in its trailers; a call that fails before any message is answered "trailers-only", in the headers.
        var status = response.HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"] is { Count: > 0 } trailer
            ? trailer.ToString()
            : response.Headers["grpc-status"].ToString();
        if (int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            activity.SetTag("rpc.grpc.status_code", code);
        }
    }
}
