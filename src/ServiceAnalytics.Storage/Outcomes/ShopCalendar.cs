using System.Globalization;
namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>A shop's time zone and holiday days, from its latest settings.</summary>
public sealed record ShopCalendar(TimeZoneInfo TimeZone, IReadOnlyList<DateOnly> HolidayDays)
{
    /// <summary>The UTC instant at which local day <paramref name="day"/> starts (the first valid local time from 00:00).</summary>
    public DateTime StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (TimeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, TimeZone);
    }
}

/// <summary>A period of whole local days, <see cref="FirstDay"/> to <see cref="LastDay"/> inclusive.</summary>
public sealed record DayPeriod(DateOnly FirstDay, DateOnly LastDay)
{
    public int Days => LastDay.DayNumber - FirstDay.DayNumber + 1;

    /// <summary>The period of equal length ending the day before this one.</summary>
    public DayPeriod Previous => new(FirstDay.AddDays(-Days), FirstDay.AddDays(-1));

    /// <summary>
    /// The days as <c>first..last</c>. The record's own text would print <see cref="Previous"/>, whose text prints its
    /// own, until the days run out of range (it threw instead of naming the period in a failed test's message).
    /// </summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{FirstDay:yyyy-MM-dd}..{LastDay:yyyy-MM-dd}");
}
