using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Tests.Rollups;

/// <summary>What the rollup tests share: hosts, runs, ingestion, the all-live reference and the comparisons with it.</summary>
public sealed partial class RollupTests
{
    private static async Task<DateOnly> ServiceSettledThroughAsync(ServiceHost host) =>
        (await host.App.Services.GetRequiredService<RollupProgressReader>().ReadAsync(CancellationToken.None))!.Value;

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Makes the facts ingested so far look as if they arrived an hour ago: a refresh looks a minute before the latest
    /// snapshot for arrivals (RollupRunner.ArrivalVisibilityMargin), and the history of a test arrives just before it.
    /// </summary>
    private static async Task BackdateArrivalsAsync(ServiceHost host)
    {
        // arrived_at is in the sorting key, so it cannot be updated: the rows are copied an hour back and removed.
        await Execute(host, "INSERT INTO fact_arrivals SELECT shop_id, arrived_at - INTERVAL 1 HOUR, chat_id, customer_id FROM fact_arrivals");
        await Execute(host, "ALTER TABLE fact_arrivals DELETE WHERE arrived_at > now64(6) - INTERVAL 50 MINUTE SETTINGS mutations_sync = 2");
    }

    /// <summary>Ingests the shops' facts, then backdates their arrivals (<see cref="BackdateArrivalsAsync"/>).</summary>
    private static async Task IngestBackdatedAsync(ServiceHost host, params FactScenario[] shops)
    {
        foreach (var shop in shops)
        {
            await IngestAsync(host, shop.Facts);
        }

        await BackdateArrivalsAsync(host);
    }

    /// <summary>How many rows the shop has in <c>settled_chats</c> and when the latest was computed.</summary>
    private static async Task<string> RowsStampAsync(ServiceHost host, string shopId)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        return (string)(await host.Store.Client.ExecuteScalarAsync(
            "SELECT toString((count(), max(computed_at))) FROM settled_chats WHERE shop_id = {shop:String}", parameters))!;
    }

    private static TimeSpan SnapshotMaxAge(ServiceHost host) =>
        host.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RollupOptions>>().Value.SnapshotMaxAge;

    /// <summary>Every query RPC's answer for the shop's last 10 days at <paramref name="now"/>, as one text.</summary>
    private static async Task<string> AnswersAsync(ServiceHost host, string shopId, DateTime now)
    {
        var service = host.App.Services.GetRequiredService<MetricQueries>();
        var calendar = (await service.FindShopAsync(shopId, CancellationToken.None))!;
        // The ten days ending with the day of the caller's instant, not the class's, which may be before a midnight.
        var period = new DayPeriod(DateOnly.FromDateTime(now).AddDays(-9), DateOnly.FromDateTime(now));
        return string.Join('\n',
            CanonicalJson.Of(await service.ReadOverviewAsync(shopId, calendar, period, now, CancellationToken.None)),
            CanonicalJson.Of(await service.ReadDailyAsync(shopId, calendar, period, now, CancellationToken.None)),
            CanonicalJson.Of(await service.ReadBreakdownAsync(shopId, calendar, period, now, CancellationToken.None)),
            CanonicalJson.Of(await service.ReadAgentsAsync(shopId, calendar, period, now, CancellationToken.None)),
            CanonicalJson.Of(await service.ReadTagBreakdownAsync(shopId, calendar, period, now, CancellationToken.None)),
            CanonicalJson.Of(await service.ListChatsAsync(shopId, calendar, period, now, new ChatListFilter([], [], [], [], "", []), null, 10_000, CancellationToken.None)));
    }

    private static async Task<string?> FirstChatAsync(ServiceHost host, string shopId, string condition)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        return (string?)await host.Store.Client.ExecuteScalarAsync(
            $"SELECT chat_id FROM settled_chats WHERE shop_id = {{shop:String}} AND {condition} ORDER BY received_at, chat_id LIMIT 1", parameters);
    }

    private static FactScenario Build(string zone, int seed) =>
        RollupScenario.Build($"shop-{seed}-{Guid.NewGuid():N}"[..24], zone, s_now, seed);

    /// <summary>A scenario shop (<see cref="Build"/>) ingested and rolled up by one scheduled run as of <c>s_now</c>.</summary>
    private static async Task<FactScenario> IngestAndRunAsync(ServiceHost host, string zone, int seed)
    {
        var shop = Build(zone, seed);
        await IngestAsync(host, shop.Facts);
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        return shop;
    }

    private static RollupRunner Runner(ServiceHost host) => ActivatorUtilities.CreateInstance<RollupRunner>(host.App.Services);

    /// <summary>A refresh, after the scheduled run every test starts with (so there is a snapshot to refresh).</summary>
    private static async Task<RollupRun> RefreshAsync(ServiceHost host, DateTime at) =>
        await Runner(host).RefreshAsync(at, CancellationToken.None) ?? throw new InvalidOperationException("no snapshot to refresh");

    private static async Task IngestAsync(ServiceHost host, IReadOnlyList<Fact> facts, string eventPrefix = "")
    {
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        foreach (var chunk in facts.Select(f => { var copy = f.Clone(); copy.EventId = eventPrefix + copy.EventId; return copy; }).Chunk(5_000))
        {
            var outcome = (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { chunk } })).Outcome;
            Assert.Empty(outcome.Rejected);
        }

        // Runs here are called directly, not by the rollup job, which waits for the journal itself.
        await host.AcknowledgedFactsCommittedAsync();
    }

    /// <summary>Every query RPC's reads, for several periods, equal the all-live computation's.</summary>
    private static async Task AssertSameAsLiveAsync(ServiceHost host, string shopId, DateTime? at = null)
    {
        var now = at ?? s_now;
        var service = host.App.Services.GetRequiredService<MetricQueries>();
        var live = new MetricQueries(host.Store, ComputedOutcomes.AggregatedChats, progress: null);
        var calendar = await live.FindShopAsync(shopId, CancellationToken.None) ?? throw new InvalidOperationException(shopId);
        var today = DateOnly.FromDateTime(s_now);
        DayPeriod[] periods =
        [
            new(RollupScenario.Days(s_now).First, RollupScenario.Days(s_now).Last), // all of it
            new(today.AddDays(-30), today.AddDays(-15)),    // settled days only
            new(today.AddDays(-12), today.AddDays(-5)),     // across the watermark
            new(today.AddDays(-3), today),                  // live days only
            new(today.AddDays(-20), today.AddDays(-20)),    // the holiday
        ];
        var filter = new ChatListFilter([], [], [], [], "", []);
        var rated = new ChatListFilter(["rated_4_or_5", "converted"], ["refund"], [], ["ended"], "", ["agent-b"]);
        foreach (var period in periods)
        {
            async Task<string> Both(Func<MetricQueries, Task<object>> read) =>
                CanonicalJson.Of(await read(service)) is var fromService && CanonicalJson.Of(await read(live)) is var fromLive && fromService == fromLive
                    ? fromService
                    : throw new Xunit.Sdk.XunitException($"{shopId} {period}: settled {CanonicalJson.Of(await read(service))}\nlive    {CanonicalJson.Of(await read(live))}");

            await Both(async q => await q.ReadOverviewAsync(shopId, calendar, period, now, CancellationToken.None));
            await Both(async q => await q.ReadOverviewsAsync(shopId, calendar, [period, period.Previous], now, CancellationToken.None));
            await Both(async q => await q.ReadDailyAsync(shopId, calendar, period, now, CancellationToken.None));
            await Both(async q => await q.ReadBreakdownAsync(shopId, calendar, period, now, CancellationToken.None));
            await Both(async q => await q.ReadAgentsAsync(shopId, calendar, period, now, CancellationToken.None));
            await Both(async q => await q.ReadTagBreakdownAsync(shopId, calendar, period, now, CancellationToken.None));
            var list = await Both(async q => await q.ListChatsAsync(shopId, calendar, period, now, filter, null, 10_000, CancellationToken.None));
            await Both(async q => await q.ListChatsAsync(shopId, calendar, period, now, rated, null, 10_000, CancellationToken.None));
            Assert.DoesNotContain("\"Rows\":[]", list, StringComparison.Ordinal);
        }
    }

    /// <summary>Each day's summary row equals the all-live daily trend and breakdown of that day.</summary>
    private static async Task AssertShopSummaryRowsEqualLiveDaysAsync(ServiceHost host, string shopId)
    {
        var live = new MetricQueries(host.Store, ComputedOutcomes.AggregatedChats, progress: null);
        var calendar = (await live.FindShopAsync(shopId, CancellationToken.None))!;
        var rows = await ShopRowsAsync(host, shopId);
        var (first, last) = RollupScenario.Days(s_now);
        var days = await live.ReadDailyAsync(shopId, calendar, new DayPeriod(first, last), s_now, CancellationToken.None);
        Assert.Equal(days.Select(d => d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), rows.Keys.Order());
        foreach (var day in days)
        {
            var row = rows[day.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)];
            var h = day.Figures.Headline;
            var breakdown = await live.ReadBreakdownAsync(shopId, calendar, new DayPeriod(day.Day, day.Day), s_now, CancellationToken.None);
            Assert.Equal(
                CanonicalJson.Of(new object?[]
                {
                    h.ChatsReceived, h.InquiriesAnsweredWithin24h, h.InquiriesCounted, h.InquiriesPending, h.FirstResponsesMeasured,
                    h.FirstResponseMeanSeconds, h.FirstResponseMedianSeconds, h.FirstResponseP90Seconds, h.RatingDistribution, h.ConvertedChats,
                    breakdown.Responded24h, breakdown.RespondedLate, breakdown.NonResponded, breakdown.Pending, breakdown.AssistantSolved,
                    breakdown.NoInquiry, day.Figures.PotentialCustomers, day.Figures.ConvertedCustomers,
                }),
                CanonicalJson.Of(new object?[]
                {
                    Long(row["chats_received"]), Long(row["inquiries_answered_within_24h"]), Long(row["inquiries_counted"]),
                    Long(row["inquiries_pending"]), Long(row["first_responses_measured"]), Double(row["first_response_mean_seconds"]),
                    Double(row["first_response_median_seconds"]), Double(row["first_response_p90_seconds"]),
                    JsonSerializer.Deserialize<long[]>(row["rating_distribution"]), Long(row["converted_chats"]),
                    Long(row["chats_responded_24h"]), Long(row["chats_responded_late"]), Long(row["chats_non_responded"]),
                    Long(row["chats_pending"]), Long(row["chats_assistant_solved"]), Long(row["chats_no_inquiry"]),
                    Long(row["potential_customers"]), Long(row["converted_customers"]),
                }));
        }

        static long Long(string value) => long.Parse(value, CultureInfo.InvariantCulture);

        static double? Double(string value) => value == "\\N" ? null : double.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The shop's daily summary rows by day, every column but settled_at as text.</summary>
    private static Task<Dictionary<string, Dictionary<string, string>>> ShopRowsAsync(ServiceHost host, string shopId) =>
        RowsAsync(host, "SELECT * EXCEPT settled_at FROM shop_daily_summary WHERE shop_id = {shop:String}", shopId, r => r["day"]);

    private static Task<Dictionary<string, Dictionary<string, string>>> AgentRowsAsync(ServiceHost host, string shopId) =>
        RowsAsync(host, "SELECT * EXCEPT settled_at FROM agent_daily_summary WHERE shop_id = {shop:String}", shopId, r => $"{r["day"]}/{r["agent_id"]}");

    private static async Task<Dictionary<string, Dictionary<string, string>>> RowsAsync(
        ServiceHost host, string sql, string shopId, Func<Dictionary<string, string>, string> key)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        using var reader = await host.Store.Client.ExecuteReaderAsync(sql, parameters);
        var rows = new Dictionary<string, Dictionary<string, string>>();
        while (reader.Read())
        {
            var row = Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => Text(reader.GetValue(i)));
            rows.Add(key(row), row);
        }

        return rows;
    }

    private static string Text(object value) => value switch
    {
        DBNull => "\\N",
        DateTime day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items and not string => "[" + string.Join(", ", items.Cast<object>().Select(Text)) + "]",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static async Task<string> ChatDayAsync(ServiceHost host, string shopId, string chatId) =>
        (await ScalarAsync(host, "SELECT toString(day) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", shopId, chatId))!;

    private static async Task<string?> ScalarAsync(ServiceHost host, string sql, string shopId, string chatId)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("chat", chatId);
        return (await host.Store.Client.ExecuteScalarAsync(sql, parameters)) as string;
    }

    private static async Task<long> CountAsync(ServiceHost host, string sql) =>
        Convert.ToInt64(await host.Store.Client.ExecuteScalarAsync(sql), CultureInfo.InvariantCulture);

    private static Task Execute(ServiceHost host, string sql) => host.Store.Client.ExecuteNonQueryAsync(sql);

    private static string Increment(string array, int index)
    {
        var values = JsonSerializer.Deserialize<long[]>(array)!;
        values[index]++;
        return "[" + string.Join(", ", values) + "]";
    }

    private static string Plus1(string count) => (long.Parse(count, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
}
