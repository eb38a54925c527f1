namespace ServiceAnalytics.Tests.Metrics;

/// <summary>The scenario of the drill-down tests (DrillDownCountTests).</summary>
public sealed partial class OverviewTests
{
    /// <summary>An instant of the drill-down scenario: hour and minute of a day counted from 6 days ago (day 0).</summary>
    private delegate DateTime DrillDownClock(int day, int hour, int minute = 0);

    /// <summary>
    /// The drill-down scenario: the 7 days ending today (UTC shop) with three agents, transfers, late, non-responded
    /// and pending inquiries, a holiday, tags, ratings and conversions; one chat 10 days ago for the previous period
    /// and the 28-day customer counts. Each chat's comment says what it counts as.
    /// </summary>
    private async Task<(FactScenario Scenario, DateOnly Today)> IngestDrillDownScenarioAsync()
    {
        var now = DateTime.UtcNow;
        var today = DateOnly.FromDateTime(now);
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        // Day 0 is 6 days ago; every inquiry before day 5 has its 24 hours over whenever today the test runs.
        DrillDownClock at = (day, hour, minute) => today.AddDays(day - 6).ToDateTime(new TimeOnly(hour, minute), DateTimeKind.Utc);
        s.Add(at(-30, 0), f => f.ShopSettingsChanged = new ShopSettingsChanged
        {
            TimeZone = "Etc/UTC",
            Holidays = { new HolidayPeriod { FirstDay = Text(today.AddDays(-5)), LastDay = Text(today.AddDays(-5)) } },
        });
        s.Agent("a1", "Ann", true, at(-30, 0));
        s.Agent("a2", "Ben", true, at(-30, 0));
        s.Agent("a3", "Cid", true, at(-30, 0));

        AddDrillDownChatsD0ToD4(s, at);
        AddDrillDownChatsD5ToD11(s, at, now);
        await IngestShuffledTwiceAsync(s);
        return (s, today);
    }

    /// <summary>d0 (previous period) to d4: answered, late, transferred, holiday and unassigned chats.</summary>
    private static void AddDrillDownChatsD0ToD4(FactScenario s, DrillDownClock at)
    {
        // d0, previous period: answered by a1 in a minute; u0 orders the next day (converted).
        Chat(s, "d0", "u0", at(-4, 10));
        s.Message("d0", SenderRole.Customer, MessageKind.Text, at(-4, 10));
        s.Message("d0", SenderRole.Agent, MessageKind.Text, at(-4, 10, 1), agentId: "a1");
        s.OrderPlaced("o0", "u0", at(-3, 10), 100);

        // d1 (shipping), assigned to a1: answered by a1 in 20 min, then after 25 h (late), then never (charged to
        // a1, assigned when its 24 h closed). Rated 5; u1 orders after it ended: converted.
        s.ChatStarted("d1", "u1", at(0, 9), ["shipping"]);
        s.Assigned("d1", "", "a1", at(0, 9, 1));
        s.Message("d1", SenderRole.Customer, MessageKind.Text, at(0, 9));
        s.Message("d1", SenderRole.Agent, MessageKind.Text, at(0, 9, 20), agentId: "a1");
        s.Message("d1", SenderRole.Customer, MessageKind.Text, at(0, 10));
        s.Message("d1", SenderRole.Agent, MessageKind.Text, at(1, 11), agentId: "a1");
        s.Message("d1", SenderRole.Customer, MessageKind.Text, at(1, 12));
        s.Ended("d1", at(1, 13));
        s.Rated("d1", 5, at(1, 14));
        s.OrderPlaced("o1", "u1", at(2, 10), 100);

        // d2 (returns): a1, transferred to a2, who answers in 2 h; transferred to a3, who answers the second
        // inquiry after 27 h (late, credited to a3). Rated 2.
        s.ChatStarted("d2", "u2", at(0, 14), ["returns"]);
        s.Assigned("d2", "", "a1", at(0, 14, 1));
        s.Message("d2", SenderRole.Customer, MessageKind.Text, at(0, 14));
        s.Assigned("d2", "a1", "a2", at(0, 15));
        s.Message("d2", SenderRole.Agent, MessageKind.Text, at(0, 16), agentId: "a2");
        s.Message("d2", SenderRole.Customer, MessageKind.Text, at(0, 17));
        s.Assigned("d2", "a2", "a3", at(1, 19));
        s.Message("d2", SenderRole.Agent, MessageKind.Text, at(1, 20), agentId: "a3");
        s.Rated("d2", 2, at(1, 21));

        // d3 (shipping), on the holiday: a2 answers after two days. Late-responded, out of every inquiry count;
        // handled by a2 and rated 4.
        s.ChatStarted("d3", "u3", at(1, 10), ["shipping"]);
        s.Message("d3", SenderRole.Customer, MessageKind.Text, at(1, 10));
        s.Message("d3", SenderRole.Agent, MessageKind.Text, at(3, 10), agentId: "a2");
        s.Rated("d3", 4, at(3, 11));

        // d4 (returns, added): never answered, nobody assigned when its 24 h closed (unassigned); assigned to a2
        // later (a first assignment: no transfer).
        Chat(s, "d4", "u4", at(2, 9));
        s.Message("d4", SenderRole.Customer, MessageKind.Text, at(2, 9));
        s.Add(at(2, 9, 5), f => f.ChatTagged = new ChatTagged { ChatId = "d4", Tags = { "returns" } });
        s.Assigned("d4", "", "a2", at(3, 12));
    }

    /// <summary>d5 to d11: assistant-solved, converted, no-inquiry, seller-started, pending and non-responded chats.</summary>
    private static void AddDrillDownChatsD5ToD11(FactScenario s, DrillDownClock at, DateTime now)
    {
        // d5 (shipping, added): solved by an FAQ card; assigned to a3 and transferred to a1 (transfers count for any
        // chat received). Rated 3.
        Chat(s, "d5", "u5", at(2, 11));
        s.Message("d5", SenderRole.Customer, MessageKind.Text, at(2, 11));
        s.Message("d5", SenderRole.Assistant, MessageKind.FaqCard, at(2, 11, 1));
        s.Add(at(2, 11, 2), f => f.ChatTagged = new ChatTagged { ChatId = "d5", Tags = { "shipping" } });
        s.Assigned("d5", "", "a3", at(2, 11, 5));
        s.Assigned("d5", "a3", "a1", at(2, 11, 30));
        s.Rated("d5", 3, at(2, 12));

        // d6: u1 again, answered by a2 in 5 min; a closing message expects no reply; u1 orders after: converted.
        Chat(s, "d6", "u1", at(3, 10));
        s.Message("d6", SenderRole.Customer, MessageKind.Text, at(3, 10));
        s.Message("d6", SenderRole.Agent, MessageKind.Text, at(3, 10, 5), agentId: "a2");
        s.Message("d6", SenderRole.Customer, MessageKind.Text, at(3, 10, 30), expectsNoReply: true);
        s.OrderPlaced("o6", "u1", at(3, 12), 100);

        // d7: only a message that expects no reply (no inquiry). Rated 5.
        Chat(s, "d7", "u7", at(3, 15));
        s.Message("d7", SenderRole.Customer, MessageKind.Text, at(3, 15), expectsNoReply: true);
        s.Rated("d7", 5, at(3, 16));

        // d8: started by the seller: counted nowhere.
        s.Add(at(4, 9), f => f.ChatStarted = new ChatStarted { ChatId = "d8", CustomerId = "u8", EntryPoint = EntryPoint.OrderPage, Initiator = ChatInitiator.Seller });
        s.Message("d8", SenderRole.Agent, MessageKind.Text, at(4, 9), agentId: "a1");
        s.Message("d8", SenderRole.Customer, MessageKind.Text, at(4, 9, 5));

        // d9 (returns): asked an hour ago, assigned to a2: pending.
        s.ChatStarted("d9", "u9", now.AddHours(-1), ["returns"]);
        s.Message("d9", SenderRole.Customer, MessageKind.Text, now.AddHours(-1));
        s.Assigned("d9", "", "a2", now.AddMinutes(-50));

        // d10, a3's: answered in 10 min, then in 23 h 59 min (both on time). Rated 1.
        Chat(s, "d10", "u10", at(4, 8));
        s.Assigned("d10", "", "a3", at(4, 8, 1));
        s.Message("d10", SenderRole.Customer, MessageKind.Text, at(4, 8));
        s.Message("d10", SenderRole.Agent, MessageKind.Text, at(4, 8, 10), agentId: "a3");
        s.Message("d10", SenderRole.Customer, MessageKind.Text, at(4, 9));
        s.Message("d10", SenderRole.Agent, MessageKind.Text, at(5, 8, 59), agentId: "a3");
        s.Rated("d10", 1, at(5, 9));

        // d11 (shipping): assigned to a3, never answered (charged to a3), transferred to a1 after its 24 h.
        s.ChatStarted("d11", "u11", at(4, 12), ["shipping"]);
        s.Message("d11", SenderRole.Customer, MessageKind.Text, at(4, 12));
        s.Assigned("d11", "", "a3", at(4, 12, 5));
        s.Assigned("d11", "a3", "a1", at(5, 13));
    }
}
