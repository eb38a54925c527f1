using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Server.Ingestion;

namespace ServiceAnalytics.UnitTests.Server;

public sealed class FactValidatorTests
{
    private static readonly DateTime s_now = new(2026, 6, 15, 12, 0, 0, DateTimeKind.Utc);

    private readonly FactValidator _validator = new(Options.Create(new IngestionOptions()), new FixedClock(s_now));

    private static Fact Fact(Action<Fact> kind, DateTime? at = null)
    {
        var fact = new Fact { EventId = "e-1", ShopId = "shop-a", OccurredAt = Timestamp.FromDateTime(at ?? s_now.AddHours(-1)) };
        kind(fact);
        return fact;
    }

    private static Fact Started(Action<ChatStarted>? change = null) => Fact(f =>
    {
        f.ChatStarted = new ChatStarted { ChatId = "chat-1", CustomerId = "c-1", Initiator = ChatInitiator.Customer, Tags = { "shipping" } };
        change?.Invoke(f.ChatStarted);
    });

    private static Fact Message(SenderRole role, string agent = "", bool expectsNoReply = false) => Fact(f => f.MessageSent = new MessageSent
    {
        MessageId = "m-1", ChatId = "chat-1", SenderRole = role, Kind = MessageKind.Text, AgentId = agent, ExpectsNoReply = expectsNoReply,
    });

    [Fact]
    public void Well_formed_facts_are_accepted()
    {
        Assert.Null(_validator.Validate(Started()));
        Assert.Null(_validator.Validate(Message(SenderRole.Agent, "agent-1")));
        Assert.Null(_validator.Validate(Message(SenderRole.Customer, expectsNoReply: true)));
        Assert.Null(_validator.Validate(Fact(f => f.ChatRated = new ChatRated { ChatId = "chat-1", Stars = 5 })));
        Assert.Null(_validator.Validate(Fact(f => f.OrderPlaced = new OrderPlaced { OrderId = "o-1", CustomerId = "c-1", AmountMinor = 1999, Currency = "EUR" })));
        Assert.Null(_validator.Validate(Fact(f => f.ShopSettingsChanged = new ShopSettingsChanged { TimeZone = "Europe/Vienna" })));
        // Clocks drift: a few minutes ahead is accepted.
        Assert.Null(_validator.Validate(Fact(f => f.ChatEnded = new ChatEnded { ChatId = "chat-1" }, s_now.AddMinutes(9))));
    }

    /// <summary>Each broken fact by its name, with the field and reason the validator must give.</summary>
    private static readonly Dictionary<string, (Func<Fact> Fact, string Field, string Reason)> s_broken = new()
    {
        ["no event id"] = (() => new Fact(Started()) { EventId = "" }, "event_id", "is required"),
        ["no kind"] = (() => Fact(_ => { }), "kind", "exactly one kind of fact must be set"),
        ["too old"] = (() => Fact(f => f.ChatEnded = new ChatEnded { ChatId = "chat-1" }, s_now.AddDays(-401)),
            "occurred_at", "is more than 400 days in the past (2025-05-10T12:00:00.0000000Z)"),
        ["in the future"] = (() => Fact(f => f.ChatEnded = new ChatEnded { ChatId = "chat-1" }, s_now.AddMinutes(11)),
            "occurred_at", "is more than 10 minutes in the future (2026-06-15T12:11:00.0000000Z)"),
        ["control character"] = (() => Started(s => s.ChatId = "chat\n1"), "chat_started.chat_id", "must not contain control characters"),
        ["unspecified initiator"] = (() => Started(s => s.Initiator = ChatInitiator.Unspecified),
            "chat_started.initiator", "is required (the UNSPECIFIED value is not accepted)"),
        ["too many tags"] = (() => Started(s => s.Tags.Add(Enumerable.Range(0, 16).Select(i => $"t{i}"))),
            "chat_started.tags", "must hold 0 to 16 tags, got 17"),
        ["agent id of a customer"] = (() => Message(SenderRole.Customer, "agent-1"),
            "message_sent.agent_id", "must be empty unless sender_role is SENDER_ROLE_AGENT"),
        ["no reply expected from an agent"] = (() => Message(SenderRole.Agent, "agent-1", expectsNoReply: true),
            "message_sent.expects_no_reply", "may be true only for customer messages"),
        ["six stars"] = (() => Fact(f => f.ChatRated = new ChatRated { ChatId = "chat-1", Stars = 6 }), "chat_rated.stars", "must be 1 to 5, got 6"),
        ["lower-case currency"] = (() => Fact(f => f.OrderPlaced = new OrderPlaced { OrderId = "o-1", CustomerId = "c-1", Currency = "eur" }),
            "order_placed.currency", "must be an ISO 4217 code of three upper-case letters"),
        ["unknown zone"] = (() => Fact(f => f.ShopSettingsChanged = new ShopSettingsChanged { TimeZone = "Mars/Olympus" }),
            "shop_settings_changed.time_zone", "'Mars/Olympus' is not an IANA time zone"),
        ["assigned to the same agent"] = (() => Fact(f => f.ChatAssigned = new ChatAssigned { ChatId = "chat-1", FromAgentId = "a", ToAgentId = "a" }),
            "chat_assigned.to_agent_id", "must differ from from_agent_id"),
    };

    public static TheoryData<string> Broken => new(s_broken.Keys);

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_broken_fact_is_rejected_with_its_field_and_reason(string broken)
    {
        var (fact, field, reason) = s_broken[broken];
        var violation = _validator.Validate(fact());
        Assert.Equal((field, reason), (violation?.Field, violation?.Reason));
        var rejection = broken switch
        {
            "too old" => FactRejection.TooOld,
            "in the future" => FactRejection.InFuture,
            _ => FactRejection.InvalidField,
        };
        Assert.Equal(rejection, violation!.Rejection);
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
