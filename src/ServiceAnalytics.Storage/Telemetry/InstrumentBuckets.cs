using System.Diagnostics.Metrics;

namespace ServiceAnalytics.Storage.Telemetry;

/// <summary>
/// Histogram bucket boundaries given as advice to the instruments (an exporter's own view may override them). The
/// OpenTelemetry SDK's default boundaries suit milliseconds; the service records seconds, as the semantic conventions ask.
/// </summary>
public static class InstrumentBuckets
{
    /// <summary>Request-scale durations in seconds: the boundaries the semantic conventions give <c>http.server.request.duration</c>.</summary>
    public static IReadOnlyList<double> RequestSeconds { get; } = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>Background-job durations and ages in seconds: a tenth of a second to an hour.</summary>
    public static IReadOnlyList<double> JobSeconds { get; } = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    /// <summary>Counts of facts in a batch.</summary>
    public static IReadOnlyList<long> BatchFacts { get; } = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

    /// <summary>Rows per INSERT of the ingestion pipeline: from a lone small batch to a full gathering.</summary>
    public static IReadOnlyList<long> InsertRows { get; } = [100, 300, 1000, 3000, 10_000, 30_000, 100_000, 300_000, 1_000_000];

    /// <summary>A histogram of request-scale durations in seconds on <paramref name="meter"/>, bucketed by <see cref="RequestSeconds"/>.</summary>
    public static Histogram<double> CreateRequestDuration(this Meter meter, string name, string description)
    {
        ArgumentNullException.ThrowIfNull(meter);
        return meter.CreateHistogram(name, "s", description, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RequestSeconds });
    }
}
