using System.Collections;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Server.Services;
using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// Authorization, in one place, before any service code (and so any query) runs: the caller must be
/// authenticated (UNAUTHENTICATED), hold the scope of the method (PERMISSION_DENIED), be within its call rate
/// (RESOURCE_EXHAUSTED), and every shop the request names — its <c>shop_id</c>, or each fact's — must be one of
/// the caller's (PERMISSION_DENIED). So must the shops reached indirectly: a chat id, an agent id or a page token
/// used under the request's <c>shop_id</c> that is not that shop's but belongs to a shop outside the caller's
/// (PERMISSION_DENIED naming the field). Streamed requests are checked message by message. Health is open;
/// reflection is open to loopback callers only. Everything below a service reads and writes only the request's shop.
/// </summary>
internal sealed partial class CallerAuthorizationInterceptor : Interceptor, IDisposable
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
    private readonly ShopOwnership _ownership;
    private readonly FactVisibility _visibility;
    private readonly SecurityInstruments _instruments;

    public CallerAuthorizationInterceptor(IOptions<SecurityOptions> options, ShopOwnership ownership, FactVisibility visibility, SecurityInstruments instruments)
    {
        _ownership = ownership;
        _visibility = visibility;
        _instruments = instruments;
        _rate = CallerRateLimits.Create(options.Value);
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (await AuthorizeAsync(context) is { } caller)
        {
            CheckShops(caller, request, context);
            await CheckOwnedIdsAsync(caller, request, context);
        }

        return await continuation(request, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var caller = await AuthorizeAsync(context);
        await continuation(caller is null ? requestStream : new CheckedReader<TRequest>(requestStream, caller, context, this), responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var caller = await AuthorizeAsync(context);
        return await continuation(caller is null ? requestStream : new CheckedReader<TRequest>(requestStream, caller, context, this), context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (await AuthorizeAsync(context) is { } caller)
        {
            CheckShops(caller, request, context);
            await CheckOwnedIdsAsync(caller, request, context);
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
            var (why, message) = (await http.AuthenticateAsync()).Failure switch
            {
                null => (SecurityRefusal.MissingCredentials, $"Calls need an API key (header {ApiKeyAuthenticationHandler.Header}) or a bearer token; none was sent."),
                SecurityTokenExpiredException => (SecurityRefusal.ExpiredToken, "The bearer token has expired."),
                _ => (SecurityRefusal.InvalidCredentials, "The credentials sent are not valid."),
            };
            throw Refuse(context, StatusCode.Unauthenticated, why, "UNAUTHENTICATED", message);
        }

        var required = s_scopesByMethod.GetValueOrDefault(method) ?? s_scopesByService.GetValueOrDefault(service)
            ?? throw Refuse(context, StatusCode.PermissionDenied, SecurityRefusal.UnknownMethod, "UNKNOWN_METHOD", "This method is not open to callers.");
        if (required.FirstOrDefault(scope => !caller.HasScope(scope)) is { } missing)
        {
            throw Refuse(context, StatusCode.PermissionDenied, SecurityRefusal.MissingScope, "MISSING_SCOPE", $"The caller lacks the '{missing}' scope this method needs.");
        }

        if (service == "service_analytics.operations.v1.OperationsService" && !caller.MayTouch(CallerClaims.AllShops))
        {
            throw ShopNotAllowed(context, "Operations act on every shop: the caller needs all shops (\"*\").");
        }

        using var lease = _rate.AttemptAcquire(caller.CallerName());
        if (!lease.IsAcquired)
        {
            _instruments.RateLimited(Doors.Of(http));
            throw GrpcErrors.ResourceExhausted(context, "Too many calls from this caller; slow down.", TimeSpan.FromSeconds(1));
        }

        return caller;
    }

    /// <summary>A refusal, counted by reason and door (<see cref="SecurityInstruments"/>) as it is made.</summary>
    private RpcException Refuse(ServerCallContext context, StatusCode code, SecurityRefusal why, string reason, string message)
    {
        _instruments.Refused(why, Doors.Of(context.GetHttpContext()));
        return GrpcErrors.Refused(code, reason, message);
    }

    private RpcException ShopNotAllowed(ServerCallContext context, string message) =>
        Refuse(context, StatusCode.PermissionDenied, SecurityRefusal.ShopNotAllowed, "SHOP_NOT_ALLOWED", message);

    /// <summary>Refuses a request naming a shop outside the caller's: its <c>shop_id</c>, or any fact's.</summary>
    private void CheckShops<TRequest>(ClaimsPrincipal caller, TRequest request, ServerCallContext context)
    {
        if (request is not IMessage message || caller.MayTouch(CallerClaims.AllShops))
        {
            return;
        }

        foreach (var (shop, field) in ShopsOf(message, ""))
        {
            if (!caller.MayTouch(shop))
            {
                throw ShopNotAllowed(context, $"{field}: the caller may not use this shop.");
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

    /// <summary>
    /// Refuses a request whose ids reach into a shop outside the caller's. The ids are the top-level fields of a
    /// request that names a <c>shop_id</c>: <c>chat_id</c>, fields named <c>…agent_id</c> or <c>…agent_ids</c>,
    /// and <c>page_token</c> — found by name, so a new RPC's fields are covered without a list to keep. An id the
    /// request's shop has, or that exists nowhere, passes (the service then answers NOT_FOUND or an empty list).
    /// </summary>
    private async Task CheckOwnedIdsAsync<TRequest>(ClaimsPrincipal caller, TRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (request is not IMessage message || caller.MayTouch(CallerClaims.AllShops) || s_idFields.GetOrAdd(message.Descriptor, IdFieldsOf) is not { } fields)
        {
            return;
        }

        var shop = (string)fields.Shop.Accessor.GetValue(message);
        if (fields.PageToken?.Accessor.GetValue(message) is string { Length: > 0 } token
            && PageTokens.ShopOf(token) is { } tokenShop && tokenShop != shop && !caller.MayTouch(tokenShop))
        {
            throw ShopNotAllowed(context, $"{fields.PageToken.Name}: the token was issued for a shop the caller may not use.");
        }

        var used = new List<(OwnedIdKind Kind, string Id, string Field)>();
        foreach (var (field, kind) in fields.Ids)
        {
            if (field.IsRepeated)
            {
                var index = 0;
                foreach (string id in (IList)field.Accessor.GetValue(message))
                {
                    used.Add((kind, id, $"{field.Name}[{index++}]"));
                }
            }
            else if (field.Accessor.GetValue(message) is string { Length: > 0 } id)
            {
                used.Add((kind, id, field.Name));
            }
        }

        if (used.Count == 0)
        {
            return;
        }

        // Ownership is read from the facts: an id of another shop acknowledged a moment ago is refused as well. Chats'
        // facts are tracked by id while uncommitted; agents' are not, so an agent id waits for every batch.
        string[] chatIds = [.. used.Where(u => u.Kind == OwnedIdKind.Chat).Select(u => u.Id).Distinct(StringComparer.Ordinal)];
        string[] agentIds = [.. used.Where(u => u.Kind == OwnedIdKind.Agent).Select(u => u.Id).Distinct(StringComparer.Ordinal)];
        await _visibility.WaitForAcknowledgedAsync(agentIds.Length > 0 ? FactScope.All : FactScope.ChatIds(chatIds), cancellationToken);
        var outside = await _ownership.FindOutsideAsync(
            shop, [.. caller.FindAll(CallerClaims.Shop).Select(claim => claim.Value)], chatIds, agentIds, cancellationToken);
        if (used.FirstOrDefault(u => outside.Contains((u.Kind, u.Id))) is { Field: not null } refused)
        {
            var what = refused.Kind == OwnedIdKind.Chat ? "chat" : "agent";
            throw ShopNotAllowed(context, $"{refused.Field}: the {what} belongs to a shop the caller may not use.");
        }
    }

    private static IdFields? IdFieldsOf(MessageDescriptor descriptor)
    {
        var fields = descriptor.Fields.InDeclarationOrder();
        if (fields.FirstOrDefault(f => f.Name == "shop_id" && f.FieldType == FieldType.String && !f.IsRepeated) is not { } shop)
        {
            return null;
        }

        var ids = fields.Where(f => f.FieldType == FieldType.String)
            .Select(f => (Field: f, Kind: f.Name == "chat_id" ? OwnedIdKind.Chat : AgentIdField().IsMatch(f.Name) ? OwnedIdKind.Agent : (OwnedIdKind?)null))
            .Where(f => f.Kind is not null)
            .Select(f => (f.Field, f.Kind!.Value))
            .ToArray();
        var pageToken = fields.FirstOrDefault(f => f.Name == "page_token" && f.FieldType == FieldType.String && !f.IsRepeated);
        return ids.Length == 0 && pageToken is null ? null : new IdFields(shop, ids, pageToken);
    }

    private sealed record IdFields(FieldDescriptor Shop, (FieldDescriptor Field, OwnedIdKind Kind)[] Ids, FieldDescriptor? PageToken);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<MessageDescriptor, IdFields?> s_idFields = new();

    [System.Text.RegularExpressions.GeneratedRegex("(^|_)agent_ids?$")]
    private static partial System.Text.RegularExpressions.Regex AgentIdField();

    /// <summary>A request stream whose every message is checked before the service sees it.</summary>
    private sealed class CheckedReader<T>(IAsyncStreamReader<T> inner, ClaimsPrincipal caller, ServerCallContext context, CallerAuthorizationInterceptor interceptor)
        : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
            {
                return false;
            }

            interceptor.CheckShops(caller, inner.Current, context);
            return true;
        }
    }
}
