namespace ServiceAnalytics.Server.Telemetry;

/// <summary>
/// Telemetry settings (configuration section <c>Telemetry</c>; docs/telemetry.md), checked when the service starts
/// (<see cref="TelemetryOptionsValidator"/>). The OpenTelemetry SDK's own variables (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>,
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>) work as the SDK documents them.
/// </summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// Whether the OpenTelemetry SDK runs at all: metrics, the Prometheus endpoint, traces and OTLP. Default: true.
    /// False leaves the instruments unobserved (recording into them then costs next to nothing) and serves no
    /// <see cref="PrometheusPath"/>.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The path of the Prometheus scrape endpoint on the web door (never on the gRPC port nor the SQL endpoint).
    /// Default: <c>/metrics</c>. Open to loopback callers (see <see cref="PrometheusOpenOnLoopback"/>); from elsewhere
    /// it needs a caller with the <c>operations</c> scope over every shop, as the operations RPCs do.
    /// </summary>
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>
    /// Whether a scrape from a loopback address needs no credential. Default: true. Set false when a proxy on the
    /// same host forwards outside callers to the web door: they would all arrive from loopback.
    /// </summary>
    public bool PrometheusOpenOnLoopback { get; set; } = true;

    /// <summary>
    /// Whether spans are recorded (ASP.NET Core and gRPC server spans, ClickHouse statements, rollup runs). Default:
    /// null, meaning on exactly when OTLP is configured — spans no exporter takes are work for nothing.
    /// </summary>
    public bool? Traces { get; set; }

    /// <summary>OTLP export; off unless an endpoint is configured here or in <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public OtlpOptions Otlp { get; set; } = new();
}

/// <summary>Where OTLP goes (<c>Telemetry:Otlp</c>): metrics, traces and logs, to one collector.</summary>
public sealed class OtlpOptions
{
    /// <summary>
    /// The collector's address, e.g. <c>http://otel-collector:4317</c> (gRPC) or <c>http://otel-collector:4318</c>
    /// (HTTP, the SDK appends <c>/v1/traces</c> and so on). Default: none; then <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
    /// decides, and without either nothing is sent.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// <c>grpc</c> or <c>http/protobuf</c>, for <see cref="Endpoint"/>. Default: <c>grpc</c> (the SDK's default);
    /// with the endpoint from the environment, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> applies.
    /// </summary>
    public string Protocol { get; set; } = "grpc";
}
