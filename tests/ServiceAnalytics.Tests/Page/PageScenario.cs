namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// A small shop whose breakdown is known by construction, for the page tests: in the period day .. day+6 (São Paulo
/// days), 12 chats answered within 24 h (more than a 10-chat page, so the list pages), 3 answered late, 2 never
/// answered, 2 solved by the assistant, 1 without an inquiry and none pending; 4 answered chats in the previous period.
/// </summary>
internal static class PageScenario
{
    public const string TimeZone = "America/Sao_Paulo";

    public static readonly IReadOnlyDictionary<string, long> Breakdown = new Dictionary<string, long>
    {
        ["responded24h"] = 12,
        ["respondedLate"] = 3,
        ["nonResponded"] = 2,
        ["pending"] = 0,
        ["assistantSolved"] = 2,
        ["noInquiry"] = 1,
    };

    public static (FactScenario Scenario, DateOnly Day) Build()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-12);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        DateTime Local(int dayOffset, int hour, int minute = 0) =>
            TimeZoneInfo.ConvertTimeToUtc(day.AddDays(dayOffset).ToDateTime(new TimeOnly(hour, minute)), zone);

        s.Add(Local(-30, 0), f => f.ShopSettingsChanged = new ShopSettingsChanged { TimeZone = TimeZone });
        s.Agent("a1", "Ada", true, Local(-30, 0));

        void Answered(string chat, int dayOffset, int minutes, int stars)
        {
            s.ChatStarted(chat, $"u-{chat}", Local(dayOffset, 10), []);
            s.Message(chat, SenderRole.Customer, MessageKind.Text, Local(dayOffset, 10));
            s.Message(chat, SenderRole.Agent, MessageKind.Text, Local(dayOffset, 10).AddMinutes(minutes), agentId: "a1");
            if (stars > 0)
            {
                s.Rated(chat, stars, Local(dayOffset, 10).AddMinutes(minutes + 5));
            }
        }

        for (var i = 0; i < 4; i++)
        {
            Answered($"p{i}", -7 + i, 10, 5);
        }

        for (var i = 0; i < 12; i++)
        {
            Answered($"r{i}", i % 7, 10 + i, i < 4 ? 5 : i == 4 ? 2 : 0);
        }

        for (var i = 0; i < 3; i++)
        {
            Answered($"l{i}", i, 25 * 60, 0);
        }

        foreach (var (chat, dayOffset) in new[] { ("n0", 1), ("n1", 2) })
        {
            s.ChatStarted(chat, $"u-{chat}", Local(dayOffset, 11), []);
            s.Message(chat, SenderRole.Customer, MessageKind.Text, Local(dayOffset, 11));
        }

        foreach (var (chat, dayOffset) in new[] { ("s0", 3), ("s1", 4) })
        {
            s.ChatStarted(chat, $"u-{chat}", Local(dayOffset, 12), []);
            s.Message(chat, SenderRole.Customer, MessageKind.Text, Local(dayOffset, 12));
            s.Message(chat, SenderRole.Assistant, MessageKind.FaqCard, Local(dayOffset, 12, 1));
        }

        s.ChatStarted("q0", "u-q0", Local(5, 13), []);
        s.Message("q0", SenderRole.Customer, MessageKind.Text, Local(5, 13), expectsNoReply: true);
        return (s, day);
    }
}
