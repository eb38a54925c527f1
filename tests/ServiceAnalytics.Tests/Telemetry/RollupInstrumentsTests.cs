using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// The rollup instruments against the real service, runs triggered directly: each run's duration by reason, the
/// shops and chats it recomputed, the snapshot-age gauge (none before the first snapshot, then growing from the run's
/// instant, back near zero after a refresh), and the visibility lag of the facts a refresh takes in.
/// </summary>
public sealed class RollupInstrumentsTests
{
    private const string SnapshotAge = "service_analytics.rollup.snapshot.age";

    [Fact]
    public async Task Runs_are_measured_and_the_snapshot_age_moves_with_them()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        using var capture = new MeterCapture(host);
        var runner = ActivatorUtilities.CreateInstance<RollupRunner>(host.App.Services);
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        var scenario = await InstrumentedScenario.IngestChatsAsync(host, 3);
        Assert.Empty(capture.Observe(SnapshotAge));

        var scheduled = await runner.RunScheduledAsync(DateTime.UtcNow, CancellationToken.None);
        Assert.True(scheduled.Succeeded);
        var firstAge = Assert.Single(capture.Observe(SnapshotAge)).Value;
        Assert.InRange(firstAge, 0, scheduled.Duration.TotalSeconds + 5);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var laterAge = Assert.Single(capture.Observe(SnapshotAge)).Value;
        Assert.True(laterAge >= firstAge + 0.25, $"the age went from {firstAge} to {laterAge} s in 300 ms");

        var run = Assert.Single(capture.Of("service_analytics.rollup.duration"));
        Assert.Equal("scheduled", run.Tag(RollupInstruments.ReasonAttribute));
        Assert.Null(run.Tag("error.type"));
        Assert.Equal(scheduled.Duration.TotalSeconds, run.Value, 0.1);
        Assert.Equal(scheduled.Shops, capture.Sum("service_analytics.rollup.shops", (RollupInstruments.ReasonAttribute, "scheduled")));
        Assert.Equal(1, scheduled.Shops);
        Assert.Equal(3, capture.Sum("service_analytics.rollup.chats", (RollupInstruments.ReasonAttribute, "scheduled")));
        // The first snapshot has no previous one to measure the facts' lag against.
        Assert.Empty(capture.Of("service_analytics.rollup.visibility.lag"));

        // Two more chats arrive; a refresh takes them in, and its snapshot is younger than the previous one's was.
        var more = new FactScenario(scenario.ShopId);
        var at = DateTime.UtcNow.AddHours(-1);
        foreach (var chat in new[] { "chat-new-1", "chat-new-2" })
        {
            more.ChatStarted(chat, "customer-new", at, []);
            more.Message(chat, SenderRole.Customer, MessageKind.Text, at.AddSeconds(1));
        }

        var sentAt = DateTime.UtcNow;
        await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { more.Facts } });
        await host.AcknowledgedFactsCommittedAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var refreshStarted = DateTime.UtcNow;
        var refresh = await runner.RefreshAsync(DateTime.UtcNow, CancellationToken.None);
        Assert.NotNull(refresh);
        var refreshedAt = DateTime.UtcNow;

        // The age now counts from the refresh's instant (which a busy machine may make later than the first run's age).
        var refreshedAge = Assert.Single(capture.Observe(SnapshotAge)).Value;
        Assert.InRange(refreshedAge, (refreshedAt - refresh.StartedAt).TotalSeconds - 0.1, (DateTime.UtcNow - refresh.StartedAt).TotalSeconds + 0.1);
        Assert.Equal(1, capture.Sum("service_analytics.rollup.shops", (RollupInstruments.ReasonAttribute, "refresh")));
        // The two new chats only: the first three's arrivals fall within the refresh's look-back, but the scheduled
        // run's rows, computed after them, took them in.
        Assert.Equal(2, capture.Sum("service_analytics.rollup.chats", (RollupInstruments.ReasonAttribute, "refresh")));
        var lag = Assert.Single(capture.Of("service_analytics.rollup.visibility.lag"));
        Assert.Equal("refresh", lag.Tag(RollupInstruments.ReasonAttribute));
        // The facts arrived after sentAt and were waiting at least until the refresh began; they were served once it ended.
        Assert.InRange(lag.Value, (refreshStarted - sentAt).TotalSeconds - 0.5, (refreshedAt - sentAt).TotalSeconds + 0.5);
    }
}
