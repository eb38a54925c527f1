namespace ServiceAnalytics.Tests.Rollups;

/// <summary>
/// Forty local days of a shop's chats ending now, every kind the definitions tell apart: replies on time, late
/// and never; assistant-solved chats with and without a human after; several inquiries; seller-started chats;
/// transfers; ratings; orders inside and outside the 7 days; a holiday; chats still pending today.
/// </summary>
internal static class RollupScenario
{
    public static readonly string[] Agents = ["agent-a", "agent-b", "agent-c"];

    /// <summary>
    /// Every local day a scenario built at <paramref name="now"/> can touch, in any zone: its first chat is up to 41
    /// days before <paramref name="now"/>, which west of UTC early in the UTC day is 42 UTC dates back; east of UTC
    /// its latest chat may be on tomorrow's UTC date.
    /// </summary>
    public static (DateOnly First, DateOnly Last) Days(DateTime now) =>
        (DateOnly.FromDateTime(now).AddDays(-42), DateOnly.FromDateTime(now).AddDays(1));

    public static FactScenario Build(string shopId, string timeZone, DateTime now, int seed)
    {
        var s = new FactScenario(shopId);
        var random = new Random(seed);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        var holiday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now.AddDays(-20), zone));
        s.Add(now.AddDays(-60), f => f.ShopSettingsChanged = new ShopSettingsChanged
        {
            TimeZone = timeZone,
            Holidays = { new HolidayPeriod { FirstDay = holiday.ToString("yyyy-MM-dd"), LastDay = holiday.ToString("yyyy-MM-dd") } },
        });
        foreach (var agent in Agents)
        {
            s.Agent(agent, agent.ToUpperInvariant(), true, now.AddDays(-60));
        }

        var chat = 0;
        for (var daysAgo = 40; daysAgo >= 0; daysAgo--)
        {
            for (var i = 0; i < 5; i++, chat++)
            {
                var at = now.AddDays(-daysAgo).AddMinutes(-random.Next(0, 24 * 60));
                // Every tenth chat's customer chats only once, so an order of theirs concerns that chat alone.
                var customer = chat % 10 == 2 ? $"customer-solo-{chat}" : $"customer-{random.Next(0, 25)}";
                AddChat(s, $"chat-{chat}", customer, at, chat, now);
            }
        }

        return s;
    }

    private static void AddChat(FactScenario s, string chat, string customer, DateTime at, int n, DateTime now)
    {
        void When(DateTime time, Action<DateTime> add)
        {
            if (time < now)
            {
                add(time);
            }
        }

        var agent = Agents[n % 3];
        string[] tags = n % 4 == 0 ? ["shipping"] : n % 4 == 1 ? ["refund", "vip"] : [];
        s.Add(at, f => f.ChatStarted = new ChatStarted
        {
            ChatId = chat, CustomerId = customer, EntryPoint = EntryPoint.ProductPage,
            Initiator = n % 13 == 6 ? ChatInitiator.Seller : ChatInitiator.Customer, Tags = { tags },
        });
        s.Message(chat, SenderRole.Customer, MessageKind.Text, at.AddSeconds(1));
        When(at.AddSeconds(5), t => s.Assigned(chat, "", agent, t));
        switch (n % 7)
        {
            case 0:
                When(at.AddMinutes(10 + n), t => s.Message(chat, SenderRole.Agent, MessageKind.Text, t, agent));
                break;
            case 1:
                When(at.AddHours(30), t => s.Message(chat, SenderRole.Agent, MessageKind.Text, t, agent));
                break;
            case 2:
                // Never answered: non-responded once its 24 hours pass, pending before.
                break;
            case 3:
                When(at.AddSeconds(20), t => s.Message(chat, SenderRole.Assistant, MessageKind.FaqCard, t));
                break;
            case 4:
                When(at.AddSeconds(20), t => s.Message(chat, SenderRole.Assistant, MessageKind.FaqCard, t));
                When(at.AddHours(2), t => s.Message(chat, SenderRole.Agent, MessageKind.Text, t, agent));
                break;
            default:
                When(at.AddMinutes(5), t => s.Message(chat, SenderRole.Agent, MessageKind.Text, t, agent));
                When(at.AddHours(2), t => s.Message(chat, SenderRole.Customer, MessageKind.Text, t));
                When(at.AddHours(2).AddMinutes(1), t => s.Assigned(chat, agent, Agents[(n + 1) % 3], t));
                When(at.AddHours(n % 2 == 0 ? 3 : 27), t => s.Message(chat, SenderRole.Agent, MessageKind.Text, t, Agents[(n + 1) % 3]));
                break;
        }

        AddEnding(s, chat, customer, at, n, When);
    }

    /// <summary>How chat number <paramref name="n"/> ends: closed, rated, followed by an order (facts before now only).</summary>
    private static void AddEnding(FactScenario s, string chat, string customer, DateTime at, int n, Action<DateTime, Action<DateTime>> when)
    {
        if (n % 2 == 0)
        {
            when(at.AddHours(28), t => s.Ended(chat, t));
        }

        if (n % 3 == 0)
        {
            when(at.AddHours(29), t => s.Rated(chat, 1 + (n % 5), t));
        }

        if (n % 4 == 0)
        {
            // Six days after the end converts; eight days after does not.
            when(at.AddHours(28).AddDays(n % 8 == 0 ? 6 : 8), t => s.OrderPlaced($"order-{chat}", customer, t, 2500));
        }
    }
}
