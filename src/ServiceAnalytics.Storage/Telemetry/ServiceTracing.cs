using System.Diagnostics;

namespace ServiceAnalytics.Storage.Telemetry;

/// <summary>
/// The activity source every span of the service's own is started from (<see cref="TelemetryNames.ActivitySource"/>).
/// Starting a span costs next to nothing while no tracer listens: <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null and the callers skip their tags.
/// </summary>
public static class ServiceTracing
{
    public static ActivitySource Source { get; } = new(TelemetryNames.ActivitySource);
}
