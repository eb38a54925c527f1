using ServiceAnalytics.Storage.Rollups;
using ServiceAnalytics.Tests.Rollups;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>
/// One service whose database holds the BI tests' shops, rolled up by one scheduled run at <see cref="Now"/>: two hand-built
/// weeks (<see cref="BiScenario"/>: São Paulo, 20 days ago, settled; Tokyo, this week, from the snapshot, with a
/// pending inquiry), their messages sent twice, and two shops of forty days (<see cref="RollupScenario"/>). A run
/// settles every shop of a database, so the tests share this one and only read it.
/// </summary>
public sealed class BiViewFixture : IAsyncLifetime
{
    private ServiceHost? _host;

    /// <summary>The run's <c>now</c>, whole seconds, so a snapshot served at it is of it exactly.</summary>
    public DateTime Now { get; } = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    public ServiceHost Host => _host ?? throw new InvalidOperationException("The service has not started.");

    /// <summary>A settled week in America/Sao_Paulo (UTC−3): its x9 is non-responded.</summary>
    internal BiScenario Settled { get; private set; } = null!;

    /// <summary>This week in Asia/Tokyo (UTC+9), read from the snapshot: its x9 is pending.</summary>
    internal BiScenario Recent { get; private set; } = null!;

    /// <summary>Forty days of every kind of chat, New York and Tokyo (<see cref="RollupScenario"/>).</summary>
    internal IReadOnlyList<FactScenario> Busy { get; private set; } = [];

    /// <summary>MessageSent facts of the hand-built weeks, each sent twice.</summary>
    internal int HandMessages { get; private set; }

    public async ValueTask InitializeAsync()
    {
        // The snapshot must stay servable however long the tests take, so the RPCs answer from the run's rows.
        _host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Rollups:SnapshotMaxAge"] = "12:00:00" });
        Settled = BiScenario.Build("America/Sao_Paulo", LocalToday("America/Sao_Paulo").AddDays(-20), pendingAt: null);
        Recent = BiScenario.Build("Asia/Tokyo", LocalToday("Asia/Tokyo").AddDays(-6), pendingAt: Now.AddHours(-2));
        Busy = [RollupScenario.Build($"busy-{Guid.NewGuid():N}"[..20], "America/New_York", Now, 1), RollupScenario.Build($"busy-{Guid.NewGuid():N}"[..20], "Asia/Tokyo", Now, 2)];
        foreach (var shop in new[] { Settled.Facts, Recent.Facts }.Concat(Busy))
        {
            await IngestAsync(shop.Facts);
        }

        // A producer re-sends the hand-built weeks; merges stay off so the raw table keeps both copies.
        await Host.Store.Client.ExecuteNonQueryAsync("SYSTEM STOP MERGES chat_messages");
        await IngestAsync([.. Settled.Facts.Facts, .. Recent.Facts.Facts]);
        HandMessages = Settled.Facts.Facts.Concat(Recent.Facts.Facts).Count(f => f.KindCase == Fact.KindOneofCase.MessageSent);
        var run = await ActivatorUtilities.CreateInstance<RollupRunner>(Host.App.Services).RunScheduledAsync(Now, CancellationToken.None);
        Assert.True(run.Succeeded, run.Error);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private DateOnly LocalToday(string zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(Now, TimeZoneInfo.FindSystemTimeZoneById(zone)));

    private async Task IngestAsync(IReadOnlyList<Fact> facts)
    {
        var ingestion = new IngestionService.IngestionServiceClient(Host.Channel);
        foreach (var chunk in facts.Chunk(5_000))
        {
            Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { chunk } })).Outcome.Rejected);
        }

        // The views are read straight from ClickHouse, as a BI tool connected to it reads them.
        await Host.AcknowledgedFactsCommittedAsync();
    }
}
