using System.Threading.RateLimiting;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// The per-caller allowance of calls (<see cref="SecurityOptions.RequestsPerSecond"/> sustained, bursts of
/// <see cref="SecurityOptions.RequestBurst"/>), one token bucket per caller name. Each door that counts calls holds its
/// own limiter, so a caller's budget on one door does not spend its budget on another.
/// </summary>
internal static class CallerRateLimits
{
    public static PartitionedRateLimiter<string> Create(SecurityOptions limits) =>
        PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.RequestBurst,
            TokensPerPeriod = limits.RequestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
}
