using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// What an operator's Prometheus sees: after a scenario, the scrape endpoint's text shows the facts accepted and
/// rejected exactly as sent (by kind and reason), the query duration histogram with the source that served each
/// answer, and a snapshot-age gauge that moves. Read as Prometheus reads it — series of the text format — not through
/// the instruments.
/// </summary>
public sealed partial class PrometheusScenarioTests
{
    [Fact]
    public async Task After_a_scenario_the_scrape_shows_the_facts_sent_the_answer_sources_and_a_moving_snapshot_age()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        using var http = host.CreateHttpClient();
        var before = Parse(await ScrapeAsync(http));

        var shop = $"shop-{Guid.NewGuid():N}";
        var scenario = new FactScenario(shop);
        var at = DateTime.UtcNow.AddHours(-1);
        scenario.ChatStarted("chat-1", "customer-1", at, []);
        scenario.ChatStarted("chat-2", "customer-2", at, []);
        scenario.Message("chat-1", SenderRole.Customer, MessageKind.Text, at.AddSeconds(1));
        scenario.Message("chat-2", SenderRole.Customer, MessageKind.Text, at.AddSeconds(2));
        scenario.Message("chat-1", SenderRole.Agent, MessageKind.Text, at.AddMinutes(3), agentId: "agent-1");
        scenario.Rated("chat-2", 6, at.AddMinutes(4));
        scenario.Ended("chat-1", DateTime.UtcNow.AddDays(-401));
        var outcome = (await new IngestionService.IngestionServiceClient(host.Channel).IngestBatchAsync(
            new IngestBatchRequest { Facts = { scenario.Facts } })).Outcome;
        Assert.Equal((5, 2), (outcome.AcceptedCount, outcome.Rejected.Count));

        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var overview = new GetOverviewRequest { ShopId = shop, FirstDay = InstrumentedScenario.Day(today.AddDays(-1)), LastDay = InstrumentedScenario.Day(today) };
        await analytics.GetOverviewAsync(overview);
        await InstrumentedScenario.RunScheduledAsync(host);
        await analytics.GetOverviewAsync(overview);
        await analytics.GetOverviewAsync(overview);

        const string age = "service_analytics_rollup_snapshot_age_seconds";
        var after = Parse(await ScrapeAsync(http, text => text.Contains(age, StringComparison.Ordinal)
            && Parse(text).Sum("service_analytics_query_duration_seconds_count", ("rpc_method", "GetOverview")) >= 3));

        double Sent(Series series, string name, params (string, string)[] labels) => series.Sum(name, labels) - before.Sum(name, labels);
        const string accepted = "service_analytics_ingest_facts_accepted_total";
        const string rejected = "service_analytics_ingest_facts_rejected_total";
        Assert.Equal(2, Sent(after, accepted, ("service_analytics_fact_kind", "chat_started")));
        Assert.Equal(3, Sent(after, accepted, ("service_analytics_fact_kind", "message_sent")));
        Assert.Equal(5, Sent(after, accepted));
        Assert.Equal(1, Sent(after, rejected, ("service_analytics_fact_kind", "chat_rated"), ("service_analytics_rejection_reason", "invalid_field")));
        Assert.Equal(1, Sent(after, rejected, ("service_analytics_fact_kind", "chat_ended"), ("service_analytics_rejection_reason", "too_old")));
        Assert.Equal(2, Sent(after, rejected));

        const string duration = "service_analytics_query_duration_seconds_count";
        Assert.Equal(1, Sent(after, duration, ("rpc_method", "GetOverview"), ("service_analytics_answer_source", "computed")));
        Assert.Equal(2, Sent(after, duration, ("rpc_method", "GetOverview"), ("service_analytics_answer_source", "snapshot")));

        // The gauge is read at each scrape: a later scrape (past the exporter's brief cache) reports an older snapshot.
        var firstAge = after.Sum(age);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var laterAge = Parse(await ScrapeAsync(http)).Sum(age);
        Assert.InRange(firstAge, 0, 60);
        Assert.InRange(laterAge - firstAge, 1.0, 60);
    }

    /// <summary>Scrapes until <paramref name="done"/> holds (a call's measurements are recorded as it ends; the exporter caches a scrape briefly).</summary>
    private static async Task<string> ScrapeAsync(HttpClient http, Func<string, bool>? done = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            if (done is null || done(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The samples of a Prometheus text exposition: name, labels, value.</summary>
    private static Series Parse(string text) => new([.. text.Split('\n')
        .Where(line => line.Length > 0 && line[0] != '#')
        .Select(line => SampleLine().Match(line))
        .Where(match => match.Success)
        .Select(match => new Sample(
            match.Groups["name"].Value,
            LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(l => l.Groups["key"].Value, l => l.Groups["value"].Value),
            Value(match.Groups["value"].Value)))]);

    /// <summary>A sample's value: a number, or +Inf, -Inf, NaN as the format writes them.</summary>
    private static double Value(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    private sealed record Series(IReadOnlyList<Sample> Samples)
    {
        /// <summary>The sum over the samples of <paramref name="name"/> whose labels include <paramref name="labels"/> (0 when none).</summary>
        public double Sum(string name, params (string Key, string Value)[] labels) => Samples
            .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var value) && value == l.Value))
            .Sum(s => s.Value);
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
