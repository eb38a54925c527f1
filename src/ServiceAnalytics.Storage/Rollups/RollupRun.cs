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

/// <summary>
/// Counts a run's shops as they are computed (in parallel) and tells <c>shopsDone</c>, when someone watches, the
/// count so far and, once known, of how many.
/// </summary>
internal sealed class RollupShopCounter(IProgress<RollupProgress>? shopsDone)
{
    private long _done;
    private long? _found;

    /// <summary>Shops computed so far.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>The run found <paramref name="shops"/> shops to compute.</summary>
    public void Found(int shops)
    {
        _found = shops;
        shopsDone?.Report(new RollupProgress(0, shops));
    }

    /// <summary><paramref name="shops"/> more shops are computed.</summary>
    public void Computed(int shops)
    {
        // Counted whether or not anyone watches: `?.` would skip evaluating the arguments too.
        var done = Interlocked.Add(ref _done, shops);
        shopsDone?.Report(new RollupProgress(done, _found));
    }
}
