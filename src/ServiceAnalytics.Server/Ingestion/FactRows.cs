using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// Writes a validated fact as its row in a raw fact table: the one place where a proto field meets a column
/// (columns in the order of <see cref="FactTables"/>; table definitions in migration 0001).
/// </summary>
internal static class FactRows
{
    public static void Add(FactBatch batch, Fact fact)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(fact);
        var shop = fact.ShopId;
        var id = fact.EventId;
        // ClickHouse keeps DateTime64(3): milliseconds.
        var at = fact.OccurredAt.ToDateTime();
        switch (fact.KindCase)
        {
            case Fact.KindOneofCase.ChatStarted:
                ChatStart(batch, shop, id, at, fact.ChatStarted);
                break;
            case Fact.KindOneofCase.MessageSent:
                Message(batch, shop, id, at, fact.MessageSent);
                break;
            case Fact.KindOneofCase.ChatAssigned:
                ChatEvent(batch, shop, fact.ChatAssigned.ChatId, id, at, "assigned", from: fact.ChatAssigned.FromAgentId, to: fact.ChatAssigned.ToAgentId);
                break;
            case Fact.KindOneofCase.ChatTagged:
                ChatEvent(batch, shop, fact.ChatTagged.ChatId, id, at, "tagged", tags: fact.ChatTagged.Tags);
                break;
            case Fact.KindOneofCase.ChatResolved:
                ChatEvent(batch, shop, fact.ChatResolved.ChatId, id, at, "resolved", resolvedBy: ProtoEnums.Code(fact.ChatResolved.ResolvedBy));
                break;
            case Fact.KindOneofCase.ChatEnded:
                ChatEvent(batch, shop, fact.ChatEnded.ChatId, id, at, "ended");
                break;
            case Fact.KindOneofCase.ChatRated:
                ChatEvent(batch, shop, fact.ChatRated.ChatId, id, at, "rated", stars: (byte)fact.ChatRated.Stars);
                break;
            case Fact.KindOneofCase.OrderPlaced:
                var order = fact.OrderPlaced;
                Order(batch, shop, order.CustomerId, order.OrderId, id, at, "placed", order.AmountMinor, order.Currency);
                break;
            case Fact.KindOneofCase.OrderCancelled:
                var cancelled = fact.OrderCancelled;
                Order(batch, shop, cancelled.CustomerId, cancelled.OrderId, id, at, ProtoEnums.Code(cancelled.CancellationKind), 0, "");
                break;
            case Fact.KindOneofCase.AgentUpserted:
                var agent = fact.AgentUpserted;
                batch.RowsOf(FactTables.Agents)
                    .String(shop).String(agent.AgentId).String(id).Timestamp(at).String(agent.DisplayName).Bool(agent.Active)
                    .EndRow();
                break;
            case Fact.KindOneofCase.ShopSettingsChanged:
                ShopSettings(batch, shop, id, at, fact.ShopSettingsChanged);
                break;
            default:
                throw new ArgumentException($"Fact {id} has no kind; validate facts before mapping them.", nameof(fact));
        }
    }

    private static void ChatStart(FactBatch batch, string shop, string id, DateTime at, ChatStarted started)
    {
        batch.RowsOf(FactTables.ChatStarts)
            .String(shop).String(started.ChatId).String(id).Timestamp(at).String(started.CustomerId)
            // An entry point not known to the producer is stored as ''.
            .String(started.EntryPoint == EntryPoint.Unspecified ? "" : ProtoEnums.Code(started.EntryPoint)).String(ProtoEnums.Code(started.Initiator)).Strings(started.Tags)
            .EndRow();
        batch.Touch(shop, started.ChatId, "");
    }

    private static void Message(FactBatch batch, string shop, string id, DateTime at, MessageSent message)
    {
        batch.RowsOf(FactTables.ChatMessages)
            .String(shop).String(message.ChatId).String(id).Timestamp(at).String(message.MessageId)
            .String(ProtoEnums.Code(message.SenderRole)).String(message.AgentId).String(ProtoEnums.Code(message.Kind)).Bool(message.ExpectsNoReply)
            .EndRow();
        batch.Touch(shop, message.ChatId, "");
    }

    private static void ShopSettings(FactBatch batch, string shop, string id, DateTime at, ShopSettingsChanged settings)
    {
        batch.RowsOf(FactTables.ShopSettings)
            .String(shop).String(id).Timestamp(at).String(settings.TimeZone)
            .Array(settings.BusinessHours, static (row, h) => row.UInt8((byte)h.IsoDayOfWeek).UInt16((ushort)h.OpenMinute).UInt16((ushort)h.CloseMinute))
            .Array(settings.Holidays, static (row, h) => row.Date32(Day(h.FirstDay)).Date32(Day(h.LastDay)))
            .EndRow();
        // Zone and holidays decide every chat's day and counting.
        batch.Touch(shop, "", "");
    }

    private static void ChatEvent(
        FactBatch batch, string shop, string chat, string id, DateTime at, string kind,
        string from = "", string to = "", IReadOnlyCollection<string>? tags = null, string resolvedBy = "", byte stars = 0)
    {
        batch.RowsOf(FactTables.ChatEvents)
            .String(shop).String(chat).String(id).Timestamp(at).String(kind).String(from).String(to).Strings(tags ?? []).String(resolvedBy).UInt8(stars)
            .EndRow();
        batch.Touch(shop, chat, "");
    }

    private static void Order(FactBatch batch, string shop, string customer, string order, string id, DateTime at, string kind, long amountMinor, string currency)
    {
        batch.RowsOf(FactTables.Orders)
            .String(shop).String(customer).String(order).String(id).Timestamp(at).String(kind).Int64(amountMinor).String(currency)
            .EndRow();
        batch.Touch(shop, "", customer);
    }

    private static DateOnly Day(string text) => FactValidator.TryParseDay(text, out var day) ? day : throw new ArgumentException($"'{text}' is not a day.", nameof(text));
}
