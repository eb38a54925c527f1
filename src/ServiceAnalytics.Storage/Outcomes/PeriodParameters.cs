using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>The parameters every source of outcome rows takes (<see cref="OutcomeSources"/>, <see cref="ComputedOutcomes"/>).</summary>
public static class PeriodParameters
{
    /// <summary>
    /// The parameters for chats received in <paramref name="period"/> (and, with
    /// <paramref name="includeCustomerWindow"/>, the 28 days ending with its last day) in [scan_from, to), settled
    /// before <paramref name="liveFrom"/> (clamped to that range), as of <paramref name="now"/>.
    /// </summary>
    public static (ClickHouseParameterCollection Parameters, DateTime ScanFrom, DateTime To) Create(
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
