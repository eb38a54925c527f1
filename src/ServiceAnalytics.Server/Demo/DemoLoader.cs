using System.Diagnostics;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Server.Demo;

/// <summary>What loading the demo did: the facts sent, how long ingesting them took, and the rollup run after.</summary>
public sealed record DemoLoad(DemoFacts Demo, TimeSpan Ingestion, RollupRun Rollup);

/// <summary>
/// Loads the demo shop through the service's own ingestion path — <see cref="FactIngestor"/>, so every fact is
/// validated and stored as a producer's would be — then runs the scheduled rollup, which settles the history and
/// leaves a snapshot: the first page read is served from the rollups, not computed from the facts.
/// </summary>
public sealed class DemoLoader(FactIngestor ingestor, FactVisibility visibility, RollupRunner rollups, IOptions<IngestionOptions> ingestion)
{
    /// <param name="now">The instant the demo is loaded at: its history ends at the start of the shop's day then, and the rollup's snapshot is as of it.</param>
    public async Task<DemoLoad> LoadAsync(DemoShopOptions options, DateTime now, CancellationToken cancellationToken)
    {
        var demo = DemoShop.Generate(options, now);
        var started = Stopwatch.GetTimestamp();
        // All batches at once: the pipeline gathers them into few large inserts, and its bounded queue paces them.
        var outcomes = await Task.WhenAll(demo.Facts.Chunk(ingestion.Value.MaxFactsPerBatch).Select(batch => ingestor.IngestAsync(batch, cancellationToken)));
        if (outcomes.SelectMany(o => o.Rejected).FirstOrDefault() is { } rejected)
        {
            // The generator's facts are meant to be valid: a rejection is its bug, and a demo missing facts would mislead.
            throw new InvalidOperationException($"The demo fact {rejected.EventId} was rejected ({rejected.Field}: {rejected.Reason}).");
        }

        // Acknowledged is not yet committed when acknowledging from the journal; the run reads the tables.
        await visibility.WaitForAcknowledgedAsync(FactScope.All, Timeout.InfiniteTimeSpan, cancellationToken);
        var ingested = Stopwatch.GetElapsedTime(started);
        var run = await rollups.RunScheduledAsync(now, cancellationToken);
        return run.Succeeded ? new DemoLoad(demo, ingested, run) : throw new InvalidOperationException($"The rollup run after loading the demo failed: {run.Error}");
    }
}
