using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using ServiceAnalytics.Server.Ingestion;

namespace ServiceAnalytics.Server.Services;

/// <summary>The gRPC statuses the services answer with, each with its <c>google.rpc</c> error details.</summary>
internal static class GrpcErrors
{
    private const string Domain = "service-analytics";

    /// <summary>
    /// Every <c>google.rpc</c> detail the services attach (here and in the security interceptor): HTTP/JSON callers
    /// get them in the error body, which needs their types to write them as JSON.
    /// </summary>
    public static Google.Protobuf.Reflection.TypeRegistry DetailTypes { get; } = Google.Protobuf.Reflection.TypeRegistry.FromMessages(
        BadRequest.Descriptor, PreconditionFailure.Descriptor, ResourceInfo.Descriptor, RetryInfo.Descriptor, ErrorInfo.Descriptor);

    public static RpcException InvalidArgument(string field, string reason) => InvalidArgumentStatus(field, reason).ToRpcException();

    /// <summary>
    /// The INVALID_ARGUMENT status naming <paramref name="field"/>, for callers that write it themselves (the HTTP
    /// request checks answer before any gRPC call exists).
    /// </summary>
    public static Google.Rpc.Status InvalidArgumentStatus(string field, string reason) => new()
    {
        Code = (int)Code.InvalidArgument,
        Message = $"{field}: {reason}",
        Details = { Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = reason } } }) },
    };

    public static RpcException FailedPrecondition(string subject, string description) => new Google.Rpc.Status
    {
        Code = (int)Code.FailedPrecondition,
        Message = description,
        Details = { Any.Pack(new PreconditionFailure { Violations = { new PreconditionFailure.Types.Violation { Type = "STATE", Subject = subject, Description = description } } }) },
    }.ToRpcException();

    public static RpcException NotFound(string resourceType, string resourceName) => new Google.Rpc.Status
    {
        Code = (int)Code.NotFound,
        Message = $"{resourceType} '{resourceName}' not found",
        Details = { Any.Pack(new ResourceInfo { ResourceType = resourceType, ResourceName = resourceName }) },
    }.ToRpcException();

    public static RpcException Unavailable(string message, TimeSpan retryDelay) => new Google.Rpc.Status
    {
        Code = (int)Code.Unavailable,
        Message = message,
        Details =
        {
            Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryDelay) }),
            Any.Pack(new ErrorInfo { Reason = "STORE_UNAVAILABLE", Domain = Domain }),
        },
    }.ToRpcException();

    /// <summary>A refused call (authentication, authorization): <paramref name="reason"/> is its <c>ErrorInfo</c> reason.</summary>
    public static RpcException Refused(StatusCode code, string reason, string message) => new Google.Rpc.Status
    {
        Code = (int)code,
        Message = message,
        Details = { Any.Pack(new ErrorInfo { Reason = reason, Domain = Domain }) },
    }.ToRpcException();

    /// <summary>
    /// A call refused for want of capacity (a caller over its rate, more queries than the service answers):
    /// RESOURCE_EXHAUSTED with <c>RetryInfo</c>, and the same delay where clients look without reading the details:
    /// gRPC's <c>grpc-retry-pushback-ms</c> trailer (a Grpc.Net.Client retry policy waits for it) and HTTP's
    /// <c>Retry-After</c> header (whole seconds, rounded up), which the HTTP/JSON door's 429 carries.
    /// </summary>
    public static RpcException ResourceExhausted(ServerCallContext context, string message, TimeSpan retryDelay)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.ResponseTrailers.Add("grpc-retry-pushback-ms", ((long)retryDelay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        if (context.GetHttpContext().Response is { HasStarted: false } response)
        {
            response.Headers.RetryAfter = ((long)Math.Ceiling(retryDelay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = message,
            Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryDelay) }) },
        }.ToRpcException();
    }

    /// <summary>Maps the domain's exceptions to statuses; anything else is returned unchanged.</summary>
    public static Exception Translate(Exception error, TimeSpan retryDelay) => error switch
    {
        InvalidBatchException invalid => InvalidArgument(invalid.Field, invalid.Reason),
        StoreUnavailableException unavailable => Unavailable($"{unavailable.Message} Nothing of this batch is acknowledged; re-send it.", retryDelay),
        _ => error,
    };
}
