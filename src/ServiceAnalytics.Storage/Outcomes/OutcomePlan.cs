using System.Globalization;

namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// The rollup progress a request at an instant goes by: the settled watermark, and the latest snapshot when the
/// request may be answered from it (<see cref="OutcomePlanner.ServableSnapshot"/>).
/// </summary>
public sealed record OutcomeProgress(DateOnly? SettledThrough, RollupSnapshot? ServableSnapshot)
{
    /// <summary>No rollup progress: every day is computed from the facts.</summary>
    public static OutcomeProgress None { get; } = new(null, null);

    /// <summary>The last day read from the daily summaries: the servable snapshot's last day, else the watermark.</summary>
    public DateOnly? SummarisedThrough => ServableSnapshot?.LastDay ?? SettledThrough;
}

/// <summary>
/// What a query asks of the outcome rows: the chats received in <paramref name="Period"/> (and, with
/// <paramref name="IncludeCustomerWindow"/>, the 28 days ending with its last day) as of <paramref name="Now"/>.
/// With <paramref name="AfterSummaries"/> the query reads the summarised days from the daily summaries itself and
/// asks only for the outcome rows of the days after them.
/// </summary>
public sealed record OutcomeRequest(DayPeriod Period, DateTime Now, bool IncludeCustomerWindow = false, bool AfterSummaries = false);

/// <summary>
/// The chats received in [live_from, to) whose row from the latest rollup run is not their outcome now (found by
/// <see cref="OutcomeSources.ChatsToRecompute"/>): <paramref name="Whole"/> when every chat of the range is.
/// </summary>
public sealed record ChangedChats(bool Whole, IReadOnlyList<string> Chats);

/// <summary>Where the outcome rows of the days after the stored ones (settled or summarised) come from.</summary>
public enum RecentOutcomes
{
    /// <summary>No such day in the period.</summary>
    None,

    /// <summary>The servable snapshot's stored rows, as of its instant.</summary>
    SnapshotRows,

    /// <summary>The latest run's stored rows as of now: no chat of the range changed since.</summary>
    StoredRowsCurrent,

    /// <summary>The latest run's stored rows as of now, the changed chats (<see cref="OutcomePlan.ChatsToRecompute"/>) computed from the facts.</summary>
    StoredRowsWithChangedChatsRecomputed,

    /// <summary>Computed from the facts as of now: no rollup progress, days after the snapshot's, settings or too many chats changed.</summary>
    ComputedFromFacts,
}

/// <summary>
/// Which rows serve a request (decided by <see cref="OutcomePlanner.Decide"/>): a value, to log or trace.
/// Chats received up to the end of <paramref name="StoredThrough"/> are read from the rollup tables — settled rows
/// (<paramref name="SettledRows"/>), or for a request <see cref="OutcomeRequest.AfterSummaries"/> the daily summaries
/// of <see cref="SummaryFirstDay"/>..<see cref="SummaryLastDay"/> — and the later ones from <paramref name="Recent"/>;
/// every row as of <paramref name="AsOf"/>.
/// </summary>
public sealed record OutcomePlan(
    OutcomeRequest Request, DateTime AsOf, DateOnly? StoredThrough, bool SettledRows, RecentOutcomes Recent, IReadOnlyList<string> ChatsToRecompute)
{
    /// <summary>The first day read from the daily summaries (with <see cref="OutcomeRequest.AfterSummaries"/>).</summary>
    public DateOnly SummaryFirstDay => Request.Period.FirstDay;

    /// <summary>
    /// The last day read from the daily summaries (with <see cref="OutcomeRequest.AfterSummaries"/>): before
    /// <see cref="SummaryFirstDay"/> when there is none.
    /// </summary>
    public DateOnly SummaryLastDay => StoredThrough is not { } day ? Request.Period.FirstDay.AddDays(-1)
        : day < Request.Period.LastDay ? day : Request.Period.LastDay;

    /// <summary>Whether any outcome row is read: false only when summaries serve the whole period.</summary>
    public bool ReadsOutcomes => SettledRows || Recent != RecentOutcomes.None;

    /// <summary>The plan in a line, for a log or a trace.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Request.Period.FirstDay:yyyy-MM-dd}..{Request.Period.LastDay:yyyy-MM-dd} as of {AsOf:O}: {StoredPart()}then {Recent}{RecomputedPart()}");

    private string StoredPart() => Request.AfterSummaries
        ? string.Create(CultureInfo.InvariantCulture, $"summaries {SummaryFirstDay:yyyy-MM-dd}..{SummaryLastDay:yyyy-MM-dd}, ")
        : SettledRows ? string.Create(CultureInfo.InvariantCulture, $"settled rows through {StoredThrough:yyyy-MM-dd}, ") : "";

    private string RecomputedPart() => ChatsToRecompute.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({ChatsToRecompute.Count} chats recomputed)") : "";
}

/// <summary>
/// A period cut at the last summarised day (<see cref="OutcomeProgress.SummarisedThrough"/>): the days read from
/// the daily summaries and the days after, computed from outcome rows; either may be null.
/// </summary>
public sealed record SummarySplit(DayPeriod? SummaryDays, DayPeriod? ComputedDays);
