using System.Security.Cryptography;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Grpc.Net.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServiceAnalytics.Server.Security;

namespace ServiceAnalytics.Tests.Security;

/// <summary>Keys, tokens and a generic caller of any unary RPC, for the security tests.</summary>
internal static class Callers
{
    public const string Issuer = "https://issuer.test";
    public const string Audience = "service-analytics";

    public static readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);
    public static readonly byte[] OtherSigningKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>Keys by name: (key, scopes, shops).</summary>
    public static readonly Dictionary<string, (string Key, string[] Scopes, string[] Shops)> Keys = new()
    {
        ["ingest-a"] = ("key-ingest-a-" + Guid.NewGuid().ToString("N"), ["ingest"], ["shop-a"]),
        ["query-a"] = ("key-query-a-" + Guid.NewGuid().ToString("N"), ["query"], ["shop-a"]),
        ["query-transfer-a"] = ("key-qt-a-" + Guid.NewGuid().ToString("N"), ["query", "transfer"], ["shop-a"]),
        ["ops"] = ("key-ops-" + Guid.NewGuid().ToString("N"), ["operations"], ["*"]),
        ["ops-a"] = ("key-ops-a-" + Guid.NewGuid().ToString("N"), ["operations"], ["shop-a"]),
    };

    /// <summary>Configuration for <see cref="Keys"/> (and the test key) and a JWT issuer.</summary>
    public static Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Security:Jwt:Issuer"] = Issuer,
            ["Security:Jwt:Audience"] = Audience,
            ["Security:Jwt:SigningKeys:0"] = Convert.ToBase64String(SigningKey),
        };
        ApiKeySettings.Add(settings, Keys);

        return settings;
    }

    /// <summary><see cref="Settings()"/> with each caller allowed <paramref name="perSecond"/> calls a second in bursts of <paramref name="burst"/>.</summary>
    public static Dictionary<string, string?> RateLimitedSettings(int perSecond, int burst)
    {
        var settings = Settings();
        settings["Security:RequestsPerSecond"] = perSecond.ToString(CultureInfo.InvariantCulture);
        settings["Security:RequestBurst"] = burst.ToString(CultureInfo.InvariantCulture);
        return settings;
    }

    public static string Token(
        string[] shops, bool transfer = false, DateTime? expires = null, string audience = Audience, byte[]? key = null, string issuer = Issuer)
    {
        var claims = new Dictionary<string, object> { ["shops"] = shops, ["sub"] = "app-1" };
        if (transfer)
        {
            claims["transfer"] = true;
        }

        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            NotBefore = expiry.AddHours(-1),
            IssuedAt = expiry.AddHours(-1),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }

    public static GrpcChannel WithKey(ServiceHost host, string key) => host.CreateChannel(KeyHeader(key));

    public static GrpcChannel WithToken(ServiceHost host, string token) => host.CreateChannel(TokenHeader(token));

    public static Action<Metadata> KeyHeader(string key) => m => m.Add("x-api-key", key);

    public static Action<Metadata> TokenHeader(string token) => m => m.Add("authorization", "Bearer " + token);

    public static GrpcChannel Anonymous(ServiceHost host) => host.CreateChannel(_ => { });

    /// <summary>Every unary method of the service described by <paramref name="service"/>.</summary>
    public static IEnumerable<MethodDescriptor> UnaryMethods(ServiceDescriptor service) =>
        service.Methods.Where(m => !m.IsClientStreaming && !m.IsServerStreaming);

    /// <summary>Calls <paramref name="method"/> with <paramref name="request"/>; the status it ends with (OK when it answers).</summary>
    public static async Task<Status> CallAsync(GrpcChannel channel, MethodDescriptor method, IMessage request) =>
        (await CallForReasonAsync(channel, method, request)).Status;

    /// <summary>
    /// Calls <paramref name="method"/> with <paramref name="request"/>; the status it ends with (OK when it answers) and
    /// the machine-readable reason of a refusal (<see cref="ReasonOf"/>).
    /// </summary>
    public static async Task<(Status Status, string? Reason)> CallForReasonAsync(GrpcChannel channel, MethodDescriptor method, IMessage request)
    {
        var call = new Method<IMessage, IMessage>(
            MethodType.Unary, method.Service.FullName, method.Name,
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.InputType.Parser.ParseFrom(bytes)),
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes)));
        try
        {
            await channel.CreateCallInvoker().AsyncUnaryCall(call, null, new CallOptions(), request);
            return (Status.DefaultSuccess, null);
        }
        catch (RpcException error)
        {
            return (error.Status, ReasonOf(error));
        }
    }

    /// <summary>The <c>google.rpc.ErrorInfo</c> reason the service attached to <paramref name="error"/> (null when none).</summary>
    public static string? ReasonOf(RpcException error) => error.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason;

    /// <summary>A request of <paramref name="method"/> with every <c>shop_id</c> (its own and its facts') set to <paramref name="shop"/>.</summary>
    public static IMessage Request(MethodDescriptor method, string shop)
    {
        var request = method.InputType.Parser.ParseFrom(ByteString.Empty);
        var shopField = method.InputType.FindFieldByName("shop_id");
        shopField?.Accessor.SetValue(request, shop);
        // A chat id, so an HTTP route with the chat in its path (/v1/shops/{shop_id}/chats/{chat_id}) is reached.
        method.InputType.FindFieldByName("chat_id")?.Accessor.SetValue(request, "chat-security");
        if (method.InputType.FindFieldByName("facts") is { } facts)
        {
            var fact = new Contracts.Ingest.V1.Fact
            {
                ShopId = shop, EventId = "evt-security", OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-1)),
                AgentUpserted = new Contracts.Ingest.V1.AgentUpserted { AgentId = "agent-x", DisplayName = "X", Active = true },
            };
            ((System.Collections.IList)facts.Accessor.GetValue(request)).Add(fact);
        }

        return request;
    }
}
