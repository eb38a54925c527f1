using System.Text;
using Google.Protobuf;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Server.Commands.Import;
using ServiceAnalytics.Server.Demo;

namespace ServiceAnalytics.UnitTests.Server.Import;

/// <summary>The fast path reads what it reads exactly as JsonParser does, and leaves to JsonParser what it is not sure of.</summary>
public sealed class FastFactJsonTests
{
    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default);

    [Fact]
    public void Every_kind_of_fact_as_JsonFormatter_writes_it_is_read_by_the_fast_path_as_JsonParser_reads_it()
    {
        var facts = DemoShop.Generate(new DemoShopOptions { ChatsPerDay = 5, Days = 10 }, new DateTime(2026, 3, 10, 12, 0, 0, DateTimeKind.Utc)).Facts;
        Assert.True(facts.Select(f => f.KindCase).Distinct().Count() >= 9);
        foreach (var fact in facts)
        {
            var json = JsonFormatter.Default.Format(fact);
            var fast = FastFactJson.TryParse<Fact>(Encoding.UTF8.GetBytes(json));
            Assert.NotNull(fast);
            Assert.Equal(s_parser.Parse<Fact>(json), fast);
            Assert.Equal(fact, fast);
        }
    }

    /// <summary>Proto names, enums by number, 64-bit integers as numbers, timestamps with 1 to 9 fractional digits.</summary>
    public static TheoryData<string> FastVariants() =>
    [
        """{"event_id":"e1","shop_id":"s","occurred_at":"2026-03-01T10:00:00.5Z","order_placed":{"order_id":"o","customer_id":"c","amount_minor":2599,"currency":"EUR"}}""",
        """{"eventId":"e1","shopId":"s","occurredAt":"2026-03-01T10:00:00.123456789Z","orderPlaced":{"orderId":"o","customerId":"c","amountMinor":"-12","currency":"EUR"}}""",
        """{"eventId":"e1","shopId":"s","occurredAt":"2026-03-01T10:00:00.12Z","chatRated":{"chatId":"c","stars":4}}""",
        """{"eventId":"e1","shopId":"s","occurredAt":"1969-12-31T23:59:59Z","messageSent":{"chatId":"c","senderRole":2,"kind":"MESSAGE_KIND_TEXT"}}""",
        """{"eventId":"e\u00e9\n","shopId":"s","occurredAt":"2026-03-01T10:00:00Z","chatStarted":{"chatId":"c","tags":["a","b"]}}""",
        "{}",
        """  {"eventId":"e1"}  """,
    ];

    /// <summary>For JsonParser to decide: offsets, null, a repeated key, two kinds, unknown fields and enum names, wrong types, malformed JSON.</summary>
    public static TheoryData<string> OtherVariants() =>
    [
        """{"eventId":"e1","occurredAt":"2026-03-01T10:00:00+01:00"}""",
        """{"eventId":"e1","occurredAt":"2026-03-01T10:00:00.Z"}""",
        """{"eventId":"e1","occurredAt":"2026-02-30T10:00:00Z"}""",
        """{"eventId":null}""",
        """{"eventId":"a","eventId":"b"}""",
        """{"eventId":"a","event_id":"b"}""",
        """{"chatEnded":{"chatId":"c"},"chatRated":{"chatId":"c","stars":5}}""",
        """{"eventId":"e1","color":"red"}""",
        """{"messageSent":{"kind":"MESSAGE_KIND_SHOUT"}}""",
        """{"chatRated":{"stars":"5"}}""",
        """{"chatRated":{"stars":4.0}}""",
        """{"chatRated":{"stars":4.5}}""",
        """{"chatRated":{"stars":3000000000}}""",
        """{"eventId":5}""",
        """{"chatStarted":{"tags":"a"}}""",
        """{"eventId":"e1",}""",
        """{"eventId":"e1"} trailing""",
        """[{"eventId":"e1"}]""",
        """{"eventId":"e1\""",
        "",
    ];

    [Theory]
    [MemberData(nameof(FastVariants))]
    public void The_fast_path_reads_the_common_forms_as_JsonParser_does(string json)
    {
        var fast = FastFactJson.TryParse<Fact>(Encoding.UTF8.GetBytes(json));
        Assert.NotNull(fast);
        Assert.Equal(s_parser.Parse<Fact>(json), fast);
    }

    [Theory]
    [MemberData(nameof(OtherVariants))]
    public void What_the_fast_path_reads_of_other_forms_is_what_JsonParser_reads(string json)
    {
        var fast = FastFactJson.TryParse<Fact>(Encoding.UTF8.GetBytes(json));
        Fact? parsed;
        try
        {
            parsed = s_parser.Parse<Fact>(json);
        }
        catch (Exception error) when (error is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            parsed = null;
        }

        Assert.True(fast is null || fast.Equals(parsed), $"fast: {fast}, JsonParser: {parsed}");
    }
}
