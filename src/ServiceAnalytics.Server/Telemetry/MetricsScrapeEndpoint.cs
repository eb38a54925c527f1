using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Server.Security;

namespace ServiceAnalytics.Server.Telemetry;

/// <summary>
/// Serves OpenTelemetry's Prometheus scrape endpoint (<see cref="TelemetryOptions.PrometheusPath"/>) on the web door
/// only: the gRPC port and the SQL endpoint never answer it. Loopback callers scrape without a credential (unless
/// <see cref="TelemetryOptions.PrometheusOpenOnLoopback"/> is false); any other caller needs the service's own
/// authentication (an API key or a bearer token) with the <c>operations</c> scope over every shop — the credential of
/// the operations RPCs, whose figures these are too — else 401 (no or a bad credential) or 403 (not an operator).
/// </summary>
internal static class MetricsScrapeEndpoint
{
    /// <summary>Maps the endpoint; call after authentication, so the caller is known.</summary>
    public static WebApplication UseMetricsScrapeEndpoint(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MetricsScrapeEndpoint));
        if (!options.Enabled)
        {
            app.Lifetime.ApplicationStarted.Register(() => ServerLog.TelemetryOff(logger));
            return app;
        }

        var endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
        var server = app.Services.GetRequiredService<IServer>();
        var exports = app.Services.GetRequiredService<TelemetryExports>();
        app.Lifetime.ApplicationStarted.Register(() => ServerLog.TelemetryExporting(
            logger,
            endpoints.Web(server).FirstOrDefault() is { } web ? web.GetLeftPart(UriPartial.Authority) + options.PrometheusPath : "(no web door)",
            options.PrometheusOpenOnLoopback, exports.Traces, exports.Otlp));
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            // The path first: it is a string comparison, and the web door's ports are looked up only for a scrape.
            predicate: context => context.Request.Path.Equals(options.PrometheusPath, StringComparison.OrdinalIgnoreCase)
                && endpoints.Web(server).Any(address => address.Port == context.Connection.LocalPort),
            path: null,
            configureBranchedPipeline: scrape => scrape.Use(async (context, next) =>
            {
                if (Refusal(context, options) is not { } refusal)
                {
                    await next(context);
                    return;
                }

                ServerLog.MetricsScrapeRefused(logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", refusal.Reason);
                context.Response.StatusCode = refusal.Status;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(refusal.Reason + "\n");
            }),
            optionsName: null);
        return app;
    }

    /// <summary>Why <paramref name="context"/>'s caller may not scrape, or null when it may.</summary>
    private static (int Status, string Reason)? Refusal(HttpContext context, TelemetryOptions options)
    {
        if (options.PrometheusOpenOnLoopback && context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address))
        {
            return null;
        }

        var caller = context.User;
        if (caller.Identity?.IsAuthenticated != true)
        {
            return (StatusCodes.Status401Unauthorized,
                $"Scraping from beyond loopback needs an API key (header {ApiKeyAuthenticationHandler.Header}) or a bearer token with the '{CallerClaims.Operations}' scope; none valid was sent.");
        }

        return caller.HasScope(CallerClaims.Operations) && caller.MayTouch(CallerClaims.AllShops)
            ? null
            : (StatusCodes.Status403Forbidden, $"Scraping needs the '{CallerClaims.Operations}' scope over every shop (\"*\").");
    }
}
