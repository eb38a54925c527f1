using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.RateLimiting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// Admission of the query RPCs: at most <see cref="QueryOptions.MaxConcurrentQueries"/> answered at once, up to
/// <see cref="QueryOptions.MaxQueuedQueries"/> more waiting in arrival order, each for at most
/// <see cref="QueryOptions.QueryQueueWait"/>; a call past either is refused with RESOURCE_EXHAUSTED (HTTP 429) and a
/// retry delay. Without it a machine asked for more answers than its engine gives queued every call behind the
/// others, and every caller waited longer the longer the overload lasted (docs/scaling.md, "Queries beyond what the
/// engine answers"). An interceptor of <see cref="AnalyticsGrpcService"/> inside authorization, so a refused caller
/// never holds a turn. Counted: the unary reads. Not counted: <c>TransferChat</c> (an agent's action, never refused
/// for others' reading) and <c>GetCaller</c> (no statement), and <c>ExportChats</c>, whose stream lasts as long as
/// its caller reads and would hold a turn from the pages meanwhile.
/// </summary>
internal sealed class QueryAdmission : Interceptor, IDisposable
{
    /// <summary>Attribute: why a query was refused (<c>queue_full</c>, <c>wait_exceeded</c>).</summary>
    public const string ReasonAttribute = "service_analytics.admission.reason";

    private static readonly HashSet<string> NotCounted = ["TransferChat", "GetCaller"];

    private readonly ConcurrencyLimiter _turns;
    private readonly int _maxConcurrent;
    private readonly TimeSpan _maxWait;
    private readonly Counter<long> _refused;

    public QueryAdmission(IOptions<QueryOptions> options, IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        var settings = options.Value;
        _turns = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.MaxConcurrentQueries,
            QueueLimit = settings.MaxQueuedQueries,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _maxConcurrent = settings.MaxConcurrentQueries;
        _maxWait = settings.QueryQueueWait;
        var meter = meters.Create(TelemetryNames.Meter);
        _refused = meter.CreateCounter<long>(
            "service_analytics.query.refused", "{call}", "Query RPCs refused for want of a turn (QueryAdmission), by RPC and reason.");
        meter.CreateObservableGauge("service_analytics.query.answering", () => Answering, "{call}", "Query RPCs holding a turn to answer.");
        meter.CreateObservableGauge("service_analytics.query.waiting", () => Waiting, "{call}", "Query RPCs waiting for a turn to answer.");
    }

    /// <summary>Query RPCs holding a turn now.</summary>
    public long Answering => _maxConcurrent - (_turns.GetStatistics()?.CurrentAvailablePermits ?? _maxConcurrent);

    /// <summary>Query RPCs waiting for a turn now.</summary>
    public long Waiting => _turns.GetStatistics()?.CurrentQueuedCount ?? 0;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var method = QueryInstruments.MethodName(context.Method);
        if (NotCounted.Contains(method))
        {
            return await continuation(request, context);
        }

        using var turn = await TakeTurnAsync(context, method);
        return await continuation(request, context);
    }

    /// <summary>A turn to answer, or RESOURCE_EXHAUSTED when the queue is full or the wait runs past its maximum.</summary>
    private async Task<RateLimitLease> TakeTurnAsync(ServerCallContext context, string method)
    {
        var callAborted = context.CancellationToken;
        var immediate = _turns.AttemptAcquire();
        if (immediate.IsAcquired)
        {
            return immediate;
        }

        immediate.Dispose();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(callAborted);
        wait.CancelAfter(_maxWait);
        RateLimitLease lease;
        try
        {
            lease = await _turns.AcquireAsync(1, wait.Token);
        }
        catch (OperationCanceledException) when (!callAborted.IsCancellationRequested)
        {
            var waited = _maxWait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            throw Refuse(context, method, "wait_exceeded", $"The service is busy: it had no turn to answer this query within {waited} s.");
        }

        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw Refuse(context, method, "queue_full", "The service is busy: too many queries are already waiting for a turn to answer.");
        }

        return lease;
    }

    private RpcException Refuse(ServerCallContext context, string method, string reason, string message)
    {
        _refused.Add(1, new KeyValuePair<string, object?>("rpc.method", method), new KeyValuePair<string, object?>(ReasonAttribute, reason));
        // Retry after about one wait: by then the calls ahead of this one have had their turns or been refused.
        return GrpcErrors.ResourceExhausted(context, $"{message} Retry shortly.", _maxWait > TimeSpan.FromSeconds(1) ? _maxWait : TimeSpan.FromSeconds(1));
    }

    public void Dispose() => _turns.Dispose();
}
