using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// The shops' calendars (time zone and holidays, from their latest settings), read from <c>shop_settings</c> and
/// kept for <see cref="CalendarLifetime"/>: every period a query or a rollup reads starts from one.
/// </summary>
public sealed class ShopCalendars(ClickHouseStore store)
{
    /// <summary>How long a known shop's calendar is reused before it is read again.</summary>
    public static readonly TimeSpan CalendarLifetime = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (ShopCalendar Calendar, long ReadAt)> _calendars = new(StringComparer.Ordinal);

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
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT
                (SELECT count() FROM (SELECT 1 FROM chat_starts WHERE shop_id = {shop:String} LIMIT 1))
                    + (SELECT count() FROM (SELECT 1 FROM chat_messages WHERE shop_id = {shop:String} LIMIT 1))
                    + (SELECT count() FROM (SELECT 1 FROM shop_settings WHERE shop_id = {shop:String} LIMIT 1)) AS facts,
                settings.time_zone AS time_zone,
                arrayMap(h -> concat(toString(h.1), '/', toString(h.2)), settings.holidays) AS holiday_periods
            FROM
            (
                SELECT argMax(time_zone, occurred_at) AS time_zone, argMax(holidays, occurred_at) AS holidays
                FROM shop_settings WHERE shop_id = {shop:String}
            ) AS settings
            """, parameters, cancellationToken: cancellationToken);
        reader.Read();
        return reader.Long("facts") == 0 ? null : Calendar(reader);
    }

    /// <summary>
    /// The calendars of <paramref name="shops"/> (shops with facts), read in one statement whatever their number, for
    /// a rollup run; a shop without settings has UTC and no holidays. Not kept: a run reads them once.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ShopCalendar>> ReadShopsAsync(IReadOnlyList<string> shops, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shops);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shops", shops.ToArray());
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT shop_id, argMax(time_zone, occurred_at) AS time_zone,
                   arrayMap(h -> concat(toString(h.1), '/', toString(h.2)), argMax(holidays, occurred_at)) AS holiday_periods
            FROM shop_settings WHERE shop_id IN {shops:Array(String)}
            GROUP BY shop_id
            """, parameters, cancellationToken: cancellationToken);
        var calendars = new Dictionary<string, ShopCalendar>(StringComparer.Ordinal);
        while (reader.Read())
        {
            calendars[reader.String("shop_id")] = Calendar(reader);
        }

        var utc = new ShopCalendar(TimeZoneInfo.Utc, []);
        foreach (var shop in shops)
        {
            calendars.TryAdd(shop, utc);
        }

        return calendars;
    }

    /// <summary>The calendar of a row with <c>time_zone</c> ('' for UTC) and <c>holiday_periods</c> ('first/last' days).</summary>
    private static ShopCalendar Calendar(System.Data.Common.DbDataReader reader)
    {
        var zone = reader.String("time_zone") is { Length: > 0 } id ? TimeZoneInfo.FindSystemTimeZoneById(id) : TimeZoneInfo.Utc;
        var holidays = new List<DateOnly>();
        foreach (var period in reader.Strings("holiday_periods"))
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
}
