using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// OpenTelemetry's RPC server metric, <c>rpc.server.call.duration</c> (s), for every call of every service — ingestion,
/// query, operations, over gRPC, gRPC-Web and HTTP/JSON alike — with <c>rpc.system</c>, <c>rpc.service</c>,
/// <c>rpc.method</c> and <c>rpc.grpc.status_code</c>, the attributes its server span carries too (docs/instruments.md).
/// The outermost interceptor, so refusals by authorization and store errors mapped to statuses are timed with their
/// status. A stream is timed from its start to its end.
/// </summary>
internal sealed class RpcServerInstruments : Interceptor
{
    private readonly Histogram<double> _duration;

    public RpcServerInstruments(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _duration = meters.Create(TelemetryNames.Meter).CreateRequestDuration(
            "rpc.server.call.duration", "Calls of the service's gRPC methods, from the call's start to its status.");
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        TimeAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        TimeAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        TimeAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        TimeAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private async Task<T> TimeAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call();
            Record(context, started, StatusCode.OK, error: null);
            return result;
        }
        catch (RpcException refused)
        {
            Record(context, started, refused.StatusCode, error: null);
            throw;
        }
        catch (Exception error)
        {
            // Not a status (a cancelled call, a bug): gRPC answers it as it sees fit; its type says what happened.
            Record(context, started, status: null, error);
            throw;
        }
    }

    private void Record(ServerCallContext context, long started, StatusCode? status, Exception? error)
    {
        if (!_duration.Enabled)
        {
            return;
        }

        // "/package.Service/Method"
        var method = context.Method;
        var slash = method.LastIndexOf('/');
        var tags = new TagList
        {
            { "rpc.system", "grpc" },
            { "rpc.service", method[1..slash] },
            { "rpc.method", method[(slash + 1)..] },
        };
        if (status is { } code)
        {
            tags.Add("rpc.grpc.status_code", (int)code);
        }
        else
        {
            tags.Add("error.type", error!.GetType().FullName);
        }

        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }
}
