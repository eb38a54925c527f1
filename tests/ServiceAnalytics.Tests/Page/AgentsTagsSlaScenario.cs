namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// Shops for the agent details, tags, SLA queue and hints sections, with every expected figure worked out by hand
/// below (UTC shops; the period is day .. day+6, day twelve days ago). Each chat has one inquiry, so an inquiry
/// count's list holds that many chats.
/// </summary>
internal static class AgentsTagsSlaScenario
{
    public const string Ada = "a1";
    public const string Bo = "a2";

    /// <summary>
    /// 11 chats in the period. Ada answers r0–r3 within 24 h (10, 20, 30, 40 min; rated 5, 4, 2, none) and l0 after
    /// 25 h. b0 goes to Ada, then is transferred to Bo, who answers it in 5 min (rated 5); Bo answers b1 in 15 min.
    /// n0 (assigned to Bo) and n1 (nobody) are never answered. s0 and s1 are solved by the assistant. r0 and s0
    /// convert. Tags: pre-purchase on r0, r1, l0, b0, n0; shipping on r2, r3, b1, n1, s0, s1. Pending now, outside the
    /// period: w2 (30 min left), w0 (4 h left, Ada's), w1 (22 h left).
    /// </summary>
    public static (FactScenario Scenario, DateOnly Day) Agents()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-12);
        DateTime At(int dayOffset, int hour) => day.AddDays(dayOffset).ToDateTime(new TimeOnly(hour, 0), DateTimeKind.Utc);
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        s.Agent(Ada, "Ada", true, At(-30, 0));
        s.Agent(Bo, "Bo", true, At(-30, 0));

        void Chat(string chat, DateTime at, string tag, string[] assignees, string replier, int minutes, int stars, bool converts)
        {
            s.ChatStarted(chat, $"u-{chat}", at, [tag]);
            s.Message(chat, SenderRole.Customer, MessageKind.Text, at);
            for (var i = 0; i < assignees.Length; i++)
            {
                s.Assigned(chat, i == 0 ? "" : assignees[i - 1], assignees[i], at.AddMinutes(i + 1));
            }

            if (replier != "")
            {
                s.Message(chat, SenderRole.Agent, MessageKind.Text, at.AddMinutes(minutes), agentId: replier);
            }

            if (stars > 0)
            {
                s.Rated(chat, stars, at.AddMinutes(minutes + 5));
            }

            if (converts)
            {
                s.OrderPlaced($"o-{chat}", $"u-{chat}", at.AddDays(2), 2500);
            }
        }

        Chat("r0", At(0, 10), "pre-purchase", [Ada], Ada, 10, 5, true);
        Chat("r1", At(1, 10), "pre-purchase", [Ada], Ada, 20, 4, false);
        Chat("r2", At(2, 10), "shipping", [Ada], Ada, 30, 2, false);
        Chat("r3", At(3, 10), "shipping", [Ada], Ada, 40, 0, false);
        Chat("l0", At(1, 14), "pre-purchase", [Ada], Ada, 25 * 60, 0, false);
        Chat("b0", At(2, 15), "pre-purchase", [Ada, Bo], Bo, 5, 5, false);
        Chat("b1", At(3, 15), "shipping", [Bo], Bo, 15, 0, false);
        Chat("n0", At(4, 10), "pre-purchase", [Bo], "", 0, 0, false);
        Chat("n1", At(4, 11), "shipping", [], "", 0, 0, false);
        foreach (var (chat, at, converts) in new[] { ("s0", At(5, 12), true), ("s1", At(5, 13), false) })
        {
            Chat(chat, at, "shipping", [], "", 0, 0, converts);
            s.Message(chat, SenderRole.Assistant, MessageKind.FaqCard, at.AddMinutes(1));
        }

        var now = DateTime.UtcNow;
        Pending(s, "w0", now.AddHours(-20), Ada);
        Pending(s, "w1", now.AddHours(-2), "");
        Pending(s, "w2", now.AddHours(-23.5), "");
        return (s, day);
    }

    /// <summary>An inquiry without a reply, asked at <paramref name="at"/>: 24 h minus its age left.</summary>
    public static void Pending(FactScenario s, string chat, DateTime at, string agent)
    {
        s.ChatStarted(chat, $"u-{chat}", at, ["shipping"]);
        s.Message(chat, SenderRole.Customer, MessageKind.Text, at);
        if (agent != "")
        {
            s.Assigned(chat, "", agent, at.AddMinutes(1));
        }
    }

    /// <summary>GetAgentDetails by hand, per agent id ("" is unassigned); null where the rate or time is unset.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, double?>> AgentFigures = new Dictionary<string, IReadOnlyDictionary<string, double?>>
    {
        // Response times 600, 1200, 1800, 2400, 90000 s: mean 19200; p90 at rank 3.6: 2400 + 0.6 × 87600 = 54960.
        [Ada] = Figures(handled: 5, answered: 5, within: 4, late: 1, non: 0, rate: 0.8, rated: 3, rated45: 2, satisfaction: 0.4, mean: 19200, p90: 54960, transfersIn: 0, transfersOut: 1),
        // 300 and 900 s: mean 600; p90 at rank 0.9: 300 + 0.9 × 600 = 840. Rate 2 / (2 + 1).
        [Bo] = Figures(handled: 2, answered: 2, within: 2, late: 0, non: 1, rate: 2.0 / 3, rated: 1, rated45: 1, satisfaction: 0.5, mean: 600, p90: 840, transfersIn: 1, transfersOut: 0),
        [""] = Figures(handled: 0, answered: 0, within: 0, late: 0, non: 1, rate: 0, rated: 0, rated45: 0, satisfaction: null, mean: null, p90: null, transfersIn: 0, transfersOut: 0),
    };

    private static Dictionary<string, double?> Figures(
        long handled, long answered, long within, long late, long non, double rate, long rated, long rated45, double? satisfaction, double? mean, double? p90, long transfersIn, long transfersOut) => new()
    {
        ["chatsHandled"] = handled, ["inquiriesAnswered"] = answered, ["answeredWithin24h"] = within, ["answeredLate"] = late, ["nonResponded"] = non,
        ["responseRate24h"] = rate, ["chatsRated"] = rated, ["chatsRated4Or5"] = rated45, ["satisfactionRate"] = satisfaction,
        ["responseMeanSeconds"] = mean, ["responseP90Seconds"] = p90, ["transfersIn"] = transfersIn, ["transfersOut"] = transfersOut,
    };

    /// <summary>The chats an agent's count lists, where the test checks the rows themselves.</summary>
    public static readonly IReadOnlyList<(string Agent, string Field, string[] Chats)> Lists =
    [
        (Ada, "answeredLate", ["l0"]),
        (Ada, "transfersOut", ["b0"]),
        (Bo, "transfersIn", ["b0"]),
        (Bo, "nonResponded", ["n0"]),
        ("", "nonResponded", ["n1"]),
        (Ada, "chatsRated4Or5", ["r1", "r0"]),
    ];

    /// <summary>GetTagBreakdown by hand, most frequent first.</summary>
    public static readonly IReadOnlyList<(string Tag, IReadOnlyDictionary<string, double?> Figures)> TagFigures =
    [
        ("shipping", new Dictionary<string, double?>
        {
            ["chats"] = 6, ["assistantSolved"] = 2, ["humanHandled"] = 4, ["inquiries"] = 4, ["answeredWithin24h"] = 3,
            ["responseRate24h"] = 0.75, ["convertedChats"] = 1, ["conversionRate"] = 1.0 / 6,
        }),
        ("pre-purchase", new Dictionary<string, double?>
        {
            ["chats"] = 5, ["assistantSolved"] = 0, ["humanHandled"] = 5, ["inquiries"] = 5, ["answeredWithin24h"] = 3,
            ["responseRate24h"] = 0.6, ["convertedChats"] = 1, ["conversionRate"] = 0.2,
        }),
    ];

    /// <summary>
    /// A shop every hint fires for. Previous period (day-7 .. day-1): 10 chats answered in 10 min, rated 5. This period:
    /// 4 answered in 10 min, 1 after 25 h, 5 never; no rating, no assistant, no order. So: 10 chats received, rated share
    /// 0 with 5 non-responded; assistant-solved 0; conversion 0 with 1 late and 5 non-responded; satisfaction 0 against
    /// 1; response rate 4 / 10 = 0.4 against 1.
    /// </summary>
    public static (FactScenario Scenario, DateOnly Day) Neglected()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-12);
        DateTime At(int dayOffset, int hour) => day.AddDays(dayOffset).ToDateTime(new TimeOnly(hour, 0), DateTimeKind.Utc);
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        s.Agent(Ada, "Ada", true, At(-30, 0));
        void Chat(string chat, DateTime at, int? minutes, int stars)
        {
            s.ChatStarted(chat, $"u-{chat}", at, []);
            s.Message(chat, SenderRole.Customer, MessageKind.Text, at);
            if (minutes is { } answeredAfter)
            {
                s.Message(chat, SenderRole.Agent, MessageKind.Text, at.AddMinutes(answeredAfter), agentId: Ada);
            }

            if (stars > 0)
            {
                s.Rated(chat, stars, at.AddHours(26));
            }
        }

        for (var i = 0; i < 10; i++)
        {
            Chat($"p{i}", At(-7 + (i % 7), 9 + i), 10, 5);
        }

        for (var i = 0; i < 4; i++)
        {
            Chat($"r{i}", At(i, 10), 10, 0);
        }

        Chat("l0", At(1, 12), 25 * 60, 0);
        for (var i = 0; i < 5; i++)
        {
            Chat($"n{i}", At(i, 14), null, 0);
        }

        return (s, day);
    }
}
