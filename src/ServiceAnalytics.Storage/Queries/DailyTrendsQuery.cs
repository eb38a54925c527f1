using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>The headline metrics of one local day, customers counted over the 28 days ending with it.</summary>
public sealed record DailyFigures(DateOnly Day, OverviewFigures Figures);

/// <summary>GetDailyTrends: the headline metrics of each day of a period.</summary>
public sealed partial class MetricQueries
{
    /// <summary>
    /// The headline metrics of each local day of the period that has chats received (days without are left out).
    /// Summarised days (<see cref="OutcomePlanner.SplitAtSummaries"/>) are their <c>shop_daily_summary</c> rows, as
    /// the overview reads them; only the days after are computed from their chats' outcomes.
    /// </summary>
    public async Task<IReadOnlyList<DailyFigures>> ReadDailyAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var split = await _planner.SplitAtSummariesAsync(period, now, cancellationToken);
        var summarised = split.SummaryDays is { } summaryDays ? await ReadSummarisedDaysAsync(shopId, summaryDays, cancellationToken) : [];
        return split.ComputedDays is { } computedDays
            ? [.. summarised, .. await ReadComputedDaysAsync(shopId, calendar, computedDays, now, cancellationToken)]
            : summarised;
    }

    /// <summary>The days of a period of summarised days, each from its <c>shop_daily_summary</c> row (customer counts: the 28 days ending with it).</summary>
    private async Task<IReadOnlyList<DailyFigures>> ReadSummarisedDaysAsync(string shopId, DayPeriod period, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("first_day", period.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        parameters.AddParameter("last_day", period.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            SELECT {{OutcomePartials.HeadlineFromPartials}}, toString(day) AS summary_day,
                   any(potential_customers) AS day_potential_customers, any(converted_customers) AS day_converted_customers
            FROM shop_daily_summary
            WHERE shop_id = {shop:String} AND day BETWEEN toDate({first_day:String}) AND toDate({last_day:String})
            GROUP BY day
            ORDER BY day
            """, parameters, cancellationToken: cancellationToken);
        var days = new List<DailyFigures>();
        while (reader.Read())
        {
            days.Add(new DailyFigures(
                reader.Day("summary_day"),
                new OverviewFigures(HeadlineFigures.Read(reader), reader.Long("day_potential_customers"), reader.Long("day_converted_customers"))));
        }

        return days;
    }

    /// <summary>The days of a period computed from their chats' outcomes, settled and later (see <see cref="ReadDailyAsync"/>).</summary>
    private async Task<IReadOnlyList<DailyFigures>> ReadComputedDaysAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var headlines = new Dictionary<DateOnly, HeadlineFigures>();
        var (outcomes, _, parameters) = await OutcomesAsync(shopId, calendar, new OutcomeRequest(period, now), cancellationToken);
        using (var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{outcomes}}
            SELECT received_day, {{OutcomePartials.HeadlineFromPartials}}
            FROM
            (
                SELECT toString(toDate(received_at, {tz:String})) AS received_day, {{OutcomePartials.HeadlinePartials}}
                FROM (SELECT *, true AS in_period FROM chat_outcomes WHERE received)
                GROUP BY received_day
            )
            GROUP BY received_day
            """, parameters, cancellationToken: cancellationToken))
        {
            while (reader.Read())
            {
                headlines[reader.Day("received_day")] = HeadlineFigures.Read(reader);
            }
        }

        var perDay = await ReadComputedCustomersAsync(shopId, calendar, period, now, cancellationToken);
        return [.. headlines.OrderBy(h => h.Key).Select(h =>
            new DailyFigures(h.Key, new OverviewFigures(h.Value, perDay.GetValueOrDefault(h.Key).Potential, perDay.GetValueOrDefault(h.Key).Converted)))];
    }

    /// <summary>The potential and converted customers of each day of a period, from the outcomes of the 28 days ending with each.</summary>
    private async Task<Dictionary<DateOnly, (long Potential, long Converted)>> ReadComputedCustomersAsync(
        string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        // Each chat counts its customer on the 28 days starting with the day it was received.
        var (outcomes, _, parameters) = await OutcomesAsync(
            shopId, calendar, new OutcomeRequest(period with { FirstDay = period.FirstDay.AddDays(-27) }, now), cancellationToken);
        parameters.AddParameter("first_day", period.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        parameters.AddParameter("last_day", period.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var perDay = new Dictionary<DateOnly, (long Potential, long Converted)>();
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{outcomes}}
            SELECT toString(covered_day) AS customers_day, potential_customers, converted_customers
            FROM ({{OutcomePartials.CustomersByDay("", "toDate(received_at, {tz:String})", "chat_outcomes")}})
            """, parameters, cancellationToken: cancellationToken);
        while (reader.Read())
        {
            perDay[reader.Day("customers_day")] = (reader.Long("potential_customers"), reader.Long("converted_customers"));
        }

        return perDay;
    }
}
