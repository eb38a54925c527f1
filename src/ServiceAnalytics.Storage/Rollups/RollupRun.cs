namespace ServiceAnalytics.Storage.Rollups;

/// <summary>One rollup run, finished or failed, as recorded in <c>rollup_runs</c>.</summary>
public sealed record RollupRun(
    string RunId, string Instance, string Reason, DateTime StartedAt, DateTime FinishedAt, DateOnly FirstDay, DateOnly LastDay,
    long Shops, long RowsWritten, DateOnly? SettledThrough, string Error, DateTime? ArrivalsThrough = null)
{
    public TimeSpan Duration => FinishedAt - StartedAt;

    public bool Succeeded => Error.Length == 0;
}

/// <summary>A running rollup's progress: shops computed so far, of how many (once the run knows).</summary>
public readonly record struct RollupProgress(long ShopsDone, long? Shops);
