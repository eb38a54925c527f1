namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// The ranges of <see cref="RollupOptions"/>, checked when the service starts. The schedule's cron syntax is the
/// scheduler's to check (the service's <c>RollupScheduleValidator</c>), since only it reads cron expressions.
/// </summary>
public sealed class RollupOptionsValidator() : RangeValidator<RollupOptions>(RollupOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, RollupOptions options) => ranges
        .Check(TimeZoneInfo.TryFindSystemTimeZoneById(options.ScheduleTimeZone, out _), nameof(options.ScheduleTimeZone),
            $"must be a known time zone (an IANA id such as UTC or Europe/Vienna), got '{options.ScheduleTimeZone}'")
        .Int(nameof(options.LateFactWindowDays), options.LateFactWindowDays, 2, 60)
        .Int(nameof(options.ChatsPerStatement), options.ChatsPerStatement, 1, 10_000_000)
        .Duration(nameof(options.RefreshInterval), options.RefreshInterval, TimeSpan.Zero, TimeSpan.FromDays(1))
        .Duration(nameof(options.SnapshotMaxAge), options.SnapshotMaxAge, TimeSpan.Zero, TimeSpan.FromDays(1))
        .Duration(nameof(options.RetryDelay), options.RetryDelay, TimeSpan.Zero, TimeSpan.FromDays(1));
}
