using Google.Protobuf.WellKnownTypes;
using ServiceAnalytics.Contracts.Ingest.V1;

namespace ServiceAnalytics.Server.Demo;

/// <summary>
/// The facts one chat's script writes, at local times of the demo shop. Each is numbered in the order written, due
/// or not, and that number makes its event id (<c>{chat}/{n}</c>, also its message or order id): a fact keeps its
/// id when a later day's run finds it due. Only facts before the cut-off are kept.
/// </summary>
internal sealed class ChatFacts(string shopId, string chatId, DateTime cutoff, List<Fact> output)
{
    private int _sequence;

    public string ChatId => chatId;

    public void Started(DateTime at, string customer, ChatInitiator initiator, EntryPoint entryPoint, IEnumerable<string> tags) =>
        Add(at, (f, _) => f.ChatStarted = new ChatStarted { ChatId = chatId, CustomerId = customer, Initiator = initiator, EntryPoint = entryPoint, Tags = { tags } });

    public void Message(DateTime at, SenderRole role, MessageKind kind, string agentId = "", bool expectsNoReply = false) =>
        Add(at, (f, id) => f.MessageSent = new MessageSent
        {
            MessageId = id, ChatId = chatId, SenderRole = role, Kind = kind, AgentId = agentId, ExpectsNoReply = expectsNoReply,
        });

    public void Assigned(DateTime at, string fromAgent, string toAgent) =>
        Add(at, (f, _) => f.ChatAssigned = new ChatAssigned { ChatId = chatId, FromAgentId = fromAgent, ToAgentId = toAgent });

    public void Tagged(DateTime at, string tag) => Add(at, (f, _) => f.ChatTagged = new ChatTagged { ChatId = chatId, Tags = { tag } });

    public void Resolved(DateTime at, ResolvedBy by) => Add(at, (f, _) => f.ChatResolved = new ChatResolved { ChatId = chatId, ResolvedBy = by });

    public void Ended(DateTime at) => Add(at, (f, _) => f.ChatEnded = new ChatEnded { ChatId = chatId });

    public void Rated(DateTime at, int stars) => Add(at, (f, _) => f.ChatRated = new ChatRated { ChatId = chatId, Stars = stars });

    /// <summary>Places an order of the customer's; returns its id, for a cancellation.</summary>
    public string OrderPlaced(DateTime at, string customer, long amountMinor) =>
        "order-" + Add(at, (f, id) => f.OrderPlaced = new OrderPlaced { OrderId = $"order-{id}", CustomerId = customer, AmountMinor = amountMinor, Currency = "BRL" });

    public void OrderCancelled(DateTime at, string order, string customer, OrderCancellationKind kind) =>
        Add(at, (f, _) => f.OrderCancelled = new OrderCancelled { OrderId = order, CustomerId = customer, CancellationKind = kind });

    /// <summary>Writes a fact (kept when due) and returns its id.</summary>
    private string Add(DateTime local, Action<Fact, string> fill)
    {
        var id = $"{chatId}/{_sequence++:D2}";
        var at = DemoShop.Utc(local);
        var fact = new Fact { EventId = id, ShopId = shopId, OccurredAt = Timestamp.FromDateTime(at) };
        fill(fact, id);
        if (at < cutoff)
        {
            output.Add(fact);
        }

        return id;
    }
}
