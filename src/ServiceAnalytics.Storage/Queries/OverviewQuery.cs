using System.Data.Common;
using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Queries;

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

    /// <summary>The figures of a row selecting <see cref="OutcomePartials.HeadlineFromPartials"/>, by its names.</summary>
    internal static HeadlineFigures Read(DbDataReader reader)
    {
        var measured = reader.Long("total_first_responses");
        var quantiles = measured == 0 ? null : reader.Doubles("first_response_quantiles_seconds");
        // Summed element by element; no rows at all sum to an empty array: no chats at any rating.
        var distribution = reader.Longs("total_rating_distribution");
        distribution.AddRange(Enumerable.Repeat(0L, 5 - distribution.Count));
        return new HeadlineFigures(
            reader.Long("total_chats_received"), reader.Long("total_answered_within_24h"), reader.Long("total_inquiries_counted"),
            reader.Long("total_inquiries_pending"), measured,
            measured == 0 ? null : reader.Double("mean_first_response_seconds"), quantiles?[0], quantiles?[1],
            distribution, reader.Long("total_converted_chats"));
    }
}

/// <summary>The headline metrics of one period (docs/metrics.md, "Headline metrics").</summary>
public sealed record OverviewFigures(HeadlineFigures Headline, long PotentialCustomers, long ConvertedCustomers)
{
    /// <summary>The figures of a row selecting the headline figures and <c>potential_customers</c>, <c>converted_customers</c>.</summary>
    internal static OverviewFigures Read(DbDataReader reader) =>
        new(HeadlineFigures.Read(reader), reader.Long("potential_customers"), reader.Long("converted_customers"));
}

/// <summary>GetOverview: the headline metrics and customer counts of a period and the previous one.</summary>
public sealed partial class MetricQueries
{
    /// <summary>The headline metrics of the period and its customer counts (<see cref="ReadOverviewsAsync"/>).</summary>
    public async Task<OverviewFigures> ReadOverviewAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken) =>
        (await ReadOverviewsAsync(shopId, calendar, [period], now, cancellationToken))[0];

    /// <summary>
    /// The headline metrics and customer counts of each period (GetOverview's period and the previous one). Periods
    /// of summarised days (<see cref="OutcomePlanner.SplitAtSummaries"/>) are read together, in one statement, from
    /// their days' <c>shop_daily_summary</c> rows, the customer counts from each last day's row (they are the 28 days
    /// ending with it); a period reaching past them, or whose last day has no row (no chat received that day),
    /// aggregates its chats' outcomes, settled and later, in one pass.
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

        var progress = await _planner.ProgressAsync(now, cancellationToken);
        var ofSummaries = periods.ToLookup(p => OutcomePlanner.SplitAtSummaries(p, progress).ComputedDays is null);
        // The periods that need their chats' outcomes start at once, so their statements and the summary rows' one
        // (typically the current period computed, the previous one summarised) run side by side.
        var computing = ofSummaries[false].ToDictionary(period => period, period => ReadComputedOverviewAsync(shopId, calendar, period, now, cancellationToken));
        var summarising = ReadSummarisedOverviewsAsync(shopId, [.. ofSummaries[true]], cancellationToken);
        await Task.WhenAll(computing.Values.Append<Task>(summarising));
        var summarised = await summarising;
        return await Task.WhenAll(periods.Select(period =>
            computing.TryGetValue(period, out var computed) ? computed
            : summarised.TryGetValue(period, out var figures) ? Task.FromResult(figures)
            : ReadComputedOverviewAsync(shopId, calendar, period, now, cancellationToken)));
    }

    /// <summary>The overview of a period from its chats' outcomes (see <see cref="ReadOverviewsAsync"/>).</summary>
    private async Task<OverviewFigures> ReadComputedOverviewAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var (outcomes, _, parameters) = await OutcomesAsync(shopId, calendar, new OutcomeRequest(period, now, IncludeCustomerWindow: true), cancellationToken);
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{outcomes}}
            SELECT {{OutcomePartials.HeadlineFromPartials}},
                   any(period_potential_customers) AS potential_customers, any(period_converted_customers) AS converted_customers
            FROM
            (
                SELECT
                    {{OutcomePartials.HeadlinePartials}},
                    uniqExactIf(customer_id, in_window AND received AND customer_id != '') AS period_potential_customers,
                    uniqExactIf(customer_id, in_window AND received AND customer_id != '' AND converted) AS period_converted_customers
                FROM
                (
                    SELECT *, received_at >= {from:DateTime64(3, 'UTC')} AS in_period, received_at >= {window_from:DateTime64(3, 'UTC')} AS in_window
                    FROM chat_outcomes
                )
            )
            """, parameters, cancellationToken: cancellationToken);
        reader.Read();
        return OverviewFigures.Read(reader);
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
            SELECT {{OutcomePartials.HeadlineFromPartials}}, period AS period_index, max(day) = {last_days:Array(Date)}[period] AS has_last_day,
                   argMax(potential_customers, day) AS last_potential_customers, argMax(converted_customers, day) AS last_converted_customers
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
            if (reader.Bool("has_last_day"))
            {
                figures[periods[reader.Int("period_index") - 1]] = new OverviewFigures(
                    HeadlineFigures.Read(reader), reader.Long("last_potential_customers"), reader.Long("last_converted_customers"));
            }
        }

        return figures;
    }
}
