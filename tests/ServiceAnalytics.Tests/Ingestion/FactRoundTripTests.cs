using ClickHouse.Driver.ADO.Parameters;

namespace ServiceAnalytics.Tests.Ingestion;

/// <summary>Every kind of fact lands in its table with every field where a BI tool expects it.</summary>
public sealed class FactRoundTripTests(ServiceHostFixture service) : IClassFixture<ServiceHostFixture>
{
    private IngestionService.IngestionServiceClient Client => new(service.Host.Channel);

    [Fact]
    public async Task Each_kind_of_fact_is_stored_field_by_field()
    {
        var scenario = new FactScenario($"shop-{Guid.NewGuid():N}");
        var at = new DateTime(2026, 11, 20, 9, 15, 30, 123, DateTimeKind.Utc);
        scenario.ChatStarted("c1", "u1", at, ["pre-purchase", "größe ✓"]);
        scenario.Add(at.AddSeconds(1), f => f.MessageSent = new MessageSent
        {
            ChatId = "c1", MessageId = "m1", SenderRole = SenderRole.Customer, Kind = MessageKind.OffHoursAutoReply, ExpectsNoReply = true,
        });
        scenario.Assigned("c1", "a1", "a2", at.AddSeconds(2));
        scenario.Add(at.AddSeconds(3), f => f.ChatTagged = new ChatTagged { ChatId = "c1", Tags = { "logistics", "return-refund" } });
        scenario.Add(at.AddSeconds(4), f => f.ChatResolved = new ChatResolved { ChatId = "c1", ResolvedBy = ResolvedBy.Assistant });
        scenario.Rated("c1", 4, at.AddSeconds(5));
        scenario.OrderPlaced("o1", "u1", at.AddSeconds(6), 123_456_789_012);
        scenario.Add(at.AddSeconds(7), f => f.OrderCancelled = new OrderCancelled { OrderId = "o1", CustomerId = "u1", CancellationKind = OrderCancellationKind.Refunded });
        scenario.Agent("a2", "Zoë O'Neil", false, at.AddSeconds(8));
        scenario.Add(at.AddSeconds(9), f => f.ShopSettingsChanged = new ShopSettingsChanged
        {
            TimeZone = "America/Sao_Paulo",
            BusinessHours = { new BusinessHours { IsoDayOfWeek = 1, OpenMinute = 540, CloseMinute = 1080 }, new BusinessHours { IsoDayOfWeek = 7, OpenMinute = 0, CloseMinute = 1440 } },
            Holidays = { new HolidayPeriod { FirstDay = "2026-12-24", LastDay = "2027-01-01" } },
        });

        var response = await Client.IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } });
        Assert.Empty(response.Outcome.Rejected);

        using var probe = StoreProbe.For(service.Host);
        var e = scenario.Facts.Select(f => f.EventId).ToList();
        Assert.Equal($"c1|{e[0]}|2026-11-20 09:15:30.123|u1|product_page|customer|['pre-purchase','größe ✓']",
            await RowAsync(probe, "SELECT concat(chat_id, '|', event_id, '|', toString(occurred_at), '|', customer_id, '|', entry_point, '|', initiator, '|', toString(tags)) FROM chat_starts", scenario.ShopId));
        Assert.Equal("c1|m1|customer||off_hours_auto_reply|true",
            await RowAsync(probe, "SELECT concat(chat_id, '|', message_id, '|', sender_role, '|', agent_id, '|', message_kind, '|', toString(expects_no_reply)) FROM chat_messages", scenario.ShopId));
        Assert.Equal(
            "assigned|a1|a2|[]||0;tagged|||['logistics','return-refund']||0;resolved|||[]|assistant|0;rated|||[]||4",
            await RowAsync(probe, "SELECT arrayStringConcat(groupArray(concat(kind, '|', from_agent_id, '|', to_agent_id, '|', toString(tags), '|', resolved_by, '|', toString(stars))), ';') FROM (SELECT * FROM chat_events WHERE shop_id = {shop:String} ORDER BY occurred_at)", scenario.ShopId, filter: false));
        Assert.Equal("placed|123456789012|EUR;refunded|0|",
            await RowAsync(probe, "SELECT arrayStringConcat(groupArray(concat(kind, '|', toString(amount_minor), '|', currency)), ';') FROM (SELECT * FROM orders WHERE shop_id = {shop:String} ORDER BY occurred_at)", scenario.ShopId, filter: false));
        Assert.Equal("a2|Zoë O'Neil|false",
            await RowAsync(probe, "SELECT concat(agent_id, '|', display_name, '|', toString(active)) FROM agents", scenario.ShopId));
        Assert.Equal("America/Sao_Paulo|[(1,540,1080),(7,0,1440)]|[('2026-12-24','2027-01-01')]",
            await RowAsync(probe, "SELECT concat(time_zone, '|', toString(business_hours), '|', toString(holidays)) FROM shop_settings", scenario.ShopId));
    }

    [Fact]
    public async Task A_chat_started_without_an_entry_point_is_accepted_and_stored_with_none_but_an_initiator_is_required()
    {
        var scenario = new FactScenario($"shop-{Guid.NewGuid():N}");
        var at = DateTime.UtcNow.AddHours(-1);
        scenario.Add(at, f => f.ChatStarted = new ChatStarted { ChatId = "c1", CustomerId = "u1", Initiator = ChatInitiator.Customer });
        scenario.Add(at, f => f.ChatStarted = new ChatStarted { ChatId = "c2", CustomerId = "u2", EntryPoint = EntryPoint.Live });

        var outcome = (await Client.IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } })).Outcome;

        var rejected = Assert.Single(outcome.Rejected);
        Assert.Equal((1, "chat_started.initiator"), (rejected.Index, rejected.Field));
        using var probe = StoreProbe.For(service.Host);
        Assert.Equal("c1||customer", await RowAsync(probe, "SELECT concat(chat_id, '|', entry_point, '|', initiator) FROM chat_starts", scenario.ShopId));
    }

    private static async Task<string> RowAsync(StoreProbe probe, string sql, string shop, bool filter = true)
    {
        await probe.AcknowledgedFactsCommittedAsync();
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shop);
        return (string)(await probe.Store.Client.ExecuteScalarAsync(filter ? $"{sql} FINAL WHERE shop_id = {{shop:String}}" : sql, parameters))!;
    }
}
