using System.Diagnostics;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// The span of one write of the ingestion pipeline, <c>ingest write</c>: the INSERTs of the rows collected from several
/// calls are its children, and it links to the span of each call whose batch it commits, so a trace of an ingest
/// call leads to the write that acknowledged it (a write serves many calls: a link, not a parent). Attributes:
/// <c>ingest.batches</c>, <c>ingest.rows</c>.
/// </summary>
internal static class IngestionTracing
{
    /// <summary>The caller's span context, to link the write to (default when nothing traces).</summary>
    public static ActivityContext CallerContext() => Activity.Current?.Context ?? default;

    /// <summary>The span of a write of <paramref name="rows"/> rows committing batches from <paramref name="callers"/>, or null when no tracer listens.</summary>
    public static Activity? StartWrite(IEnumerable<ActivityContext> callers, int batches, long rows)
    {
        if (!ServiceTracing.Source.HasListeners())
        {
            return null;
        }

        var links = callers.Where(context => context != default).Distinct().Select(context => new ActivityLink(context));
        var span = ServiceTracing.Source.StartActivity("ingest write", ActivityKind.Internal, parentContext: default, links: links);
        span?.SetTag("ingest.batches", batches);
        span?.SetTag("ingest.rows", rows);
        return span;
    }

    public static void Failed(Activity? span, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        span?.SetTag("error.type", error.GetType().FullName);
        span?.SetStatus(ActivityStatusCode.Error);
    }
}
