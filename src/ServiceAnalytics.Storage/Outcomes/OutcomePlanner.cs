using System.Diagnostics;
using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// Decides which rows serve a request's days (docs/metrics.md, "Freshness"): the days up to the settled watermark
/// from the rollup tables (settled rows, or daily summaries), and the days after it from the servable snapshot's
/// rows, the latest run's rows with the changed chats recomputed, or the facts. <see cref="PlanAsync"/> gathers the
/// inputs (progress, changed chats); <see cref="Decide"/> and <see cref="SplitAtSummaries"/> are the decisions.
/// Without a progress reader every day is computed from the facts (the tests' all-live reference).
/// </summary>
public sealed class OutcomePlanner(ClickHouseStore store, RollupProgressReader? progress, TimeSpan snapshotMaxAge)
{
    /// <summary>
    /// Above this many chats to recompute (rollups stopped for a while, a flood of replayed facts), the days after
    /// the watermark are computed from the facts whole: a long id list costs more than it saves.
    /// </summary>
    public const int MaxChatsToRecompute = 20_000;

    /// <summary>
    /// The rollup progress a request at <paramref name="now"/> goes by. Every read of a query RPC starts here, so this
    /// records the source its answer is served from at best (<see cref="SourceOf(OutcomeProgress)"/>); a plan that
    /// computes from the facts raises it (<see cref="PlanAsync"/>).
    /// </summary>
    public async ValueTask<OutcomeProgress> ProgressAsync(DateTime now, CancellationToken cancellationToken)
    {
        if (progress is null)
        {
            AnswerSources.Record(AnswerSource.Computed);
            return OutcomeProgress.None;
        }

        var stored = await progress.GetProgressAsync(cancellationToken);
        var inputs = new OutcomeProgress(stored.SettledThrough, ServableSnapshot(stored.Snapshot, now, snapshotMaxAge));
        AnswerSources.Record(SourceOf(inputs));
        return inputs;
    }

    /// <summary>
    /// The source that serves the stored days of a request going by <paramref name="inputs"/>: the servable snapshot,
    /// else the settled rows, else (no rollup progress) the facts.
    /// </summary>
    public static AnswerSource SourceOf(OutcomeProgress inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return inputs.ServableSnapshot is not null ? AnswerSource.Snapshot
            : inputs.SettledThrough is not null ? AnswerSource.Settled
            : AnswerSource.Computed;
    }

    /// <summary>The source a plan adds to its progress's: <see cref="AnswerSource.Computed"/> when it computes any row from the facts.</summary>
    public static AnswerSource SourceOf(OutcomePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Recent is RecentOutcomes.ComputedFromFacts or RecentOutcomes.StoredRowsWithChangedChatsRecomputed ? AnswerSource.Computed : AnswerSource.None;
    }

    /// <summary>
    /// The instant a request at <paramref name="now"/> is answered as of: the servable snapshot's, else
    /// <paramref name="now"/>. Passed as every read's <c>now</c>, it makes all reads of a request of one instant
    /// (a snapshot taken meanwhile is after it, so not served: the reads then compute as of it).
    /// </summary>
    public async ValueTask<DateTime> AnswerInstantAsync(DateTime now, CancellationToken cancellationToken) =>
        // Milliseconds, as a DateTime64(3) parameter reaches SQL: the instant reported is the one computed with.
        (await ProgressAsync(now, cancellationToken)).ServableSnapshot?.AsOf ?? Instants.ToMilliseconds(now);

    /// <summary>
    /// The plan of <paramref name="request"/> and the parameters its SQL takes (<see cref="PeriodParameters"/>, plus
    /// <c>settled_first</c>/<c>settled_last</c> for a request after summaries, <c>recompute</c> when chats are).
    /// </summary>
    public async Task<(OutcomePlan Plan, ClickHouseParameterCollection Parameters)> PlanAsync(
        string shopId, ShopCalendar calendar, OutcomeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(request);
        var inputs = await ProgressAsync(request.Now, cancellationToken);
        var liveFrom = StoredThrough(request, inputs) is { } day ? calendar.StartOf(day.AddDays(1)) : DateTime.MinValue;
        var (parameters, _, _) = PeriodParameters.Create(
            shopId, calendar, request.Period, inputs.ServableSnapshot?.AsOf ?? request.Now, request.IncludeCustomerWindow, liveFrom);
        var changed = NeedsChangedChats(request, inputs) ? await ReadChangedChatsAsync(parameters, cancellationToken) : null;
        var plan = Decide(request, inputs, changed);
        AnswerSources.Record(SourceOf(plan));
        // The decision on the request's trace (an event of its span, when one is recorded): which rows served which days.
        if (Activity.Current is { IsAllDataRequested: true } span)
        {
            span.AddEvent(new ActivityEvent("outcome plan", tags: new ActivityTagsCollection { ["outcome.plan"] = plan.ToString() }));
        }
        if (request.AfterSummaries)
        {
            parameters.AddParameter("settled_first", plan.SummaryFirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            parameters.AddParameter("settled_last", plan.SummaryLastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (plan.Recent == RecentOutcomes.StoredRowsWithChangedChatsRecomputed)
        {
            parameters.AddParameter("recompute", plan.ChatsToRecompute.ToArray());
        }

        return (plan, parameters);
    }

    /// <summary>The progress of a request at <paramref name="now"/>, split where its summarised days end (<see cref="SplitAtSummaries"/>).</summary>
    public async ValueTask<SummarySplit> SplitAtSummariesAsync(DayPeriod period, DateTime now, CancellationToken cancellationToken) =>
        SplitAtSummaries(period, await ProgressAsync(now, cancellationToken));

    /// <summary>
    /// The latest snapshot when a request at <paramref name="now"/> is answered from it: taken at most
    /// <paramref name="maxAge"/> before, and not after (a zero age serves none).
    /// </summary>
    public static RollupSnapshot? ServableSnapshot(RollupSnapshot? latest, DateTime now, TimeSpan maxAge) =>
        maxAge > TimeSpan.Zero && latest is not null && latest.AsOf <= now && now - latest.AsOf <= maxAge ? latest : null;

    /// <summary>
    /// <paramref name="period"/> cut after its summarised days: none when nothing is summarised or the first day
    /// is after the last summarised one; the days after them computed, when the period reaches past them.
    /// </summary>
    public static SummarySplit SplitAtSummaries(DayPeriod period, OutcomeProgress inputs)
    {
        ArgumentNullException.ThrowIfNull(period);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.SummarisedThrough is not { } through || through < period.FirstDay)
        {
            return new SummarySplit(null, period);
        }

        return through >= period.LastDay
            ? new SummarySplit(period, null)
            : new SummarySplit(period with { LastDay = through }, period with { FirstDay = through.AddDays(1) });
    }

    /// <summary>
    /// The last day of stored rows a request reads: the summarised days for a request after summaries, else the
    /// settled ones; null when there are none (every chat is then computed from the facts).
    /// </summary>
    public static DateOnly? StoredThrough(OutcomeRequest request, OutcomeProgress inputs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(inputs);
        return request.AfterSummaries ? inputs.SummarisedThrough : inputs.SettledThrough;
    }

    /// <summary>
    /// Whether the decision needs the chats changed since the latest run: days after the watermark are read and no
    /// snapshot is servable.
    /// </summary>
    public static bool NeedsChangedChats(OutcomeRequest request, OutcomeProgress inputs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(inputs);
        // Without a snapshot the summarised days are the settled ones: either way, the days after the watermark.
        return inputs.SettledThrough is { } settled && inputs.ServableSnapshot is null && settled < request.Period.LastDay;
    }

    /// <summary>
    /// The plan of <paramref name="request"/> given the progress and, when <see cref="NeedsChangedChats"/>, the
    /// changed chats. Before any settled day everything is computed from the facts. Otherwise the days up to the
    /// watermark are settled rows (or, after summaries, the summarised days are summaries), and the later ones:
    /// with a servable snapshot, its rows (after summaries: the days after the snapshot's, computed from the
    /// facts); without, the latest run's rows when no chat changed, with the changed chats recomputed when some
    /// did (up to <see cref="MaxChatsToRecompute"/>), else computed from the facts.
    /// </summary>
    public static OutcomePlan Decide(OutcomeRequest request, OutcomeProgress inputs, ChangedChats? changed)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(inputs);
        var asOf = inputs.ServableSnapshot?.AsOf ?? request.Now;
        var storedThrough = StoredThrough(request, inputs);
        var settledRows = !request.AfterSummaries && inputs.SettledThrough is not null;
        var recent = storedThrough is { } through && through >= request.Period.LastDay ? RecentOutcomes.None
            : inputs.SettledThrough is null ? RecentOutcomes.ComputedFromFacts
            : inputs.ServableSnapshot is not null ? (request.AfterSummaries ? RecentOutcomes.ComputedFromFacts : RecentOutcomes.SnapshotRows)
            : FromChangedChats(changed ?? throw new ArgumentException("The changed chats are needed (NeedsChangedChats).", nameof(changed)));
        var recompute = recent == RecentOutcomes.StoredRowsWithChangedChatsRecomputed ? changed!.Chats : [];
        return new OutcomePlan(request, asOf, storedThrough, settledRows, recent, recompute);
    }

    private static RecentOutcomes FromChangedChats(ChangedChats changed) =>
        changed.Whole || changed.Chats.Count > MaxChatsToRecompute ? RecentOutcomes.ComputedFromFacts
        : changed.Chats.Count == 0 ? RecentOutcomes.StoredRowsCurrent
        : RecentOutcomes.StoredRowsWithChangedChatsRecomputed;

    /// <summary>The chats received in [live_from, to) changed since the latest run (<see cref="OutcomeSources.ChatsToRecompute"/>).</summary>
    private async Task<ChangedChats> ReadChangedChatsAsync(ClickHouseParameterCollection parameters, CancellationToken cancellationToken)
    {
        using var reader = await store.Client.ExecuteReaderAsync(OutcomeSources.ChatsToRecompute, parameters, cancellationToken: cancellationToken);
        reader.Read();
        return new ChangedChats(reader.Bool("whole_range"), reader.Strings("chats"));
    }
}
