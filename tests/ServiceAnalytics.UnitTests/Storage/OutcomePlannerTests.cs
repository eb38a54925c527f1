using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.UnitTests.Storage;

/// <summary>The outcome planner's decisions (docs/metrics.md, "Freshness"), without an engine.</summary>
public sealed class OutcomePlannerTests
{
    private static readonly DateTime s_now = new(2026, 3, 31, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DayPeriod s_march = new(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31));
    private static readonly ChangedChats s_nothingChanged = new(false, []);

    private static OutcomeProgress Settled(int day, RollupSnapshot? snapshot = null) => new(new DateOnly(2026, 3, day), snapshot);

    private static RollupSnapshot Snapshot(DateTime asOf, int lastDay) => new(asOf, asOf.AddSeconds(-1), new DateOnly(2026, 3, lastDay));

    [Fact]
    public void Before_any_settled_day_every_chat_is_computed_from_the_facts()
    {
        var request = new OutcomeRequest(s_march, s_now);

        var plan = OutcomePlanner.Decide(request, OutcomeProgress.None, changed: null);

        Assert.False(OutcomePlanner.NeedsChangedChats(request, OutcomeProgress.None));
        Assert.Equal(RecentOutcomes.ComputedFromFacts, plan.Recent);
        Assert.False(plan.SettledRows);
        Assert.Null(plan.StoredThrough);
        Assert.Equal(s_now, plan.AsOf);
        Assert.Empty(plan.ChatsToRecompute);
    }

    [Fact]
    public void A_period_entirely_settled_reads_settled_rows_only()
    {
        var request = new OutcomeRequest(s_march, s_now);

        var plan = OutcomePlanner.Decide(request, Settled(31), changed: null);

        Assert.False(OutcomePlanner.NeedsChangedChats(request, Settled(31)));
        Assert.True(plan.SettledRows);
        Assert.Equal(RecentOutcomes.None, plan.Recent);
        Assert.Equal(new DateOnly(2026, 3, 31), plan.StoredThrough);
    }

    [Fact]
    public void A_snapshot_is_servable_when_taken_at_most_the_maximum_age_before_the_request_and_not_after()
    {
        var maxAge = TimeSpan.FromMinutes(5);

        Assert.NotNull(OutcomePlanner.ServableSnapshot(Snapshot(s_now.AddMinutes(-5), 31), s_now, maxAge));
        Assert.NotNull(OutcomePlanner.ServableSnapshot(Snapshot(s_now, 31), s_now, maxAge));
        Assert.Null(OutcomePlanner.ServableSnapshot(Snapshot(s_now.AddMinutes(-5).AddTicks(-1), 31), s_now, maxAge));
        Assert.Null(OutcomePlanner.ServableSnapshot(Snapshot(s_now.AddTicks(1), 31), s_now, maxAge));
        Assert.Null(OutcomePlanner.ServableSnapshot(Snapshot(s_now, 31), s_now, TimeSpan.Zero));
        Assert.Null(OutcomePlanner.ServableSnapshot(null, s_now, maxAge));
    }

    [Fact]
    public void With_a_servable_snapshot_the_days_after_the_watermark_are_its_rows_as_of_its_instant()
    {
        var snapshot = Snapshot(s_now.AddMinutes(-2), 31);
        var request = new OutcomeRequest(s_march, s_now);

        var plan = OutcomePlanner.Decide(request, Settled(20, snapshot), changed: null);

        Assert.False(OutcomePlanner.NeedsChangedChats(request, Settled(20, snapshot)));
        Assert.True(plan.SettledRows);
        Assert.Equal(RecentOutcomes.SnapshotRows, plan.Recent);
        Assert.Equal(new DateOnly(2026, 3, 20), plan.StoredThrough);
        Assert.Equal(snapshot.AsOf, plan.AsOf);
    }

    [Fact]
    public void After_summaries_a_snapshot_serves_its_days_from_the_summaries_and_later_days_are_computed()
    {
        var snapshot = Snapshot(s_now.AddMinutes(-2), 25);
        var request = new OutcomeRequest(s_march, s_now, AfterSummaries: true);

        var plan = OutcomePlanner.Decide(request, Settled(20, snapshot), changed: null);

        Assert.False(plan.SettledRows);
        Assert.Equal(RecentOutcomes.ComputedFromFacts, plan.Recent);
        Assert.Equal(new DateOnly(2026, 3, 25), plan.SummaryLastDay);
        Assert.Equal(s_march.FirstDay, plan.SummaryFirstDay);
        Assert.Equal(snapshot.AsOf, plan.AsOf);
    }

    [Fact]
    public void Without_a_snapshot_the_changed_chats_decide_the_days_after_the_watermark()
    {
        var request = new OutcomeRequest(s_march, s_now);
        Assert.True(OutcomePlanner.NeedsChangedChats(request, Settled(20)));

        var nothing = OutcomePlanner.Decide(request, Settled(20), s_nothingChanged);
        var some = OutcomePlanner.Decide(request, Settled(20), new ChangedChats(false, ["chat-1", "chat-2"]));
        var tooMany = OutcomePlanner.Decide(
            request, Settled(20), new ChangedChats(false, [.. Enumerable.Range(0, OutcomePlanner.MaxChatsToRecompute + 1).Select(i => $"chat-{i}")]));
        var atTheCap = OutcomePlanner.Decide(
            request, Settled(20), new ChangedChats(false, [.. Enumerable.Range(0, OutcomePlanner.MaxChatsToRecompute).Select(i => $"chat-{i}")]));

        Assert.Equal(RecentOutcomes.StoredRowsCurrent, nothing.Recent);
        Assert.Equal(RecentOutcomes.StoredRowsWithChangedChatsRecomputed, some.Recent);
        Assert.Equal(["chat-1", "chat-2"], some.ChatsToRecompute);
        Assert.Equal(RecentOutcomes.ComputedFromFacts, tooMany.Recent);
        Assert.Empty(tooMany.ChatsToRecompute);
        Assert.Equal(RecentOutcomes.StoredRowsWithChangedChatsRecomputed, atTheCap.Recent);
        Assert.All([nothing, some, tooMany], plan => Assert.True(plan.SettledRows));
        Assert.All([nothing, some, tooMany], plan => Assert.Equal(s_now, plan.AsOf));
    }

    [Fact]
    public void Changed_settings_recompute_every_chat_after_the_watermark()
    {
        var plan = OutcomePlanner.Decide(new OutcomeRequest(s_march, s_now), Settled(20), new ChangedChats(true, ["chat-1"]));

        Assert.Equal(RecentOutcomes.ComputedFromFacts, plan.Recent);
        Assert.Empty(plan.ChatsToRecompute);
    }

    [Fact]
    public void The_changed_chats_are_required_when_the_decision_needs_them()
    {
        Assert.Throws<ArgumentException>(() => OutcomePlanner.Decide(new OutcomeRequest(s_march, s_now), Settled(20), changed: null));
    }

    [Fact]
    public void After_summaries_the_changed_chats_decide_the_days_after_the_watermark_too()
    {
        var request = new OutcomeRequest(s_march, s_now, AfterSummaries: true);

        var plan = OutcomePlanner.Decide(request, Settled(20), s_nothingChanged);

        Assert.True(OutcomePlanner.NeedsChangedChats(request, Settled(20)));
        Assert.False(plan.SettledRows);
        Assert.Equal(RecentOutcomes.StoredRowsCurrent, plan.Recent);
        Assert.Equal(new DateOnly(2026, 3, 20), plan.SummaryLastDay);
    }

    [Fact]
    public void The_summary_days_of_a_request_after_summaries_are_clamped_to_its_period()
    {
        Assert.Equal(new DateOnly(2026, 2, 28), OutcomePlanner.Decide(new OutcomeRequest(s_march, s_now, AfterSummaries: true), OutcomeProgress.None, null).SummaryLastDay);
        var entirely = OutcomePlanner.Decide(new OutcomeRequest(s_march, s_now, AfterSummaries: true), new OutcomeProgress(new DateOnly(2026, 4, 10), null), null);

        Assert.Equal(s_march.LastDay, entirely.SummaryLastDay);
        Assert.Equal(RecentOutcomes.None, entirely.Recent);
        Assert.False(entirely.ReadsOutcomes);
    }

    [Fact]
    public void A_period_splits_after_its_summarised_days()
    {
        Assert.Equal(new SummarySplit(null, s_march), OutcomePlanner.SplitAtSummaries(s_march, OutcomeProgress.None));
        Assert.Equal(new SummarySplit(null, s_march), OutcomePlanner.SplitAtSummaries(s_march, new OutcomeProgress(new DateOnly(2026, 2, 28), null)));
        Assert.Equal(
            new SummarySplit(s_march with { LastDay = new DateOnly(2026, 3, 1) }, s_march with { FirstDay = new DateOnly(2026, 3, 2) }),
            OutcomePlanner.SplitAtSummaries(s_march, Settled(1)));
        Assert.Equal(new SummarySplit(s_march, null), OutcomePlanner.SplitAtSummaries(s_march, Settled(31)));
        // A servable snapshot summarises the days up to its last one, past the watermark.
        Assert.Equal(new SummarySplit(s_march, null), OutcomePlanner.SplitAtSummaries(s_march, Settled(20, Snapshot(s_now, 31))));
    }

    [Fact]
    public void The_customer_window_widens_the_scan_to_the_28_days_ending_with_the_period()
    {
        var calendar = new ShopCalendar(TimeZoneInfo.Utc, []);
        var week = new DayPeriod(new DateOnly(2026, 3, 25), new DateOnly(2026, 3, 31));

        var (_, withWindow, to) = PeriodParameters.Create("shop", calendar, week, s_now, includeCustomerWindow: true, DateTime.MinValue);
        var (_, without, _) = PeriodParameters.Create("shop", calendar, week, s_now, includeCustomerWindow: false, DateTime.MinValue);
        var (_, longPeriod, _) = PeriodParameters.Create("shop", calendar, s_march, s_now, includeCustomerWindow: true, DateTime.MinValue);

        Assert.Equal(new DateTime(2026, 3, 4, 0, 0, 0, DateTimeKind.Utc), withWindow);
        Assert.Equal(new DateTime(2026, 3, 25, 0, 0, 0, DateTimeKind.Utc), without);
        Assert.Equal(new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), longPeriod);
        Assert.Equal(new DateTime(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc), to);
    }

    [Fact]
    public void A_plan_describes_itself_for_a_log()
    {
        var plan = OutcomePlanner.Decide(new OutcomeRequest(s_march, s_now), Settled(20), new ChangedChats(false, ["chat-1"]));

        Assert.Equal(
            "2026-03-01..2026-03-31 as of 2026-03-31T12:00:00.0000000Z: settled rows through 2026-03-20, then StoredRowsWithChangedChatsRecomputed (1 chats recomputed)",
            plan.ToString());
    }
}
