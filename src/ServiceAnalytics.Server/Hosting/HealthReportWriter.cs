using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// <c>GET /health</c> (HTTP/2, like every endpoint here): the health report with each check's description and
/// detail — for the rollup job, its last run, duration, rows, window and last error. The gRPC health service gives
/// only SERVING / NOT_SERVING. Carries no secret and no shop's data.
/// </summary>
internal static class HealthReportWriter
{
    public static HealthCheckOptions Options { get; } = new() { ResponseWriter = WriteAsync };

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        }, cancellationToken: context.RequestAborted);
    }
}
