using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// Maps a validated fact to its row in a raw fact table: the one place where a proto field meets a column
/// (columns in the order of <see cref="FactTables"/>; table definitions in migration 0001).
/// </summary>
internal static class FactRows
{
    public static void Add(FactBatch batch, Fact fact)
    {
        var shop = fact.ShopId;
        var id = fact.EventId;
        // ClickHouse keeps DateTime64(3): milliseconds, so identical re-sends compare equal there too.
        var at = fact.OccurredAt.ToDateTime();
        at = at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMillisecond));
        switch (fact.KindCase)
        {
            case Fact.KindOneofCase.ChatStarted:
                var started = fact.ChatStarted;
                batch.Add(FactTables.ChatStarts,
                    [shop, started.ChatId, id, at, started.CustomerId, ProtoEnums.Code(started.EntryPoint), ProtoEnums.Code(started.Initiator), started.Tags.ToArray()]);
                break;
            case Fact.KindOneofCase.MessageSent:
                var message = fact.MessageSent;
                batch.Add(FactTables.ChatMessages,
                    [shop, message.ChatId, id, at, message.MessageId, ProtoEnums.Code(message.SenderRole), message.AgentId, ProtoEnums.Code(message.Kind), message.ExpectsNoReply]);
                break;
            case Fact.KindOneofCase.ChatAssigned:
                batch.Add(FactTables.ChatEvents, ChatEvent(shop, fact.ChatAssigned.ChatId, id, at, "assigned", from: fact.ChatAssigned.FromAgentId, to: fact.ChatAssigned.ToAgentId));
                break;
            case Fact.KindOneofCase.ChatTagged:
                batch.Add(FactTables.ChatEvents, ChatEvent(shop, fact.ChatTagged.ChatId, id, at, "tagged", tags: [.. fact.ChatTagged.Tags]));
                break;
            case Fact.KindOneofCase.ChatResolved:
                batch.Add(FactTables.ChatEvents, ChatEvent(shop, fact.ChatResolved.ChatId, id, at, "resolved", resolvedBy: ProtoEnums.Code(fact.ChatResolved.ResolvedBy)));
                break;
            case Fact.KindOneofCase.ChatEnded:
                batch.Add(FactTables.ChatEvents, ChatEvent(shop, fact.ChatEnded.ChatId, id, at, "ended"));
                break;
            case Fact.KindOneofCase.ChatRated:
                batch.Add(FactTables.ChatEvents, ChatEvent(shop, fact.ChatRated.ChatId, id, at, "rated", stars: (byte)fact.ChatRated.Stars));
                break;
            case Fact.KindOneofCase.OrderPlaced:
                var order = fact.OrderPlaced;
                batch.Add(FactTables.Orders, [shop, order.CustomerId, order.OrderId, id, at, "placed", order.AmountMinor, order.Currency]);
                break;
            case Fact.KindOneofCase.OrderCancelled:
                var cancelled = fact.OrderCancelled;
                batch.Add(FactTables.Orders, [shop, cancelled.CustomerId, cancelled.OrderId, id, at, ProtoEnums.Code(cancelled.CancellationKind), 0L, ""]);
                break;
            case Fact.KindOneofCase.AgentUpserted:
                var agent = fact.AgentUpserted;
                batch.Add(FactTables.Agents, [shop, agent.AgentId, id, at, agent.DisplayName, agent.Active]);
                break;
            case Fact.KindOneofCase.ShopSettingsChanged:
                var settings = fact.ShopSettingsChanged;
                batch.Add(FactTables.ShopSettings,
                [
                    shop, id, at, settings.TimeZone,
                    settings.BusinessHours.Select(h => Tuple.Create((byte)h.IsoDayOfWeek, (ushort)h.OpenMinute, (ushort)h.CloseMinute)).ToArray(),
                    settings.Holidays.Select(h => Tuple.Create(Day(h.FirstDay), Day(h.LastDay))).ToArray(),
                ]);
                break;
            default:
                throw new ArgumentException($"Fact {id} has no kind; validate facts before mapping them.", nameof(fact));
        }
    }

    private static object[] ChatEvent(
        string shop, string chat, string id, DateTime at, string kind,
        string from = "", string to = "", string[]? tags = null, string resolvedBy = "", byte stars = 0) =>
        [shop, chat, id, at, kind, from, to, tags ?? [], resolvedBy, stars];

    private static DateOnly Day(string text) => FactValidator.TryParseDay(text, out var day) ? day : throw new ArgumentException($"'{text}' is not a day.", nameof(text));
}
