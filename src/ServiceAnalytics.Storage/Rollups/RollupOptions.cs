namespace ServiceAnalytics.Storage.Rollups;

/// <summary>The rollup job (section <c>Rollups</c>; docs/rollups.md).</summary>
public sealed class RollupOptions
{
    public const string SectionName = "Rollups";

    /// <summary>Whether this process schedules rollup runs. Default: true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Quartz cron expression of the scheduled runs. Default: <c>0 0/15 * * * ?</c> (every 15 minutes).</summary>
    public string Schedule { get; set; } = "0 0/15 * * * ?";

    /// <summary>IANA zone the cron expression is read in. Default: <c>UTC</c>.</summary>
    public string ScheduleTimeZone { get; set; } = "UTC";

    /// <summary>
    /// Local days each scheduled run recomputes before today, so that a reply, rating or order arriving up to
    /// this many days minus one after a day ends is reflected. Older days are final unless recomputed on request.
    /// Default: 9 (a 24-hour response window, the 7-day conversion window, and a day for shops' zones).
    /// </summary>
    public int LateFactWindowDays { get; set; } = 9;

    /// <summary>Whether a run starts as soon as the schema is ready, catching up what was missed while the service was down. Default: true.</summary>
    public bool CatchUpAtStartup { get; set; } = true;

    /// <summary>
    /// How often a refresh recomputes the days after the watermark for the shops whose facts arrived since the
    /// latest snapshot, or whose pending inquiries' 24 hours have closed (<see cref="RollupRunner.RefreshAsync"/>),
    /// between scheduled runs. Zero: no refreshes.
    /// Default: 1 minute.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How old the latest run's snapshot may be (from its <c>now</c> to a request's) for the query RPCs to serve it:
    /// every figure as of that run, read from the rollup tables alone. Older, or zero, and the days after the
    /// watermark are computed as of the request, from the facts where they changed since (docs/metrics.md,
    /// "Freshness"). Default: 5 minutes.
    /// </summary>
    public TimeSpan SnapshotMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// About how many chats one statement of a run computes at most: shops together until their chats reach it, and a
    /// shop with more alone, its days in slices. Enough that the per-statement cost (about 0.1 s of planning in the
    /// embedded engine) is small beside the chats', few enough to keep a statement within its memory limit (a
    /// 200k-chat shop's 63 days in one statement passed 512 MiB). Default: 50,000.
    /// </summary>
    public int ChatsPerStatement { get; set; } = 50_000;

    /// <summary>Delay before a failed run is retried (once per failure; the schedule continues regardless). Default: 1 minute.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);
}
