using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using ServiceAnalytics.Contracts.Ingest.V1;

namespace ServiceAnalytics.Server.Demo;

/// <summary>The demo's facts and what they cover: local days <see cref="FirstDay"/> to <see cref="LastDay"/>, every fact before <see cref="Cutoff"/>.</summary>
public sealed record DemoFacts(string ShopId, DateOnly FirstDay, DateOnly LastDay, DateTime Cutoff, int Chats, IReadOnlyList<Fact> Facts);

/// <summary>
/// A demo shop's customer service: an online shop in São Paulo (a zone other than UTC) with five agents of
/// different pace, business hours, a closing day a month (a holiday), and chats of every kind the metrics tell
/// apart (<see cref="DemoChat"/>).
/// <para>
/// Re-runs add nothing. Each chat comes from a random generator seeded with its local day and its number alone, every
/// event id from its chat and its place in it, and the facts not yet due at the start of today (in the shop's zone,
/// <see cref="DemoFacts.Cutoff"/>) are left out. So a run on the same day sends the same facts, stored once (same
/// event ids); a run on a later day sends them again, plus the days since and what came due meanwhile for earlier
/// chats (next morning's reply, a rating, an order, a refund). A larger <see cref="DemoShopOptions.ChatsPerDay"/>
/// adds chats to each day, the others unchanged.
/// </para>
/// </summary>
public static class DemoShop
{
    public const string TimeZoneId = "America/Sao_Paulo";

    /// <summary>A fixed seed: the demo is the same on every machine.</summary>
    private const int Seed = 14_2026;

    /// <summary>Chats a day that arrive in the last quarter hour before local midnight and wait for the next morning: pending through the next day.</summary>
    internal const int NightOwlsPerDay = 2;

    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);

    /// <summary>The agents: id, display name, share of the chats assigned to them, and how slowly they answer (1 = the shop's pace).</summary>
    internal static readonly IReadOnlyList<(string Id, string Name, double Share, double Pace)> Agents =
    [
        ("agent-ana", "Ana Souza", 0.30, 0.8),
        ("agent-bruno", "Bruno Lima", 0.25, 1.0),
        ("agent-carla", "Carla Mendes", 0.20, 1.2),
        ("agent-diego", "Diego Rocha", 0.15, 2.5),
        ("agent-elisa", "Elisa Costa", 0.10, 1.0),
    ];

    internal static readonly IReadOnlyList<string> Tags = ["pre-purchase", "shipping", "return-refund", "size-advice", "payment"];

    /// <summary>The local day "today" is at <paramref name="now"/>: the demo's history ends at its start.</summary>
    public static DateOnly Today(DateTime now) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now, Zone));

    /// <summary>The demo's facts up to the start of the shop's day at <paramref name="now"/> (UTC).</summary>
    public static DemoFacts Generate(DemoShopOptions options, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (new DemoShopOptionsValidator().Validate(null, options) is { Failed: true } invalid)
        {
            throw new ArgumentException(invalid.FailureMessage, nameof(options));
        }

        var today = Today(now);
        var cutoff = Utc(today.ToDateTime(TimeOnly.MinValue));
        var facts = new List<Fact>();
        AddSetup(options.ShopId, today, facts);
        var chats = 0;
        for (var day = today.AddDays(-options.Days); day < today; day = day.AddDays(1))
        {
            var count = ChatsOn(day, options.ChatsPerDay);
            for (var number = 0; number < count; number++)
            {
                var random = new Random(unchecked(Seed + (day.DayNumber * 7_919) + (number * 104_729)));
                var start = number < NightOwlsPerDay
                    ? day.ToDateTime(new TimeOnly(23, 45)).AddSeconds(random.Next(0, 15 * 60))
                    : day.ToDateTime(TimeOnly.MinValue).Add(StartTime(random));
                DemoChat.Write(new ChatFacts(options.ShopId, $"chat-{day:yyyyMMdd}-{number:D4}", cutoff, facts), start, random, nightOwl: number < NightOwlsPerDay);
            }

            chats += count;
        }

        return new DemoFacts(options.ShopId, today.AddDays(-options.Days), today.AddDays(-1), cutoff, chats, facts);
    }

    /// <summary>How many chats a day brings: the average, a fifth more at weekends, ±15 % from day to day.</summary>
    private static int ChatsOn(DateOnly day, int perDay)
    {
        var random = new Random(unchecked(Seed + day.DayNumber));
        var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1.2 : 1.0;
        return Math.Max(1, (int)Math.Round(perDay * weekend * (0.85 + (0.3 * random.NextDouble()))));
    }

    /// <summary>Relative numbers of chats by local hour: quiet nights, busy evenings.</summary>
    private static readonly int[] s_hourWeights = [2, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 9, 9, 9, 9, 10, 11, 12, 10, 7, 4];

    private static TimeSpan StartTime(Random random)
    {
        var pick = random.Next(s_hourWeights.Sum());
        var hour = 0;
        while (pick >= s_hourWeights[hour])
        {
            pick -= s_hourWeights[hour++];
        }

        return TimeSpan.FromHours(hour) + TimeSpan.FromSeconds(random.Next(0, 3_600));
    }

    /// <summary>
    /// The shop's settings and agents, sent once a month (dated the month's first local midnight, so the latest wins
    /// and a run on the same month sends the same facts). The holidays listed are the same rule whatever the month.
    /// </summary>
    private static void AddSetup(string shopId, DateOnly today, List<Fact> facts)
    {
        var month = new DateOnly(today.Year, today.Month, 1);
        var at = Timestamp.FromDateTime(Utc(month.ToDateTime(TimeOnly.MinValue)));
        var settings = new ShopSettingsChanged { TimeZone = TimeZoneId };
        for (var weekday = 1; weekday <= 7; weekday++)
        {
            var (open, close) = weekday == 7 ? (10, 18) : (8, 22);
            settings.BusinessHours.Add(new BusinessHours { IsoDayOfWeek = weekday, OpenMinute = open * 60, CloseMinute = close * 60 });
        }

        for (var m = month.AddMonths(-13); m <= month.AddMonths(2); m = m.AddMonths(1))
        {
            var closed = Iso(FirstMonday(m));
            settings.Holidays.Add(new HolidayPeriod { FirstDay = closed, LastDay = closed });
        }

        var version = month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        facts.Add(new Fact { EventId = $"setup/settings/{version}", ShopId = shopId, OccurredAt = at, ShopSettingsChanged = settings });
        foreach (var (id, name, _, _) in Agents)
        {
            facts.Add(new Fact
            {
                EventId = $"setup/{id}/{version}", ShopId = shopId, OccurredAt = at,
                AgentUpserted = new AgentUpserted { AgentId = id, DisplayName = name, Active = true },
            });
        }
    }

    /// <summary>Whether the shop is open at <paramref name="local"/>: Monday to Saturday 8:00–22:00, Sunday 10:00–18:00, closed on its holidays.</summary>
    internal static bool IsOpen(DateTime local)
    {
        if (IsHoliday(DateOnly.FromDateTime(local)))
        {
            return false;
        }

        var (open, close) = local.DayOfWeek == DayOfWeek.Sunday ? (10, 18) : (8, 22);
        return local.Hour >= open && local.Hour < close;
    }

    /// <summary>The first instant at or after <paramref name="local"/> that the shop is open.</summary>
    internal static DateTime NextOpening(DateTime local)
    {
        var at = local;
        while (!IsOpen(at))
        {
            at = at.AddMinutes(60 - at.Minute).AddSeconds(-at.Second).AddTicks(-(at.Ticks % TimeSpan.TicksPerSecond));
        }

        return at;
    }

    /// <summary>The shop closes for stocktaking on the first Monday of each month.</summary>
    internal static bool IsHoliday(DateOnly day) => day == FirstMonday(new DateOnly(day.Year, day.Month, 1));

    internal static DateTime Utc(DateTime local) => TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Zone);

    private static DateOnly FirstMonday(DateOnly month) => month.AddDays(((int)DayOfWeek.Monday - (int)month.DayOfWeek + 7) % 7);

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
