using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.UnitTests.Storage;

public sealed class ShopCalendarTests
{
    [Fact]
    public void A_day_starting_in_a_daylight_saving_gap_starts_at_its_first_valid_local_time()
    {
        // Santiago skips 00:00–00:59 on 2026-09-06 (clocks go from 00:00 -04 to 01:00 -03).
        var calendar = new ShopCalendar(TimeZoneInfo.FindSystemTimeZoneById("America/Santiago"), []);

        Assert.Equal(new DateTime(2026, 9, 6, 4, 0, 0, DateTimeKind.Utc), calendar.StartOf(new DateOnly(2026, 9, 6)));
        Assert.Equal(new DateTime(2026, 9, 5, 4, 0, 0, DateTimeKind.Utc), calendar.StartOf(new DateOnly(2026, 9, 5)));
    }

    [Fact]
    public void The_previous_period_has_the_same_length_and_ends_the_day_before()
    {
        var period = new DayPeriod(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31));

        Assert.Equal(new DayPeriod(new DateOnly(2026, 1, 29), new DateOnly(2026, 2, 28)), period.Previous);
    }
}
