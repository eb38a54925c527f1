namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// Why a run ran: the schedule (including the catch-up at start-up), a backfill of settled days that facts arrived
/// for (part of a scheduled run), a refresh between scheduled runs, or a request to recompute a range.
/// </summary>
public enum RollupReason
{
    Scheduled,
    Backfill,
    Refresh,
    Recompute,
}
