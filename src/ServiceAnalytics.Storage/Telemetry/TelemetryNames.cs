namespace ServiceAnalytics.Storage.Telemetry;

/// <summary>
/// The names the service's own instruments and spans are published under (docs/telemetry.md). One meter name and
/// one activity source name for the whole service, so an operator enables it with one <c>AddMeter</c> and one
/// <c>AddSource</c>; the parts of the service tell themselves apart by instrument name and span name, not by source.
/// </summary>
public static class TelemetryNames
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of every instrument of the service.</summary>
    public const string Meter = "ServiceAnalytics";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name of every span the service starts itself.</summary>
    public const string ActivitySource = "ServiceAnalytics";
}
