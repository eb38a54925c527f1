namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// Twelve chats of one shop in the period day .. day+6 (Kolkata days, UTC+5:30, so a time shown in UTC would be
/// wrong by 5½ hours), each received at a distinct instant, so the list's order (newest first) is c12 .. c01. What
/// each filter lists follows from this table, by hand:
/// <code>
/// chat customer tags              current agent  type             status
/// c01  u1       refund            a1             responded 24h    ended
/// c02  u1       shipping          a1             responded 24h    resolved
/// c03  u2       refund, shipping  a2             responded 24h    active
/// c04  u2       -                 a2             responded late   ended
/// c05  u3       refund            a1             non-responded    active
/// c06  u3       -                 (none)         assistant solved ended
/// c07  u4       pre-sale          (none)         no inquiry       active
/// c08  u4       pre-sale          a1             responded 24h    active
/// c09  u5       -                 a2             responded 24h    active
/// c10  u5       shipping          a3             responded 24h    ended
/// c11  u6       -                 a2 (from a1)   responded 24h    active
/// c12  u6       -                 a2             responded 24h    active
/// </code>
/// Agents: a1 Ada and a2 Bo active, a3 Cy inactive (so a transfer to a3 is refused). c11 was assigned to a1, then
/// moved to a2: the agent filter (current agent) lists it under a2 only.
/// </summary>
internal static class AllChatsScenario
{
    public const string TimeZone = "Asia/Kolkata";

    /// <summary>Every chat, newest first (the list's order).</summary>
    public static readonly string[] NewestFirst = ["c12", "c11", "c10", "c09", "c08", "c07", "c06", "c05", "c04", "c03", "c02", "c01"];

    public static (FactScenario Scenario, DateOnly Day) Build()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-12);
        var chats = new ChatWriter(new FactScenario($"shop-{Guid.NewGuid():N}"), day, TimeZoneInfo.FindSystemTimeZoneById(TimeZone));
        var s = chats.Scenario;
        s.Add(chats.Local(-30, 0), f => f.ShopSettingsChanged = new ShopSettingsChanged { TimeZone = TimeZone });
        s.Agent("a1", "Ada", true, chats.Local(-30, 0));
        s.Agent("a2", "Bo", true, chats.Local(-30, 0));
        s.Agent("a3", "Cy", true, chats.Local(-30, 0));
        s.Agent("a3", "Cy", false, chats.Local(-20, 0));
        AddChatsC01ToC06(chats);
        AddChatsC07ToC12(chats);
        return (s, day);
    }

    /// <summary>c01..c06: ended, resolved, two tags, late, unanswered, assistant-solved.</summary>
    private static void AddChatsC01ToC06(ChatWriter chats)
    {
        var s = chats.Scenario;
        var c01 = chats.Start("c01", "u1", 0, 10, ["refund"], "a1");
        chats.Reply("c01", "a1", c01.AddMinutes(10));
        s.Ended("c01", c01.AddHours(2));

        var c02 = chats.Start("c02", "u1", 0, 14, ["shipping"], "a1");
        chats.Reply("c02", "a1", c02.AddMinutes(20));
        s.Add(c02.AddHours(1), f => f.ChatResolved = new ChatResolved { ChatId = "c02", ResolvedBy = ResolvedBy.Agent });

        var c03 = chats.Start("c03", "u2", 1, 10, ["refund", "shipping"], "a2");
        chats.Reply("c03", "a2", c03.AddMinutes(5));

        var c04 = chats.Start("c04", "u2", 1, 14, [], "a2");
        chats.Reply("c04", "a2", c04.AddHours(25));
        s.Ended("c04", c04.AddHours(26));

        chats.Start("c05", "u3", 2, 10, ["refund"], "a1");

        var c06 = chats.Start("c06", "u3", 2, 14, []);
        s.Message("c06", SenderRole.Assistant, MessageKind.FaqCard, c06.AddMinutes(1));
        s.Ended("c06", c06.AddHours(1));
    }

    /// <summary>c07..c12: no inquiry, active chats of every agent, one moved from a1 to a2, one rated.</summary>
    private static void AddChatsC07ToC12(ChatWriter chats)
    {
        var s = chats.Scenario;
        var c07 = chats.Local(3, 10);
        s.ChatStarted("c07", "u4", c07, ["pre-sale"]);
        s.Message("c07", SenderRole.Customer, MessageKind.Text, c07, expectsNoReply: true);

        var c08 = chats.Start("c08", "u4", 3, 14, ["pre-sale"], "a1");
        chats.Reply("c08", "a1", c08.AddMinutes(15));

        var c09 = chats.Start("c09", "u5", 4, 10, [], "a2");
        chats.Reply("c09", "a2", c09.AddMinutes(30));

        var c10 = chats.Start("c10", "u5", 4, 14, ["shipping"], "a3");
        chats.Reply("c10", "a3", c10.AddMinutes(40));
        s.Ended("c10", c10.AddHours(1));

        var c11 = chats.Start("c11", "u6", 5, 10, [], "a1");
        s.Assigned("c11", "a1", "a2", c11.AddHours(2));
        chats.Reply("c11", "a2", c11.AddHours(3));

        var c12 = chats.Start("c12", "u6", 6, 10, [], "a2");
        chats.Reply("c12", "a2", c12.AddMinutes(10));
        s.Rated("c12", 5, c12.AddMinutes(20));
    }

    /// <summary>Writes the scenario's chats: local times of the shop's zone, a chat's start, an agent's reply.</summary>
    private sealed class ChatWriter(FactScenario scenario, DateOnly day, TimeZoneInfo zone)
    {
        public FactScenario Scenario => scenario;

        /// <summary>The instant of <paramref name="hour"/>:00 local, <paramref name="dayOffset"/> days after the first day.</summary>
        public DateTime Local(int dayOffset, int hour) => TimeZoneInfo.ConvertTimeToUtc(day.AddDays(dayOffset).ToDateTime(new TimeOnly(hour, 0)), zone);

        /// <summary>Starts a chat with the customer's first message, assigned a minute later when an agent is given; when it started.</summary>
        public DateTime Start(string chat, string customer, int dayOffset, int hour, string[] tags, string agent = "")
        {
            var at = Local(dayOffset, hour);
            scenario.ChatStarted(chat, customer, at, tags);
            scenario.Message(chat, SenderRole.Customer, MessageKind.Text, at);
            if (agent != "")
            {
                scenario.Assigned(chat, "", agent, at.AddMinutes(1));
            }

            return at;
        }

        public void Reply(string chat, string agent, DateTime at) => scenario.Message(chat, SenderRole.Agent, MessageKind.Text, at, agentId: agent);
    }
}
