using ClickHouse.Driver;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.Ingestion;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// Turns failures of the store under any RPC into UNAVAILABLE with retry guidance, and the domain's
/// request errors into their statuses — a streamed message that is not a protocol buffer message among them.
/// Everything else is left to gRPC, which answers UNKNOWN without detail.
/// </summary>
public sealed class StoreErrorInterceptor(IOptions<IngestionOptions> options, ILogger<StoreErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(request, context);
        }
        catch (Exception error) when (Translate(error, context) is { } status)
        {
            throw status;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception error) when (Translate(error, context) is { } status)
        {
            throw status;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception error) when (Translate(error, context) is { } status)
        {
            throw status;
        }
    }

    private RpcException? Translate(Exception error, ServerCallContext context)
    {
        switch (error)
        {
            case InvalidProtocolBufferException undecodable:
                // Streamed messages are decoded inside the service's read loop, so this is where they fail.
                return GrpcErrors.InvalidArgument("request", $"is not a valid protocol buffer message: {undecodable.Message}");
            case InvalidBatchException or StoreUnavailableException:
                return (RpcException)GrpcErrors.Translate(error, options.Value.RetryDelay);
            case ClickHouseServerException or HttpRequestException or ObjectDisposedException:
                ServerLog.StoreCallFailed(logger, context.Method, error);
                return GrpcErrors.Unavailable("The store could not answer; try again.", options.Value.RetryDelay);
            default:
                return null;
        }
    }
}
