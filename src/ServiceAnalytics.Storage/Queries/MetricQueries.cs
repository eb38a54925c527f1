using ClickHouse.Driver.ADO.Parameters;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>
/// Shop-level reads behind the query RPCs, one file each (overview, daily trends, status breakdown, chat list,
/// chat export, agent details, tag breakdown): every metric aggregates over the outcome rows
/// (<see cref="OutcomeSources"/>) or the daily summaries that the <see cref="OutcomePlanner"/> decides serve the
/// request's days (docs/metrics.md, "Freshness").
/// </summary>
public sealed partial class MetricQueries
{
    private readonly ClickHouseStore _store;
    private readonly OutcomePlanner _planner;
    private readonly ShopCalendars _calendars;
    private readonly OutcomeSources _sources;

    public MetricQueries(ClickHouseStore store, OutcomePlanner planner, ShopCalendars calendars)
        : this(store, planner, calendars, OutcomeSources.Aggregated)
    {
    }

    /// <summary>
    /// Metrics over another per-chat source (see <see cref="ComputedOutcomes.AggregatedChats"/>), or without rollup
    /// progress computed from the facts only: the all-live reference of the rollup tests and the benchmark's raw baseline.
    /// </summary>
    internal MetricQueries(ClickHouseStore store, Func<string, string> chatsSource, RollupProgressReader? progress, TimeSpan snapshotMaxAge = default)
        : this(store, new OutcomePlanner(store, progress, snapshotMaxAge), new ShopCalendars(store), new OutcomeSources(chatsSource))
    {
    }

    private MetricQueries(ClickHouseStore store, OutcomePlanner planner, ShopCalendars calendars, OutcomeSources sources)
    {
        _store = store;
        _planner = planner;
        _calendars = calendars;
        _sources = sources;
    }

    /// <summary>The shop's calendar, or null for an unknown shop (<see cref="ShopCalendars.FindShopAsync"/>).</summary>
    public Task<ShopCalendar?> FindShopAsync(string shopId, CancellationToken cancellationToken) => _calendars.FindShopAsync(shopId, cancellationToken);

    /// <summary>The instant a request at <paramref name="now"/> is answered as of (<see cref="OutcomePlanner.AnswerInstantAsync"/>).</summary>
    public ValueTask<DateTime> AnswerInstantAsync(DateTime now, CancellationToken cancellationToken) => _planner.AnswerInstantAsync(now, cancellationToken);

    /// <summary>
    /// The outcome rows of <paramref name="request"/> as the planner decides: the <c>chat_outcomes</c> common table
    /// expression (empty when none is read) and the parameters of the statement.
    /// </summary>
    private async Task<(string Outcomes, OutcomePlan Plan, ClickHouseParameterCollection Parameters)> OutcomesAsync(
        string shopId, ShopCalendar calendar, OutcomeRequest request, CancellationToken cancellationToken)
    {
        var (plan, parameters) = await _planner.PlanAsync(shopId, calendar, request, cancellationToken);
        return (_sources.ChatOutcomesFor(plan), plan, parameters);
    }

    /// <summary>A <c>WITH</c> clause defining <paramref name="outcomes"/> (<see cref="OutcomeSources.ChatOutcomesFor"/>), or nothing when it is empty.</summary>
    private static string WithClause(string outcomes) => outcomes.Length == 0 ? "" : $$"""WITH {{outcomes}}""";
}
