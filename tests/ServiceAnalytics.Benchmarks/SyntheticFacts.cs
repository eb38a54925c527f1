using Google.Protobuf.WellKnownTypes;

namespace ServiceAnalytics.Benchmarks;

/// <summary>Deterministic chat-service facts: per chat a start, six messages, an assignment, an end; every other chat an order.</summary>
internal static class SyntheticFacts
{
    /// <param name="count">Facts to produce.</param>
    /// <param name="run">Distinguishes the ids of separate runs (a warm-up and the measured run never share a fact).</param>
    /// <param name="shops">Shops the chats are spread over.</param>
    public static IEnumerable<Fact> Generate(int count, string run = "m", int shops = 1000)
    {
        var origin = DateTime.UtcNow.Date.AddDays(-30);
        var produced = 0;
        for (var chat = 0; produced < count; chat++)
        {
            var shop = $"shop-{chat % shops:D4}";
            var chatId = $"{run}-chat-{chat:D8}";
            var customer = $"customer-{chat / 3:D8}";
            var at = origin.AddSeconds(chat % 2_000_000);
            foreach (var fact in ChatFacts(shop, chatId, customer, at, chat))
            {
                if (produced++ == count)
                {
                    yield break;
                }

                fact.EventId = $"{chatId}-{produced}";
                yield return fact;
            }
        }
    }

    private static IEnumerable<Fact> ChatFacts(string shop, string chat, string customer, DateTime at, int n)
    {
        Fact New(DateTime when) => new() { ShopId = shop, OccurredAt = Timestamp.FromDateTime(when) };

        var started = New(at);
        started.ChatStarted = new ChatStarted { ChatId = chat, CustomerId = customer, EntryPoint = EntryPoint.ProductPage, Initiator = ChatInitiator.Customer, Tags = { "pre-purchase" } };
        yield return started;
        (SenderRole Role, MessageKind Kind, int Seconds)[] messages =
        [
            (SenderRole.Customer, MessageKind.Text, 1), (SenderRole.Assistant, MessageKind.Greeting, 2), (SenderRole.Customer, MessageKind.Text, 40),
            (SenderRole.Agent, MessageKind.Text, 300), (SenderRole.Customer, MessageKind.Text, 400), (SenderRole.Agent, MessageKind.ProductCard, 460),
        ];
        foreach (var (role, kind, seconds) in messages)
        {
            var message = New(at.AddSeconds(seconds));
            message.MessageSent = new MessageSent
            {
                ChatId = chat, MessageId = $"{chat}-m{seconds}", SenderRole = role, Kind = kind, AgentId = role == SenderRole.Agent ? $"agent-{n % 20}" : "",
            };
            yield return message;
        }

        var assigned = New(at.AddSeconds(3));
        assigned.ChatAssigned = new ChatAssigned { ChatId = chat, ToAgentId = $"agent-{n % 20}" };
        yield return assigned;
        var ended = New(at.AddSeconds(900));
        ended.ChatEnded = new ChatEnded { ChatId = chat };
        yield return ended;
        if (n % 2 == 0)
        {
            var order = New(at.AddHours(5));
            order.OrderPlaced = new OrderPlaced { OrderId = $"{chat}-o", CustomerId = customer, AmountMinor = 2599, Currency = "EUR" };
            yield return order;
        }
    }

    /// <summary>
    /// The row a generated fact is stored as, as objects for <c>InsertBinaryAsync</c> (the baseline). Covers the
    /// kinds <see cref="Generate"/> produces; the enum codes are the ones the service stores.
    /// </summary>
    public static (FactTable Table, object[] Row) AsRow(Fact fact)
    {
        var at = fact.OccurredAt.ToDateTime();
        return fact.KindCase switch
        {
            Fact.KindOneofCase.ChatStarted => (FactTables.ChatStarts,
                [fact.ShopId, fact.ChatStarted.ChatId, fact.EventId, at, fact.ChatStarted.CustomerId, "product_page", "customer", fact.ChatStarted.Tags.ToArray()]),
            Fact.KindOneofCase.MessageSent => (FactTables.ChatMessages,
                [fact.ShopId, fact.MessageSent.ChatId, fact.EventId, at, fact.MessageSent.MessageId, fact.MessageSent.SenderRole.ToString().ToLowerInvariant(),
                 fact.MessageSent.AgentId, fact.MessageSent.Kind == MessageKind.ProductCard ? "product_card" : fact.MessageSent.Kind.ToString().ToLowerInvariant(), fact.MessageSent.ExpectsNoReply]),
            Fact.KindOneofCase.ChatAssigned => (FactTables.ChatEvents,
                [fact.ShopId, fact.ChatAssigned.ChatId, fact.EventId, at, "assigned", fact.ChatAssigned.FromAgentId, fact.ChatAssigned.ToAgentId, System.Array.Empty<string>(), "", (byte)0]),
            Fact.KindOneofCase.ChatEnded => (FactTables.ChatEvents,
                [fact.ShopId, fact.ChatEnded.ChatId, fact.EventId, at, "ended", "", "", System.Array.Empty<string>(), "", (byte)0]),
            Fact.KindOneofCase.OrderPlaced => (FactTables.Orders,
                [fact.ShopId, fact.OrderPlaced.CustomerId, fact.OrderPlaced.OrderId, fact.EventId, at, "placed", fact.OrderPlaced.AmountMinor, fact.OrderPlaced.Currency]),
            _ => throw new ArgumentException($"The generator produces no {fact.KindCase} facts.", nameof(fact)),
        };
    }
}
