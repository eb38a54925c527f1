using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// The shops' calendars (time zone and holidays, from their latest settings), read from <c>shop_settings</c>: every
/// period a query or a rollup reads starts from one.
/// </summary>
/// <remarks>
/// A query's calendar comes from every shop's settings, read in one statement and kept for
/// <see cref="CalendarLifetime"/>, and from the shops known to have facts: those with daily summaries, read with the
/// settings, and those found by a read of their own, kept for the process's life (facts are never removed). Reading
/// one shop's settings and facts for each request cost three table reads (about 13 ms of the engine's time on the
/// soak's data, 14–21 ms on an idle machine, a third of an overview's), and requests over thousands of shops seldom
/// ask for one shop twice in a few seconds; the settings of every shop are a few rows each, and the shops with
/// summaries one row per shop and day, each read together in one statement. Only a shop new since the latest
/// rollup run is read on its own.
/// </remarks>
public sealed class ShopCalendars(ClickHouseStore store)
{
    /// <summary>How long the shops' settings are reused before they are read again.</summary>
    public static readonly TimeSpan CalendarLifetime = TimeSpan.FromSeconds(10);

    private static readonly ShopCalendar s_utc = new(TimeZoneInfo.Utc, []);

    private readonly ConcurrentDictionary<string, (ShopCalendar Calendar, long ReadAt)> _shopsWithFacts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private Task<EverySettings>? _settings;

    /// <summary>
    /// The shop's calendar, or null when the shop has no facts at all (an unknown shop): UTC without holidays for a
    /// shop without settings. A change of a shop's time zone or holidays shows within <see cref="CalendarLifetime"/>.
    /// </summary>
    public async Task<ShopCalendar?> FindShopAsync(string shopId, CancellationToken cancellationToken)
    {
        var settings = await SettingsAsync(cancellationToken);
        if (_shopsWithFacts.TryGetValue(shopId, out var found))
        {
            // Its own read started after every shop's settings were read: it is the newer.
            return found.ReadAt > settings.ReadAt ? found.Calendar : settings.Calendars.GetValueOrDefault(shopId, s_utc);
        }

        if (settings.ShopsWithSummaries.Contains(shopId))
        {
            return settings.Calendars.GetValueOrDefault(shopId, s_utc);
        }

        var readAt = Stopwatch.GetTimestamp();
        var calendar = await ReadShopAsync(shopId, cancellationToken);
        if (calendar is not null)
        {
            _shopsWithFacts[shopId] = (calendar, readAt);
        }

        return calendar;
    }

    /// <summary>
    /// The calendars of <paramref name="shops"/> (shops with facts), read in one statement whatever their number, for
    /// a rollup run; a shop without settings has UTC and no holidays. Read afresh: a run reads them once.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ShopCalendar>> ReadShopsAsync(IReadOnlyList<string> shops, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shops);
        var calendars = await ReadSettingsAsync(shops, cancellationToken);
        foreach (var shop in shops)
        {
            calendars.TryAdd(shop, s_utc);
        }

        return calendars;
    }

    /// <summary>
    /// Every shop's calendar from its settings, read at most <see cref="CalendarLifetime"/> ago. One read serves every
    /// caller meanwhile; it is not cancelled with the caller that started it, and a failed one is tried again.
    /// </summary>
    private Task<EverySettings> SettingsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_settings is not { IsCompletedSuccessfully: true } latest || Stopwatch.GetElapsedTime(latest.Result.ReadAt) >= CalendarLifetime)
            {
                if (_settings is null || _settings.IsCompleted)
                {
                    _settings = ReadEverySettingsAsync();
                }

                latest = _settings;
            }

            return latest.WaitAsync(cancellationToken);
        }

        async Task<EverySettings> ReadEverySettingsAsync()
        {
            var readAt = Stopwatch.GetTimestamp();
            return new EverySettings(await ReadSettingsAsync(null, CancellationToken.None), await ReadShopsWithSummariesAsync(), readAt);
        }
    }

    /// <summary>The calendars of the shops with settings among <paramref name="shops"/>, or of every shop with settings when null.</summary>
    private async Task<Dictionary<string, ShopCalendar>> ReadSettingsAsync(IReadOnlyList<string>? shops, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        if (shops is not null)
        {
            parameters.AddParameter("shops", shops.ToArray());
        }

        // A rollup run's read (shops given) goes as its other statements do.
        using var reader = await (shops is null ? store.Client : store.RollupClient).ExecuteReaderAsync($$"""
            SELECT shop_id, argMax(time_zone, occurred_at) AS time_zone,
                   arrayMap(h -> concat(toString(h.1), '/', toString(h.2)), argMax(holidays, occurred_at)) AS holiday_periods
            FROM shop_settings {{(shops is null ? "" : "WHERE shop_id IN {shops:Array(String)}")}}
            GROUP BY shop_id
            """, parameters, cancellationToken: cancellationToken);
        var calendars = new Dictionary<string, ShopCalendar>(StringComparer.Ordinal);
        while (reader.Read())
        {
            calendars[reader.String("shop_id")] = Calendar(reader);
        }

        return calendars;
    }

    /// <summary>The shops with daily summaries (so with facts): one read of a small table, sorted by shop first.</summary>
    private async Task<IReadOnlySet<string>> ReadShopsWithSummariesAsync()
    {
        using var reader = await store.Client.ExecuteReaderAsync("SELECT DISTINCT shop_id FROM shop_daily_summary");
        var shops = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            shops.Add(reader.String("shop_id"));
        }

        return shops;
    }

    /// <summary>The shop's calendar from its own settings, or null when the shop has no facts at all.</summary>
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

    /// <summary>Every shop's calendar from its settings, the shops with daily summaries, and when the reads started.</summary>
    private sealed record EverySettings(IReadOnlyDictionary<string, ShopCalendar> Calendars, IReadOnlySet<string> ShopsWithSummaries, long ReadAt);
}
