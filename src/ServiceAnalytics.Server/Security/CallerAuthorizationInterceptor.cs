using System.Collections;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Extensions.Options;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// Authorization, in one place, before any service code (and so any query) runs: the caller must be
/// authenticated (UNAUTHENTICATED), hold the scope of the method (PERMISSION_DENIED), be within its call rate
/// (RESOURCE_EXHAUSTED), and every shop the request names — its <c>shop_id</c>, or each fact's — must be one of
/// the caller's (PERMISSION_DENIED). Streamed requests are checked message by message. Health is open; reflection
/// is open to loopback callers only. Everything below a service reads and writes only the request's shop.
/// </summary>
internal sealed class CallerAuthorizationInterceptor : Interceptor, IDisposable
{
    private static readonly Dictionary<string, string[]> s_scopesByService = new(StringComparer.Ordinal)
    {
        ["service_analytics.ingest.v1.IngestionService"] = [CallerClaims.Ingest],
        ["service_analytics.query.v1.AnalyticsService"] = [CallerClaims.Query],
        ["service_analytics.operations.v1.OperationsService"] = [CallerClaims.Operations],
    };

    private static readonly Dictionary<string, string[]> s_scopesByMethod = new(StringComparer.Ordinal)
    {
        ["/service_analytics.query.v1.AnalyticsService/TransferChat"] = [CallerClaims.Query, CallerClaims.Transfer],
    };

    private readonly PartitionedRateLimiter<string> _rate;

    public CallerAuthorizationInterceptor(IOptions<SecurityOptions> options)
    {
        var limits = options.Value;
        _rate = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limits.RequestBurst),
            TokensPerPeriod = Math.Max(1, limits.RequestsPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (await AuthorizeAsync(context) is { } caller)
        {
            CheckShops(caller, request);
        }

        return await continuation(request, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var caller = await AuthorizeAsync(context);
        await continuation(caller is null ? requestStream : new CheckedReader<TRequest>(requestStream, caller), responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var caller = await AuthorizeAsync(context);
        return await continuation(caller is null ? requestStream : new CheckedReader<TRequest>(requestStream, caller), context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (await AuthorizeAsync(context) is { } caller)
        {
            CheckShops(caller, request);
        }

        await continuation(request, responseStream, context);
    }

    public void Dispose() => _rate.Dispose();

    /// <summary>The caller allowed to call this method, or null for the open health and (loopback) reflection services.</summary>
    private async Task<ClaimsPrincipal?> AuthorizeAsync(ServerCallContext context)
    {
        var method = context.Method;
        var service = method.Split('/', StringSplitOptions.RemoveEmptyEntries)[0];
        var http = context.GetHttpContext();
        if (service == "grpc.health.v1.Health")
        {
            return null;
        }

        if (service.StartsWith("grpc.reflection.", StringComparison.Ordinal) && http.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address))
        {
            return null;
        }

        var caller = http.User;
        if (caller.Identity?.IsAuthenticated != true)
        {
            // Why, in words that carry nothing of the credential itself.
            // Only a refused call authenticates again, to learn the reason.
            throw Refuse(StatusCode.Unauthenticated, "UNAUTHENTICATED", (await http.AuthenticateAsync()).Failure switch
            {
                null => $"Calls need an API key (header {ApiKeyAuthenticationHandler.Header}) or a bearer token; none was sent.",
                SecurityTokenExpiredException => "The bearer token has expired.",
                _ => "The credentials sent are not valid.",
            });
        }

        var required = s_scopesByMethod.GetValueOrDefault(method) ?? s_scopesByService.GetValueOrDefault(service)
            ?? throw Refuse(StatusCode.PermissionDenied, "UNKNOWN_METHOD", "This method is not open to callers.");
        if (required.FirstOrDefault(scope => !caller.HasScope(scope)) is { } missing)
        {
            throw Refuse(StatusCode.PermissionDenied, "MISSING_SCOPE", $"The caller lacks the '{missing}' scope this method needs.");
        }

        if (service == "service_analytics.operations.v1.OperationsService" && !caller.MayTouch(CallerClaims.AllShops))
        {
            throw Refuse(StatusCode.PermissionDenied, "SHOP_NOT_ALLOWED", "Operations act on every shop: the caller needs all shops (\"*\").");
        }

        using var lease = _rate.AttemptAcquire(caller.CallerName());
        if (!lease.IsAcquired)
        {
            throw new Google.Rpc.Status
            {
                Code = (int)Code.ResourceExhausted,
                Message = "Too many calls from this caller; slow down.",
                Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) }) },
            }.ToRpcException();
        }

        return caller;
    }

    /// <summary>Refuses a request naming a shop outside the caller's: its <c>shop_id</c>, or any fact's.</summary>
    private static void CheckShops<TRequest>(ClaimsPrincipal caller, TRequest request)
    {
        if (request is not IMessage message || caller.MayTouch(CallerClaims.AllShops))
        {
            return;
        }

        foreach (var (shop, field) in ShopsOf(message, ""))
        {
            if (!caller.MayTouch(shop))
            {
                throw Refuse(StatusCode.PermissionDenied, "SHOP_NOT_ALLOWED", $"{field}: the caller may not use this shop.");
            }
        }
    }

    /// <summary>Every <c>shop_id</c> of a message and of the messages in its repeated fields (facts), with its field path.</summary>
    private static IEnumerable<(string Shop, string Field)> ShopsOf(IMessage message, string path)
    {
        var (shop, repeated) = s_shopFields.GetOrAdd(message.Descriptor, descriptor => (
            descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.Name == "shop_id" && f.FieldType == FieldType.String && !f.IsRepeated),
            [.. descriptor.Fields.InDeclarationOrder().Where(f => f.FieldType == FieldType.Message && f.IsRepeated)]));
        if (shop is not null)
        {
            yield return ((string)shop.Accessor.GetValue(message), path + shop.Name);
        }

        foreach (var field in repeated)
        {
            var index = 0;
            foreach (var item in (IList)field.Accessor.GetValue(message))
            {
                foreach (var found in ShopsOf((IMessage)item, $"{path}{field.Name}[{index}]."))
                {
                    yield return found;
                }

                index++;
            }
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<MessageDescriptor, (FieldDescriptor? Shop, FieldDescriptor[] Repeated)> s_shopFields = new();

    private static RpcException Refuse(StatusCode code, string reason, string message) => new Google.Rpc.Status
    {
        Code = (int)code,
        Message = message,
        Details = { Any.Pack(new ErrorInfo { Reason = reason, Domain = "service-analytics" }) },
    }.ToRpcException();

    /// <summary>A request stream whose every message is checked before the service sees it.</summary>
    private sealed class CheckedReader<T>(IAsyncStreamReader<T> inner, ClaimsPrincipal caller) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
            {
                return false;
            }

            CheckShops(caller, inner.Current);
            return true;
        }
    }
}
