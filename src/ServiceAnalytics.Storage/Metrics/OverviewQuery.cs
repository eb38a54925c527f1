using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Metrics;

/// <summary>The headline metrics of one period (docs/metrics.md, "Headline metrics").</summary>
public sealed record OverviewFigures(
    long ChatsReceived,
    long InquiriesAnsweredWithin24h,
    long InquiriesCounted,
    long InquiriesPending,
    long FirstResponsesMeasured,
    double? FirstResponseMeanSeconds,
    double? FirstResponseMedianSeconds,
    double? FirstResponseP90Seconds,
    IReadOnlyList<long> RatingDistribution,
    long ConvertedChats,
    long PotentialCustomers,
    long ConvertedCustomers)
{
    public long ChatsRated => RatingDistribution.Sum();

    public long ChatsRated4Or5 => RatingDistribution[3] + RatingDistribution[4];
}

/// <summary>Shop-level reads behind the query RPCs; every metric aggregates over <see cref="ChatOutcomes"/>.</summary>
public sealed class OverviewQuery(ClickHouseStore store)
{
    /// <summary>The shop's calendar, or null when the shop has no facts at all (an unknown shop).</summary>
    public async Task<ShopCalendar?> FindShopAsync(string shopId, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT
                (SELECT count() FROM chat_starts WHERE shop_id = {shop:String})
                    + (SELECT count() FROM chat_messages WHERE shop_id = {shop:String})
                    + (SELECT count() FROM shop_settings WHERE shop_id = {shop:String}) AS facts,
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

    public async Task<OverviewFigures> ReadAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(period);
        var from = calendar.StartOf(period.FirstDay);
        var to = calendar.StartOf(period.LastDay.AddDays(1));
        var windowFrom = calendar.StartOf(period.LastDay.AddDays(-27));
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("scan_from", from < windowFrom ? from : windowFrom);
        parameters.AddParameter("from", from);
        parameters.AddParameter("to", to);
        parameters.AddParameter("window_from", windowFrom);
        parameters.AddParameter("now", now);
        parameters.AddParameter("tz", calendar.TimeZone.Id);
        parameters.AddParameter("holidays", calendar.HolidayDays.ToArray());
        using var reader = await store.Client.ExecuteReaderAsync($$"""
            WITH {{ChatOutcomes.CommonTableExpression}}
            SELECT
                countIf(in_period AND received),
                sumIf(answered_in_24h, in_period AND responses_counted),
                sumIf(answered_in_24h + answered_late + not_answered, in_period AND responses_counted),
                sumIf(pending, in_period AND responses_counted),
                countIf(in_period AND responses_counted AND first_response_ms IS NOT NULL),
                avgIf(first_response_ms / 1000, in_period AND responses_counted AND first_response_ms IS NOT NULL),
                quantileExactIf(0.5)(first_response_ms / 1000, in_period AND responses_counted AND first_response_ms IS NOT NULL),
                quantileExactIf(0.9)(first_response_ms / 1000, in_period AND responses_counted AND first_response_ms IS NOT NULL),
                [countIf(in_period AND received AND stars = 1), countIf(in_period AND received AND stars = 2), countIf(in_period AND received AND stars = 3),
                 countIf(in_period AND received AND stars = 4), countIf(in_period AND received AND stars = 5)],
                countIf(in_period AND received AND converted),
                uniqExactIf(customer_id, in_window AND received AND customer_id != ''),
                uniqExactIf(customer_id, in_window AND received AND customer_id != '' AND converted)
            FROM
            (
                SELECT *, received_at >= {from:DateTime64(3, 'UTC')} AS in_period, received_at >= {window_from:DateTime64(3, 'UTC')} AS in_window
                FROM chat_outcomes
            )
            """, parameters, cancellationToken: cancellationToken);
        reader.Read();
        long Long(int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
        var measured = Long(4);
        double? Seconds(int i) => measured == 0 ? null : Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture);
        var distribution = ((System.Collections.IEnumerable)reader.GetValue(8)).Cast<object>()
            .Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToList();
        return new OverviewFigures(
            Long(0), Long(1), Long(2), Long(3), measured, Seconds(5), Seconds(6), Seconds(7), distribution, Long(9), Long(10), Long(11));
    }
}
