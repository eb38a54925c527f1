using Google.Protobuf.WellKnownTypes;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Queries;

namespace ServiceAnalytics.Server.Services;

/// <summary>A checked transfer request: move <see cref="ChatId"/> to <see cref="ToAgent"/>, once per <see cref="RequestId"/>.</summary>
internal sealed record TransferOrder(string ShopId, string ChatId, string ToAgent, string RequestId)
{
    /// <summary>The event id the transfer is recorded under: one per request id in a shop.</summary>
    public string EventId => "transfer:" + RequestId;
}

/// <summary>
/// The transfer use case (<c>AnalyticsService.TransferChat</c>): records a transfer as a <c>ChatAssigned</c> fact
/// through the ingestion path, under the event id <c>transfer:{request_id}</c>, so a repeated request finds its
/// transfer already recorded and answers with it. The check and the recording hold the chat's and the request id's
/// locks until the fact is committed, so copies of a request racing each other record one transfer and all answer
/// with it, and a request id is never used on two chats (event ids are unique per shop): reused on another chat it
/// is refused. One per process (a singleton), since its locks must be.
/// </summary>
internal sealed class ChatTransfer(ChatQueries chats, FactIngestor ingestor, FactVisibility visibility, TimeProvider clock)
{
    /// <summary>Transfers in progress, per shop and chat and per shop and request id.</summary>
    private readonly KeyedLocks _transfers = new();

    /// <summary>
    /// The transfer <paramref name="order"/> asks for, recorded now or by an earlier copy of the request; throws
    /// NOT_FOUND, FAILED_PRECONDITION or INVALID_ARGUMENT (<see cref="GrpcErrors"/>) when it cannot be made.
    /// </summary>
    public async Task<ChatAssignment> TransferAsync(TransferOrder order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var (shopId, chatId, toAgent) = (order.ShopId, order.ChatId, order.ToAgent);
        using var held = await _transfers.AcquireAsync(
            [KeyedLocks.Key("chat", shopId, chatId), KeyedLocks.Key("request", shopId, order.EventId)], cancellationToken);
        // An earlier copy of this request (which may name another chat of the shop), or any fact of the chat, may be
        // acknowledged and not yet committed.
        await visibility.WaitForAcknowledgedAsync(FactScope.Shop(shopId), cancellationToken);
        if (await chats.FindAssignmentAsync(shopId, chatId, order.EventId, cancellationToken) is { } recorded)
        {
            return recorded.ChatId == chatId
                ? recorded
                : throw GrpcErrors.InvalidArgument("request_id", $"'{order.RequestId}' already names the transfer of chat '{recorded.ChatId}'; use a new request id for each transfer");
        }

        var state = await chats.ReadChatStateAsync(shopId, chatId, cancellationToken) ?? throw GrpcErrors.NotFound("chat", chatId);
        await CheckAsync(order, state, cancellationToken);

        // Stored with millisecond precision; answer with what is stored, so a repeated request gets the same answer.
        var now = Instants.ToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var fact = new Fact
        {
            EventId = order.EventId,
            ShopId = shopId,
            OccurredAt = Timestamp.FromDateTime(now),
            ChatAssigned = new ChatAssigned { ChatId = chatId, FromAgentId = state.CurrentAgent, ToAgentId = toAgent },
        };
        // Not cancelled with the call: the locks are held until the pipeline is done with the fact, which it writes
        // even when its caller goes away, so a copy of this request waiting for them finds it.
        var outcome = await ingestor.IngestAsync([fact], CancellationToken.None);
        if (outcome.Rejected.Count > 0)
        {
            throw GrpcErrors.InvalidArgument(outcome.Rejected[0].Field.Replace("chat_assigned.", "", StringComparison.Ordinal), outcome.Rejected[0].Reason);
        }

        return new ChatAssignment(chatId, state.CurrentAgent, toAgent, now);
    }

    /// <summary>Refuses a transfer of a chat that is over, or to an agent who is unknown, inactive or already on it.</summary>
    private async Task CheckAsync(TransferOrder order, ChatState state, CancellationToken cancellationToken)
    {
        var (chatId, toAgent) = (order.ChatId, order.ToAgent);
        if (state.Ended || state.Resolved)
        {
            throw GrpcErrors.FailedPrecondition("chat_id", $"chat '{chatId}' is {(state.Ended ? "ended" : "resolved")}; only active, unresolved chats can be transferred");
        }

        var active = await chats.IsAgentActiveAsync(order.ShopId, toAgent, cancellationToken) ?? throw GrpcErrors.NotFound("agent", toAgent);
        if (!active)
        {
            throw GrpcErrors.FailedPrecondition("to_agent_id", $"agent '{toAgent}' is not active");
        }

        if (state.CurrentAgent == toAgent)
        {
            throw GrpcErrors.FailedPrecondition("to_agent_id", $"chat '{chatId}' is already assigned to '{toAgent}'");
        }
    }
}
