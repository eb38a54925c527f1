using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ServiceAnalytics.Storage.Telemetry;
using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Telemetry;

/// <summary>
/// The OpenTelemetry SDK of the service (docs/telemetry.md): metrics of the <see cref="TelemetryNames.Meter"/> meter,
/// ASP.NET Core, Kestrel and the runtime, scraped in Prometheus' format on the web door
/// (<see cref="MetricsScrapeEndpoint"/>); spans of ASP.NET Core (gRPC calls included) and of
/// <see cref="TelemetryNames.ActivitySource"/> when something takes them; OTLP when an endpoint is configured.
/// Logs carry the trace and span ids of the call they were written under.
/// </summary>
internal static class TelemetryHostingExtensions
{
    /// <summary>The variable the OpenTelemetry SDK reads the OTLP endpoint of every signal from.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddServiceAnalyticsTelemetry(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(TelemetryOptions.SectionName);
        builder.Services.AddValidatedOptions<TelemetryOptions, TelemetryOptionsValidator>(section);
        ConfigureLogs(builder);

        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Enabled)
        {
            return builder;
        }

        var environmentEndpoint = builder.Configuration[OtlpEndpointVariable];
        var otlp = options.Otlp.Endpoint is not null || !string.IsNullOrWhiteSpace(environmentEndpoint);
        var traces = options.Traces ?? otlp;
        builder.Services.AddSingleton(new TelemetryExports(traces, options.Otlp.Endpoint is { } configured
            ? $"{options.Otlp.Protocol} to {Authority(configured)}"
            : otlp ? $"to {OtlpEndpointVariable}" : "off"));
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("service-analytics", serviceVersion: typeof(TelemetryHostingExtensions).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryNames.Meter)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter(prometheus => prometheus.ScrapeEndpointPath = options.PrometheusPath));
        if (traces)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(TelemetryNames.ActivitySource)
                .AddAspNetCoreInstrumentation(aspNetCore =>
                {
                    // A scrape every few seconds is no call worth a trace.
                    aspNetCore.Filter = context => !context.Request.Path.Equals(options.PrometheusPath, StringComparison.OrdinalIgnoreCase);
                    // A gRPC call's span is named service/method and carries the rpc.* attributes.
                    aspNetCore.EnrichWithHttpResponse = GrpcServerSpans.Enrich;
                }));
        }

        if (otlp)
        {
            // Log records go to the collector too, with their trace context; the console keeps them as well.
            telemetry.WithLogging();
        }

        if (options.Otlp.Endpoint is { } endpoint)
        {
            telemetry.UseOtlpExporter(TelemetryOptionsValidator.OtlpProtocols.GetValueOrDefault(options.Otlp.Protocol), endpoint);
        }
        else if (otlp)
        {
            // The SDK reads OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL, _HEADERS and the per-signal variables itself.
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>An address without what a URL may carry beyond scheme, host and port (a user and password).</summary>
    private static string Authority(Uri endpoint) => $"{endpoint.Scheme}://{endpoint.Host}:{endpoint.Port}";

    /// <summary>
    /// Trace and span ids on every log record written under a span (a scope, in the console formatters' terms), and
    /// the JSON console format (<c>Logging:Console:FormatterName=json</c>) writing scopes, so each line carries them,
    /// unless <c>Logging:Console:FormatterOptions:IncludeScopes</c> says otherwise.
    /// </summary>
    private static void ConfigureLogs(WebApplicationBuilder builder)
    {
        builder.Logging.Configure(logging => logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (builder.Configuration["Logging:Console:FormatterOptions:IncludeScopes"] is null)
        {
            builder.Services.Configure<JsonConsoleFormatterOptions>(json => json.IncludeScopes = true);
        }
    }
}

/// <summary>What the service's telemetry sends where, for the start-up log.</summary>
/// <param name="Traces">Whether spans are recorded.</param>
/// <param name="Otlp">Where OTLP goes, in words: off, or the protocol and collector.</param>
internal sealed record TelemetryExports(bool Traces, string Otlp);
