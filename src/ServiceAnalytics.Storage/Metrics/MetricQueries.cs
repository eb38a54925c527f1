using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Storage.Metrics;

/// <summary>The headline metrics of chats received in a period, other than the customer counts (docs/metrics.md).</summary>
public sealed record HeadlineFigures(
    long ChatsReceived,
    long InquiriesAnsweredWithin24h,
    long InquiriesCounted,
    long InquiriesPending,
    long FirstResponsesMeasured,
    double? FirstResponseMeanSeconds,
    double? FirstResponseMedianSeconds,
    double? FirstResponseP90Seconds,
    IReadOnlyList<long> RatingDistribution,
    long ConvertedChats)
{
    public long ChatsRated => RatingDistribution.Sum();

    public long ChatsRated4Or5 => RatingDistribution[3] + RatingDistribution[4];
}

/// <summary>The headline metrics of one period (docs/metrics.md, "Headline metrics").</summary>
public sealed record OverviewFigures(HeadlineFigures Headline, long PotentialCustomers, long ConvertedCustomers);

/// <summary>The headline metrics of one local day, customers counted over the 28 days ending with it.</summary>
public sealed record DailyFigures(DateOnly Day, OverviewFigures Figures);

/// <summary>The status breakdown of one period: chats received by category (docs/metrics.md).</summary>
public sealed record BreakdownFigures(long Responded24h, long RespondedLate, long NonResponded, long Pending, long AssistantSolved, long NoInquiry);

/// <summary>One agent's figures for a period ("unassigned" is the empty agent id).</summary>
public sealed record AgentFigures(
    string AgentId, string DisplayName, long ChatsHandled, long InquiriesAnswered, long AnsweredWithin24h, long AnsweredLate, long NonResponded,
    long ChatsRated, long ChatsRated4Or5, double? ResponseMeanSeconds, double? ResponseP90Seconds, long TransfersIn, long TransfersOut);

/// <summary>One tag's figures for a period.</summary>
public sealed record TagFigures(string Tag, long Chats, long AssistantSolved, long HumanHandled, long InquiriesCounted, long AnsweredWithin24h, long Converted);

/// <summary>
/// A chat in the All Chats list; categories and statuses as stored codes. <see cref="MatchingInquiries"/> and
/// <see cref="MatchingTransfers"/>: how many of its inquiries and transfers match the list's inquiry and transfer filters.
/// </summary>
public sealed record ChatListRow(
    string ChatId, string CustomerId, DateTime ReceivedAt, string Status, string ChatType, IReadOnlyList<string> Tags,
    string CurrentAgent, double? FirstResponseSeconds, int Stars, bool Converted, long MatchingInquiries, long MatchingTransfers);

/// <summary>
/// A page of the All Chats list and the size of the whole filtered list, whatever the page: chats, the sums of the
/// rows' matching inquiries and transfers, and distinct known customers — what a count of the other RPCs drills into.
/// </summary>
public sealed record ChatListPage(IReadOnlyList<ChatListRow> Rows, long Total, long MatchingInquiries, long MatchingTransfers, long Customers);

/// <summary>
/// Filters of the All Chats list; an empty filter lets everything through. The drill-down filters are set by name:
/// <see cref="Ratings"/> (latest stars), <see cref="InquiryOutcomes"/> and <see cref="InquiryAgents"/> (inquiries
/// counted by the response rate, by outcome code and by the agent credited or charged, '' for unassigned),
/// <see cref="TransferDirections"/> (<c>in</c>, <c>out</c>) and <see cref="TransferAgents"/>.
/// </summary>
public sealed record ChatListFilter(
    IReadOnlyList<string> ChatTypes, IReadOnlyList<string> Tags, IReadOnlyList<string> Agents, IReadOnlyList<string> Statuses, string CustomerId,
    IReadOnlyList<string> HandledBy)
{
    public IReadOnlyList<int> Ratings { get; init; } = [];

    public IReadOnlyList<string> InquiryOutcomes { get; init; } = [];

    public IReadOnlyList<string> InquiryAgents { get; init; } = [];

    public IReadOnlyList<string> TransferDirections { get; init; } = [];

    public IReadOnlyList<string> TransferAgents { get; init; } = [];

    /// <summary>Whether only chats with a matching inquiry pass: an inquiry filter is set.</summary>
    public bool FiltersInquiries => InquiryOutcomes.Count > 0 || InquiryAgents.Count > 0;

    /// <summary>Whether only chats with a matching transfer pass: a transfer filter is set.</summary>
    public bool FiltersTransfers => TransferDirections.Count > 0 || TransferAgents.Count > 0;
}

/// <summary>Where a page of the list continues: after this chat in the list's order (newest first, then chat id descending).</summary>
public sealed record ChatListCursor(DateTime ReceivedAt, string ChatId);

/// <summary>
/// Shop-level reads behind the query RPCs; every metric aggregates over <see cref="ChatOutcomes"/>: settled rows and
/// daily summaries for the days the rollup job has finished (<see cref="SettledWatermark"/>); for the rest, the
/// latest run's snapshot while it is recent enough (<see cref="RollupOptions.SnapshotMaxAge"/>), else its rows of chats
/// unchanged since and the others computed from the facts (<see cref="ChatOutcomes.SettledThenRecent"/>).
/// </summary>
public sealed class MetricQueries
{
    private readonly ClickHouseStore _store;
    private readonly SettledWatermark? _watermark;
    private readonly TimeSpan _snapshotMaxAge;
    private readonly string _live;
    private readonly string _recent;
    private readonly string _settledThenRecent;
    private readonly string _settledThenLive;
    private readonly ConcurrentDictionary<string, (ShopCalendar Calendar, long ReadAt)> _calendars = new(StringComparer.Ordinal);

    /// <summary>How long a known shop's calendar is reused before it is read again.</summary>
    public static readonly TimeSpan CalendarLifetime = TimeSpan.FromSeconds(10);

    public MetricQueries(ClickHouseStore store, SettledWatermark watermark, IOptions<RollupOptions> options)
        : this(store, ChatOutcomes.AggregatedChats, watermark, options?.Value.SnapshotMaxAge ?? TimeSpan.Zero)
    {
    }

    /// <summary>
    /// Metrics over another per-chat source (see <see cref="ChatOutcomes.LiveSelect"/>), or without a watermark
    /// computed from the facts only: the all-live reference of the rollup tests and the benchmark's raw baseline.
    /// </summary>
    internal MetricQueries(ClickHouseStore store, string chatsSource, SettledWatermark? watermark, TimeSpan snapshotMaxAge = default)
    {
        _store = store;
        _watermark = watermark;
        _snapshotMaxAge = snapshotMaxAge;
        _live = ChatOutcomes.Live(chatsSource);
        _recent = ChatOutcomes.Recent(chatsSource);
        _settledThenRecent = ChatOutcomes.SettledThenRecent(chatsSource);
        _settledThenLive = ChatOutcomes.SettledThenLive(chatsSource);
    }

    /// <summary>
    /// The shop's calendar, or null when the shop has no facts at all (an unknown shop). A known shop's calendar is
    /// kept for <see cref="CalendarLifetime"/>: a change of its time zone or holidays shows within that time.
    /// </summary>
    public async Task<ShopCalendar?> FindShopAsync(string shopId, CancellationToken cancellationToken)
    {
        if (_calendars.TryGetValue(shopId, out var kept) && Stopwatch.GetElapsedTime(kept.ReadAt) < CalendarLifetime)
        {
            return kept.Calendar;
        }

        var calendar = await ReadShopAsync(shopId, cancellationToken);
        if (calendar is not null)
        {
            _calendars[shopId] = (calendar, Stopwatch.GetTimestamp());
        }

        return calendar;
    }

    private async Task<ShopCalendar?> ReadShopAsync(string shopId, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        using var reader = await _store.Client.ExecuteReaderAsync("""
            SELECT
                (SELECT count() FROM (SELECT 1 FROM chat_starts WHERE shop_id = {shop:String} LIMIT 1))
                    + (SELECT count() FROM (SELECT 1 FROM chat_messages WHERE shop_id = {shop:String} LIMIT 1))
                    + (SELECT count() FROM (SELECT 1 FROM shop_settings WHERE shop_id = {shop:String} LIMIT 1)) AS facts,
                settings.time_zone,
                arrayMap(h -> concat(toString(h.1), '/', toString(h.2)), settings.holidays)
            FROM
            (
                SELECT argMax(time_zone, occurred_at) AS time_zone, argMax(holidays, occurred_at) AS holidays
                FROM shop_settings WHERE shop_id = {shop:String}
            ) AS settings
            """, parameters, cancellationToken: cancellationToken);
        reader.Read();
        if (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture) == 0)
        {
            return null;
        }

        var zone = reader.GetString(1) is { Length: > 0 } id ? TimeZoneInfo.FindSystemTimeZoneById(id) : TimeZoneInfo.Utc;
        var holidays = new List<DateOnly>();
        foreach (var period in (string[])reader.GetValue(2))
        {
            var bounds = period.Split('/');
            var last = DateOnly.Parse(bounds[1], CultureInfo.InvariantCulture);
            for (var day = DateOnly.Parse(bounds[0], CultureInfo.InvariantCulture); day <= last; day = day.AddDays(1))
            {
                holidays.Add(day);
            }
        }

        return new ShopCalendar(zone, holidays);
    }

    /// <summary>
    /// The headline metrics as partial aggregates over chat outcomes, for chats with <c>in_period</c> set: numbers
    /// that add up across groups of chats (days, or settled days and live ones), and the first response times
    /// themselves (sorted) for the quantiles. <see cref="HeadlineFromPartials"/> turns rows of these into
    /// <see cref="HeadlineFigures"/>. The rollup stores them per day in <c>shop_daily_summary</c> under the same
    /// names, so a period of settled days is read from its days' rows, not from its chats.
    /// </summary>
    internal const string HeadlinePartials = """
        countIf(in_period AND received) AS chats_received,
        sumIf(answered_in_24h, in_period AND responses_counted) AS inquiries_answered_within_24h,
        sumIf(answered_in_24h + answered_late + not_answered, in_period AND responses_counted) AS inquiries_counted,
        sumIf(pending, in_period AND responses_counted) AS inquiries_pending,
        arraySort(groupArrayIf(assumeNotNull(first_response_ms), in_period AND responses_counted AND first_response_ms IS NOT NULL)) AS first_responses_ms,
        [countIf(in_period AND received AND stars = 1), countIf(in_period AND received AND stars = 2), countIf(in_period AND received AND stars = 3),
         countIf(in_period AND received AND stars = 4), countIf(in_period AND received AND stars = 5)] AS rating_distribution,
        countIf(in_period AND received AND converted) AS converted_chats
        """;

    /// <summary>
    /// <see cref="HeadlineFigures"/>, in its order, from rows of <see cref="HeadlinePartials"/>: sums, and the mean and
    /// [median, p90] of all the first response times (in seconds) the rows hold (both quantiles from one sort).
    /// </summary>
    internal const string HeadlineFromPartials = """
        sum(chats_received), sum(inquiries_answered_within_24h), sum(inquiries_counted), sum(inquiries_pending),
        sum(length(first_responses_ms)),
        sum(arraySum(first_responses_ms)) / sum(length(first_responses_ms)) / 1000,
        quantilesExactInclusiveArray(0.5, 0.9)(arrayMap(ms -> ms / 1000, first_responses_ms)),
        sumForEach(rating_distribution),
        sum(converted_chats)
        """;

    internal const int HeadlineColumnCount = 9;

    /// <summary>
    /// The latest run's snapshot when a request at <paramref name="now"/> is answered from it: taken at most
    /// <see cref="RollupOptions.SnapshotMaxAge"/> before, and not after (docs/metrics.md, "Freshness").
    /// </summary>
    private async ValueTask<RollupSnapshot?> ServableSnapshotAsync(DateTime now, CancellationToken cancellationToken) =>
        _watermark is not null && _snapshotMaxAge > TimeSpan.Zero && await _watermark.GetSnapshotAsync(cancellationToken) is { } snapshot
            && snapshot.AsOf <= now && now - snapshot.AsOf <= _snapshotMaxAge
            ? snapshot
            : null;

    /// <summary>
    /// The instant a request at <paramref name="now"/> is answered as of: the servable snapshot's, else
    /// <paramref name="now"/>. Passed as every read's <c>now</c>, it makes all reads of a request of one instant
    /// (a snapshot taken meanwhile is after it, so not served: the reads then compute as of it).
    /// </summary>
    public async ValueTask<DateTime> AnswerInstantAsync(DateTime now, CancellationToken cancellationToken) =>
        // Milliseconds, as a DateTime64(3) parameter reaches SQL: the instant reported is the one computed with.
        (await ServableSnapshotAsync(now, cancellationToken))?.AsOf ?? now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));

    /// <summary>The headline metrics of the period and its customer counts (<see cref="ReadOverviewsAsync"/>).</summary>
    public async Task<OverviewFigures> ReadOverviewAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken) =>
        (await ReadOverviewsAsync(shopId, calendar, [period], now, cancellationToken))[0];

    /// <summary>
    /// The headline metrics and customer counts of each period (GetOverview's period and the previous one). Periods
    /// of summarised days (settled, or in the servable snapshot) are read together, in one statement, from their
    /// days' <c>shop_daily_summary</c> rows, the customer counts from each last day's row (they are the 28 days ending
    /// with it); a period reaching past them, or whose last day has no row (no chat received that day), aggregates
    /// its chats' outcomes, settled and live, in one pass.
    /// </summary>
    public async Task<IReadOnlyList<OverviewFigures>> ReadOverviewsAsync(
        string shopId, ShopCalendar calendar, IReadOnlyList<DayPeriod> periods, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(periods);
        if (periods.Any(p => periods.Any(q => !ReferenceEquals(p, q) && p.FirstDay <= q.LastDay && q.FirstDay <= p.LastDay)))
        {
            // One statement gives each summary row to one period; overlapping ones are read one by one.
            var each = await Task.WhenAll(periods.Select(p => ReadOverviewsAsync(shopId, calendar, [p], now, cancellationToken)));
            return [.. each.Select(figures => figures[0])];
        }

        var snapshot = await ServableSnapshotAsync(now, cancellationToken);
        var summarisedThrough = snapshot?.LastDay ?? (_watermark is null ? null : await _watermark.GetAsync(cancellationToken));
        var summarised = summarisedThrough is { } through
            ? await ReadSummarisedOverviewsAsync(shopId, [.. periods.Where(p => p.LastDay <= through)], cancellationToken)
            : [];
        return await Task.WhenAll(periods.Select(period => summarised.TryGetValue(period, out var figures)
            ? Task.FromResult(figures)
            : ReadComputedOverviewAsync(shopId, calendar, period, now, cancellationToken)));
    }

    /// <summary>The overview of a period from its chats' outcomes (see <see cref="ReadOverviewsAsync"/>).</summary>
    private async Task<OverviewFigures> ReadComputedOverviewAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var (outcomes, parameters) = await SourceAsync(shopId, calendar, period, now, includeCustomerWindow: true, cancellationToken);
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{outcomes}}
            SELECT {{HeadlineFromPartials}}, any(potential_customers), any(converted_customers)
            FROM
            (
                SELECT
                    {{HeadlinePartials}},
                    uniqExactIf(customer_id, in_window AND received AND customer_id != '') AS potential_customers,
                    uniqExactIf(customer_id, in_window AND received AND customer_id != '' AND converted) AS converted_customers
                FROM
                (
                    SELECT *, received_at >= {from:DateTime64(3, 'UTC')} AS in_period, received_at >= {window_from:DateTime64(3, 'UTC')} AS in_window
                    FROM chat_outcomes
                )
            )
            """, parameters, cancellationToken: cancellationToken);
        reader.Read();
        return new OverviewFigures(ReadHeadline(reader, 0), LongAt(reader, HeadlineColumnCount), LongAt(reader, HeadlineColumnCount + 1));
    }

    /// <summary>
    /// The overviews of periods of summarised days from their days' summary rows, in one statement (each row counted
    /// in the first period holding its day); a period whose last day has no row is left out.
    /// </summary>
    private async Task<Dictionary<DayPeriod, OverviewFigures>> ReadSummarisedOverviewsAsync(
        string shopId, IReadOnlyList<DayPeriod> periods, CancellationToken cancellationToken)
    {
        var figures = new Dictionary<DayPeriod, OverviewFigures>();
        if (periods.Count == 0)
        {
            return figures;
        }

        static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("first_days", periods.Select(p => Iso(p.FirstDay)).ToArray());
        parameters.AddParameter("last_days", periods.Select(p => Iso(p.LastDay)).ToArray());
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            SELECT {{HeadlineFromPartials}}, period, max(day) = {last_days:Array(Date)}[period], argMax(potential_customers, day), argMax(converted_customers, day)
            FROM
            (
                SELECT *, arrayFirstIndex((first, last) -> day BETWEEN first AND last, {first_days:Array(Date)}, {last_days:Array(Date)}) AS period
                FROM shop_daily_summary
                WHERE shop_id = {shop:String} AND day BETWEEN arrayMin({first_days:Array(Date)}) AND arrayMax({last_days:Array(Date)})
            )
            WHERE period > 0
            GROUP BY period
            """, parameters, cancellationToken: cancellationToken);
        while (reader.Read())
        {
            // A day without chats received has no row; its customer counts then come from the chats (rare: a quiet last day).
            if (reader.GetBoolean(HeadlineColumnCount + 1))
            {
                figures[periods[Convert.ToInt32(reader.GetValue(HeadlineColumnCount), CultureInfo.InvariantCulture) - 1]] =
                    new OverviewFigures(ReadHeadline(reader, 0), LongAt(reader, HeadlineColumnCount + 2), LongAt(reader, HeadlineColumnCount + 3));
            }
        }

        return figures;
    }

    /// <summary>
    /// The headline metrics of each local day of the period that has chats received (days without are left out).
    /// Summarised days (settled, or in the servable snapshot) are their <c>shop_daily_summary</c> rows, as the
    /// overview reads them; only the days after are computed from their chats' outcomes.
    /// </summary>
    public async Task<IReadOnlyList<DailyFigures>> ReadDailyAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(period);
        var snapshot = await ServableSnapshotAsync(now, cancellationToken);
        var summarisedThrough = snapshot?.LastDay ?? (_watermark is null ? null : await _watermark.GetAsync(cancellationToken));
        if (summarisedThrough is not { } through || through < period.FirstDay)
        {
            return await ReadComputedDaysAsync(shopId, calendar, period, now, cancellationToken);
        }

        var summarised = await ReadSummarisedDaysAsync(shopId, period with { LastDay = through < period.LastDay ? through : period.LastDay }, cancellationToken);
        return through >= period.LastDay ? summarised
            : [.. summarised, .. await ReadComputedDaysAsync(shopId, calendar, period with { FirstDay = through.AddDays(1) }, now, cancellationToken)];
    }

    /// <summary>The days of a period of summarised days, each from its <c>shop_daily_summary</c> row (customer counts: the 28 days ending with it).</summary>
    private async Task<IReadOnlyList<DailyFigures>> ReadSummarisedDaysAsync(string shopId, DayPeriod period, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("first_day", period.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        parameters.AddParameter("last_day", period.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            SELECT {{HeadlineFromPartials}}, toString(day), any(potential_customers), any(converted_customers)
            FROM shop_daily_summary
            WHERE shop_id = {shop:String} AND day BETWEEN toDate({first_day:String}) AND toDate({last_day:String})
            GROUP BY day
            ORDER BY day
            """, parameters, cancellationToken: cancellationToken);
        var days = new List<DailyFigures>();
        while (reader.Read())
        {
            days.Add(new DailyFigures(
                DateOnly.Parse(reader.GetString(HeadlineColumnCount), CultureInfo.InvariantCulture),
                new OverviewFigures(ReadHeadline(reader, 0), LongAt(reader, HeadlineColumnCount + 1), LongAt(reader, HeadlineColumnCount + 2))));
        }

        return days;
    }

    /// <summary>The days of a period computed from their chats' outcomes, settled and live (see <see cref="ReadDailyAsync"/>).</summary>
    private async Task<IReadOnlyList<DailyFigures>> ReadComputedDaysAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        var headlines = new Dictionary<DateOnly, HeadlineFigures>();
        var (outcomes, parameters) = await SourceAsync(shopId, calendar, period, now, includeCustomerWindow: false, cancellationToken);
        using (var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{outcomes}}
            SELECT day, {{HeadlineFromPartials}}
            FROM
            (
                SELECT toString(toDate(received_at, {tz:String})) AS day, {{HeadlinePartials}}
                FROM (SELECT *, true AS in_period FROM chat_outcomes WHERE received)
                GROUP BY day
            )
            GROUP BY day
            """, parameters, cancellationToken: cancellationToken))
        {
            while (reader.Read())
            {
                headlines[DateOnly.Parse(reader.GetString(0), CultureInfo.InvariantCulture)] = ReadHeadline(reader, 1);
            }
        }

        // Each chat counts its customer on the 28 days starting with the day it was received.
        var (customerOutcomes, customers) = await SourceAsync(
            shopId, calendar, period with { FirstDay = period.FirstDay.AddDays(-27) }, now, includeCustomerWindow: false, cancellationToken);
        customers.AddParameter("first_day", period.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        customers.AddParameter("last_day", period.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var perDay = new Dictionary<DateOnly, (long Potential, long Converted)>();
        using (var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{customerOutcomes}}
            SELECT toString(covered_day), potential_customers, converted_customers
            FROM ({{CustomersByDay("", "toDate(received_at, {tz:String})", "chat_outcomes")}})
            """, customers, cancellationToken: cancellationToken))
        {
            while (reader.Read())
            {
                perDay[DateOnly.Parse(reader.GetString(0), CultureInfo.InvariantCulture)] = (LongAt(reader, 1), LongAt(reader, 2));
            }
        }

        return [.. headlines.OrderBy(h => h.Key).Select(h =>
            new DailyFigures(h.Key, new OverviewFigures(h.Value, perDay.GetValueOrDefault(h.Key).Potential, perDay.GetValueOrDefault(h.Key).Converted)))];
    }

    /// <summary>
    /// Potential and converted customers of each day from <c>first_day</c> to <c>last_day</c>: each received chat of
    /// <paramref name="source"/> counts its customer on the 28 days starting with <paramref name="receivedDay"/>.
    /// One text for the daily trends and the shop rollup; <paramref name="keys"/> adds grouping columns before the day.
    /// </summary>
    internal static string CustomersByDay(string keys, string receivedDay, string source) => $$"""
        SELECT {{keys}}covered_day, uniqExact(customer_id) AS potential_customers, uniqExactIf(customer_id, converted) AS converted_customers
        FROM
        (
            SELECT {{keys}}customer_id, converted, arrayJoin(arrayMap(i -> addDays({{receivedDay}}, i), range(28))) AS covered_day
            FROM {{source}} WHERE received AND customer_id != ''
        )
        WHERE covered_day BETWEEN toDate({first_day:String}) AND toDate({last_day:String})
        GROUP BY {{keys}}covered_day
        """;

    private static HeadlineFigures ReadHeadline(System.Data.Common.DbDataReader reader, int offset)
    {
        var measured = LongAt(reader, offset + 4);
        var quantiles = measured == 0 ? null : (double[])reader.GetValue(offset + 6);
        // Summed element by element; no rows at all sum to an empty array: no chats at any rating.
        var distribution = ((System.Collections.IEnumerable)reader.GetValue(offset + 7)).Cast<object>()
            .Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToList();
        distribution.AddRange(Enumerable.Repeat(0L, 5 - distribution.Count));
        return new HeadlineFigures(
            LongAt(reader, offset), LongAt(reader, offset + 1), LongAt(reader, offset + 2), LongAt(reader, offset + 3), measured,
            measured == 0 ? null : Convert.ToDouble(reader.GetValue(offset + 5), CultureInfo.InvariantCulture), quantiles?[0], quantiles?[1],
            distribution, LongAt(reader, offset + 8));
    }

    private static long LongAt(System.Data.Common.DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    /// <summary>
    /// The counts of <see cref="BreakdownFigures"/>, in its order, over chat outcomes: one text for the RPC and the
    /// shop rollup, which keeps them per day in <c>shop_daily_summary</c> under these names.
    /// </summary>
    internal const string BreakdownColumns = """
        countIf(chat_type = 'responded_24h') AS chats_responded_24h, countIf(chat_type = 'responded_late') AS chats_responded_late,
        countIf(chat_type = 'non_responded') AS chats_non_responded, countIf(chat_type = 'pending') AS chats_pending,
        countIf(chat_type = 'assistant_solved') AS chats_assistant_solved, countIf(chat_type = 'no_inquiry') AS chats_no_inquiry
        """;

    private const string BreakdownNames =
        "chats_responded_24h, chats_responded_late, chats_non_responded, chats_pending, chats_assistant_solved, chats_no_inquiry";

    /// <summary>The status breakdown: the summarised days' summary rows plus the later chats', summed (see <see cref="SplitAsync"/>).</summary>
    public async Task<BreakdownFigures> ReadBreakdownAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var split = await SplitAsync(shopId, calendar, period, now, cancellationToken);
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            {{split.With}}
            SELECT sum(chats_responded_24h), sum(chats_responded_late), sum(chats_non_responded), sum(chats_pending), sum(chats_assistant_solved), sum(chats_no_inquiry)
            FROM
            (
                SELECT {{BreakdownNames}} FROM shop_daily_summary WHERE {{SettledDays}}
                {{(split.HasLive ? $"UNION ALL SELECT {BreakdownColumns} FROM chat_outcomes" : "")}}
            )
            """, split.Parameters, cancellationToken: cancellationToken);
        reader.Read();
        long Long(int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
        return new BreakdownFigures(Long(0), Long(1), Long(2), Long(3), Long(4), Long(5));
    }

    /// <summary>
    /// The outcomes of an inquiry <c>q</c> of the <c>inquiries</c> column (asked at, response ms or -1, credited agent),
    /// by the codes of <c>InquiryOutcome</c>: one text each for <see cref="AgentPartials"/> and the All Chats inquiry
    /// filter, so an agent's count and its list cannot differ. The same conditions as the per-chat counts of
    /// <see cref="ChatOutcomes"/> (<c>answered_in_24h</c>, <c>answered_late</c>, <c>not_answered</c>, <c>pending</c>).
    /// </summary>
    internal const string InquiryAnswered = "q.2 >= 0";

    /// <inheritdoc cref="InquiryAnswered"/>
    internal const string InquiryAnswered24h = "q.2 >= 0 AND q.2 <= 86400000";

    /// <inheritdoc cref="InquiryAnswered"/>
    internal const string InquiryAnsweredLate = "q.2 > 86400000";

    /// <inheritdoc cref="InquiryAnswered"/>
    internal const string InquiryNonResponded = "q.2 < 0 AND dateDiff('millisecond', q.1, {now:DateTime64(3, 'UTC')}) >= 86400000";

    /// <inheritdoc cref="InquiryAnswered"/>
    internal const string InquiryPending = "q.2 < 0 AND dateDiff('millisecond', q.1, {now:DateTime64(3, 'UTC')}) < 86400000";

    /// <summary>
    /// A transfer <c>a</c> of the <c>assignments</c> column (at, from, to): an assignment from an agent (a first
    /// assignment, from nobody, is none). In from <c>a.3</c>'s view, out from <c>a.2</c>'s.
    /// </summary>
    internal const string IsTransfer = "a.2 != ''";

    /// <summary>
    /// The inquiries of an All Chats row that match the inquiry filter (<see cref="ChatListFilter.InquiryOutcomes"/>,
    /// <see cref="ChatListFilter.InquiryAgents"/>; empty lists match any): only chats counted by the response rate
    /// have any, as every inquiry count of the RPCs is over those chats.
    /// </summary>
    private const string MatchingInquiries = $$"""
        if(responses_counted, arrayCount(q ->
            (empty({inquiry_outcomes:Array(String)})
                OR (has({inquiry_outcomes:Array(String)}, 'answered') AND {{InquiryAnswered}})
                OR (has({inquiry_outcomes:Array(String)}, 'answered_24h') AND {{InquiryAnswered24h}})
                OR (has({inquiry_outcomes:Array(String)}, 'answered_late') AND {{InquiryAnsweredLate}})
                OR (has({inquiry_outcomes:Array(String)}, 'non_responded') AND {{InquiryNonResponded}})
                OR (has({inquiry_outcomes:Array(String)}, 'pending') AND {{InquiryPending}}))
            AND (empty({inquiry_agents:Array(String)}) OR has({inquiry_agents:Array(String)}, q.3)), inquiries), 0)
        """;

    /// <summary>The transfers of an All Chats row that match the transfer filter (empty lists match any).</summary>
    private const string MatchingTransfers = $$"""
        arrayCount(a -> {{IsTransfer}} AND (
            ((empty({transfer_directions:Array(String)}) OR has({transfer_directions:Array(String)}, 'in'))
                AND (empty({transfer_agents:Array(String)}) OR has({transfer_agents:Array(String)}, a.3)))
            OR ((empty({transfer_directions:Array(String)}) OR has({transfer_directions:Array(String)}, 'out'))
                AND (empty({transfer_agents:Array(String)}) OR has({transfer_agents:Array(String)}, a.2)))), assignments)
        """;

    /// <summary>
    /// One page of the period's chats received that pass <paramref name="filter"/>, newest first (then chat id
    /// descending, so the order is total and stable), starting after <paramref name="after"/>, with the size of the
    /// whole filtered list. One statement: the totals are window aggregates over every matching chat (no second
    /// computation of the outcomes); rows before the cursor sort after the page and are dropped here, so a page
    /// past the end still carries them.
    /// </summary>
    public async Task<ChatListPage> ListChatsAsync(
        string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, ChatListFilter filter, ChatListCursor? after, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (outcomes, parameters) = await SourceAsync(shopId, calendar, period, now, includeCustomerWindow: false, cancellationToken);
        AddChatListFilter(parameters, filter);
        parameters.AddParameter("after_at", after?.ReceivedAt ?? DateTime.MaxValue.AddYears(-7000));
        parameters.AddParameter("after_chat", after?.ChatId ?? "");
        parameters.AddParameter("has_cursor", after is null ? 0 : 1);
        parameters.AddParameter("limit", limit);
        // The page is a top-N of the rows after the cursor; the totals, one aggregate over every match, come with it as
        // a scalar subquery (window aggregates over all rows would sort them all for every page).
        var rows = new List<ChatListRow>();
        (long Chats, long Inquiries, long Transfers, long Customers) totals = default;
        using (var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{outcomes}}, (SELECT tuple({{ChatListTotals}}) FROM ({{ChatListMatches}})) AS totals
            SELECT {{ChatListColumns}}, totals.1, totals.2, totals.3, totals.4
            FROM ({{ChatListMatches}})
            WHERE {has_cursor:UInt8} = 0 OR (received_at, chat_id) < ({after_at:DateTime64(3, 'UTC')}, {after_chat:String})
            ORDER BY received_at DESC, chat_id DESC
            LIMIT {limit:UInt32}
            """, parameters, cancellationToken: cancellationToken))
        {
            while (reader.Read())
            {
                totals = (LongAt(reader, 12), LongAt(reader, 13), LongAt(reader, 14), LongAt(reader, 15));
                rows.Add(ReadChatListRow(reader));
            }
        }

        if (rows.Count == 0 && after is not null)
        {
            // A page past the end has no row to carry the totals: they are read alone (no cursor: no rows, all zero).
            using var reader = await _store.Client.ExecuteReaderAsync(
                $"WITH {outcomes} SELECT {ChatListTotals} FROM ({ChatListMatches})", parameters, cancellationToken: cancellationToken);
            reader.Read();
            totals = (LongAt(reader, 0), LongAt(reader, 1), LongAt(reader, 2), LongAt(reader, 3));
        }

        return new ChatListPage(rows, totals.Chats, totals.Inquiries, totals.Transfers, totals.Customers);
    }

    /// <summary>The totals of a <see cref="ChatListMatches"/> filter: chats, matching inquiries and transfers, known customers.</summary>
    private const string ChatListTotals =
        "count(), sum(matching_inquiries), sum(matching_transfers), uniqExactIf(customer_id, customer_id != '')";

    /// <summary>
    /// Every chat of the All Chats list for a filter, in the list's order: the CSV export. The same outcomes, filter
    /// text and columns as <see cref="ListChatsAsync"/>, without totals or pages. The period is read in slices of
    /// consecutive days, newest first, each holding about <see cref="ExportSliceChats"/> chats (by the shop's chat
    /// starts per day) and each one statement: a chat belongs to the slice of its received day, so the slices list
    /// every chat once and in order, and the engine holds one slice's outcomes and sorted result, not the period's.
    /// Memory so follows the busiest day's chats, not the list's length. Every slice is read as of
    /// <c>now</c>, as the list's pages are. <c>sliceChats</c> (about how many chats a slice holds) is there for
    /// tests, to cut a small shop's period.
    /// </summary>
    public async IAsyncEnumerable<ChatListRow> ExportChatsAsync(
        string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, ChatListFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken, int sliceChats = ExportSliceChats)
    {
        ArgumentNullException.ThrowIfNull(filter);
        foreach (var slice in await ExportSlicesAsync(shopId, calendar, period, sliceChats, cancellationToken))
        {
            var (outcomes, parameters) = await SourceAsync(shopId, calendar, slice, now, includeCustomerWindow: false, cancellationToken);
            AddChatListFilter(parameters, filter);
            using var reader = await _store.Client.ExecuteReaderAsync($$"""
                WITH {{outcomes}}
                SELECT {{ChatListColumns}}
                FROM ({{ChatListMatches}})
                ORDER BY received_at DESC, chat_id DESC
                """, parameters, cancellationToken: cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return ReadChatListRow(reader);
            }
        }
    }

    /// <summary>About how many chats one statement of the export reads: enough that per-statement costs vanish.</summary>
    public const int ExportSliceChats = 20_000;

    /// <summary>
    /// <paramref name="period"/> cut into runs of consecutive days, newest first, each holding about
    /// <paramref name="sliceChats"/> chat starts (a day is never split; a busier day is a slice of its own). Starts
    /// only size the slices: which chats a slice lists is decided by their received day, as everywhere.
    /// </summary>
    private async Task<List<DayPeriod>> ExportSlicesAsync(string shopId, ShopCalendar calendar, DayPeriod period, int sliceChats, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("from", calendar.StartOf(period.FirstDay));
        parameters.AddParameter("to", calendar.StartOf(period.LastDay.AddDays(1)));
        parameters.AddParameter("tz", calendar.TimeZone.Id);
        var startsByDay = new Dictionary<DateOnly, long>();
        using (var reader = await _store.Client.ExecuteReaderAsync("""
            SELECT toString(toDate(occurred_at, {tz:String})) AS day, count() AS starts
            FROM chat_starts
            WHERE shop_id = {shop:String} AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
            GROUP BY day
            """, parameters, cancellationToken: cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                startsByDay[DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        var slices = new List<DayPeriod>();
        var (last, chats) = (period.LastDay, 0L);
        for (var day = period.LastDay; day >= period.FirstDay; day = day.AddDays(-1))
        {
            var starts = startsByDay.GetValueOrDefault(day);
            if (chats > 0 && chats + starts > sliceChats)
            {
                slices.Add(new DayPeriod(day.AddDays(1), last));
                (last, chats) = (day, 0);
            }

            chats += starts;
        }

        slices.Add(new DayPeriod(period.FirstDay, last));
        return slices;
    }

    /// <summary>The columns of <see cref="ChatListRow"/>, in its order, as <see cref="ReadChatListRow"/> reads them.</summary>
    private const string ChatListColumns = """
        chat_id, customer_id, received_at, status, chat_type, tags, current_agent, first_response_ms, stars, converted,
        matching_inquiries, matching_transfers
        """;

    /// <summary>
    /// The received chats of <c>chat_outcomes</c> that match the All Chats filter bound by
    /// <see cref="AddChatListFilter"/>, with their matching inquiries and transfers: the filter's one text, for the
    /// list's pages and for the export.
    /// </summary>
    private const string ChatListMatches = $$"""
        SELECT *
        FROM
        (
            SELECT *, {{MatchingInquiries}} AS matching_inquiries, {{MatchingTransfers}} AS matching_transfers
            FROM chat_outcomes
            WHERE received
        )
        WHERE (empty({types:Array(String)})
                OR has({types:Array(String)}, chat_type)
                OR (has({types:Array(String)}, 'rated_1_to_3') AND stars BETWEEN 1 AND 3)
                OR (has({types:Array(String)}, 'rated_4_or_5') AND stars >= 4)
                OR (has({types:Array(String)}, 'converted') AND converted))
            AND (empty({tags:Array(String)}) OR hasAny(tags, {tags:Array(String)}))
            AND (empty({agents:Array(String)}) OR has({agents:Array(String)}, current_agent))
            AND (empty({statuses:Array(String)}) OR has({statuses:Array(String)}, status))
            AND ({customer:String} = '' OR customer_id = {customer:String})
            AND (empty({handled_by:Array(String)}) OR hasAny(replying_agents, {handled_by:Array(String)}))
            AND (empty({ratings:Array(UInt8)}) OR has({ratings:Array(UInt8)}, stars))
            AND ({filters_inquiries:UInt8} = 0 OR matching_inquiries > 0)
            AND ({filters_transfers:UInt8} = 0 OR matching_transfers > 0)
        """;

    /// <summary>Binds the values <see cref="ChatListMatches"/> filters by: every value reaches the SQL as a parameter.</summary>
    private static void AddChatListFilter(ClickHouseParameterCollection parameters, ChatListFilter filter)
    {
        parameters.AddParameter("types", filter.ChatTypes.ToArray());
        parameters.AddParameter("tags", filter.Tags.ToArray());
        parameters.AddParameter("agents", filter.Agents.ToArray());
        parameters.AddParameter("statuses", filter.Statuses.ToArray());
        parameters.AddParameter("customer", filter.CustomerId);
        parameters.AddParameter("handled_by", filter.HandledBy.ToArray());
        parameters.AddParameter("ratings", filter.Ratings.Select(r => checked((byte)r)).ToArray());
        parameters.AddParameter("inquiry_outcomes", filter.InquiryOutcomes.ToArray());
        parameters.AddParameter("inquiry_agents", filter.InquiryAgents.ToArray());
        parameters.AddParameter("filters_inquiries", filter.FiltersInquiries ? 1 : 0);
        parameters.AddParameter("transfer_directions", filter.TransferDirections.ToArray());
        parameters.AddParameter("transfer_agents", filter.TransferAgents.ToArray());
        parameters.AddParameter("filters_transfers", filter.FiltersTransfers ? 1 : 0);
    }

    /// <summary>A row of <see cref="ChatListColumns"/> (the reader's first twelve columns).</summary>
    private static ChatListRow ReadChatListRow(System.Data.Common.DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetDateTime(2), reader.GetString(3), reader.GetString(4),
        ((IEnumerable<string>)reader.GetValue(5)).ToList(), reader.GetString(6),
        reader.IsDBNull(7) ? null : Convert.ToDouble(reader.GetValue(7), CultureInfo.InvariantCulture) / 1000,
        Convert.ToInt32(reader.GetValue(8), CultureInfo.InvariantCulture), reader.GetBoolean(9), LongAt(reader, 10), LongAt(reader, 11));

    /// <summary>
    /// Agent details as partial aggregates over rows of <see cref="AgentChats"/> array-joined on <c>agents AS agent</c>:
    /// counts that add up across groups of chats, and the agent's response times themselves (sorted) for the mean
    /// and p90. <see cref="AgentFromPartials"/> turns rows of these into <see cref="AgentFigures"/>. The agent rollup
    /// stores them per day in <c>agent_daily_summary</c> under the same names.
    /// </summary>
    internal const string AgentPartials = $$"""
        countIf(has(replying_agents, agent)) AS chats_handled,
        sum(arrayCount(q -> q.3 = agent AND {{InquiryAnswered}}, counted_inquiries)) AS inquiries_answered,
        sum(arrayCount(q -> q.3 = agent AND {{InquiryAnswered24h}}, counted_inquiries)) AS inquiries_answered_within_24h,
        sum(arrayCount(q -> q.3 = agent AND {{InquiryAnsweredLate}}, counted_inquiries)) AS inquiries_answered_late,
        sum(arrayCount(q -> q.3 = agent AND {{InquiryNonResponded}}, counted_inquiries)) AS inquiries_non_responded,
        countIf(has(replying_agents, agent) AND stars > 0) AS chats_rated,
        countIf(has(replying_agents, agent) AND stars >= 4) AS chats_rated_4_or_5,
        arraySort(groupArrayArray(arrayMap(q -> q.2, arrayFilter(q -> q.3 = agent AND {{InquiryAnswered}}, counted_inquiries)))) AS response_ms,
        sum(arrayCount(a -> a.3 = agent AND {{IsTransfer}}, assignments)) AS transfers_in,
        sum(arrayCount(a -> a.2 = agent AND {{IsTransfer}}, assignments)) AS transfers_out
        """;

    /// <summary>The names of <see cref="AgentPartials"/>, in order: the columns of <c>agent_daily_summary</c> that hold them.</summary>
    internal const string AgentPartialNames = """
        chats_handled, inquiries_answered, inquiries_answered_within_24h, inquiries_answered_late, inquiries_non_responded,
        chats_rated, chats_rated_4_or_5, response_ms, transfers_in, transfers_out
        """;

    /// <summary>
    /// <see cref="AgentFigures"/> after the display name, in its order, from rows of <see cref="AgentPartials"/>:
    /// sums, and the mean and p90 of all the response times (in seconds) the rows hold.
    /// </summary>
    internal const string AgentFromPartials = """
        sum(chats_handled), sum(inquiries_answered), sum(inquiries_answered_within_24h), sum(inquiries_answered_late), sum(inquiries_non_responded),
        sum(chats_rated), sum(chats_rated_4_or_5),
        sum(arraySum(response_ms)) / sum(length(response_ms)) / 1000, quantileExactInclusiveArray(0.9)(arrayMap(ms -> ms / 1000, response_ms)),
        sum(transfers_in), sum(transfers_out)
        """;

    /// <summary>
    /// Received chats of <c>{source}</c> with the agents they concern: repliers, agents credited or charged with a
    /// counted inquiry, agents transferred from and to. Rows for "unassigned" ('') only where it was charged.
    /// </summary>
    internal const string AgentChats = """
        SELECT *, if(responses_counted, inquiries, []) AS counted_inquiries,
               arrayDistinct(arrayConcat(replying_agents, arrayMap(q -> q.3, counted_inquiries),
                                         arrayMap(a -> a.2, assignments), arrayMap(a -> a.3, assignments))) AS agents
        FROM {source} WHERE received
        """;

    /// <summary>Keeps the agent rows of <see cref="AgentChats"/> that name an agent, or "unassigned" where it was charged.</summary>
    internal const string AgentRowFilter = "agent != '' OR arrayExists(q -> q.3 = '', counted_inquiries)";

    /// <summary>
    /// Agent details (docs/metrics.md, "Agent details"), busiest agents first: the settled days' summary rows plus
    /// the live chats' partials, merged per agent.
    /// </summary>
    public async Task<IReadOnlyList<AgentFigures>> ReadAgentsAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var split = await SplitAsync(shopId, calendar, period, now, cancellationToken);
        var live = split.HasLive ? $$"""
            UNION ALL
            SELECT agent, {{AgentPartials}}
            FROM ({{AgentChats.Replace("{source}", "chat_outcomes", StringComparison.Ordinal)}})
            ARRAY JOIN agents AS agent
            WHERE {{AgentRowFilter}}
            GROUP BY agent
            """ : "";
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            {{split.With}}
            SELECT agent, any(names.display_name), {{AgentFromPartials}}
            FROM
            (
                SELECT agent_id AS agent, {{AgentPartialNames}} FROM agent_daily_summary WHERE {{SettledDays}}
                {{live}}
            ) AS parts
            LEFT JOIN
            (
                SELECT agent_id, argMax(display_name, occurred_at) AS display_name FROM agents WHERE shop_id = {shop:String} GROUP BY agent_id
            ) AS names ON names.agent_id = parts.agent
            GROUP BY agent
            ORDER BY 3 DESC, agent
            """, split.Parameters, cancellationToken: cancellationToken);
        var agents = new List<AgentFigures>();
        while (reader.Read())
        {
            long Long(int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
            var answered = Long(3);
            double? Seconds(int i) => answered == 0 ? null : Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture);
            agents.Add(new AgentFigures(
                reader.GetString(0), reader.GetString(1), Long(2), answered, Long(4), Long(5), Long(6), Long(7), Long(8), Seconds(9), Seconds(10), Long(11), Long(12)));
        }

        return agents;
    }

    /// <summary>Per tag (docs/metrics.md, "Tags"), most frequent first.</summary>
    public async Task<IReadOnlyList<TagFigures>> ReadTagsAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var (outcomes, parameters) = await SourceAsync(shopId, calendar, period, now, includeCustomerWindow: false, cancellationToken);
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{outcomes}}
            SELECT
                tag,
                count(),
                countIf(chat_type = 'assistant_solved'),
                countIf(chat_type IN ('responded_24h', 'responded_late', 'non_responded', 'pending')),
                sumIf(answered_in_24h + answered_late + not_answered, responses_counted),
                sumIf(answered_in_24h, responses_counted),
                countIf(converted)
            FROM chat_outcomes
            ARRAY JOIN tags AS tag
            WHERE received
            GROUP BY tag
            ORDER BY count() DESC, tag
            """, parameters, cancellationToken: cancellationToken);
        var tags = new List<TagFigures>();
        while (reader.Read())
        {
            long Long(int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
            tags.Add(new TagFigures(reader.GetString(0), Long(1), Long(2), Long(3), Long(4), Long(5), Long(6)));
        }

        return tags;
    }

    /// <summary>
    /// The chat outcomes of <paramref name="period"/> (and, with <paramref name="includeCustomerWindow"/>, of the
    /// 28 days ending with its last day): settled rows for the days up to the watermark; after it, the servable
    /// snapshot's rows as of its instant, else the latest run's rows and the changed chats computed as of now.
    /// </summary>
    private async Task<(string Outcomes, ClickHouseParameterCollection Parameters)> SourceAsync(
        string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, bool includeCustomerWindow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        var settledThrough = _watermark is null ? null : await _watermark.GetAsync(cancellationToken);
        var snapshot = await ServableSnapshotAsync(now, cancellationToken);
        var liveFrom = settledThrough is { } day ? calendar.StartOf(day.AddDays(1)) : DateTime.MinValue;
        var (parameters, scanFrom, to) = PeriodParameters(shopId, calendar, period, snapshot?.AsOf ?? now, includeCustomerWindow, liveFrom);
        // Before any day is settled everything is computed from the facts; after, the snapshot's rows as of its time,
        // or see ChatOutcomes.SettledThenRecent.
        var outcomes = settledThrough is null ? _live
            : liveFrom >= to ? ChatOutcomes.Settled
            : snapshot is not null ? ChatOutcomes.SettledThenReused
            : await AddChatsToRecomputeAsync(parameters, cancellationToken) switch
            {
                Recompute.None => ChatOutcomes.SettledThenReused,
                Recompute.Some => _settledThenRecent,
                _ => _settledThenLive,
            };
        return (outcomes, parameters);
    }

    /// <summary>
    /// Above this many chats to recompute (rollups stopped for a while, a flood of replayed facts), the days after
    /// the watermark are computed from the facts whole: a long id list costs more than it saves.
    /// </summary>
    private const int MaxChatsToRecompute = 20_000;

    /// <summary>What of the days after the watermark is computed from the facts (<see cref="ChatOutcomes.ChatsToRecompute"/>).</summary>
    private enum Recompute
    {
        /// <summary>Nothing: the latest run's rows are current.</summary>
        None,

        /// <summary>The chats of parameter <c>recompute</c>.</summary>
        Some,

        /// <summary>Every chat: the shop's settings changed, too many chats did, or the range's rows are missing or older than the arrivals kept.</summary>
        All,
    }

    /// <summary>
    /// Finds the chats received in [live_from, to) to recompute (<see cref="ChatOutcomes.ChatsToRecompute"/>) and,
    /// for <see cref="Recompute.Some"/>, adds them as parameter <c>recompute</c>.
    /// </summary>
    private async Task<Recompute> AddChatsToRecomputeAsync(ClickHouseParameterCollection parameters, CancellationToken cancellationToken)
    {
        using var reader = await _store.Client.ExecuteReaderAsync(ChatOutcomes.ChatsToRecompute, parameters, cancellationToken: cancellationToken);
        reader.Read();
        var chats = (string[])reader.GetValue(1);
        if (reader.GetBoolean(0) || chats.Length > MaxChatsToRecompute)
        {
            return Recompute.All;
        }

        if (chats.Length == 0)
        {
            return Recompute.None;
        }

        parameters.AddParameter("recompute", chats);
        return Recompute.Some;
    }

    /// <summary>The settled days of a <see cref="SplitAsync"/> period, as a condition on a daily summary table.</summary>
    private const string SettledDays =
        "shop_id = {shop:String} AND day BETWEEN toDate({settled_first:String}) AND toDate({settled_last:String})";

    /// <summary>
    /// <paramref name="period"/> split after its summarised days: the days up to the watermark, or up to the servable
    /// snapshot's last day (<see cref="SettledDays"/>, read from the daily summaries; none without a watermark) and,
    /// when it reaches past them, a <c>WITH</c> clause defining <c>chat_outcomes</c> for its later chats.
    /// </summary>
    private async Task<(string With, bool HasLive, ClickHouseParameterCollection Parameters)> SplitAsync(
        string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(period);
        var settledThrough = _watermark is null ? null : await _watermark.GetAsync(cancellationToken);
        var snapshot = await ServableSnapshotAsync(now, cancellationToken);
        var summarisedThrough = snapshot?.LastDay ?? settledThrough;
        var settledLast = summarisedThrough is not { } day ? period.FirstDay.AddDays(-1) : day < period.LastDay ? day : period.LastDay;
        var liveFrom = summarisedThrough is { } through ? calendar.StartOf(through.AddDays(1)) : DateTime.MinValue;
        var (parameters, _, to) = PeriodParameters(shopId, calendar, period, snapshot?.AsOf ?? now, includeCustomerWindow: false, liveFrom);
        parameters.AddParameter("settled_first", period.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        parameters.AddParameter("settled_last", settledLast.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var hasLive = liveFrom < to;
        // Days after the snapshot's (in the future of its run) are computed from the facts.
        var live = !hasLive ? ""
            : settledThrough is null || snapshot is not null ? _live
            : await AddChatsToRecomputeAsync(parameters, cancellationToken) switch
            {
                Recompute.None => ChatOutcomes.Reused,
                Recompute.Some => _recent,
                _ => _live,
            };
        return (hasLive ? $"WITH {live}" : "", hasLive, parameters);
    }

    /// <summary>
    /// The parameters <see cref="ChatOutcomes"/> takes, for chats received in <paramref name="period"/> (and, with
    /// <paramref name="includeCustomerWindow"/>, the 28 days ending with its last day) in [scan_from, to), settled
    /// before <paramref name="liveFrom"/> (clamped to that range).
    /// </summary>
    internal static (ClickHouseParameterCollection Parameters, DateTime ScanFrom, DateTime To) PeriodParameters(
        string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, bool includeCustomerWindow, DateTime liveFrom)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(period);
        var from = calendar.StartOf(period.FirstDay);
        var windowFrom = calendar.StartOf(period.LastDay.AddDays(-27));
        var scanFrom = includeCustomerWindow && windowFrom < from ? windowFrom : from;
        var to = calendar.StartOf(period.LastDay.AddDays(1));
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("scan_from", scanFrom);
        parameters.AddParameter("live_from", liveFrom < scanFrom ? scanFrom : liveFrom > to ? to : liveFrom);
        parameters.AddParameter("from", from);
        parameters.AddParameter("to", to);
        parameters.AddParameter("window_from", windowFrom);
        parameters.AddParameter("now", now);
        parameters.AddParameter("tz", calendar.TimeZone.Id);
        parameters.AddParameter("holidays", calendar.HolidayDays.ToArray());
        return (parameters, scanFrom, to);
    }
}
