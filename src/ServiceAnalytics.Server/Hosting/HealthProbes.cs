using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// The orchestrator's probes on the web door, Kubernetes' conventions (docs/operations.md): <c>GET /healthz</c>
/// (liveness) answers 200 while the process serves HTTP and runs no check, so a slow or unreachable store never gets
/// the process restarted; <c>GET /readyz</c> (readiness) runs the checks tagged <see cref="ReadyTag"/> — migrations
/// applied and the store answering (<see cref="ServiceAnalytics.Storage.StoreHealthCheck"/>) — and answers 503 until
/// they pass. Both are open (no credentials) and their body is the status word alone (<c>Healthy</c>,
/// <c>Unhealthy</c>): the detail stays in <c>/health</c>.
/// </summary>
internal static class HealthProbes
{
    /// <summary>The tag of the health checks readiness waits for.</summary>
    public const string ReadyTag = "ready";

    public const string LivenessPath = "/healthz";

    public const string ReadinessPath = "/readyz";

    public static WebApplication MapHealthProbes(this WebApplication app)
    {
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return app;
    }
}
