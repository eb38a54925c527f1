using Google.Protobuf.WellKnownTypes;

namespace ServiceAnalytics.Tests.Ingestion;

/// <summary>
/// Builds facts for one shop and keeps, next to them, what the store must hold once they are in: the expected
/// counts are computed here, from the facts, not read back from the service.
/// </summary>
public sealed class FactScenario(string shopId)
{
    private static readonly DateTime s_origin = DateTime.UtcNow.Date.AddDays(-40);
    private readonly List<Fact> _facts = [];
    private int _sequence;

    public string ShopId { get; } = shopId;

    public IReadOnlyList<Fact> Facts => _facts;

    /// <summary>
    /// A synthetic but realistic mix: per chat a start, customer inquiries, assistant and agent replies, and
    /// for some chats a rating, an end and an order by the same customer. About 10 facts per chat.
    /// </summary>
    public static FactScenario Synthetic(string shopId, int chats, int seed = 7)
    {
        var scenario = new FactScenario(shopId);
        var random = new Random(seed);
        // Chats spread over 30 days, so every fact (the latest come ~3 days after their chat starts) is in the past.
        var spacing = TimeSpan.FromDays(30) / Math.Max(chats, 1);
        scenario.Agent("agent-1", "Ada", true, s_origin);
        scenario.Agent("agent-2", "Bo", true, s_origin);
        for (var c = 0; c < chats; c++)
        {
            var chat = $"chat-{c}";
            var customer = $"customer-{c % (chats / 3 + 1)}";
            var at = s_origin + (spacing * c);
            scenario.ChatStarted(chat, customer, at, c % 4 == 0 ? ["pre-purchase"] : []);
            scenario.Message(chat, SenderRole.Customer, MessageKind.Text, at.AddSeconds(1));
            scenario.Message(chat, SenderRole.Assistant, MessageKind.Greeting, at.AddSeconds(2));
            scenario.Message(chat, SenderRole.Customer, MessageKind.Text, at.AddSeconds(30));
            if (c % 5 == 0)
            {
                scenario.Message(chat, SenderRole.Assistant, MessageKind.FaqCard, at.AddSeconds(31));
            }

            scenario.Message(chat, SenderRole.Agent, MessageKind.Text, at.AddMinutes(random.Next(1, 3000)), agentId: c % 2 == 0 ? "agent-1" : "agent-2");
            scenario.Message(chat, SenderRole.Customer, MessageKind.Text, at.AddHours(50), expectsNoReply: true);
            scenario.Assigned(chat, "", "agent-1", at.AddSeconds(3));
            scenario.Ended(chat, at.AddHours(51));
            if (c % 3 == 0)
            {
                scenario.Rated(chat, 1 + (c % 5), at.AddHours(52));
            }

            if (c % 2 == 0)
            {
                scenario.OrderPlaced($"order-{c}", customer, at.AddDays(2), 1999);
            }
        }

        return scenario;
    }

    public Fact Add(DateTime at, Action<Fact> fill)
    {
        var fact = new Fact { EventId = $"evt-{ShopId}-{_sequence++}", ShopId = ShopId, OccurredAt = Timestamp.FromDateTime(at) };
        fill(fact);
        _facts.Add(fact);
        return fact;
    }

    public Fact ChatStarted(string chat, string customer, DateTime at, string[] tags) => Add(at, f => f.ChatStarted = new ChatStarted
    {
        ChatId = chat, CustomerId = customer, EntryPoint = EntryPoint.ProductPage, Initiator = ChatInitiator.Customer, Tags = { tags },
    });

    public Fact Message(string chat, SenderRole role, MessageKind kind, DateTime at, string agentId = "", bool expectsNoReply = false) => Add(at, f => f.MessageSent = new MessageSent
    {
        ChatId = chat, MessageId = $"msg-{_sequence}", SenderRole = role, Kind = kind, AgentId = agentId, ExpectsNoReply = expectsNoReply,
    });

    /// <summary>A chat of customer <c>u-{chat}</c> without tags, opening with the customer's text question.</summary>
    public void CustomerAsks(string chat, DateTime at)
    {
        ChatStarted(chat, $"u-{chat}", at, []);
        Message(chat, SenderRole.Customer, MessageKind.Text, at);
    }

    public Fact Assigned(string chat, string from, string to, DateTime at) => Add(at, f => f.ChatAssigned = new ChatAssigned { ChatId = chat, FromAgentId = from, ToAgentId = to });

    public Fact Ended(string chat, DateTime at) => Add(at, f => f.ChatEnded = new ChatEnded { ChatId = chat });

    public Fact Rated(string chat, int stars, DateTime at) => Add(at, f => f.ChatRated = new ChatRated { ChatId = chat, Stars = stars });

    public Fact OrderPlaced(string order, string customer, DateTime at, long amountMinor) => Add(at, f => f.OrderPlaced = new OrderPlaced
    {
        OrderId = order, CustomerId = customer, AmountMinor = amountMinor, Currency = "EUR",
    });

    public Fact Agent(string agent, string name, bool active, DateTime at) => Add(at, f => f.AgentUpserted = new AgentUpserted { AgentId = agent, DisplayName = name, Active = active });

    /// <summary>What the store must hold for these facts, each counted once.</summary>
    public StoredFacts Expected()
    {
        var messages = _facts.Where(f => f.KindCase == Fact.KindOneofCase.MessageSent).ToList();
        var chatsWithMessages = messages.GroupBy(f => f.MessageSent.ChatId).ToList();
        var firstCustomer = chatsWithMessages
            .Select(g => g.Where(f => f.MessageSent.SenderRole == SenderRole.Customer).Select(f => f.OccurredAt.ToDateTime()).DefaultIfEmpty(DateTime.MaxValue).Min())
            .Where(t => t != DateTime.MaxValue);
        var firstHuman = chatsWithMessages
            .Select(g => g.Where(f => f.MessageSent.SenderRole == SenderRole.Agent).Select(f => f.OccurredAt.ToDateTime()).DefaultIfEmpty(DateTime.MaxValue).Min())
            .Where(t => t != DateTime.MaxValue);
        return new StoredFacts(
            ChatStarts: Count(Fact.KindOneofCase.ChatStarted),
            ChatMessages: messages.Count,
            ChatEvents: Count(Fact.KindOneofCase.ChatAssigned) + Count(Fact.KindOneofCase.ChatTagged) + Count(Fact.KindOneofCase.ChatResolved)
                + Count(Fact.KindOneofCase.ChatEnded) + Count(Fact.KindOneofCase.ChatRated),
            Orders: Count(Fact.KindOneofCase.OrderPlaced) + Count(Fact.KindOneofCase.OrderCancelled),
            Agents: Count(Fact.KindOneofCase.AgentUpserted),
            ResponseChats: chatsWithMessages.Count,
            TimelineEntries: messages.Count,
            FirstCustomerMessageMsSum: firstCustomer.Sum(t => (long)(t - DateTime.UnixEpoch).TotalMilliseconds),
            FirstHumanReplyMsSum: firstHuman.Sum(t => (long)(t - DateTime.UnixEpoch).TotalMilliseconds),
            EndedChats: _facts.Where(f => f.KindCase == Fact.KindOneofCase.ChatEnded).Select(f => f.ChatEnded.ChatId).Distinct().Count(),
            ConversionChats: Count(Fact.KindOneofCase.ChatStarted),
            ConversionOrders: Count(Fact.KindOneofCase.OrderPlaced));
    }

    private int Count(Fact.KindOneofCase kind) => _facts.Count(f => f.KindCase == kind);
}

/// <summary>What the store holds for one shop, each fact once (raw tables read with FINAL, aggregates merged).</summary>
public sealed record StoredFacts(
    long ChatStarts, long ChatMessages, long ChatEvents, long Orders, long Agents,
    long ResponseChats, long TimelineEntries, long FirstCustomerMessageMsSum, long FirstHumanReplyMsSum, long EndedChats,
    long ConversionChats, long ConversionOrders);
