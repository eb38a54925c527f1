using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.UnitTests.Storage;

/// <summary>
/// The source an answer is labelled with (docs/instruments.md, <c>service_analytics.query.duration</c>): what the
/// planner's inputs and plans say, and the costliest of them within one scope.
/// </summary>
public sealed class AnswerSourcesTests
{
    private static readonly DateTime s_now = new(2026, 3, 31, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DayPeriod s_march = new(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31));
    private static readonly RollupSnapshot s_snapshot = new(s_now.AddMinutes(-1), s_now.AddMinutes(-1), new DateOnly(2026, 3, 31));

    [Fact]
    public void The_progress_gives_the_snapshot_else_the_settled_rows_else_the_facts()
    {
        Assert.Equal(AnswerSource.Snapshot, OutcomePlanner.SourceOf(new OutcomeProgress(new DateOnly(2026, 3, 20), s_snapshot)));
        Assert.Equal(AnswerSource.Settled, OutcomePlanner.SourceOf(new OutcomeProgress(new DateOnly(2026, 3, 20), null)));
        Assert.Equal(AnswerSource.Computed, OutcomePlanner.SourceOf(OutcomeProgress.None));
    }

    [Fact]
    public void A_plan_adds_computed_only_when_it_computes_rows_from_the_facts()
    {
        var request = new OutcomeRequest(s_march, s_now);
        var settled = new OutcomeProgress(new DateOnly(2026, 3, 20), null);

        Assert.Equal(AnswerSource.None, OutcomePlanner.SourceOf(OutcomePlanner.Decide(request, settled, new ChangedChats(false, []))));
        Assert.Equal(AnswerSource.None, OutcomePlanner.SourceOf(OutcomePlanner.Decide(request, settled with { ServableSnapshot = s_snapshot }, null)));
        Assert.Equal(AnswerSource.Computed, OutcomePlanner.SourceOf(OutcomePlanner.Decide(request, settled, new ChangedChats(false, ["chat-1"]))));
        Assert.Equal(AnswerSource.Computed, OutcomePlanner.SourceOf(OutcomePlanner.Decide(request, settled, new ChangedChats(true, []))));
        Assert.Equal(AnswerSource.Computed, OutcomePlanner.SourceOf(OutcomePlanner.Decide(request, OutcomeProgress.None, null)));
    }

    [Fact]
    public async Task A_scope_keeps_the_costliest_source_recorded_in_its_flow_parallel_reads_included()
    {
        var scope = AnswerSources.Begin();
        Assert.Equal(AnswerSource.None, scope.Source);

        AnswerSources.Record(AnswerSource.Settled);
        await Task.WhenAll(
            Task.Run(() => AnswerSources.Record(AnswerSource.Snapshot)),
            Task.Run(async () =>
            {
                await Task.Yield();
                AnswerSources.Record(AnswerSource.Computed);
            }));
        AnswerSources.Record(AnswerSource.Snapshot);

        Assert.Equal(AnswerSource.Computed, scope.Source);
    }

    [Fact]
    public async Task Outside_a_scope_nothing_is_recorded_and_scopes_of_separate_flows_stay_apart()
    {
        AnswerSources.Record(AnswerSource.Computed);

        var sources = await Task.WhenAll(
            Task.Run(() => RecordInOwnScope(AnswerSource.Snapshot)),
            Task.Run(() => RecordInOwnScope(AnswerSource.Settled)));

        Assert.Equal([AnswerSource.Snapshot, AnswerSource.Settled], sources);
    }

    private static async Task<AnswerSource> RecordInOwnScope(AnswerSource source)
    {
        var scope = AnswerSources.Begin();
        await Task.Yield();
        AnswerSources.Record(source);
        return scope.Source;
    }
}
