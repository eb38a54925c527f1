using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Telemetry;

/// <summary>Checks <see cref="TelemetryOptions"/>: a scrape path of its own, a usable OTLP endpoint and protocol.</summary>
internal sealed class TelemetryOptionsValidator() : RangeValidator<TelemetryOptions>(TelemetryOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, TelemetryOptions options) => ranges
        .Check(options.PrometheusPath is ['/', _, ..] && !options.PrometheusPath.Any(c => char.IsWhiteSpace(c) || c is '?' or '#'),
            nameof(options.PrometheusPath), $"must be a path such as /metrics (a leading '/', no spaces, query or fragment), got '{options.PrometheusPath}'")
        .Check(!ReservedPaths.Any(p => options.PrometheusPath.Equals(p, StringComparison.OrdinalIgnoreCase) || options.PrometheusPath.StartsWith(p + "/", StringComparison.OrdinalIgnoreCase)),
            nameof(options.PrometheusPath), $"must not take a path the service serves ({string.Join(", ", ReservedPaths)})")
        .Check(options.Otlp.Endpoint is null || (options.Otlp.Endpoint.IsAbsoluteUri && options.Otlp.Endpoint.Scheme is "http" or "https"),
            "Otlp:Endpoint", "must be an absolute http or https URL such as http://otel-collector:4317")
        .Check(OtlpProtocols.ContainsKey(options.Otlp.Protocol),
            "Otlp:Protocol", $"must be one of {string.Join(", ", OtlpProtocols.Keys)}, got '{options.Otlp.Protocol}'");

    /// <summary>The OTLP protocols by their OpenTelemetry names (as in <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).</summary>
    internal static readonly IReadOnlyDictionary<string, OpenTelemetry.Exporter.OtlpExportProtocol> OtlpProtocols =
        new Dictionary<string, OpenTelemetry.Exporter.OtlpExportProtocol>(StringComparer.Ordinal)
        {
            ["grpc"] = OpenTelemetry.Exporter.OtlpExportProtocol.Grpc,
            ["http/protobuf"] = OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf,
        };

    /// <summary>Paths the service answers itself: the scrape path must not shadow one.</summary>
    private static readonly string[] ReservedPaths = ["/v1", "/openapi", "/health", "/healthz", "/readyz", "/grpc.health.v1.Health", "/assets"];
}
