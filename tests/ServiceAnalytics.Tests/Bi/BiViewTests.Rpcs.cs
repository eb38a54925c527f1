using ClickHouse.Driver.ADO.Parameters;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>What the BI view tests share: the RPCs over gRPC, the comparison of every documented query with them.</summary>
public sealed partial class BiViewTests
{
    private AnalyticsService.AnalyticsServiceClient Analytics => new(fixture.Host.Channel);

    /// <summary>
    /// Every documented query for the shop and period equals its RPC, field by field: the overview (both queries) for
    /// the period and the previous one, the status breakdown, each day of the daily trends, each agent, each tag.
    /// </summary>
    private async Task AssertDocumentedQueriesEqualRpcsAsync(string shopId, DateOnly from, DateOnly to)
    {
        var (first, last) = (BiScenario.Iso(from), BiScenario.Iso(to));
        var context = $"{shopId} {first}..{last}";
        var overview = await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = shopId, FirstDay = first, LastDay = last });
        foreach (var period in new[] { overview.Current, overview.Previous })
        {
            foreach (var query in new[] { "overview", "overview-from-chats" })
            {
                var rows = await RunAsync(query, shopId, DateOnly.Parse(period.FirstDay, CultureInfo.InvariantCulture), DateOnly.Parse(period.LastDay, CultureInfo.InvariantCulture));
                BiDocQueries.AssertSame(period, Assert.Single(rows), $"{query} {shopId} {period.FirstDay}..{period.LastDay}", "first_day", "last_day");
            }
        }

        var breakdown = await Analytics.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = shopId, FirstDay = first, LastDay = last });
        BiDocQueries.AssertSame(breakdown, Assert.Single(await RunAsync("status-breakdown", shopId, from, to)), $"status-breakdown {context}", "as_of");

        var trends = (await Analytics.GetDailyTrendsAsync(new GetDailyTrendsRequest { ShopId = shopId, FirstDay = first, LastDay = last })).Days;
        var days = await RunAsync("daily-trends", shopId, from, to);
        Assert.Equal(trends.Select(d => d.FirstDay), days.Select(d => (string)d["day"]!));
        foreach (var (day, row) in trends.Zip(days))
        {
            BiDocQueries.AssertSame(day, row, $"daily-trends {shopId} {day.FirstDay}", "first_day", "last_day");
        }

        var agents = (await Analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = shopId, FirstDay = first, LastDay = last })).Agents;
        var agentRows = await RunAsync("agents", shopId, from, to);
        Assert.Equal(agents.Select(a => a.AgentId), agentRows.Select(a => (string)a["agent_id"]!));
        foreach (var (agent, row) in agents.Zip(agentRows))
        {
            BiDocQueries.AssertSame(agent, row, $"agents {context} '{agent.AgentId}'");
        }

        var tags = (await Analytics.GetTagBreakdownAsync(new GetTagBreakdownRequest { ShopId = shopId, FirstDay = first, LastDay = last })).Tags;
        var tagRows = await RunAsync("tags", shopId, from, to);
        Assert.Equal(tags.Select(t => t.Tag), tagRows.Select(t => (string)t["tag"]!));
        foreach (var (tag, row) in tags.Zip(tagRows))
        {
            BiDocQueries.AssertSame(tag, row, $"tags {context} {tag.Tag}");
        }
    }

    private Task<List<Dictionary<string, object?>>> RunAsync(string query, string shopId, DateOnly from, DateOnly to) =>
        BiDocQueries.RunAsync(fixture.Host, query, shopId, from, to);

    /// <summary>Each named column of <paramref name="row"/> holds the figure (to 1e-9 relative).</summary>
    private static void AssertFigures(IReadOnlyDictionary<string, object?> row, string context, params (string Column, double Value)[] figures)
    {
        foreach (var (column, value) in figures)
        {
            Assert.True(row.TryGetValue(column, out var actual) && actual is double d && Math.Abs(d - value) <= 1e-9 * Math.Max(1, Math.Abs(value)),
                $"{context}: {column} is {actual ?? "NULL"}, computed by hand {value.ToString("R", CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>The rows of a statement on the service's database, each value as text.</summary>
    private async Task<List<string[]>> RowsAsync(string sql, ClickHouseParameterCollection? parameters = null)
    {
        using var reader = await fixture.Host.Store.Client.ExecuteReaderAsync(sql, parameters);
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "")]);
        }

        return rows;
    }
}
