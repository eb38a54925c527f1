using ServiceAnalytics.Server.Telemetry;

namespace ServiceAnalytics.UnitTests.Server;

public sealed class TelemetryOptionsValidatorTests
{
    private static readonly TelemetryOptionsValidator s_validator = new();

    [Fact]
    public void The_defaults_and_a_configured_collector_pass()
    {
        Assert.True(s_validator.Validate(null, new TelemetryOptions()).Succeeded);
        Assert.True(s_validator.Validate(null, new TelemetryOptions
        {
            PrometheusPath = "/ops/metrics",
            Otlp = new OtlpOptions { Endpoint = new Uri("http://otel-collector:4318"), Protocol = "http/protobuf" },
        }).Succeeded);
    }

    public static TheoryData<Action<TelemetryOptions>, string> BadSettings => new()
    {
        { o => o.PrometheusPath = "metrics", "Telemetry:PrometheusPath must be a path such as /metrics (a leading '/', no spaces, query or fragment), got 'metrics'." },
        { o => o.PrometheusPath = "/", "Telemetry:PrometheusPath must be a path such as /metrics (a leading '/', no spaces, query or fragment), got '/'." },
        { o => o.PrometheusPath = "/metrics?x=1", "Telemetry:PrometheusPath must be a path such as /metrics (a leading '/', no spaces, query or fragment), got '/metrics?x=1'." },
        { o => o.PrometheusPath = "/health", "Telemetry:PrometheusPath must not take a path the service serves (/v1, /openapi, /health, /healthz, /readyz, /grpc.health.v1.Health, /assets)." },
        { o => o.PrometheusPath = "/v1/metrics", "Telemetry:PrometheusPath must not take a path the service serves (/v1, /openapi, /health, /healthz, /readyz, /grpc.health.v1.Health, /assets)." },
        { o => o.Otlp.Endpoint = new Uri("ftp://collector:21"), "Telemetry:Otlp:Endpoint must be an absolute http or https URL such as http://otel-collector:4317." },
        { o => o.Otlp.Protocol = "http/json", "Telemetry:Otlp:Protocol must be one of grpc, http/protobuf, got 'http/json'." },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_value_fails_naming_the_setting(Action<TelemetryOptions> change, string failure)
    {
        var options = new TelemetryOptions();
        change(options);

        var result = s_validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal([failure], result.Failures);
    }
}
