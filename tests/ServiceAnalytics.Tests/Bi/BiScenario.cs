namespace ServiceAnalytics.Tests.Bi;

/// <summary>
/// A week of one shop's chats, built fact by fact on local days <see cref="FirstDay"/> .. +6 of its zone, every kind
/// the BI views must count as the RPCs do. The comments say what each chat is for; <c>BiViewTests</c> says, computed
/// by hand from them, what it must count as. Agents: ana, bo, cy. The shop's holiday is day +4.
/// </summary>
internal sealed class BiScenario
{
    private BiScenario(FactScenario facts, TimeZoneInfo zone, DateOnly firstDay)
    {
        Facts = facts;
        Zone = zone;
        FirstDay = firstDay;
    }

    public FactScenario Facts { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>The period's first local day; the period is seven days.</summary>
    public DateOnly FirstDay { get; }

    public DateOnly LastDay => FirstDay.AddDays(6);

    public string ShopId => Facts.ShopId;

    /// <summary>
    /// The shop's week. With <paramref name="pendingAt"/> its chat x9 (unanswered, assigned to cy) is asked then,
    /// still inside its 24 hours at the run; without, on day +6 at 10:00, long closed: non-responded.
    /// </summary>
    public static BiScenario Build(string zoneId, DateOnly firstDay, DateTime? pendingAt)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var s = new BiScenario(new FactScenario($"bi-{Guid.NewGuid():N}"[..24]), zone, firstDay);
        var f = s.Facts;
        f.Add(s.Local(-30, 0, 0), fact => fact.ShopSettingsChanged = new ShopSettingsChanged
        {
            TimeZone = zoneId,
            Holidays = { new HolidayPeriod { FirstDay = Iso(firstDay.AddDays(4)), LastDay = Iso(firstDay.AddDays(4)) } },
        });
        f.Agent("ana", "Ana", true, s.Local(-30, 0, 0));
        f.Agent("bo", "Bo", true, s.Local(-30, 0, 0));
        f.Agent("cy", "Cy", true, s.Local(-30, 0, 0));
        s.AddAnsweredChats();
        s.AddUnansweredChats(pendingAt);
        return s;
    }

    public static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Local time of day <paramref name="dayOffset"/> of the period, as UTC.</summary>
    public DateTime Local(int dayOffset, int hour, int minute) =>
        TimeZoneInfo.ConvertTimeToUtc(FirstDay.AddDays(dayOffset).ToDateTime(new TimeOnly(hour, minute)), Zone);

    private void AddAnsweredChats()
    {
        var f = Facts;
        // x1: answered by ana in 10 minutes, ended, rated 5; its customer u1 orders 3 days later: converted.
        var x1 = Local(0, 10, 0);
        Asks("x1", "u1", x1, ["shipping"], "ana");
        f.Message("x1", SenderRole.Agent, MessageKind.Text, x1.AddMinutes(10), "ana");
        f.Ended("x1", x1.AddHours(1));
        f.Rated("x1", 5, x1.AddHours(1).AddMinutes(1));
        f.OrderPlaced("order-u1", "u1", x1.AddDays(3), 4900);

        // x2: at 23:30 local, another UTC day than its local one in either zone; bo answers after 30 hours (late); rated 2.
        var x2 = Local(1, 23, 30);
        Asks("x2", "u2", x2, ["refund"], "bo");
        f.Message("x2", SenderRole.Agent, MessageKind.Text, x2.AddHours(30), "bo");
        f.Rated("x2", 2, x2.AddHours(31));

        // x3: solved by the assistant's FAQ card, no human after it; rated 4.
        var x3 = Local(2, 9, 0);
        f.ChatStarted("x3", "u3", x3, ["shipping"]);
        f.Message("x3", SenderRole.Customer, MessageKind.Text, x3);
        f.Message("x3", SenderRole.Assistant, MessageKind.FaqCard, x3.AddSeconds(20));
        f.Rated("x3", 4, x3.AddHours(1));

        // x5: u1 again. ana's greeting answers nothing; ana replies after 2 hours; the customer asks again, the chat
        // goes to cy, who replies an hour later. u1's order came before this chat ended: it does not convert it.
        var x5 = Local(3, 15, 0);
        Asks("x5", "u1", x5, [], "ana");
        f.Message("x5", SenderRole.Agent, MessageKind.Greeting, x5.AddSeconds(1), "ana");
        f.Message("x5", SenderRole.Agent, MessageKind.Text, x5.AddHours(2), "ana");
        f.Message("x5", SenderRole.Customer, MessageKind.Text, x5.AddHours(3));
        f.Assigned("x5", "ana", "cy", x5.AddHours(3).AddMinutes(1));
        f.Message("x5", SenderRole.Agent, MessageKind.Text, x5.AddHours(4), "cy");

        // x6: on the holiday, answered after 26 hours: late in the breakdown, out of the response rate.
        var x6 = Local(4, 10, 0);
        Asks("x6", "u6", x6, [], "ana");
        f.Message("x6", SenderRole.Agent, MessageKind.Text, x6.AddHours(26), "ana");

        // x7: started by the seller: not a chat received, counted nowhere.
        var x7 = Local(5, 11, 0);
        f.Add(x7, fact => fact.ChatStarted = new ChatStarted
        {
            ChatId = "x7", CustomerId = "u7", EntryPoint = EntryPoint.ProductPage, Initiator = ChatInitiator.Seller, Tags = { "vip" },
        });
        f.Message("x7", SenderRole.Agent, MessageKind.Text, x7.AddSeconds(30), "ana");
        f.Message("x7", SenderRole.Customer, MessageKind.Text, x7.AddMinutes(1));
        f.Message("x7", SenderRole.Agent, MessageKind.Text, x7.AddMinutes(2), "ana");
    }

    private void AddUnansweredChats(DateTime? pendingAt)
    {
        var f = Facts;
        // x4: assigned to bo, never answered: non-responded, charged to bo.
        Asks("x4", "u4", Local(3, 12, 0), ["refund", "vip"], "bo");

        // x8: the customer only sends a message expecting no reply: no inquiry.
        var x8 = Local(5, 18, 0);
        f.ChatStarted("x8", "u8", x8, ["vip"]);
        f.Message("x8", SenderRole.Customer, MessageKind.Text, x8, expectsNoReply: true);

        // x9: assigned to cy, unanswered: pending inside its 24 hours, else non-responded and charged to cy.
        Asks("x9", "u9", pendingAt ?? Local(6, 10, 0), ["shipping"], "cy");
    }

    /// <summary>A chat of <paramref name="customer"/> opening with a text question, assigned to <paramref name="agent"/> 5 s later.</summary>
    private void Asks(string chat, string customer, DateTime at, string[] tags, string agent)
    {
        Facts.ChatStarted(chat, customer, at, tags);
        Facts.Message(chat, SenderRole.Customer, MessageKind.Text, at);
        Facts.Assigned(chat, "", agent, at.AddSeconds(5));
    }
}
