using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// What the instrument tests do before they look at a figure: chats of a new shop ingested into the real service, the
/// days the RPCs take, a scheduled rollup run.
/// </summary>
internal static class InstrumentedScenario
{
    /// <summary>
    /// Chats <c>chat-1</c> to <c>chat-{chats}</c> (customers <c>customer-1</c>, …) of a new shop, each started an hour
    /// ago with a customer message a second later, ingested in one batch.
    /// </summary>
    public static async Task<FactScenario> IngestChatsAsync(ServiceHost host, int chats)
    {
        var scenario = new FactScenario($"shop-{Guid.NewGuid():N}");
        var at = DateTime.UtcNow.AddHours(-1);
        for (var i = 1; i <= chats; i++)
        {
            scenario.ChatStarted($"chat-{i}", $"customer-{i}", at, []);
            scenario.Message($"chat-{i}", SenderRole.Customer, MessageKind.Text, at.AddSeconds(1));
        }

        await new IngestionService.IngestionServiceClient(host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } });
        await host.AcknowledgedFactsCommittedAsync();
        return scenario;
    }

    /// <summary>
    /// The UTC day of the chats of <paramref name="scenario"/> (<see cref="IngestChatsAsync"/>) as the RPCs take a
    /// day: theirs, not a reading of today, which in the first hour after midnight is the day after theirs.
    /// </summary>
    public static string DayOf(FactScenario scenario) => Day(DateOnly.FromDateTime(scenario.Facts[0].OccurredAt.ToDateTime()));

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A scheduled rollup run at the current instant, which must succeed.</summary>
    public static async Task<RollupRun> RunScheduledAsync(ServiceHost host)
    {
        var run = await ActivatorUtilities.CreateInstance<RollupRunner>(host.App.Services).RunScheduledAsync(DateTime.UtcNow, CancellationToken.None);
        Assert.True(run.Succeeded, run.Error);
        return run;
    }
}
